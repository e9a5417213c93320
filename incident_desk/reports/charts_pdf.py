"""Embedding matplotlib figures in ReportLab PDFs as vector graphics.

ReportLab cannot import a PDF page, so the report is laid out with an empty slot of the
chart's size where each chart goes; the slot notes its page and position as it is drawn.
Each figure is saved with matplotlib's PDF backend, and pypdf then stamps that page onto the
report page at the slot, scaled to fit. Text and lines stay vectors: charts print sharply at
any size and their labels can be searched and copied.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject
from reportlab.platypus import Flowable
from sqlalchemy.orm import Session

from incident_desk.incidents.query import IncidentFilter

PT_PER_INCH = 72.0


class ChartSlot(Flowable):
    """Reserves ``width`` × ``height`` points for a chart and remembers where it landed."""

    def __init__(self, chart_pdf: bytes, width: float, height: float, title: str = "") -> None:
        super().__init__()
        self.chart_pdf, self.width, self.height, self.title = chart_pdf, width, height, title
        self.placed: tuple[int, float, float] | None = None  # page index, x, y (last layout pass wins)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        self.placed = (canvas.getPageNumber() - 1, x, y)
        super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        # A hairline frame, so the slot is visible even in a viewer that ignores the stamped chart.
        self.canv.setStrokeColorRGB(0.85, 0.87, 0.9)
        self.canv.setLineWidth(0.3)
        self.canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


def figure_pdf(fig: Any) -> bytes:
    from incident_desk.metrics.charts import figure_bytes

    return figure_bytes(fig, "pdf")


def strip_screen_hints(fig: Any) -> None:
    """Drop on-screen hints such as "click a bar to list them" from a figure going on paper."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        value = text.get_text()
        if "click" in value.lower():
            parts = [p for p in value.split(" · ") if "click" not in p.lower()]
            text.set_text(" · ".join(parts))


def chart_slot(
    fn: Callable[..., Any],
    session: Session,
    filt: IncidentFilter,
    *,
    title: str,
    width: float,
    aspect: float = 0.5,
    now: Any = None,
    **extra: Any,
) -> ChartSlot | None:
    """Run a ``metrics.charts`` figure function and wrap its PDF in a slot ``width`` points wide."""
    w_in = width / PT_PER_INCH
    kwargs: dict[str, Any] = {"figsize": (w_in, w_in * aspect), **extra}
    if now is not None and "now" in inspect.signature(fn).parameters:
        kwargs["now"] = now
    fig = fn(session, filt, **kwargs)
    strip_screen_hints(fig)
    data = figure_pdf(fig)
    page = PdfReader(io.BytesIO(data)).pages[0]
    pw, ph = float(page.mediabox.width), float(page.mediabox.height)
    return ChartSlot(data, width, width * ph / pw, title)


def overlay(pdf: bytes, slots: list[ChartSlot]) -> bytes:
    """Stamp each slot's chart onto the finished report.

    The chart page becomes a Form XObject drawn with one ``cm … Do`` at the slot: no content
    stream is parsed or rewritten, which keeps this fast on reports of hundreds of pages.
    """
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for n, slot in enumerate(slots):
        if slot.placed is None:
            continue
        index, x, y = slot.placed
        chart = PdfReader(io.BytesIO(slot.chart_pdf)).pages[0]
        box = chart.mediabox
        sx = slot.width / float(box.width)
        sy = slot.height / float(box.height)
        form = StreamObject()
        form.set_data(chart.get_contents().get_data())  # type: ignore[union-attr]
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(
                    [FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)]
                ),
                NameObject("/Resources"): chart["/Resources"].get_object().clone(writer),
            }
        )
        ref = writer._add_object(form)
        page = writer.pages[index]
        resources = page.setdefault(NameObject("/Resources"), DictionaryObject())
        xobjects = resources.get("/XObject")
        if xobjects is None:
            xobjects = DictionaryObject()
            resources[NameObject("/XObject")] = xobjects
        else:
            xobjects = xobjects.get_object()
        name = NameObject(f"/IDChart{n}")
        xobjects[name] = ref
        stamp = StreamObject()
        stamp.set_data(f"q {sx:.6f} 0 0 {sy:.6f} {x:.3f} {y:.3f} cm {name} Do Q".encode())
        contents = page.get("/Contents")
        parts = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([*parts, writer._add_object(stamp)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
