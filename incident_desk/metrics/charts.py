"""Dashboard and report charts as matplotlib ``Figure`` objects (object API only: no pyplot, no Qt).

Each ``figure_*`` function queries the metrics for a filter and returns a Figure that the
dashboard embeds in a Qt canvas and the PDF reports save as vector graphics. Every clickable
bar, segment or cell is registered with :func:`drill_targets`: the artist, the IncidentFilter
listing exactly its incidents, and that count.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter
from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk.db.base import utcnow
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics import counts, risk, timing
from incident_desk.metrics.grouping import Grouping
from incident_desk.metrics.summary import current_time
from incident_desk.metrics.timing import Stage
from incident_desk.org.models import Organisation, SeverityLevel


@dataclass(frozen=True)
class Palette:
    name: str
    background: str
    text: str
    muted: str
    grid: str
    accent: str
    good: str
    bad: str
    pending: str
    secondary: str


LIGHT = Palette(
    "light",
    background="#ffffff",
    text="#1d2127",
    muted="#5f6b7a",
    grid="#e3e6ea",
    accent="#1f5f99",
    good="#2e7d32",
    bad="#c62828",
    pending="#b0b7c0",
    secondary="#8fb4dc",
)
DARK = Palette(
    "dark",
    background="#1f2328",
    text="#e6e9ed",
    muted="#9aa4b1",
    grid="#353b43",
    accent="#5b9bdc",
    good="#4caf50",
    bad="#ef5350",
    pending="#5f6873",
    secondary="#2f5f8f",
)
PALETTES = {"light": LIGHT, "dark": DARK}

FIGSIZE = (6.4, 3.6)
DRILL_ATTR = "incident_desk_drill"
TITLE_SIZE = 11
LABEL_SIZE = 9


# -- drill-down -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillTarget:
    """A clickable element: clicking it lists ``filter``'s incidents, ``count`` of them."""

    artist: Artist
    filter: IncidentFilter
    count: int
    label: str


def drill_targets(fig: Figure) -> list[DrillTarget]:
    return list(getattr(fig, DRILL_ATTR, []))


def target_for(fig: Figure, artist: Artist) -> DrillTarget | None:
    return next((t for t in drill_targets(fig) if t.artist is artist), None)


def _register(fig: Figure, artist: Artist, filt: IncidentFilter, count: int, label: str) -> None:
    artist.set_picker(True)
    targets = getattr(fig, DRILL_ATTR, None)
    if targets is None:
        targets = []
        setattr(fig, DRILL_ATTR, targets)
    targets.append(DrillTarget(artist, filt, count, label))


# -- styling --------------------------------------------------------------------------------------


def new_figure(palette: Palette, figsize: tuple[float, float] = FIGSIZE) -> Figure:
    fig = Figure(figsize=figsize, dpi=100, layout="constrained", facecolor=palette.background)
    fig.get_layout_engine().set(w_pad=0.08, h_pad=0.08)  # type: ignore[union-attr]
    setattr(fig, DRILL_ATTR, [])
    return fig


def style_axes(ax: Axes, palette: Palette, *, grid_axis: str = "y") -> None:
    ax.set_facecolor(palette.background)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(palette.grid)
    ax.tick_params(colors=palette.muted, labelsize=LABEL_SIZE, length=3)
    ax.xaxis.label.set_color(palette.muted)
    ax.yaxis.label.set_color(palette.muted)
    ax.xaxis.label.set_size(LABEL_SIZE)
    ax.yaxis.label.set_size(LABEL_SIZE)
    if grid_axis:
        ax.grid(axis=grid_axis, color=palette.grid, linewidth=0.8)
        ax.set_axisbelow(True)


def set_title(ax: Axes, palette: Palette, title: str, subtitle: str = "") -> None:
    ax.set_title(
        title,
        loc="left",
        fontsize=TITLE_SIZE,
        fontweight="bold",
        color=palette.text,
        pad=14 if subtitle else 8,
    )
    if subtitle:
        ax.text(
            0,
            1.01,
            subtitle,
            transform=ax.transAxes,
            fontsize=LABEL_SIZE - 1,
            color=palette.muted,
            va="bottom",
            ha="left",
        )


