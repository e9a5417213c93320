"""PDF building blocks shared by every report: page frame, footer "Page x of y", styles, tables, chips.

Every page carries the organisation's name and the document title at the top, and at the foot
a confidentiality line, the generation time and "Page x of y". The total page count is known
only at the end, so the canvas keeps each page's state and draws the footers when it saves.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from incident_desk import APP_NAME, __version__
from incident_desk.progress import Progress
from incident_desk.reports.fonts import SANS, SANS_BOLD, draw_text, has_fallback_text, markup, register_fonts

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
HEAD_BG = colors.HexColor("#e4e7eb")
ZEBRA = colors.HexColor("#f5f7fa")
ACCENT = colors.HexColor("#1d4e89")

# Images and fonts stored as binary streams, not ASCII85 text: smaller files, much faster output.
rl_config.useA85 = 0

CONFIDENTIAL = (
    "Confidential — contains personal and health information. Do not copy or distribute without authority."
)


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=SANS, fontSize=9, leading=12, textColor=INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_small": ParagraphStyle("cell_small", parent=base, fontSize=7, leading=8.5),
        "cell_head": ParagraphStyle("cell_head", parent=base, fontName=SANS_BOLD, fontSize=7.5, leading=9),
        "label": ParagraphStyle(
            "label", parent=base, fontName=SANS_BOLD, fontSize=8, leading=10, textColor=MUTED
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=SANS_BOLD, fontSize=17, leading=21, spaceAfter=2
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, leading=14, textColor=MUTED),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=12.5,
            leading=16,
            spaceBefore=10,
            spaceAfter=5,
            textColor=ACCENT,
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=SANS_BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3
        ),
        "cover_title": ParagraphStyle(
            "cover_title",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=26,
            leading=32,
            textColor=ACCENT,
            spaceAfter=8,
        ),
        "cover_sub": ParagraphStyle("cover_sub", parent=base, fontSize=13, leading=18, textColor=MUTED),
        "centre": ParagraphStyle("centre", parent=base, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "notice": ParagraphStyle(
            "notice",
            parent=base,
            fontSize=8,
            leading=10.5,
            textColor=colors.HexColor("#7b341e"),
            backColor=colors.HexColor("#fff4e5"),
            borderColor=colors.HexColor("#f0b429"),
            borderWidth=0.6,
            borderPadding=5,
            spaceBefore=4,
            spaceAfter=8,
        ),
    }


def P(text: object, style: ParagraphStyle | str = "body", *, raw: bool = False) -> Paragraph:
    """A paragraph of plain ``text`` (escaped, CJK-aware); ``raw`` keeps ReportLab markup as it is."""
    st = STYLES[style] if isinstance(style, str) else style
    return Paragraph(str(text) if raw else markup(text), st)


STYLES: dict[str, ParagraphStyle] = {}


def _ensure_styles() -> None:
    if not STYLES:
        STYLES.update(styles())


@dataclass
class DocInfo:
    """What the page frame prints: header and footer text."""

    title: str
    organisation: str = ""
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    confidential: str = CONFIDENTIAL
    subject: str = ""
    author: str = ""
    header_right: str = ""

    def generated_text(self, tz: dt.tzinfo | None = None) -> str:
        when = self.generated_at.astimezone(tz) if tz else self.generated_at
        return f"Generated {when:%d %b %Y %H:%M %Z} by {APP_NAME} {__version__}"


def _canvas_maker(info: DocInfo, tz: dt.tzinfo | None) -> Callable[..., Canvas]:
    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._frame(total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _frame(self, total: int) -> None:
            width, height = self._pagesize
            left, right = 16 * mm, width - 16 * mm
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            # Header (not on the first page, which has its own title block)
            if self._pageNumber > 1:
                self.setFillColor(MUTED)
                draw_text(self, left, height - 11 * mm, info.organisation, SANS_BOLD, 7.5)
                draw_text(self, right, height - 11 * mm, info.header_right or info.title, SANS, 7.5, "right")
                self.line(left, height - 12.5 * mm, right, height - 12.5 * mm)
            # Footer on every page
            self.line(left, 14 * mm, right, 14 * mm)
            self.setFillColor(MUTED)
            draw_text(self, left, 10 * mm, info.confidential, SANS, 6.5)
            draw_text(self, left, 6.5 * mm, info.generated_text(tz), SANS, 6.5)
            self.setFillColor(INK)
            draw_text(self, right, 8 * mm, f"Page {self._pageNumber} of {total}", SANS_BOLD, 8, "right")
            self.restoreState()

    return NumberedCanvas


class ReportDoc(BaseDocTemplate):
    """A document with the shared page frame; headings flagged ``toc_level`` go in the contents."""

    def __init__(
        self,
        buffer: io.BytesIO,
        info: DocInfo,
        *,
        pagesize: tuple[float, float] = A4,
        progress: Progress | None = None,
        landscape_pages: bool = False,
    ) -> None:
        size = landscape(pagesize) if landscape_pages else pagesize
        super().__init__(
            buffer,
            pagesize=size,
            leftMargin=16 * mm,
            rightMargin=16 * mm,
            topMargin=17 * mm,
            bottomMargin=19 * mm,
            title=info.title,
            author=info.author or info.organisation,
            subject=info.subject,
            creator=f"{APP_NAME} {__version__}",
        )
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self.info = info
        self.progress = progress
        self._flowables_done = 0
        self._flowables_total = 0

    def afterFlowable(self, flowable: Flowable) -> None:
        level = getattr(flowable, "toc_level", None)
        if level is not None:
            text = getattr(flowable, "toc_text", "")
            key = f"toc-{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
            self.notify("TOCEntry", (level, text, self.page, key))
        if self.progress is not None:
            self._flowables_done += 1
            if self._flowables_done % 25 == 0:
                self.progress.update(
                    min(self._flowables_done, self._flowables_total),
                    self._flowables_total,
                    "Laying out pages…",
                )


def build(
    story: list[Flowable],
    info: DocInfo,
    *,
    tz: dt.tzinfo | None = None,
    toc: TableOfContents | None = None,
    toc_prefix: int | None = None,
    progress: Progress | None = None,
    landscape_pages: bool = False,
) -> bytes:
    """Lay out ``story`` and return the PDF bytes.

    With a table of contents, a first pass lays out ``story[:toc_prefix]`` only, to learn the
    page of each heading, and the second pass lays out everything. The flowables after the
    prefix (a long incident list) then need no extra pass, provided the contents fit on the
    page that holds them in both passes.
    """
    maker = _canvas_maker(info, tz)
    if toc is not None:
        first = ReportDoc(io.BytesIO(), info, landscape_pages=landscape_pages)
        first._indexingFlowables = [toc]  # plain build() does not collect them; multiBuild would
        edits: list[tuple[Any, ...]] = []
        first._multiBuildEdits = edits.append  # layout marks flowables; undo them as multiBuild does
        first.build(story[:toc_prefix] if toc_prefix is not None else story[:], canvasmaker=maker)
        for fn, *fn_args in edits:
            fn(*fn_args)
        toc.beforeBuild()  # what the first pass found becomes what the contents show
    buffer = io.BytesIO()
    doc = ReportDoc(buffer, info, progress=progress, landscape_pages=landscape_pages)
    doc._flowables_total = len(story)
    doc.build(story, canvasmaker=maker)
    return buffer.getvalue()


def toc_flowable() -> TableOfContents:
    _ensure_styles()
    toc = TableOfContents()
    toc.levelStyles = [
        ParagraphStyle(
            "toc1", parent=STYLES["body"], fontName=SANS_BOLD, fontSize=10, leading=15, leftIndent=0
        ),
        ParagraphStyle("toc2", parent=STYLES["body"], fontSize=9, leading=13, leftIndent=14),
    ]
    toc.dotsMinLevel = 0
    return toc


def heading(text: str, level: int = 0, *, toc: bool = True) -> Paragraph:
    _ensure_styles()
    p = P(text, "h1" if level == 0 else "h2")
    if toc:
        p.toc_level = level  # type: ignore[attr-defined]
        p.toc_text = text  # type: ignore[attr-defined]
    return p


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float] | None = None,
    *,
    align_right: Sequence[int] = (),
    small: bool = False,
    total_row: bool = False,
    repeat_header: bool = True,
    extra_style: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A ruled table with a shaded header row and zebra stripes; cells may be text or flowables."""
    _ensure_styles()
    cell_style = STYLES["cell_small" if small else "cell"]
    head = [P(h, "cell_head") for h in header]
    body = [
        [c if isinstance(c, Flowable) else P("" if c is None else c, cell_style) for c in row] for row in rows
    ]
    table = Table(
        [head, *body],
        colWidths=list(widths) if widths else None,
        repeatRows=1 if repeat_header else 0,
        hAlign="LEFT",
    )
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for i in range(1, len(body) + 1):
        if i % 2 == 0:
            style.append(("BACKGROUND", (0, i), (-1, i), ZEBRA))
    if total_row and body:
        style += [("LINEABOVE", (0, -1), (-1, -1), 0.8, MUTED), ("BACKGROUND", (0, -1), (-1, -1), HEAD_BG)]
    table.setStyle(TableStyle(style + list(extra_style)))
    for col in align_right:
        head[col].style = ParagraphStyle(f"hr{col}", parent=head[col].style, alignment=TA_RIGHT)
        for row in body:
            if isinstance(row[col], Paragraph):
                row[col].style = ParagraphStyle(f"r{col}", parent=row[col].style, alignment=TA_RIGHT)
    return table


