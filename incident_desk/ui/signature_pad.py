"""A signature pad (draw with mouse, pen or finger; Clear; PNG export) and the form's signatures panel."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from incident_desk.db.base import utcnow

INK = QColor("#0d2a66")


class SignaturePad(QWidget):
    """Strokes are kept as point lists; pen and touch input reach us as synthesised mouse events."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strokes: list[list[QPointF]] = []
        self._drawing = False
        self.setMinimumSize(320, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName("Signature pad")
        self.setAccessibleDescription("Sign here with the mouse, a pen or a finger.")
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)

    def sizeHint(self) -> QSize:
        return QSize(420, 140)

    def is_empty(self) -> bool:
        return not any(len(s) > 1 for s in self.strokes)

    def clear(self) -> None:
        self.strokes = []
        self.update()
        self.changed.emit()

    # -- input -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drawing = True
            self.strokes.append([event.position()])
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drawing and self.strokes:
            self.strokes[-1].append(event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drawing and event.button() == Qt.MouseButton.LeftButton:
            self._drawing = False
            if self.strokes and len(self.strokes[-1]) == 1:  # a tap leaves a dot
                self.strokes[-1].append(self.strokes[-1][0] + QPointF(0.5, 0.5))
            self.changed.emit()

    # -- painting --------------------------------------------------------------------------
    def _paths(self) -> list[QPainterPath]:
        paths = []
        for stroke in self.strokes:
            if not stroke:
                continue
            path = QPainterPath(stroke[0])
            for point in stroke[1:]:
                path.lineTo(point)
            paths.append(path)
        return paths

    def _draw_ink(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(INK, 2.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for path in self._paths():
            p.drawPath(path)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#ffffff"))
        p.setPen(QPen(QColor("#b0b8c4"), 1))
        p.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        base = self.height() - 28
        p.setPen(QPen(QColor("#b0b8c4"), 1, Qt.PenStyle.DashLine))
        p.drawLine(16, base, self.width() - 16, base)
        if self.is_empty():
            p.setPen(QColor("#8a939e"))
            p.drawText(
                QRectF(16, base + 2, self.width() - 32, 22), Qt.AlignmentFlag.AlignLeft, "✕  Sign here"
            )
        self._draw_ink(p)
        p.end()

    def to_png(self) -> bytes:
        """The ink on a transparent background, cropped to the drawing, at twice screen resolution."""
        bounds = QRectF()
        for path in self._paths():
            bounds = bounds.united(path.boundingRect())
        bounds = bounds.adjusted(-6, -6, 6, 6).intersected(QRectF(self.rect()))
        if bounds.isEmpty():
            bounds = QRectF(self.rect())
        scale = 2
        image = QImage(int(bounds.width() * scale), int(bounds.height() * scale), QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        p.scale(scale, scale)
        p.translate(-bounds.topLeft())
        self._draw_ink(p)
        p.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())


@dataclass(frozen=True)
class SignatureEntry:
    key: str
    png: bytes
    signer_name: str
    signer_role: str
    signed_at: dt.datetime
    person_key: str | None = None
    attachment_id: int | None = None

    @property
    def saved(self) -> bool:
        return self.attachment_id is not None


SIGNER_ROLES = ("Reporter", "Witness", "Injured person", "First aider", "Safety officer", "Manager", "Other")
_ROLE_OF_PERSON = {
    "injured": "Injured person",
    "witness": "Witness",
    "first_aider": "First aider",
    "reporter": "Reporter",
    "other": "Other",
}


class SignaturePanel(QWidget):
    """Signatures given so far, and the pad to add one: the reporter signs the report,
    witnesses their statement."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: dict[str, SignatureEntry] = {}
        self.saved: list[str] = []
        self.pending: list[str] = []
        self.reporter_name = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setAccessibleName("Signatures")
        self.list.setIconSize(QSize(120, 40))
        self.list.setMaximumHeight(110)
        self.list.currentItemChanged.connect(lambda *_a: self._update_remove())
        self._editable = True
        layout.addWidget(self.list)

        form = QFormLayout()
        self.who = QComboBox()
        self.who.setAccessibleName("Who is signing")
        self.who.currentIndexChanged.connect(self._who_changed)
        self.name = QLineEdit()
        self.name.setAccessibleName("Signer's name")
        self.role = QComboBox()
        self.role.setEditable(True)
        self.role.addItems(SIGNER_ROLES)
        self.role.setAccessibleName("Signer's role")
        form.addRow("Who is si&gning:", self.who)
        form.addRow("Signer's na&me:", self.name)
        form.addRow("Signer's r&ole:", self.role)
        layout.addLayout(form)
        self.pad = SignaturePad()
        layout.addWidget(self.pad)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton("C&lear")
        self.clear_button.clicked.connect(self.pad.clear)
        self.accept_button = QPushButton("Acce&pt signature")
        self.accept_button.clicked.connect(self.accept_signature)
        self.remove_button = QPushButton("Remove unsaved signature")
        self.remove_button.clicked.connect(self.remove_current)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.accept_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.set_people([])
        self._rebuild()

    # -- who signs -------------------------------------------------------------------------
    def set_people(self, people: list[tuple[str, str, str]]) -> None:
        """``people`` as (person key, name, role code) from the people editor."""
        current = self.who.currentData()
        self.who.blockSignals(True)
        self.who.clear()
        self.who.addItem("The reporter (signs the report)", ("reporter", None))
        for key, name, role in people:
            if name.strip():
                label = _ROLE_OF_PERSON.get(role, "Person")
                self.who.addItem(f"{name} — {label.lower()} (signs their statement)", (role, key))
        index = self.who.findData(current) if current is not None else 0
        self.who.setCurrentIndex(max(index, 0))
        self.who.blockSignals(False)
        self._people = {key: (name, role) for key, name, role in people}

    def set_reporter_name(self, name: str) -> None:
        if self.who.currentData() == ("reporter", None) and self.name.text() in ("", self.reporter_name):
            self.name.setText(name)
        self.reporter_name = name

    def _who_changed(self, _index: int) -> None:
        data = self.who.currentData()
        if not data:
            return
        role, key = data
        if key is None:
            self.name.setText(self.reporter_name)
            self.role.setCurrentText("Reporter")
        else:
            name, person_role = self._people.get(key, ("", role))
            self.name.setText(name)
            self.role.setCurrentText(_ROLE_OF_PERSON.get(person_role, "Other"))

    # -- signing ---------------------------------------------------------------------------
    def accept_signature(self) -> SignatureEntry | None:
        problems = []
        if not self.name.text().strip():
            problems.append("Enter the name of the person signing.")
        if self.pad.is_empty():
            problems.append("Draw the signature in the box first.")
        self.error.setText(" ".join(problems))
        self.error.setVisible(bool(problems))
        if problems:
            return None
        data = self.who.currentData() or ("reporter", None)
        entry = SignatureEntry(
            key=f"sig-{uuid.uuid4().hex[:12]}",
            png=self.pad.to_png(),
            signer_name=self.name.text().strip(),
            signer_role=self.role.currentText().strip(),
            signed_at=utcnow(),
            person_key=data[1],
        )
        self.entries[entry.key] = entry
        self.pending.append(entry.key)
        self.pad.clear()
        self._rebuild()
        self.changed.emit()
        return entry

    def remove_current(self) -> None:
        item = self.list.currentItem()
        key = item.data(Qt.ItemDataRole.UserRole) if item else None
        if key in self.pending:
            self.pending.remove(key)
            self._rebuild()
            self.changed.emit()

    # -- state -----------------------------------------------------------------------------
    def load(self, saved: list[SignatureEntry]) -> None:
        for e in saved:
            self.entries[e.key] = e
        self.saved = [e.key for e in saved]
        self.pending = []
        self._rebuild()

    def state(self) -> list[str]:
        return list(self.pending)

    def apply_state(self, keys: list[str]) -> None:
        self.pending = [k for k in keys if k in self.entries]
        self._rebuild()

    def pending_entries(self) -> list[SignatureEntry]:
        return [self.entries[k] for k in self.pending]

    def _rebuild(self) -> None:
        self.list.clear()
        for key in self.saved + self.pending:
            e = self.entries[key]
            pixmap = QPixmap()
            pixmap.loadFromData(e.png)
            when = e.signed_at.astimezone().strftime("%Y-%m-%d %H:%M")
            note = "" if e.saved else "  — not saved yet"
            item = QListWidgetItem(QIcon(pixmap), f"{e.signer_name}, {e.signer_role} — signed {when}{note}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.list.addItem(item)
        if not self.saved and not self.pending:
            item = QListWidgetItem("No signatures yet.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)
        self._update_remove()

    def _update_remove(self) -> None:
        item = self.list.currentItem()
        key = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.remove_button.setEnabled(self._editable and key in self.pending)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        for w in (self.who, self.name, self.role, self.pad, self.clear_button, self.accept_button):
            w.setEnabled(editable)
        self._update_remove()