def legend_below(fig: Figure, ax: Axes, palette: Palette, *more: Axes) -> None:
    """One legend row under the plot, outside it, so it never covers data or the title."""
    handles, labels = ax.get_legend_handles_labels()
    for other in more:
        h, lbl = other.get_legend_handles_labels()
        handles, labels = handles + h, labels + lbl
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=len(labels),
        frameon=False,
        fontsize=LABEL_SIZE - 1,
        labelcolor=palette.text,
    )


def _empty(
    fig: Figure, palette: Palette, title: str, message: str = "No incidents match the filter."
) -> Figure:
    ax = fig.add_subplot()
    style_axes(ax, palette, grid_axis="")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    set_title(ax, palette, title)
    ax.text(
        0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color=palette.muted, fontsize=10
    )
    return fig


def _ink(background: str) -> str:
    """Black or white text, whichever reads better on ``background``."""
    r, g, b, _a = to_rgba(background)
    return "#1d2127" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#ffffff"


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _thin_ticks(n: int, max_labels: int = 12) -> int:
    return max(1, math.ceil(n / max_labels))


def _severity_levels(session: Session) -> list[SeverityLevel]:
    return list(session.scalars(select(SeverityLevel).order_by(SeverityLevel.rank)))


def _currency(session: Session) -> str:
    org = session.get(Organisation, 1)
    return org.currency if org else ""


def money_short(value: float) -> str:
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}".replace(".0", "")
    return f"{value:,.0f}"


def duration_text(hours: float | None) -> str:
    if hours is None:
        return "–"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


# -- incidents per period, stacked by severity -------------------------------------------------------


def figure_incidents_per_period(
    session: Session,
    filt: IncidentFilter,
    period: Grouping | str = Grouping.MONTH,
    palette: Palette = LIGHT,
    figsize: tuple[float, float] = FIGSIZE,
) -> Figure:
    period = Grouping(period)
    fig = new_figure(palette, figsize)
    title = f"Incidents per {period.label.lower()}, by severity"
    g = counts.period_severity_grid(session, filt, period)
    if not g.counts:
        return _empty(fig, palette, title)
    ax = fig.add_subplot()
    style_axes(ax, palette)
    levels = [lv for lv in _severity_levels(session) if any(c == lv.id for (_r, c) in g.counts)]
    xs = list(range(len(g.rows)))
    bottoms = [0] * len(xs)
    width = 0.8 if len(xs) > 1 else 0.5
    for lv in levels:
        heights = [g.counts.get((row.key, lv.id), 0) for row in g.rows]
        bars = ax.bar(
            xs,
            heights,
            width,
            bottom=bottoms,
            color=lv.colour,
            label=lv.name,
            edgecolor=palette.background,
            linewidth=0.5 if len(xs) < 60 else 0,
        )
        for x, row, bar, h in zip(xs, g.rows, bars, heights, strict=True):
            if h:
                _register(fig, bar, g.filters[(row.key, lv.id)], h, f"{row.label} · {lv.name}: {h}")
            bottoms[x] += h
    step = _thin_ticks(len(xs))
    ax.set_xticks(xs[::step], [r.label for r in g.rows][::step])
    ax.set_xlim(-0.6, len(xs) - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_ylabel("Incidents")
    total = sum(bottoms)
    set_title(ax, palette, title, f"{total:,} incidents · click a bar to list them")
    leg = ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=LABEL_SIZE,
        labelcolor=palette.text,
        title="Severity",
        title_fontsize=LABEL_SIZE,
    )
    leg.get_title().set_color(palette.muted)
    return fig


# -- MTTR (and the other stage times) per severity against SLA -------------------------------------------