def kv_table(
    pairs: Sequence[tuple[str, Any]], width: float, *, columns: int = 2, label_width: float = 32 * mm
) -> Table:
    """Label/value pairs laid out in ``columns`` column pairs."""
    _ensure_styles()
    cells = [
        (P(label, "label"), v if isinstance(v, Flowable) else P("—" if v in (None, "") else v, "cell"))
        for label, v in pairs
    ]
    rows: list[list[Any]] = []
    for i in range(0, len(cells), columns):
        row: list[Any] = []
        for label, value in cells[i : i + columns]:
            row += [label, value]
        row += ["", ""] * (columns - len(cells[i : i + columns]))
        rows.append(row)
    value_width = width / columns - label_width
    table = Table(rows, colWidths=[label_width, value_width] * columns)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ]
        )
    )
    return table


class Chip(Flowable):
    """A rounded coloured label (severity, status) with white or dark text as contrast requires."""

    def __init__(self, text: str, colour: str, *, font_size: float = 8.5) -> None:
        super().__init__()
        register_fonts()
        self.text, self.font_size = text, font_size
        self.fill = colors.HexColor(colour) if colour.startswith("#") else colors.grey
        from reportlab.pdfbase.pdfmetrics import stringWidth

        self.width = stringWidth(text, SANS_BOLD, font_size) + 12
        self.height = font_size + 7

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setFillColor(self.fill)
        c.setStrokeColor(self.fill)
        c.roundRect(0, 0, self.width, self.height, 3.5, stroke=0, fill=1)
        r, g, b = self.fill.red, self.fill.green, self.fill.blue
        c.setFillColor(colors.white if (0.299 * r + 0.587 * g + 0.114 * b) < 0.62 else INK)
        draw_text(c, 6, 4.2, self.text, SANS_BOLD, self.font_size)


