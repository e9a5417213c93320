"""A workflow stepper: Identification → … → Closed, with the current stage highlighted."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from incident_desk.incidents.workflow import STAGE_OF, STATUS_LABELS, Stage

STAGES = list(Stage)


class WorkflowStepper(QWidget):
    """Paints the six stages as numbered circles joined by a line; done stages are ticked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current: Stage | None = None
        self.status_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Workflow stage")
        self.set_status(None)

    def set_status(self, status: str | None) -> None:
        self.current = STAGE_OF.get(status) if status else None  # type: ignore[call-overload]
        self.status_text = STATUS_LABELS.get(status, status) if status else "Not saved yet"  # type: ignore[call-overload]
        where = self.current.value if self.current else "Identification (not saved yet)"
        self.setAccessibleDescription(f"Current stage: {where}. Status: {self.status_text}.")
        self.setToolTip(f"Status: {self.status_text}")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(640, 58)

    def minimumSizeHint(self) -> QSize:
        return QSize(420, 58)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        accent = pal.highlight().color()
        muted = pal.mid().color()
        text = pal.windowText().color()
        done_colour = QColor("#2e7d32")
        n = len(STAGES)
        margin = max(40.0, self.fontMetrics().horizontalAdvance(STAGES[0].value) / 2 + 6)
        step = (self.width() - 2 * margin) / (n - 1)
        y, r = 18.0, 11.0
        current = STAGES.index(self.current) if self.current else 0
        saved = self.current is not None
        for i in range(n - 1):
            x0, x1 = margin + i * step + r, margin + (i + 1) * step - r
            p.setPen(QPen(done_colour if saved and i < current else muted, 2))
            p.drawLine(QPointF(x0, y), QPointF(x1, y))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        for i, stage in enumerate(STAGES):
            cx = margin + i * step
            circle = QRectF(cx - r, y - r, 2 * r, 2 * r)
            is_done = saved and (i < current or (stage is Stage.CLOSED and self.current is Stage.CLOSED))
            is_current = i == current
            if is_done:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(done_colour)
            elif is_current:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(accent)
            else:
                p.setPen(QPen(muted, 1.5))
                p.setBrush(pal.base())
            p.drawEllipse(circle)
            p.setPen(QColor("#ffffff") if is_done or is_current else text)
            p.setFont(self.font())
            p.drawText(circle, Qt.AlignmentFlag.AlignCenter, "✓" if is_done else str(i + 1))
            label_font = QFont(small)
            label_font.setBold(is_current)
            p.setFont(label_font)
            p.setPen(text if is_current or is_done else muted.darker(150))
            p.drawText(QRectF(cx - step / 2, y + r + 3, step, 20), Qt.AlignmentFlag.AlignHCenter, stage.value)
        p.end()