def figure_mttr_by_severity(
    session: Session,
    filt: IncidentFilter,
    stage: Stage | str = Stage.RESOLVE,
    palette: Palette = LIGHT,
    figsize: tuple[float, float] = FIGSIZE,
) -> Figure:
    stage = Stage(stage)
    fig = new_figure(palette, figsize)
    title = f"{timing.SHORT_NAMES[stage]} by severity against the SLA target"
    stats = [d for d in timing.time_to(session, filt, stage, Grouping.SEVERITY) if d.count]
    if not stats:
        return _empty(fig, palette, title, "No incident in the filter has reached this stage yet.")
    ax = fig.add_subplot()
    style_axes(ax, palette, grid_axis="x")
    use_days = max((d.p90_h or d.mean_h or 0) for d in stats) > 72 or any(
        (d.target_h or 0) > 72 for d in stats
    )
    unit, div, short = ("days", 24.0, "d") if use_days else ("hours", 1.0, "h")

    def fmt(hours: float | None) -> str:
        return "–" if hours is None else f"{hours / div:.1f} {short}"

    ys = list(range(len(stats)))[::-1]
    levels = {lv.id: lv for lv in _severity_levels(session)}
    xmax = 0.0
    for y, d in zip(ys, stats, strict=True):
        assert d.slice is not None
        colour = levels[d.slice.key].colour if d.slice.key in levels else palette.accent
        mean = (d.mean_h or 0) / div
        (bar,) = ax.barh([y], [mean], 0.55, color=colour, alpha=0.9)
        reached = d.slice.filter.with_(extra=(*d.slice.filter.extra, stage.stamp.is_not(None)))
        _register(fig, bar, reached, d.count, f"{d.slice.label}: {d.count} incidents")
        for value, width in ((d.median_h, 2.2), (d.p90_h, 1.2)):
            if value is not None:
                ax.plot([value / div, value / div], [y - 0.3, y + 0.3], color=palette.text, linewidth=width)
        if d.target_h is not None:
            t = d.target_h / div
            ax.plot([t, t], [y - 0.42, y + 0.42], color=palette.bad, linewidth=2, linestyle=(0, (2, 1.2)))
            xmax = max(xmax, t)
        xmax = max(xmax, mean, (d.p90_h or 0) / div)
        target = f"target {fmt(d.target_h)}" if d.target_h is not None else "no target"
        ax.text(
            1.02,
            y + 0.13,
            f"mean {fmt(d.mean_h)}",
            transform=ax.get_yaxis_transform(),
            va="bottom",
            ha="left",
            fontsize=LABEL_SIZE,
            fontweight="bold",
            color=palette.bad if d.over_target else palette.text,
            clip_on=False,
        )
        ax.text(
            1.02,
            y + 0.1,
            f"{target} · n={d.count:,}",
            transform=ax.get_yaxis_transform(),
            va="top",
            ha="left",
            fontsize=LABEL_SIZE - 1,
            color=palette.muted,
            clip_on=False,
        )
    ax.set_yticks(ys, [d.slice.label for d in stats if d.slice])
    ax.set_ylim(-0.6, len(stats) - 0.4)
    ax.set_xlim(0, xmax * 1.05 or 1)
    ax.set_xlabel(f"{stage.label} from report ({unit})")
    ax.plot([], [], color=palette.bad, linestyle=(0, (2, 1.2)), linewidth=2, label="SLA target")
    ax.plot([], [], color=palette.text, linewidth=2.2, label="median")
    ax.plot([], [], color=palette.text, linewidth=1.2, label="90th percentile")
    legend_below(fig, ax, palette)
    set_title(ax, palette, title, "bar = mean time; thick tick = median, thin tick = 90th percentile")
    return fig


# -- SLA compliance ------------------------------------------------------------------------------


