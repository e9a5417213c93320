"""Drawing a risk matrix in a PDF, with the cells an assessment rated marked.

The matrix comes from a risk-matrix version's JSON definition. The reader is tolerant of the
shapes a definition may take (levels as strings or objects, cells as a mapping or a grid,
bands by score range or named per cell), so a report still draws what it can.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable

from incident_desk.reports.fonts import SANS, SANS_BOLD, draw_text, text_width
from incident_desk.reports.pdf import INK, MUTED

DEFAULT_BAND_COLOURS = {
    "low": "#2e7d32",
    "medium": "#f9a825",
    "moderate": "#f9a825",
    "high": "#ef6c00",
    "very high": "#c62828",
    "extreme": "#b71c1c",
    "critical": "#b71c1c",
    "serious": "#ef6c00",
    "significant": "#f57f17",
}


@dataclass
class Level:
    key: str
    label: str


@dataclass
class MatrixModel:
    likelihoods: list[Level]  # least likely first
    severities: list[Level]  # least severe first
    bands: list[dict[str, Any]] = field(default_factory=list)
    cells: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def cell(self, lk: str, sv: str) -> dict[str, Any]:
        found = self.cells.get((lk, sv))
        if found:
            return found
        li = next((i for i, level in enumerate(self.likelihoods) if level.key == lk), 0) + 1
        si = next((i for i, level in enumerate(self.severities) if level.key == sv), 0) + 1
        score = li * si
        return {"score": score, "band": self.band_for_score(score)}

    def band_for_score(self, score: int) -> str:
        for band in self.bands:
            lo = _first(band, ("min", "min_score", "from", "low"))
            hi = _first(band, ("max", "max_score", "to", "high"))
            if lo is not None and score < lo:
                continue
            if hi is not None and score > hi:
                continue
            if lo is not None or hi is not None:
                return _name(band)
        return ""

    def colour(self, band: str) -> str:
        for b in self.bands:
            if _name(b).lower() == (band or "").lower():
                c = b.get("colour") or b.get("color")
                if isinstance(c, str) and c.startswith("#"):
                    return c
        return DEFAULT_BAND_COLOURS.get((band or "").lower(), "#cfd8dc")

    def label_of(self, key: str | None, levels: list[Level]) -> str:
        return next((level.label for level in levels if level.key == key), key or "—")


def _first(d: dict[str, Any], keys: Iterable[str]) -> float | None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return float(v)
    return None


def _name(d: dict[str, Any]) -> str:
    for k in ("name", "label", "key", "id"):
        if d.get(k):
            return str(d[k])
    return ""


def _levels(value: Any) -> list[Level]:
    out: list[Level] = []
    if isinstance(value, dict):
        value = [{"key": k, **(v if isinstance(v, dict) else {"label": v})} for k, v in value.items()]
    for i, item in enumerate(value or []):
        if isinstance(item, dict):
            key = next(
                (str(item[k]) for k in ("key", "id", "code", "value", "level") if item.get(k) is not None),
                str(i + 1),
            )
            label = next((str(item[k]) for k in ("label", "name", "title") if item.get(k)), key)
        else:
            key = label = str(item)
        out.append(Level(key, label))
    return out


def parse(definition: dict[str, Any] | None) -> MatrixModel | None:
    d = definition or {}
    lk = _levels(next((d[k] for k in ("likelihood", "likelihoods", "probability", "rows") if d.get(k)), None))
    sv = _levels(
        next(
            (d[k] for k in ("severity", "severities", "consequence", "consequences", "columns") if d.get(k)),
            None,
        )
    )
    if not lk or not sv:
        return None
    bands = d.get("bands") or []
    if isinstance(bands, dict):
        bands = [{"name": k, **(v if isinstance(v, dict) else {})} for k, v in bands.items()]
    model = MatrixModel(lk, sv, [b for b in bands if isinstance(b, dict)])
    cells = d.get("cells") or d.get("scores")
    if isinstance(cells, dict):
        for key, value in cells.items():
            parts = str(key).replace(":", "|").replace(",", "|").split("|")
            if len(parts) == 2:
                model.cells[(parts[0], parts[1])] = _cell(value, model)
    elif isinstance(cells, list):
        # A grid: rows follow the likelihood list, columns the severity list.
        for i, row in enumerate(cells):
            if isinstance(row, dict):
                a, b = row.get("likelihood"), row.get("severity")
                if a is not None and b is not None:
                    model.cells[(str(a), str(b))] = _cell(row, model)
                continue
            for j, value in enumerate(row if isinstance(row, list) else []):
                if i < len(lk) and j < len(sv):
                    model.cells[(lk[i].key, sv[j].key)] = _cell(value, model)
    return model


def _cell(value: Any, model: MatrixModel) -> dict[str, Any]:
    if isinstance(value, dict):
        score = value.get("score")
        band = value.get("band") or (
            model.band_for_score(int(score)) if isinstance(score, int | float) else ""
        )
        return {"score": score, "band": band}
    if isinstance(value, int | float):
        return {"score": value, "band": model.band_for_score(int(value))}
    return {"score": None, "band": str(value)}


class MatrixFlowable(Flowable):
    """The matrix as a grid: likelihood up the side (most likely at the top), severity along the
    bottom; each cell coloured by band; rated cells marked with their labels (I1 = hazard 1
    inherent, R1 = residual, ★ = overall)."""

    def __init__(self, model: MatrixModel, marks: dict[tuple[str, str], list[str]], width: float) -> None:
        super().__init__()
        self.model, self.marks = model, marks
        self.label_w = 78.0
        self.cell_w = min(62.0, (width - self.label_w) / max(1, len(model.severities)))
        self.cell_h = 24.0
        self.width = self.label_w + self.cell_w * len(model.severities)
        self.height = self.cell_h * len(model.likelihoods) + 54

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        m = self.model
        base_y = 40.0
        rows = list(reversed(m.likelihoods))
        for r, lk in enumerate(rows):
            y = base_y + (len(rows) - 1 - r) * self.cell_h
            c.setFillColor(INK)
            label = lk.label if text_width(lk.label, SANS, 7) < self.label_w - 6 else lk.label[:14] + "…"
            draw_text(c, self.label_w - 5, y + self.cell_h / 2 - 2.5, label, SANS, 7, "right")
            for s, sv in enumerate(m.severities):
                x = self.label_w + s * self.cell_w
                cell = m.cell(lk.key, sv.key)
                fill = colors.HexColor(m.colour(str(cell.get("band") or "")))
                marked = self.marks.get((lk.key, sv.key))
                c.setFillColor(fill)
                c.setFillAlpha(1.0 if marked else 0.55)
                c.setStrokeColor(colors.white)
                c.setLineWidth(1.2)
                c.rect(x, y, self.cell_w, self.cell_h, stroke=1, fill=1)
                c.setFillAlpha(1.0)
                if cell.get("score") is not None:
                    c.setFillColor(INK)
                    draw_text(c, x + 3, y + self.cell_h - 8, str(cell["score"]), SANS, 5.5)
                if marked:
                    c.setStrokeColor(INK)
                    c.setLineWidth(1.6)
                    c.rect(x + 1.5, y + 1.5, self.cell_w - 3, self.cell_h - 3, stroke=1, fill=0)
                    text = " ".join(marked)
                    size = 7.5 if text_width(text, SANS_BOLD, 7.5) < self.cell_w - 6 else 6
                    c.setFillColor(INK)
                    draw_text(
                        c, x + self.cell_w / 2, y + self.cell_h / 2 - 4, text, SANS_BOLD, size, "centre"
                    )
        for s, sv in enumerate(m.severities):
            x = self.label_w + s * self.cell_w + self.cell_w / 2
            c.setFillColor(INK)
            label = sv.label if text_width(sv.label, SANS, 6.5) < self.cell_w - 2 else sv.label[:11] + "…"
            draw_text(c, x, base_y - 10, label, SANS, 6.5, "centre")
        c.setFillColor(MUTED)
        draw_text(
            c,
            self.label_w + len(m.severities) * self.cell_w / 2,
            base_y - 22,
            "Severity (consequence) →",
            SANS_BOLD,
            7,
            "centre",
        )
        draw_text(c, 0, base_y + len(rows) * self.cell_h + 4, "Likelihood ↑", SANS_BOLD, 7)
