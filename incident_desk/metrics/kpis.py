"""Key figures for the dashboard tiles and report summaries: value, trend against the previous
period, and whether the figure is past its threshold (shown red)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure
from sqlalchemy.orm import Session

from incident_desk.db.base import utcnow
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics import counts, rates, timing
from incident_desk.metrics.grouping import Grouping
from incident_desk.metrics.summary import severity_summary, shared_queries
from incident_desk.metrics.timing import Stage
from incident_desk.org.models import Organisation

# When a tile turns red. Kept in one table so the thresholds are easy to find and change.
SLA_COMPLIANCE_MIN = 0.90  # share of incidents meeting the resolve target
INCREASE_TOLERANCE = 0.10  # incidents or cost up more than 10 % on the previous period
SATISFACTION_MIN_SHARE = 0.70  # mean score below 70 % of the scale (3.5 of 5)
RATE_TOLERANCE = 0.005  # a recordable rate up by more than half a percent on the previous period


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    value: float | None
    text: str  # the figure as shown
    previous: float | None = None
    change: float | None = None  # relative change against the previous period
    lower_is_better: bool = True
    alert: bool = False
    detail: str = ""  # a second line under the figure
    tooltip: str = ""
    filter: IncidentFilter | None = None  # what a click on the tile lists

    @property
    def trend_text(self) -> str:
        if self.change is None:
            return "no previous period to compare" if self.previous is None else "no change to compare"
        if abs(self.change) < 0.005:
            return "no change on the previous period"
        arrow = "▲" if self.change > 0 else "▼"
        return f"{arrow} {abs(self.change):.0%} vs previous period"

    @property
    def improving(self) -> bool | None:
        if self.change is None or abs(self.change) < 0.005:
            return None
        return (self.change < 0) == self.lower_is_better


@dataclass
class DashboardData:
    filter: IncidentFilter
    period: str
    now: dt.datetime
    kpis: list[Kpi] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _hours_text(h: float | None) -> str:
    from incident_desk.metrics.charts import duration_text

    return duration_text(h)


def _num(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:,.{digits}f}"


def compute_kpis(session: Session, filt: IncidentFilter, now: dt.datetime | None = None) -> list[Kpi]:
    """All tiles for ``filt``; trends compare with the same-length window just before its dates."""
    now = now or utcnow()
    with shared_queries(session, now):
        return _compute_kpis(session, filt, now)


def _compute_kpis(session: Session, filt: IncidentFilter, now: dt.datetime) -> list[Kpi]:
    prev = counts.previous_window(filt)
    org = session.get(Organisation, 1)
    currency = org.currency if org else ""
    scale = org.satisfaction_max if org else 5

    def both(fn: Callable[[IncidentFilter], Any]) -> tuple[Any, Any]:
        return fn(filt), (fn(prev) if prev is not None else None)

    summ, summ_prev = both(lambda f: severity_summary(session, f, now))
    n = sum(r.count for r in summ.values())
    n_prev = sum(r.count for r in summ_prev.values()) if summ_prev is not None else None
    mttr, mttr_prev = both(lambda f: timing.time_to(session, f, Stage.RESOLVE, with_percentiles=False)[0])
    mtta, mtta_prev = both(lambda f: timing.time_to(session, f, Stage.ACKNOWLEDGE, with_percentiles=False)[0])
    mttr_sev = timing.time_to(session, filt, Stage.RESOLVE, Grouping.SEVERITY, with_percentiles=False)
    mtta_sev = timing.time_to(session, filt, Stage.ACKNOWLEDGE, Grouping.SEVERITY, with_percentiles=False)
    sla, sla_prev = both(lambda f: timing.sla_compliance(session, f, Stage.RESOLVE, None, now)[0])
    cost, cost_prev = both(lambda f: counts.cost(session, f)[0])
    sat, sat_prev = both(lambda f: counts.satisfaction(session, f)[0])
    rr, rr_prev = both(lambda f: rates.recordable_rates(session, f))
    open_total = sum(r.open for r in summ.values())
    overdue = counts.overdue_actions(session, filt, now.date())
    repeats, worst = counts.repeat_incidents(session, filt, limit=1)

    def prev_attr(obj: Any, attr: str) -> Any:
        return getattr(obj, attr) if obj is not None else None

    over_mttr = [d.slice.label for d in mttr_sev if d.over_target and d.slice]
    over_mtta = [d.slice.label for d in mtta_sev if d.over_target and d.slice]
    past_sla_n = sum(r.open_missed_resolve for r in summ.values())
    cost_v, cost_pv = float(cost.total), float(cost_prev.total) if cost_prev else None
    kpis = [
        Kpi(
            "incidents",
            "Incidents",
            n,
            f"{n:,}",
            n_prev,
            counts.change(n, n_prev),
            alert=(counts.change(n, n_prev) or 0) > INCREASE_TOLERANCE,
            detail=f"{n_prev:,} in the previous period" if n_prev is not None else "",
            tooltip="Incidents that occurred in the period (void incidents excluded). Red when up more than "
            f"{INCREASE_TOLERANCE:.0%} on the previous period of the same length.",
            filter=filt,
        ),
        Kpi(
            "open",
            "Open incidents",
            open_total,
            f"{open_total:,}",
            alert=past_sla_n > 0,
            detail=f"{past_sla_n:,} past the resolve target",
            tooltip="Incidents not yet closed, of those in the filter. Red when any is past its severity's "
            "resolve target.",
            filter=filt.with_(open_only=True),
        ),
        Kpi(
            "mttr",
            "MTTR (mean time to resolution)",
            mttr.mean_h,
            _hours_text(mttr.mean_h),
            mttr_prev.mean_h if mttr_prev else None,
            counts.change(mttr.mean_h, prev_attr(mttr_prev, "mean_h")),
            alert=bool(over_mttr),
            detail=("over target: " + ", ".join(over_mttr)) if over_mttr else f"{mttr.count:,} resolved",
            tooltip="Mean time from reported to resolved (the incident leaving Resolution; follow-up is not "
            "counted). Red when any severity's mean exceeds its SLA resolve target.",
        ),
        Kpi(
            "mtta",
            "MTTA (mean time to acknowledge)",
            mtta.mean_h,
            _hours_text(mtta.mean_h),
            mtta_prev.mean_h if mtta_prev else None,
            counts.change(mtta.mean_h, prev_attr(mtta_prev, "mean_h")),
            alert=bool(over_mtta),
            detail=("over target: " + ", ".join(over_mtta)) if over_mtta else f"{mtta.count:,} acknowledged",
            tooltip="Mean time from reported to acknowledged (assessment started). Red when any severity's "
            "mean exceeds its SLA acknowledge target.",
        ),
        Kpi(
            "sla",
            "SLA compliance (resolve)",
            sla.rate,
            "–" if sla.rate is None else f"{sla.rate:.0%}",
            prev_attr(sla_prev, "rate"),
            counts.change(sla.rate, prev_attr(sla_prev, "rate")),
            lower_is_better=False,
            alert=sla.rate is not None and sla.rate < SLA_COMPLIANCE_MIN,
            detail=f"{sla.met:,} met · {sla.missed:,} missed · {sla.pending:,} pending",
            tooltip="Share of incidents resolved within their severity's target: met ÷ (met + missed). Open "
            "incidents past the deadline count as missed; open ones still within it are pending and left "
            f"out. Exactly on the deadline counts as met. Red below {SLA_COMPLIANCE_MIN:.0%}.",
            filter=sla.missed_filter,
        ),
        Kpi(
            "cost",
            "Cost of incidents",
            cost_v,
            f"{currency} {counts_money_short(cost_v)}".strip(),
            cost_pv,
            counts.change(cost_v, cost_pv),
            alert=(counts.change(cost_v, cost_pv) or 0) > INCREASE_TOLERANCE,
            detail=f"direct {counts_money_short(float(cost.direct))} · indirect "
            f"{counts_money_short(float(cost.indirect))}",
            tooltip="Direct plus indirect cost of the incidents in the period. Red when up more than "
            f"{INCREASE_TOLERANCE:.0%} on the previous period.",
            filter=filt,
        ),
        Kpi(
            "satisfaction",
            "Customer satisfaction",
            sat.mean,
            "–" if sat.mean is None else f"{sat.mean:.1f} / {scale}",
            prev_attr(sat_prev, "mean"),
            counts.change(sat.mean, prev_attr(sat_prev, "mean")),
            lower_is_better=False,
            alert=sat.mean is not None and sat.mean < SATISFACTION_MIN_SHARE * scale,
            detail=f"{sat.responses:,} responses from {sat.incidents:,} incidents",
            tooltip="Mean satisfaction score of incidents that affected a customer and have a score. Red below "
            f"{SATISFACTION_MIN_SHARE * scale:.1f}.",
            filter=filt.with_(extra=(*filt.extra, _has_customer())),
        ),
        Kpi(
            "trir",
            "TRIR",
            rr.trir,
            _num(rr.trir),
            prev_attr(rr_prev, "trir"),
            counts.change(rr.trir, prev_attr(rr_prev, "trir")),
            alert=(counts.change(rr.trir, prev_attr(rr_prev, "trir")) or 0) > RATE_TOLERANCE,
            detail=f"{rr.recordable:,} cases · {float(rr.hours):,.0f} h" if rr.hours else "no hours recorded",
            tooltip=rates.RATE_DEFINITIONS["trir"] + " Red when higher than in the previous period.",
            filter=rr.recordable_filter,
        ),
        Kpi(
            "dart",
            "DART",
            rr.dart,
            _num(rr.dart),
            prev_attr(rr_prev, "dart"),
            counts.change(rr.dart, prev_attr(rr_prev, "dart")),
            alert=(counts.change(rr.dart, prev_attr(rr_prev, "dart")) or 0) > RATE_TOLERANCE,
            detail=f"{rr.dart_cases:,} cases",
            tooltip=rates.RATE_DEFINITIONS["dart"] + " Red when higher than in the previous period.",
            filter=rr.dart_filter,
        ),
        Kpi(
            "ltifr",
            "LTIFR",
            rr.ltifr,
            _num(rr.ltifr),
            prev_attr(rr_prev, "ltifr"),
            counts.change(rr.ltifr, prev_attr(rr_prev, "ltifr")),
            alert=(counts.change(rr.ltifr, prev_attr(rr_prev, "ltifr")) or 0) > RATE_TOLERANCE,
            detail=f"{rr.lost_time:,} lost-time injuries · severity rate {_num(rr.severity, 1)}",
            tooltip=rates.RATE_DEFINITIONS["ltifr"]
            + " "
            + rates.RATE_DEFINITIONS["severity"]
            + " Red when higher than in the previous period.",
            filter=rr.lti_filter,
        ),
        Kpi(
            "actions",
            "Overdue actions",
            overdue.actions,
            f"{overdue.actions:,}",
            alert=overdue.actions > 0,
            detail=f"on {overdue.incidents:,} incidents",
            tooltip="Corrective actions past their due date and still open or in progress. Red when there is any.",
            filter=overdue.filter,
        ),
        Kpi(
            "repeats",
            "Repeat incidents",
            repeats,
            f"{repeats:,}",
            detail=(
                f"most: {worst[0].type_name} at {worst[0].location.label} ({worst[0].count:,})"
                if worst
                else "same type at the same location"
            ),
            filter=worst[0].filter if worst else None,
            tooltip="Incidents beyond the first of the same type at the same location within the period. "
            "A click lists the location and type with the most.",
        ),
    ]
    return kpis


def counts_money_short(value: float) -> str:
    from incident_desk.metrics.charts import money_short

    return money_short(value)


def _has_customer() -> Any:
    from incident_desk.incidents.models import Incident

    return Incident.customer_id.is_not(None)