def figure_sla_compliance(
    session: Session,
    filt: IncidentFilter,
    stages: tuple[Stage | str, ...] = (Stage.ACKNOWLEDGE, Stage.RESOLVE),
    palette: Palette = LIGHT,
    figsize: tuple[float, float] = FIGSIZE,
    now: dt.datetime | None = None,
) -> Figure:
    now = now or utcnow()
    fig = new_figure(palette, figsize)
    title = "SLA compliance by severity"
    rows: list[tuple[str, timing.Compliance]] = []
    for stage in stages:
        st = Stage(stage)
        for c in timing.sla_compliance(session, filt, st, Grouping.SEVERITY, now=now):
            if c.met + c.missed + c.pending and c.slice is not None:
                rows.append(
                    (
                        f"{c.slice.label} · {timing.SHORT_NAMES[st].replace('MTTA', 'acknowledge').replace('MTTR', 'resolve')}",
                        c,
                    )
                )
    if not rows:
        return _empty(fig, palette, title)
    ax = fig.add_subplot()
    style_axes(ax, palette, grid_axis="x")
    ys = list(range(len(rows)))[::-1]
    for y, (label, c) in zip(ys, rows, strict=True):
        total = c.met + c.missed + c.pending
        left = 0.0
        for n, colour, state, filt_ in (
            (c.met, palette.good, "met", c.met_filter),
            (c.missed, palette.bad, "missed", c.missed_filter),
            (c.pending, palette.pending, "pending", c.pending_filter),
        ):
            if not n:
                continue
            (bar,) = ax.barh(
                [y], [n / total], 0.6, left=[left], color=colour, edgecolor=palette.background, linewidth=0.8
            )
            assert filt_ is not None
            _register(fig, bar, filt_, n, f"{label}: {n} {state}")
            if n / total >= 0.07:
                ax.text(
                    left + n / total / 2,
                    y,
                    f"{n:,}",
                    ha="center",
                    va="center",
                    fontsize=LABEL_SIZE - 1,
                    color="#ffffff" if state != "pending" else palette.text,
                )
            left += n / total
        rate = "–" if c.rate is None else f"{c.rate:.0%}"
        ax.text(
            1.02,
            y,
            rate,
            va="center",
            ha="left",
            fontsize=LABEL_SIZE,
            fontweight="bold",
            color=palette.bad if c.rate is not None and c.rate < 0.9 else palette.text,
            clip_on=False,
        )
    ax.set_yticks(ys, [r[0] for r in rows])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("Share of incidents")
    for colour, name in ((palette.good, "met"), (palette.bad, "missed"), (palette.pending, "pending")):
        ax.bar([0], [0], color=colour, label=name)
    legend_below(fig, ax, palette)
    set_title(
        ax, palette, title, "right: met ÷ (met + missed) · open incidents past their deadline count as missed"
    )
    return fig


# -- cost Pareto ---------------------------------------------------------------------------------


def figure_cost_pareto(
    session: Session,
    filt: IncidentFilter,
    by: Grouping | str = Grouping.LOCATION,
    palette: Palette = LIGHT,
    figsize: tuple[float, float] = FIGSIZE,
    top: int = 12,
) -> Figure:
    by = Grouping(by)
    fig = new_figure(palette, figsize)
    currency = _currency(session)
    title = f"Cost of incidents by {by.label.lower()} (Pareto)"
    rows = [c for c in counts.cost(session, filt, by) if c.total > 0]
    if not rows:
        return _empty(fig, palette, title, "No costs recorded for the incidents in the filter.")
    grand = float(sum(c.total for c in rows))
    shown = rows[:top]
    ax = fig.add_subplot()
    style_axes(ax, palette)
    xs = list(range(len(shown)))
    direct = [float(c.direct) for c in shown]
    indirect = [float(c.indirect) for c in shown]
    bars_d = ax.bar(xs, direct, 0.7, color=palette.accent, label="direct")
    bars_i = ax.bar(xs, indirect, 0.7, bottom=direct, color=palette.secondary, label="indirect")
    for c, bd, bi in zip(shown, bars_d, bars_i, strict=True):
        assert c.slice is not None
        for bar in (bd, bi):
            _register(
                fig,
                bar,
                c.slice.filter,
                c.count,
                f"{c.slice.label}: {currency} {c.total:,.2f} over {c.count} incidents",
            )
    cum, running = [], 0.0
    for c in shown:
        running += float(c.total)
        cum.append(running / grand)
    ax2 = ax.twinx()
    ax2.plot(xs, cum, color=palette.bad, marker="o", markersize=4, linewidth=1.5, label="cumulative share")
    ax2.axhline(0.8, color=palette.bad, linewidth=0.8, linestyle=":", alpha=0.7)
    ax2.set_ylim(0, 1.05)
    ax2.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax2.tick_params(colors=palette.muted, labelsize=LABEL_SIZE)
    for side in ("top", "left", "bottom"):
        ax2.spines[side].set_visible(False)
    ax2.spines["right"].set_color(palette.grid)
    ax2.set_ylabel("Cumulative share of total cost", color=palette.muted, fontsize=LABEL_SIZE)
    labels = [_short((c.slice.label if c.slice else "").split(" (")[0], 18) for c in shown]
    ax.set_xticks(xs, labels, rotation=35, ha="right", rotation_mode="anchor")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: money_short(v)))
    ax.set_ylabel(f"Cost ({currency})" if currency else "Cost")
    more = f" · top {top} of {len(rows)}" if len(rows) > top else ""
    set_title(ax, palette, title, f"total {currency} {grand:,.0f}{more}")
    legend_below(fig, ax, palette, ax2)
    return fig


# -- risk heat map -----------------------------------------------------------------------------


