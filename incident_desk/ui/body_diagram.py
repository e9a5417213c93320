"""A clickable body diagram (front view plus the back) for picking the injured body part and side.

The figure faces the viewer, so the person's right side is on the viewer's left — the way
first-aid and medical forms draw it, with R and L marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

# Logical drawing area; the widget scales it to fit.
W, H = 300.0, 400.0


@dataclass(frozen=True)
class Region:
    part: str
    side: str  # "left", "right" or "na"
    path: QPainterPath


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> QPainterPath:
    p = QPainterPath()
    p.addEllipse(QPointF(cx, cy), rx, ry)
    return p


def _rect(x: float, y: float, w: float, h: float, radius: float = 5) -> QPainterPath:
    p = QPainterPath()
    p.addRoundedRect(QRectF(x, y, w, h), radius, radius)
    return p


def _mirror(x: float, w: float = 0) -> float:
    """x of the same shape on the other side of the front figure (centre line at 100)."""
    return 200 - x - w


def _build_regions() -> list[Region]:
    """Most specific first: a click is matched against these in order."""
    regions: list[Region] = []

    def pair(
        part: str, x: float, y: float, w: float, h: float, *, oval: bool = False, radius: float = 5
    ) -> None:
        # Person's right is on the viewer's left.
        for side, xx in (("right", x), ("left", _mirror(x, w))):
            path = _ellipse(xx + w / 2, y + h / 2, w / 2, h / 2) if oval else _rect(xx, y, w, h, radius)
            regions.append(Region(part, side, path))

    pair("Eye", 86, 34, 11, 7, oval=True)
    pair("Ear", 70, 34, 8, 16, oval=True)
    regions.append(Region("Face", "na", _ellipse(100, 50, 13, 12)))
    regions.append(Region("Head", "na", _ellipse(100, 40, 23, 29)))
    regions.append(Region("Neck", "na", _rect(91, 64, 18, 24, 3)))
    pair("Finger", 33, 236, 22, 18, radius=5)
    pair("Hand", 33, 212, 24, 28, oval=True)
    pair("Wrist", 36, 204, 20, 12, radius=3)
    pair("Forearm", 38, 158, 21, 50, radius=8)
    pair("Elbow", 42, 144, 22, 20, oval=True)
    pair("Upper arm", 46, 94, 21, 56, radius=8)
    pair("Shoulder", 52, 80, 30, 24, oval=True)
    regions.append(Region("Groin", "na", _rect(91, 186, 18, 18, 6)))
    regions.append(Region("Chest", "na", _rect(70, 82, 60, 58, 10)))
    regions.append(Region("Abdomen", "na", _rect(72, 128, 56, 52, 6)))
    pair("Hip", 72, 172, 28, 30, radius=6)
    pair("Knee", 76, 270, 22, 20, oval=True)
    pair("Thigh", 74, 196, 25, 80, radius=9)
    pair("Ankle", 79, 344, 18, 12, radius=3)
    pair("Lower leg", 77, 282, 21, 66, radius=8)
    pair("Toe", 70, 364, 26, 12, radius=4)
    pair("Foot", 74, 352, 24, 16, radius=5)
    # The back, drawn to the right of the front figure.
    regions.append(Region("Upper back", "na", _rect(222, 82, 60, 54, 10)))
    regions.append(Region("Lower back", "na", _rect(224, 128, 56, 52, 6)))
    return regions


REGIONS = _build_regions()


def _silhouette(regions: list[Region]) -> QPainterPath:
    outline = QPainterPath()
    for region in regions:
        outline = outline.united(region.path)
    return outline.simplified()


# The front figure and the back, each drawn as one outline.
SILHOUETTES = (
    _silhouette([r for r in REGIONS if r.part not in ("Upper back", "Lower back")]),
    _silhouette([r for r in REGIONS if r.part in ("Upper back", "Lower back")]),
)


class BodyDiagram(QWidget):
    """Click a region to pick it; clicking the same part on the other side picks "both"."""

    picked = Signal(str, str)  # body part, side

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.part = ""
        self.side = ""
        self.hover: Region | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Body diagram")
        self.setAccessibleDescription(
            "Click the injured body part. The body part list next to it does the same."
        )
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(240, 320)

    def minimumSizeHint(self) -> QSize:
        return QSize(180, 240)

    def set_selection(self, part: str, side: str) -> None:
        self.part, self.side = part, side
        self.update()

    # -- geometry --------------------------------------------------------------------------
    def _transform(self) -> QTransform:
        scale = min(self.width() / W, self.height() / H)
        t = QTransform()
        t.translate((self.width() - W * scale) / 2, (self.height() - H * scale) / 2)
        t.scale(scale, scale)
        return t

    def region_at(self, pos: QPointF) -> Region | None:
        inverted, ok = self._transform().inverted()
        if not ok:
            return None
        point = inverted.map(pos)
        return next((r for r in REGIONS if r.path.contains(point)), None)

    def point_of(self, part: str, side: str = "na") -> QPointF:
        """Widget coordinates of a region's centre (for tests and keyboard-free automation)."""
        region = next(r for r in REGIONS if r.part == part and r.side in (side, "na"))
        return self._transform().map(region.path.boundingRect().center())

    def _selected(self, region: Region) -> bool:
        if region.part != self.part:
            return False
        return region.side == "na" or self.side in (region.side, "both", "", "na")

    # -- events ----------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        region = self.region_at(event.position())
        if region is not self.hover:
            self.hover = region
            self.setToolTip(_describe(region.part, region.side) if region else "")
            self.update()

    def leaveEvent(self, _event: object) -> None:
        self.hover = None
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        region = self.region_at(event.position())
        if region is None:
            return
        side = region.side
        if region.part == self.part and {self.side, side} == {"left", "right"}:
            side = "both"
        self.set_selection(region.part, side)
        self.picked.emit(region.part, side)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setTransform(self._transform())
        pal = self.palette()
        skin, outline = QColor("#e6ebf1"), QColor("#7d8a99")
        chosen, hover = QColor(216, 67, 21, 215), QColor(66, 135, 245, 110)
        # One smooth silhouette per view, then the clickable regions hinted on top of it.
        p.setPen(QPen(outline, 1.4))
        p.setBrush(skin)
        for silhouette in SILHOUETTES:
            p.drawPath(silhouette)
        faint = QColor(outline)
        faint.setAlpha(70)
        for region in reversed(REGIONS):  # general shapes first, details painted on top
            if self._selected(region):
                p.setPen(QPen(chosen.darker(130), 1.0))
                p.setBrush(chosen)
            elif region is self.hover:
                p.setPen(QPen(hover.darker(130), 1.0))
                p.setBrush(hover)
            else:
                p.setPen(QPen(faint, 0.8, Qt.PenStyle.DotLine))
                p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(region.path)
        p.setPen(pal.windowText().color())
        p.drawText(QRectF(0, 0, 40, 20), Qt.AlignmentFlag.AlignCenter, "R")
        p.drawText(QRectF(160, 0, 40, 20), Qt.AlignmentFlag.AlignCenter, "L")
        p.drawText(QRectF(0, 382, 200, 18), Qt.AlignmentFlag.AlignCenter, "Front")
        p.drawText(QRectF(212, 186, 80, 18), Qt.AlignmentFlag.AlignCenter, "Back")
        p.end()


def _describe(part: str, side: str) -> str:
    return f"{part} ({side})" if side in ("left", "right", "both") else part