PHOTO_MAX_SIDE = 1400  # pixels: ~400 dpi at the size photos are printed in a report


def image_flowable(data: bytes, max_width: float, max_height: float, *, photo: bool = False) -> Image | None:
    """An image scaled to fit inside the box, aspect ratio kept; None if the data is not an image.

    ``photo``: a large non-JPEG picture is scaled down and stored as JPEG, which keeps the PDF
    small and fast to write (ReportLab copies JPEG data as it is, but compresses other formats).
    """
    try:
        reader = ImageReader(io.BytesIO(data))
        w, h = reader.getSize()
    except Exception:
        return None
    if not w or not h:
        return None
    if photo and not data.startswith(b"\xff\xd8") and max(w, h) > PHOTO_MAX_SIDE:
        data = _as_jpeg(data)
    scale = min(max_width / w, max_height / h)
    return Image(io.BytesIO(data), width=w * scale, height=h * scale)


def _as_jpeg(data: bytes) -> bytes:
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(data)) as img:
        img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
        if img.mode in ("RGBA", "LA", "P"):
            rgba = img.convert("RGBA")
            flat = PILImage.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            img = flat
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=85)
        return out.getvalue()


def spacer(h: float = 4) -> Spacer:
    return Spacer(1, h * mm)


def keep(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))