def figure_risk_heatmap(
    session: Session,
    filt: IncidentFilter,
    palette: Palette = LIGHT,
    figsize: tuple[float, float] = FIGSIZE,
    basis: str = "overall",
    version_id: int | None = None,
) -> Figure:
    fig = new_figure(palette, figsize)
    maps = risk.heat_maps(session, filt, basis)
    if version_id is not None:
        maps = [m for m in maps if m.version_id == version_id]
    title = "Risk heat map"
    if not maps:
        return _empty(fig, palette, title, "No risk assessments for the incidents in the filter.")
    hm = maps[0]
    likelihood, severity = risk.matrix_axes(hm.definition)
    known_l, known_s = {c for c, _ in likelihood}, {c for c, _ in severity}
    for lc, sc in hm.counts:  # codes no longer in the definition still get a row/column
        if lc not in known_l:
            likelihood.append((lc, lc))
            known_l.add(lc)
        if sc not in known_s:
            severity.append((sc, sc))
            known_s.add(sc)
    ax = fig.add_subplot()
    style_axes(ax, palette, grid_axis="")
    total = hm.total
    for yi, (lc, _ll) in enumerate(likelihood):
        for xi, (sc, _sl) in enumerate(severity):
            n = hm.counts.get((lc, sc), 0)
            colour = risk.cell_colour(hm.definition, lc, sc)
            # The band colour says how serious the cell is; empty cells are faded out.
            alpha = 0.22 if n == 0 else 0.9
            cell = Rectangle(
                (xi, yi), 1, 1, facecolor=to_rgba(colour, alpha), edgecolor=palette.background, linewidth=2
            )
            ax.add_artist(cell)  # limits are set below; add_patch would recompute them per cell
            if n:
                _register(fig, cell, hm.filters[(lc, sc)], n, f"{_ll} × {_sl}: {n:,}")
                ax.text(
                    xi + 0.5,
                    yi + 0.3,
                    f"{n / total:.0%}" if n / total >= 0.005 else "<1%",
                    ha="center",
                    va="center",
                    fontsize=LABEL_SIZE - 2,
                    color=_ink(colour),
                )
                ax.text(
                    xi + 0.5,
                    yi + 0.58,
                    f"{n:,}",
                    ha="center",
                    va="center",
                    fontsize=10,
                    fontweight="bold",
                    color=_ink(colour),
                )
    ax.set_xlim(0, len(severity))
    ax.set_ylim(0, len(likelihood))
    ax.set_xticks(
        [i + 0.5 for i in range(len(severity))],
        [_short(lbl, 14) for _c, lbl in severity],
        rotation=20 if len(severity) > 5 else 0,
        ha="right" if len(severity) > 5 else "center",
    )
    ax.set_yticks([i + 0.5 for i in range(len(likelihood))], [_short(lbl, 16) for _c, lbl in likelihood])
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(str(hm.definition.get("severity_title") or "Severity"))
    ax.set_ylabel(str(hm.definition.get("likelihood_title") or "Likelihood"))
    ax.set_aspect("auto")
    what = "assessments" if basis == "overall" else "hazards"
    others = f" · {len(maps) - 1} other matrix version(s) in use" if len(maps) > 1 else ""
    set_title(ax, palette, title, f"{hm.title} · {hm.total:,} {what}{others}")
    return fig


# -- day of week × hour of day ---------------------------------------------------------------------


