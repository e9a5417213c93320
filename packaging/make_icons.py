"""Render resources/icons/incident-desk.svg to the PNG sizes, a Windows .ico and a macOS .icns.

Run after changing the SVG: ``python packaging/make_icons.py``. The outputs are committed, so
building a bundle does not need this step.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"


def render(svg: Path, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(data.data())


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = ICONS / "incident-desk.svg"
    images = {}
    for size in (*SIZES, 512, 1024):
        png = render(svg, size)
        images[size] = Image.open(io.BytesIO(png)).convert("RGBA")
        if size in SIZES:
            folder = ICONS / "hicolor" / f"{size}x{size}" / "apps"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "org.incidentdesk.IncidentDesk.png").write_bytes(png)
    scalable = ICONS / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    (scalable / "org.incidentdesk.IncidentDesk.svg").write_bytes(svg.read_bytes())
    images[256].save(ICONS / "incident-desk.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    images[1024].save(ICONS / "incident-desk.icns")
    images[256].save(ICONS / "incident-desk.png")
    print(f"wrote icons to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