def fmt_dt(value: dt.datetime | None, tz: dt.tzinfo | None, *, seconds: bool = False) -> str:
    if value is None:
        return "—"
    local = value.astimezone(tz) if tz else value
    return local.strftime("%d %b %Y %H:%M:%S %Z" if seconds else "%d %b %Y %H:%M %Z").strip()


def fmt_date(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value else "—"


def section_rule() -> Table:
    t = Table([[""]], colWidths=["100%"], rowHeights=[1])
    t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.8, ACCENT)]))
    return t


_ensure_styles()


class RowList(Flowable):
    """A long list of one-line rows drawn straight onto the canvas with one text object per page.

    For thousands of rows this is several times faster than a Table of strings (no cell
    objects, no per-cell text objects). Cells are cut with an ellipsis to fit their column;
    runs of CJK text switch to the fallback font. Splits across pages, repeating the header.
    """

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        font_size: float = 7,
        row_height: float = 10.5,
        padding: float = 3,
    ) -> None:
        super().__init__()
        self.header, self.rows, self.widths = list(header), list(rows), list(widths)
        self.font_size, self.row_height, self.padding = font_size, row_height, padding
        self.width = sum(self.widths)
        self.height = (len(self.rows) + 1) * row_height

    def _copy(self, rows: Sequence[Sequence[str]]) -> RowList:
        return RowList(
            self.header,
            rows,
            self.widths,
            font_size=self.font_size,
            row_height=self.row_height,
            padding=self.padding,
        )

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        fits = int(ah // self.row_height) - 1
        if fits < 1:
            return []
        if fits >= len(self.rows):
            return [self]
        return [self._copy(self.rows[:fits]), self._copy(self.rows[fits:])]

    def _fit(self, text: str, font: str, width: float) -> str:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        from incident_desk.reports.fonts import text_width

        measure = text_width if has_fallback_text(text) else stringWidth
        size = self.font_size
        full = measure(text, font, size)
        if full <= width:
            return text
        # Start from a proportional guess, then take characters off until it fits.
        cut = max(0, int(len(text) * width / full))
        while cut and measure(text[:cut] + "…", font, size) > width:
            cut -= 1
        return text[:cut].rstrip() + "…"

    def draw(self) -> None:
        from incident_desk.reports.fonts import FALLBACK, runs

        c = self.canv
        rh, pad, fs = self.row_height, self.padding, self.font_size
        top = self.height
        c.saveState()
        c.setFillColor(HEAD_BG)
        c.rect(0, top - rh, self.width, rh, stroke=0, fill=1)
        c.setFillColor(ZEBRA)
        for i in range(1, len(self.rows), 2):
            c.rect(0, top - (i + 2) * rh, self.width, rh, stroke=0, fill=1)
        c.setStrokeColor(MUTED)
        c.setLineWidth(0.8)
        c.line(0, top - rh, self.width, top - rh)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.25)
        c.line(0, 0, self.width, 0)
        text = c.beginText()
        text.setFillColor(INK)
        baseline = rh / 2 - fs * 0.35
        for r, row in enumerate([self.header, *self.rows]):
            font = SANS_BOLD if r == 0 else SANS
            y = top - (r + 1) * rh + baseline
            x = 0.0
            for cell, w in zip(row, self.widths, strict=False):
                value = self._fit(str(cell or ""), font, w - 2 * pad)
                text.setTextOrigin(x + pad, y)
                if has_fallback_text(value):
                    for fb, run in runs(value):
                        text.setFont(FALLBACK if fb else font, fs)
                        text.textOut(run)
                else:
                    text.setFont(font, fs)
                    text.textOut(value)
                x += w
        c.drawText(text)
        c.restoreState()
