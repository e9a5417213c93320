"""MatrixGrid: a risk matrix drawn the way it is printed — axes labelled, cells coloured by band.

Reusable wherever a matrix is shown: the editor, rating a hazard, the sign-off queue, reports
(``render_image``). Rows run from the most likely level at the top; columns from the least
severe on the left. Clicking a cell emits ``cellClicked(likelihood_code, severity_code)``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from incident_desk.risk.matrix import Matrix, response_text

Cell = tuple[str, str]


def text_colour(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    r, g, b = background.redF(), background.greenF(), background.blueF()
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return QColor("#1a1a1a") if luminance > 0.5 else QColor("#ffffff")


class MatrixGrid(QWidget):
    LEGEND_ROW = 18
    cellClicked = Signal(str, str)
    headerClicked = Signal(str, int)  # axis ("likelihood" / "severity"), level index

    def __init__(
        self,
        definition: dict[str, Any] | None = None,
        parent: QWidget | None = None,
        *,
        compact: bool = False,
    ) -> None:
        super().__init__(parent)
        self._matrix: Matrix | None = None
        self._marks: dict[Cell, list[str]] = {}
        self._selected: Cell | None = None
        self._problems: set[Cell] = set()
        self._hover: Cell | None = None
        self._interactive = True
        self._compact = compact
        self._show_overrides = False
        self._legend = False
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Risk matrix")
        if definition is not None:
            self.set_definition(definition)

    # -- configuration -------------------------------------------------------------------------
    def set_definition(self, definition: dict[str, Any] | None) -> None:
        self._matrix = Matrix(definition) if definition else None
        self.updateGeometry()
        self.update()

    def matrix(self) -> Matrix | None:
        return self._matrix

    def set_marks(self, marks: dict[Cell, str | list[str]]) -> None:
        """Badges drawn in cells, e.g. {("4", "3"): "I", ("2", "3"): ["R", "2"]}."""
        self._marks = {k: [v] if isinstance(v, str) else list(v) for k, v in marks.items()}
        self.update()

    def set_selected(self, cell: Cell | None) -> None:
        self._selected = cell
        self.update()

    def selected(self) -> Cell | None:
        return self._selected

    def set_problem_cells(self, cells: set[Cell]) -> None:
        self._problems = set(cells)
        self.update()

    def set_legend(self, show: bool) -> None:
        """A key under the grid: each band's colour, name and required response (for print)."""
        self._legend = show
        self.updateGeometry()
        self.update()

    def set_show_overrides(self, show: bool) -> None:
        """Mark cells whose score or band is set by hand (the editor shows these)."""
        self._show_overrides = show
        self.update()

    def set_interactive(self, interactive: bool) -> None:
        self._interactive = interactive
        # Only a grid that can be picked from belongs in the keyboard focus chain.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if interactive else Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor if interactive else Qt.CursorShape.ArrowCursor)
        self.update()

    # -- geometry ------------------------------------------------------------------------------
    def _metrics(self) -> tuple[int, int, int, int]:
        """(axis band, header width, header height, title height) in pixels."""
        if self._compact:
            return 22, 96, 40, 20
        return 26, 150, 58, 24

    def sizeHint(self) -> QSize:
        m = self._matrix
        if m is None:
            return QSize(400, 300)
        axis, head_w, head_h, title_h = self._metrics()
        cw, ch = (70, 44) if self._compact else (112, 70)
        return QSize(
            axis + head_w + cw * len(m.severity) + 2,
            title_h + head_h + ch * len(m.likelihood) + 2 + self._legend_height(),
        )

    def minimumSizeHint(self) -> QSize:
        m = self._matrix
        if m is None:
            return QSize(200, 150)
        axis, head_w, head_h, title_h = self._metrics()
        return QSize(axis + head_w + 48 * len(m.severity), title_h + head_h + 32 * len(m.likelihood))

    def _grid_rect(self) -> QRect:
        axis, head_w, head_h, title_h = self._metrics()
        return QRect(
            axis + head_w,
            title_h + head_h,
            self.width() - axis - head_w - 1,
            self.height() - title_h - head_h - 1 - self._legend_height(),
        )

    def _legend_height(self) -> int:
        if not self._legend or self._matrix is None:
            return 0
        return 10 + self.LEGEND_ROW * len(self._matrix.bands)

    def cell_rect(self, likelihood: str, severity: str) -> QRect:
        m = self._matrix
        assert m is not None
        grid = self._grid_rect()
        rows = [lv["code"] for lv in reversed(m.likelihood)]
        cols = [sv["code"] for sv in m.severity]
        r, c = rows.index(likelihood), cols.index(severity)
        x0 = grid.left() + round(c * grid.width() / len(cols))
        x1 = grid.left() + round((c + 1) * grid.width() / len(cols))
        y0 = grid.top() + round(r * grid.height() / len(rows))
        y1 = grid.top() + round((r + 1) * grid.height() / len(rows))
        return QRect(x0, y0, x1 - x0, y1 - y0)

    def header_rect(self, axis: str, index: int) -> QRect:
        m = self._matrix
        assert m is not None
        axis_w, head_w, head_h, title_h = self._metrics()
        grid = self._grid_rect()
        if axis == "severity":
            n = len(m.severity)
            x0 = grid.left() + round(index * grid.width() / n)
            x1 = grid.left() + round((index + 1) * grid.width() / n)
            return QRect(x0, title_h, x1 - x0, head_h)
        n = len(m.likelihood)
        row = n - 1 - index
        y0 = grid.top() + round(row * grid.height() / n)
        y1 = grid.top() + round((row + 1) * grid.height() / n)
        return QRect(axis_w, y0, head_w, y1 - y0)

    def cell_at(self, pos: QPoint) -> Cell | None:
        m = self._matrix
        if m is None or not self._grid_rect().contains(pos):
            return None
        for lv in m.likelihood:
            for sv in m.severity:
                if self.cell_rect(lv["code"], sv["code"]).contains(pos):
                    return lv["code"], sv["code"]
        return None

    def header_at(self, pos: QPoint) -> tuple[str, int] | None:
        m = self._matrix
        if m is None:
            return None
        for axis, levels in (("likelihood", m.likelihood), ("severity", m.severity)):
            for i in range(len(levels)):
                if self.header_rect(axis, i).contains(pos):
                    return axis, i
        return None

    # -- events --------------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint())
        if cell != self._hover:
            self._hover = cell
            self.update()
        m = self._matrix
        if m is not None and cell is not None:
            rating = m.rate(*cell)
            band = m.band_by_name(rating.band) or {}
            tip = f"<b>{m.cell_name(*cell)}</b><br>Score {rating.score} — {rating.band or 'no band'}" + (
                f"<br>{band.get('response')}" if band.get("response") else ""
            )
            QToolTip.showText(event.globalPosition().toPoint(), tip, self)
        else:
            header = self.header_at(event.position().toPoint())
            if m is not None and header is not None:
                level = (m.likelihood if header[0] == "likelihood" else m.severity)[header[1]]
                QToolTip.showText(
                    event.globalPosition().toPoint(),
                    f"<b>{level['label']}</b> ({level['code']})<br>{level.get('descriptor', '')}",
                    self,
                )

    def leaveEvent(self, event: Any) -> None:
        self._hover = None
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrow keys move the selection; Enter or Space picks the selected cell."""
        m = self._matrix
        if m is None or not self._interactive:
            super().keyPressEvent(event)
            return
        rows = [lv["code"] for lv in reversed(m.likelihood)]
        cols = [sv["code"] for sv in m.severity]
        r, c = (
            (rows.index(self._selected[0]), cols.index(self._selected[1]))
            if (self._selected and self._selected[0] in rows and self._selected[1] in cols)
            else (len(rows) - 1, 0)
        )
        key = event.key()
        moves = {
            Qt.Key.Key_Up: (-1, 0),
            Qt.Key.Key_Down: (1, 0),
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
        }
        if key in moves:
            dr, dc = moves[Qt.Key(key)]
            r, c = max(0, min(len(rows) - 1, r + dr)), max(0, min(len(cols) - 1, c + dc))
            self.set_selected((rows[r], cols[c]))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.cellClicked.emit(rows[r], cols[c])
        else:
            super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._interactive:
            return
        pos = event.position().toPoint()
        cell = self.cell_at(pos)
        if cell is not None:
            self.cellClicked.emit(*cell)
            return
        header = self.header_at(pos)
        if header is not None:
            self.headerClicked.emit(*header)

    # -- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self.paint(painter)
        finally:
            painter.end()

    def render_image(self, size: QSize | None = None, scale: float = 2.0) -> QImage:
        """The matrix as an image (for PDFs), independent of the widget being shown."""
        size = size or self.sizeHint()
        old = self.size()
        self.resize(size)
        image = QImage(int(size.width() * scale), int(size.height() * scale), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.scale(scale, scale)
        try:
            self.paint(painter, for_print=True)
        finally:
            painter.end()
        self.resize(old)
        return image

    def paint(self, p: QPainter, *, for_print: bool = False) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        m = self._matrix
        if m is None:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No matrix")
            return
        axis_w, _head_w, _head_h, title_h = self._metrics()
        grid = self._grid_rect()
        base = QFont(self.font())
        small = QFont(base)
        small.setPointSizeF(max(6.5, base.pointSizeF() - (2.0 if self._compact else 1.5)))
        bold = QFont(base)
        bold.setBold(True)
        title_font = QFont(base)
        title_font.setBold(True)
        title_font.setCapitalization(QFont.Capitalization.AllUppercase)
        title_font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
        title_font.setPointSizeF(max(7.0, base.pointSizeF() - 1))
        if for_print:
            ink, muted, header_bg = QColor("#263238"), QColor("#607d8b"), QColor("#eceff1")
        else:  # follow the light or dark theme
            pal = self.palette()
            ink = pal.color(QPalette.ColorRole.WindowText)
            muted = pal.color(QPalette.ColorRole.PlaceholderText)
            header_bg = pal.color(QPalette.ColorRole.AlternateBase)
            if header_bg == pal.color(QPalette.ColorRole.Window):
                header_bg = pal.color(QPalette.ColorRole.Button)

        # Axis titles: severity across the top, likelihood up the left side.
        p.setFont(title_font)
        p.setPen(ink)
        p.drawText(
            QRect(grid.left(), 0, grid.width(), title_h),
            Qt.AlignmentFlag.AlignCenter,
            f"{m.severity_title}  →",
        )
        p.save()
        p.translate(0, grid.bottom())
        p.rotate(-90)
        p.drawText(
            QRect(0, 0, grid.height(), axis_w), Qt.AlignmentFlag.AlignCenter, f"{m.likelihood_title}  →"
        )
        p.restore()

        # Headers.
        for axis, levels in (("severity", m.severity), ("likelihood", m.likelihood)):
            for i, level in enumerate(levels):
                rect = self.header_rect(axis, i).adjusted(1, 1, -1, -1)
                p.fillRect(rect, header_bg)
                inner = rect.adjusted(6, 3, -6, -3)
                p.setPen(ink)
                label_font = QFont(small if self._compact else bold)
                label_font.setBold(True)
                p.setFont(label_font)
                label = str(level.get("label", ""))
                fm = p.fontMetrics()
                code = str(level.get("code", ""))
                if axis == "severity":
                    if self._compact:
                        label = fm.elidedText(label, Qt.TextElideMode.ElideRight, inner.width())
                    p.drawText(
                        inner,
                        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                        label,
                    )
                    p.setFont(small)
                    p.setPen(muted)
                    p.drawText(inner, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, code)
                else:
                    p.drawText(
                        inner.adjusted(0, 0, -22, 0),
                        Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                        fm.elidedText(label, Qt.TextElideMode.ElideRight, inner.width() * 2),
                    )
                    p.setFont(small)
                    p.setPen(muted)
                    p.drawText(inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, code)

        # Cells.
        big = QFont(base)
        big.setBold(True)
        big.setPointSizeF(base.pointSizeF() + (1 if self._compact else 4))
        for cell in m.cells():
            key = (cell.likelihood, cell.severity)
            rect = self.cell_rect(*key)
            inner = rect.adjusted(1, 1, -1, -1)
            colour = QColor(cell.colour)
            if not self._interactive and self._marks and key not in self._marks and not for_print:
                colour = colour.lighter(112)
            p.fillRect(inner, colour)
            fg = text_colour(colour)
            p.setPen(fg)
            p.setFont(big)
            if self._compact:
                p.drawText(inner, Qt.AlignmentFlag.AlignCenter, str(cell.score))
            else:
                top = inner.adjusted(0, 4, 0, -inner.height() // 3)
                p.drawText(top, Qt.AlignmentFlag.AlignCenter, str(cell.score))
                p.setFont(small)
                p.drawText(
                    inner.adjusted(2, inner.height() * 2 // 3 - 6, -2, -2),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    cell.band or "—",
                )
            if self._show_overrides and (cell.overridden_score or cell.explicit_band):
                # A folded corner marks a cell whose score or band is set by hand.
                corner = min(14, inner.width() // 5)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(colour.darker(150))
                p.drawPolygon(
                    [
                        QPoint(inner.right() - corner, inner.top()),
                        QPoint(inner.right() + 1, inner.top()),
                        QPoint(inner.right() + 1, inner.top() + corner),
                    ]
                )
                p.setBrush(Qt.BrushStyle.NoBrush)
            if key in self._problems:
                p.setPen(QPen(QColor("#b00020"), 3, Qt.PenStyle.DashLine))
                p.drawRect(inner.adjusted(2, 2, -2, -2))
            if key == self._selected or (key == self._hover and self._interactive and not for_print):
                p.setPen(
                    QPen(
                        QColor("#0d47a1") if key == self._selected else QColor(0, 0, 0, 120),
                        3 if key == self._selected else 2,
                    )
                )
                p.drawRect(inner.adjusted(1, 1, -2, -2))
            marks = self._marks.get(key)
            if marks:
                self._draw_marks(p, inner, marks, small)
        # Outer frame (the highlight colour while the grid has keyboard focus).
        focused = self.hasFocus() and self._interactive and not for_print
        p.setPen(
            QPen(
                self.palette().color(QPalette.ColorRole.Highlight) if focused else QColor("#90a4ae"),
                2 if focused else 1,
            )
        )
        p.drawRect(grid)
        if self._legend:
            self._draw_legend(p, grid, small, ink)

    def _draw_legend(self, p: QPainter, grid: QRect, font: QFont, ink: QColor) -> None:
        m = self._matrix
        assert m is not None
        p.setFont(font)
        y = grid.bottom() + 10
        for band in reversed(m.bands):
            swatch_rect = QRect(grid.left(), y + 3, 22, self.LEGEND_ROW - 6)
            p.fillRect(swatch_rect, QColor(str(band.get("colour", "#9e9e9e"))))
            hours = band.get("response_hours")
            when = f" ({response_text(hours)})" if hours is not None else ""
            text = f"{band.get('name', '')} — {band.get('response', '')}{when}"
            p.setPen(ink)
            rect = QRect(grid.left() + 30, y, self.width() - grid.left() - 30, self.LEGEND_ROW)
            p.drawText(
                rect,
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width()),
            )
            y += self.LEGEND_ROW

    def _draw_marks(self, p: QPainter, rect: QRect, marks: list[str], font: QFont) -> None:
        badge_font = QFont(font)
        badge_font.setBold(True)
        p.setFont(badge_font)
        d = 18 if not self._compact else 15
        x = rect.left() + 4
        y = rect.top() + 4
        for mark in marks[:4]:
            w = max(d, p.fontMetrics().horizontalAdvance(mark) + 8)
            badge = QRectF(x, y, w, d)
            p.setPen(QPen(QColor("white"), 1.5))
            p.setBrush(QColor("#1a237e") if not mark.startswith("R") else QColor("#004d40"))
            p.drawRoundedRect(badge, d / 2, d / 2)
            p.setPen(QColor("white"))
            p.drawText(badge, Qt.AlignmentFlag.AlignCenter, mark)
            x += w + 3
        p.setBrush(Qt.BrushStyle.NoBrush)