def figure_weekday_hour(
    session: Session, filt: IncidentFilter, palette: Palette = LIGHT, figsize: tuple[float, float] = FIGSIZE
) -> Figure:
    fig = new_figure(palette, figsize)
    title = "When incidents happen: day of week × hour of day"
    g = counts.grid(session, filt, Grouping.WEEKDAY, Grouping.HOUR, all_rows=True, all_columns=True)
    if not g.counts:
        return _empty(fig, palette, title)
    ax = fig.add_subplot()
    style_axes(ax, palette, grid_axis="")
    cmap = LinearSegmentedColormap.from_list(
        "incidents", [palette.background, palette.secondary, palette.accent, palette.bad]
    )
    peak = max(g.counts.values())
    for yi, row in enumerate(g.rows):
        y = 6 - yi  # Monday at the top
        for col in g.columns:
            n = g.counts.get((row.key, col.key), 0)
            cell = Rectangle(
                (col.key, y),
                1,
                1,
                facecolor=cmap(0.08 + 0.92 * n / peak) if n else palette.background,
                edgecolor=palette.grid,
                linewidth=0.5,
            )
            ax.add_artist(cell)  # limits are set below; add_patch would recompute them per cell
            if n:
                _register(fig, cell, g.filters[(row.key, col.key)], n, f"{row.label} {col.label}: {n}")
    ax.set_xlim(0, 24)
    ax.set_ylim(0, 7)
    ax.set_xticks([h + 0.5 for h in range(0, 24, 3)], [f"{h:02d}:00" for h in range(0, 24, 3)])
    ax.set_yticks([6 - i + 0.5 for i in range(7)], [r.label for r in g.rows])
    ax.tick_params(length=0)
    ax.set_xlabel("Hour of day (local time of occurrence)")
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    sm = ScalarMappable(norm=Normalize(0, peak), cmap=cmap)
    cb = fig.colorbar(sm, ax=ax, fraction=0.04, pad=0.02)
    cb.set_label("Incidents", color=palette.muted, fontsize=LABEL_SIZE)
    cb.ax.tick_params(colors=palette.muted, labelsize=LABEL_SIZE - 1)
    cb.outline.set_edgecolor(palette.grid)  # type: ignore[operator]
    cb.ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    set_title(ax, palette, title, f"{g.total():,} incidents · busiest cell {peak:,}")
    return fig


# -- backlog and ageing --------------------------------------------------------------------------

AGE_COLOURS_LIGHT = ("#c8e6c9", "#81c784", "#ffb74d", "#ef6c00", "#b71c1c")
AGE_COLOURS_DARK = ("#2e5e31", "#43a047", "#f9a825", "#ef6c00", "#e53935")


