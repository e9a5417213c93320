"""Everything the dashboard shows for one filter, computed in one go (on a worker thread in the app,
in the benchmark, or for a report): the KPI tiles and every chart."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy.orm import Session

from incident_desk.db.base import utcnow
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics import charts
from incident_desk.metrics.grouping import Grouping
from incident_desk.metrics.kpis import DashboardData, compute_kpis
from incident_desk.metrics.summary import clear_cache, pin_now
from incident_desk.progress import NO_PROGRESS, Progress

# key -> (title, what it shows); the order is the dashboard's order.
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


def build_dashboard(
    session: Session,
    filt: IncidentFilter,
    *,
    period: Grouping | str = Grouping.MONTH,
    cost_by: Grouping | str = Grouping.LOCATION,
    palette: charts.Palette = charts.LIGHT,
    now: dt.datetime | None = None,
    figures: bool = True,
    progress: Progress = NO_PROGRESS,
) -> DashboardData:
    """KPIs and figures for ``filt``. ``figures=False`` computes only the numbers the charts need
    would still be queried — use it to time the queries without drawing."""
    now = now or utcnow()
    pin_now(session, now)
    data = DashboardData(filt, str(Grouping(period)), now)
    total = len(CHART_KEYS) + 1
    t0 = time.perf_counter()
    data.kpis = compute_kpis(session, filt, now)
    data.seconds["kpis"] = time.perf_counter() - t0
    progress.update(1, total, "Key figures")
    for i, key in enumerate(CHART_KEYS, start=2):
        t0 = time.perf_counter()
        _title, fn = charts.CHARTS[key]
        kwargs: dict[str, object] = {"palette": palette}
        if key == "per_period":
            kwargs["period"] = period
        elif key == "cost":
            kwargs["by"] = cost_by
        elif key in ("sla", "backlog"):
            kwargs["now"] = now
        fig = fn(session, filt, **kwargs)
        if figures:
            data.figures[key] = fig
        data.seconds[key] = time.perf_counter() - t0
        progress.update(i, total, charts.CHARTS[key][0])
    clear_cache(session)
    return data
