"""Everything the dashboard shows for one filter, computed in one go (on a worker thread in the app,
in the benchmark, or for a report): the KPI tiles and every chart."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from incident_desk.db.base import utcnow
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics import charts, counts, rates, risk, timing
from incident_desk.metrics.grouping import Grouping
from incident_desk.metrics.kpis import DashboardData, Kpi, compute_kpis
from incident_desk.metrics.summary import prefetch, severity_summary, shared_queries
from incident_desk.metrics.timing import Stage
from incident_desk.progress import NO_PROGRESS, Progress

# The dashboard's charts, in order (keys of charts.CHARTS).
CHART_KEYS = (
    "per_period",
    "mttr",
    "sla",
    "cost",
    "weekday_hour",
    "heatmap",
    "backlog",
    "location",
    "customer",
)


def dashboard_data(
    session: Session,
    filt: IncidentFilter,
    *,
    period: Grouping | str = Grouping.MONTH,
    cost_by: Grouping | str = Grouping.LOCATION,
    stage: Stage | str = Stage.RESOLVE,
    now: dt.datetime,
    workers: int | None = None,
) -> list[Kpi]:
    """Run every query behind the tiles and the charts; returns the tiles.

    The aggregates (:func:`_queries`) run first on as many database connections as there are
    processors (:func:`~incident_desk.metrics.summary.prefetch`); inside ``shared_queries`` the
    tiles and then the chart functions find their data already computed, so drawing the
    figures adds no query.
    """
    prefetch(session, _queries(filt, str(Grouping(period)), Grouping(cost_by), Stage(stage), now), workers)
    return compute_kpis(session, filt, now)


def _queries(
    filt: IncidentFilter, period: str, cost_by: Grouping, stage: Stage, now: dt.datetime
) -> list[Callable[[Session], object]]:
    """The dashboard's independent aggregates: the same calls the tiles and the charts of
    ``CHART_KEYS`` make (so that they find the results cached), the ones scanning most rows first."""
    prev = counts.previous_window(filt)
    windows = [filt] if prev is None else [filt, prev]
    tasks: list[Callable[[Session], object]] = [
        *(functools.partial(severity_summary, filt=f, now=now) for f in windows),
        lambda s: timing.time_to(s, filt, stage, Grouping.SEVERITY),
        lambda s: risk.heat_maps(s, filt, "overall"),
        *(functools.partial(rates.recordable_rates, filt=f) for f in windows),
        lambda s: counts.period_severity_grid(s, filt, period),
        lambda s: counts.grid(s, filt, Grouping.WEEKDAY, Grouping.HOUR, all_rows=True, all_columns=True),
        # cost by location, satisfaction by customer and the repeat incidents
        lambda s: counts.breakdown(s, filt),
        lambda s: counts.backlog(s, filt, now),
        lambda s: counts.overdue_actions(s, filt, now.date()),
    ]
    if cost_by not in counts.BREAKDOWN:
        tasks.append(lambda s: counts.cost(s, filt, cost_by))
    return tasks


def build_dashboard(
    session: Session,
    filt: IncidentFilter,
    *,
    period: Grouping | str = Grouping.MONTH,
    cost_by: Grouping | str = Grouping.LOCATION,
    stage: Stage | str = Stage.RESOLVE,
    palette: charts.Palette = charts.LIGHT,
    now: dt.datetime | None = None,
    figures: bool = True,
    progress: Progress = NO_PROGRESS,
    workers: int | None = None,
) -> DashboardData:
    """Tiles and figures for ``filt``. ``seconds["data"]`` is the time of every query (KPIs and
    chart data) and ``seconds["data_cpu"]`` the process CPU time it took; the other entries are the
    time to build each figure (without painting it).
    ``figures=False`` stops after the data. ``workers``: database connections to query on at
    once (default: one per processor)."""
    now = now or utcnow()
    period = str(Grouping(period))
    data = DashboardData(filt, period, now)
    total = len(CHART_KEYS) + 1
    with shared_queries(session, now):
        t0, c0 = time.perf_counter(), time.process_time()
        data.kpis = dashboard_data(
            session, filt, period=period, cost_by=cost_by, stage=stage, now=now, workers=workers
        )
        data.seconds["data"] = time.perf_counter() - t0
        data.seconds["data_cpu"] = time.process_time() - c0
        progress.update(1, total, "Key figures")
        if figures:
            for i, key in enumerate(CHART_KEYS, start=2):
                t0 = time.perf_counter()
                title, fn = charts.CHARTS[key]
                kwargs: dict[str, object] = {"palette": palette}
                if key == "per_period":
                    kwargs["period"] = period
                elif key == "cost":
                    kwargs["by"] = cost_by
                elif key == "mttr":
                    kwargs["stage"] = Stage(stage)
                elif key in ("sla", "backlog"):
                    kwargs["now"] = now
                data.figures[key] = fn(session, filt, **kwargs)
                data.seconds[key] = time.perf_counter() - t0
                progress.update(i, total, title)
    return data
