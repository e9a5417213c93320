"""The Unicode fonts embedded in every PDF, and switching runs of CJK text to the fallback font.

DejaVu Sans covers Latin, Greek and Cyrillic; Droid Sans Fallback covers Chinese, Japanese and
Korean. ReportLab has no automatic fallback, so text is split into runs: characters DejaVu lacks
but the fallback has are set in the fallback font (``markup`` for paragraphs, ``draw_text`` for
text drawn straight on the canvas).
"""

from __future__ import annotations

import threading
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from incident_desk.paths import resources_dir

SANS = "IDSans"
SANS_BOLD = "IDSans-Bold"
SANS_ITALIC = "IDSans-Oblique"
FALLBACK = "IDSansCJK"

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SANS_ITALIC: "DejaVuSans-Oblique.ttf",
}
FALLBACK_FILE = "DroidSansFallbackFull.ttf"
_lock = threading.Lock()
_registered = False
_fallback_registered = False


def fonts_dir() -> str:
    return str(resources_dir() / "fonts")


def register_fonts() -> None:
    """Register the embedded fonts with ReportLab (once per process, thread-safe)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, file in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, f"{fonts_dir()}/{file}"))
        addMapping(SANS, 0, 0, SANS)
        addMapping(SANS, 1, 0, SANS_BOLD)
        addMapping(SANS, 0, 1, SANS_ITALIC)
        addMapping(SANS, 1, 1, SANS_BOLD)
        _registered = True


def _register_fallback() -> None:
    global _fallback_registered
    if _fallback_registered:
        return
    with _lock:
        if not _fallback_registered:
            pdfmetrics.registerFont(TTFont(FALLBACK, f"{fonts_dir()}/{FALLBACK_FILE}"))
            addMapping(FALLBACK, 0, 0, FALLBACK)
            addMapping(FALLBACK, 1, 0, FALLBACK)
            addMapping(FALLBACK, 0, 1, FALLBACK)
            addMapping(FALLBACK, 1, 1, FALLBACK)
            _fallback_registered = True


@cache
def _main_charset() -> frozenset[int]:
    register_fonts()
    font = pdfmetrics.getFont(SANS)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def needs_fallback(ch: str) -> bool:
    """True for a character DejaVu Sans cannot draw (CJK and other scripts the fallback has)."""
    code = ord(ch)
    return code > 0x2E7F and code not in _main_charset()


def has_fallback_text(text: str) -> bool:
    if text.isascii() or max(text) <= "\u2e7f":  # both run at C speed: the common case is cheap
        return False
    return any(needs_fallback(ch) for ch in text)


def runs(text: str) -> list[tuple[bool, str]]:
    """Split ``text`` into (is_fallback, run) pieces."""
    out: list[tuple[bool, str]] = []
    for ch in text:
        fb = needs_fallback(ch) if ord(ch) > 0x2E7F else False
        if out and out[-1][0] == fb:
            out[-1] = (fb, out[-1][1] + ch)
        else:
            out.append((fb, ch))
    return out


def markup(text: object) -> str:
    """Escape ``text`` for a ReportLab Paragraph, switching CJK runs to the fallback font."""
    s = "" if text is None else str(text)
    if not has_fallback_text(s):
        return escape(s).replace("\n", "<br/>")
    _register_fallback()
    parts = []
    for fb, run in runs(s):
        piece = escape(run).replace("\n", "<br/>")
        parts.append(f'<font name="{FALLBACK}">{piece}</font>' if fb else piece)
    return "".join(parts)


def text_width(text: str, font: str, size: float) -> float:
    if not has_fallback_text(text):
        return stringWidth(text, font, size)
    _register_fallback()
    return sum(stringWidth(run, FALLBACK if fb else font, size) for fb, run in runs(text))


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, font: str = SANS, size: float = 8, align: str = "left"
) -> None:
    """Draw one line on the canvas with per-run font switching; ``align`` is left, centre or right."""
    width = text_width(text, font, size)
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width / 2
    if not has_fallback_text(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)
        return
    for fb, run in runs(text):
        name = FALLBACK if fb else font
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += stringWidth(run, name, size)