def figure_backlog(
    session: Session,
    filt: IncidentFilter,
    palette: Palette = LIGHT,
    figsize: tuple[float, float] = FIGSIZE,
    now: dt.datetime | None = None,
) -> Figure:
    """Open incidents by workflow stage, split by how long ago they were reported."""
    fig = new_figure(palette, figsize)
    title = "Open incidents by stage and age"
    b = counts.backlog(session, filt, now or current_time(session))
    if not b.counts:
        return _empty(fig, palette, title, "No open incidents in the filter.")
    ax = fig.add_subplot()
    style_axes(ax, palette, grid_axis="x")
    stages = [st for st in counts.OPEN_STAGES if b.by_stage(st)]
    ys = list(range(len(stages)))[::-1]
    colours = AGE_COLOURS_DARK if palette.name == "dark" else AGE_COLOURS_LIGHT
    proxies = [
        Patch(color=colour, label=label)
        for (label, _lo, _hi), colour in zip(counts.AGE_BUCKETS, colours, strict=True)
    ]
    for y, stage in zip(ys, stages, strict=True):
        left = 0
        for (label, _lo, _hi), colour in zip(counts.AGE_BUCKETS, colours, strict=True):
            n = b.counts.get((stage, label), 0)
            if not n:
                continue
            (bar,) = ax.barh(
                [y], [n], 0.6, left=[left], color=colour, edgecolor=palette.background, linewidth=0.8
            )
            _register(fig, bar, b.filters[(stage, label)], n, f"{stage.value}, open {label}: {n:,}")
            left += n
        ax.text(left, y, f"  {left:,}", va="center", ha="left", fontsize=LABEL_SIZE - 1, color=palette.muted)
    ax.set_yticks(ys, [st.value for st in stages])
    ax.set_ylim(-0.6, len(stages) - 0.4)
    ax.set_xlim(0, max(b.by_stage(st) for st in stages) * 1.12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_xlabel("Open incidents (age = time since reported)")
    fig.legend(
        handles=proxies,
        loc="outside lower center",
        ncols=len(proxies),
        frameon=False,
        fontsize=LABEL_SIZE - 1,
        labelcolor=palette.text,
    )
    set_title(ax, palette, title, f"{b.total:,} open")
    return fig


# -- by location / by customer -----------------------------------------------------------------------


def _ranked_bars(
    fig: Figure,
    palette: Palette,
    title: str,
    subtitle: str,
    items: list[tuple[str, int, Any]],
    xlabel: str,
    annotate: Callable[[Any], str] | None = None,
) -> Figure:
    ax = fig.add_subplot()
    style_axes(ax, palette, grid_axis="x")
    ys = list(range(len(items)))[::-1]
    peak = max(n for _l, n, _x in items)
    for y, (label, n, extra) in zip(ys, items, strict=True):
        (bar,) = ax.barh([y], [n], 0.65, color=palette.accent)
        _register(fig, bar, extra.slice.filter if hasattr(extra, "slice") else extra, n, f"{label}: {n}")
        note = f"{n:,}" + (f"  {annotate(extra)}" if annotate else "")
        ax.text(
            n + peak * 0.01, y, note, va="center", ha="left", fontsize=LABEL_SIZE - 1, color=palette.muted
        )
    ax.set_yticks(ys, [_short(lbl) for lbl, _n, _x in items])
    ax.set_xlim(0, peak * (1.35 if annotate else 1.12))
    ax.set_ylim(-0.6, len(items) - 0.4)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_xlabel(xlabel)
    set_title(ax, palette, title, subtitle)
    return fig


def figure_by_location(
    session: Session,
    filt: IncidentFilter,
    palette: Palette = LIGHT,
    figsize: tuple[float, float] = FIGSIZE,
    top: int = 12,
) -> Figure:
    fig = new_figure(palette, figsize)
    title = "Incidents by location"
    # The same grouped query as the cost Pareto by location (cached on the session).
    rows = sorted(
        (c for c in counts.cost(session, filt, Grouping.LOCATION) if c.slice is not None),
        key=lambda c: (-c.count, c.slice.sort if c.slice else 0),
    )
    if not rows:
        return _empty(fig, palette, title)
    shown = rows[:top]
    more = f"top {top} of {len(rows)} locations" if len(rows) > top else f"{len(rows)} locations"
    return _ranked_bars(
        fig, palette, title, more, [(c.slice.label, c.count, c) for c in shown if c.slice], "Incidents"
    )


def figure_by_customer(
    session: Session,
    filt: IncidentFilter,
    palette: Palette = LIGHT,
    figsize: tuple[float, float] = FIGSIZE,
    top: int = 12,
) -> Figure:
    fig = new_figure(palette, figsize)
    title = "Incidents affecting customers, with satisfaction"
    rows = [r for r in counts.satisfaction(session, filt, Grouping.CUSTOMER) if r.slice is not None]
    if not rows:
        return _empty(fig, palette, title, "No incidents in the filter affected a customer.")
    org = session.get(Organisation, 1)
    scale = org.satisfaction_max if org else 5
    shown = rows[:top]
    more = f"top {top} of {len(rows)} customers" if len(rows) > top else f"{len(rows)} customers"

    def note(r: counts.Satisfaction) -> str:
        return (
            f"satisfaction {r.mean:.1f}/{scale} (n={r.responses})" if r.mean is not None else "no score yet"
        )

    return _ranked_bars(
        fig,
        palette,
        title,
        more,
        [(r.slice.label, r.incidents, r) for r in shown if r.slice],
        "Incidents",
        annotate=note,
    )


# -- export ----------------------------------------------------------------------------------------


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = 150) -> bytes:
    """The figure as PNG, SVG or PDF bytes (Agg/SVG/PDF backends; no GUI involved)."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, facecolor=fig.get_facecolor())
    return buf.getvalue()


CHARTS: dict[str, tuple[str, Callable[..., Figure]]] = {
    "per_period": ("Incidents per period", figure_incidents_per_period),
    "mttr": ("MTTR against SLA", figure_mttr_by_severity),
    "sla": ("SLA compliance", figure_sla_compliance),
    "cost": ("Cost Pareto", figure_cost_pareto),
    "heatmap": ("Risk heat map", figure_risk_heatmap),
    "weekday_hour": ("Day × hour", figure_weekday_hour),
    "backlog": ("Backlog and ageing", figure_backlog),
    "location": ("By location", figure_by_location),
    "customer": ("By customer", figure_by_customer),
}

__all__ = [
    "CHARTS",
    "DARK",
    "LIGHT",
    "PALETTES",
    "DrillTarget",
    "Palette",
    "drill_targets",
    "figure_by_customer",
    "figure_by_location",
    "figure_bytes",
    "figure_cost_pareto",
    "figure_incidents_per_period",
    "figure_mttr_by_severity",
    "figure_risk_heatmap",
    "figure_sla_compliance",
    "figure_weekday_hour",
    "target_for",
]
