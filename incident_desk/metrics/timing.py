"""Response times (MTTA, time to sign-off, MTTR) and SLA compliance, aggregated in SQL.

Every duration runs from ``reported_at`` to the stage timestamp kept on the incident row:
acknowledged (left Reported), assessed (submitted for sign-off), signed off, resolved (left
Resolution — follow-up is not counted). SLA targets are the severity's default targets
(``SlaTarget`` rows with no risk band).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.incidents.workflow import Status
from incident_desk.metrics.grouping import Grouping, Slice, group_column, make_slices
from incident_desk.metrics.sql import as_timestamp, duration_seconds, percentiles
from incident_desk.metrics.summary import STAGE_NAMES, current_time, memoized, severity_summary
from incident_desk.org.models import SlaTarget


class Stage(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSESS = "assess"
    SIGNOFF = "signoff"
    RESOLVE = "resolve"

    @property
    def stamp(self) -> Any:
        return _STAMPS[self]

    @property
    def target_column(self) -> Any:
        return _TARGETS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_STAMPS = {
    Stage.ACKNOWLEDGE: Incident.acknowledged_at,
    Stage.ASSESS: Incident.submitted_at,
    Stage.SIGNOFF: Incident.signed_off_at,
    Stage.RESOLVE: Incident.resolved_at,
}
_TARGETS = {
    Stage.ACKNOWLEDGE: SlaTarget.acknowledge_minutes,
    Stage.ASSESS: SlaTarget.assess_minutes,
    Stage.SIGNOFF: SlaTarget.signoff_minutes,
    Stage.RESOLVE: SlaTarget.resolve_minutes,
}
_LABELS = {
    Stage.ACKNOWLEDGE: "Time to acknowledge",
    Stage.ASSESS: "Time to assess",
    Stage.SIGNOFF: "Time to sign-off",
    Stage.RESOLVE: "Time to resolve",
}
SHORT_NAMES = {
    Stage.ACKNOWLEDGE: "MTTA",
    Stage.ASSESS: "MTT assess",
    Stage.SIGNOFF: "MTT sign-off",
    Stage.RESOLVE: "MTTR",
}

HOUR = 3600.0


# Stages whose duration the database keeps in a generated column (in the metrics index).
_STORED_SECONDS: dict[Stage, Any] = {
    Stage.ACKNOWLEDGE: Incident.acknowledge_seconds,
    Stage.RESOLVE: Incident.resolve_seconds,
}


def stage_seconds(stage: Stage | str) -> ColumnElement[float]:
    stage = Stage(stage)
    stored = _STORED_SECONDS.get(stage)
    return stored if stored is not None else duration_seconds(stage.stamp, Incident.reported_at)


@dataclass(frozen=True)
class DurationStats:
    """Durations in hours for one group (``slice`` is None for the overall figure)."""

    slice: Slice | None
    count: int
    mean_h: float | None
    median_h: float | None
    p90_h: float | None
    target_h: float | None = None  # the severity's SLA target, when grouped by severity

    @property
    def over_target(self) -> bool:
        return self.target_h is not None and self.mean_h is not None and self.mean_h > self.target_h


def default_targets(session: Session, stage: Stage | str) -> dict[int, int]:
    """severity id -> target minutes for ``stage`` (severity-wide targets, no risk band)."""
    stage = Stage(stage)
    rows = session.execute(select(SlaTarget.severity_id, stage.target_column).where(SlaTarget.band.is_(None)))
    return {sid: int(minutes) for sid, minutes in rows}


@memoized("time_to")
def time_to(
    session: Session,
    filt: IncidentFilter,
    stage: Stage | str = Stage.RESOLVE,
    grouping: Grouping | str | None = None,
    *,
    with_percentiles: bool = True,
) -> list[DurationStats]:
    """Mean, median and 90th percentile of reported → stage, overall (``grouping`` None) or per group.

    Incidents that have not reached the stage yet are not counted (they show up in SLA
    compliance as pending or missed instead).
    """
    stage = Stage(stage)
    seconds = stage_seconds(stage)
    conds = [*filt.conditions(), seconds.is_not(None)]
    group = group_column(grouping) if grouping is not None else None
    if stage.value in STAGE_NAMES and (grouping is None or Grouping(grouping) is Grouping.SEVERITY):
        # Counts and sums come from the shared one-pass severity summary.
        summ = severity_summary(session, filt, current_time(session))
        rows = [
            (sid, r.reached[stage.value], r.seconds[stage.value] / r.reached[stage.value])
            for sid, r in summ.items()
            if r.reached[stage.value]
        ]
        if group is None:
            n = sum(c for _k, c, _m in rows)
            rows = [(None, n, sum(c * m for _k, c, m in rows) / n if n else None)]
    else:
        stmt = select(_key(group), func.count(), func.avg(seconds)).where(*conds)
        if group is not None:
            stmt = stmt.group_by(group)
        rows = [tuple(r) for r in session.execute(stmt).all()]
    pct = percentiles(session, seconds, conds, group) if with_percentiles else {}
    if group is None:
        _k, count, mean = rows[0]
        p = pct.get(None, {})
        return [DurationStats(None, int(count or 0), _h(mean), _h(p.get(0.5)), _h(p.get(0.9)))]
    grouping = Grouping(grouping)  # type: ignore[arg-type]
    slices = make_slices(session, filt, grouping, [r[0] for r in rows])
    targets = default_targets(session, stage) if grouping is Grouping.SEVERITY else {}
    out = []
    for key, count, mean in rows:
        p = pct.get(key, {})
        target = targets.get(key)
        out.append(
            DurationStats(
                slices[key],
                int(count),
                _h(mean),
                _h(p.get(0.5)),
                _h(p.get(0.9)),
                target / 60.0 if target is not None else None,
            )
        )
    out.sort(key=lambda d: d.slice.sort if d.slice else 0)
    return out


def _key(group: ColumnElement[Any] | None) -> ColumnElement[Any]:
    return group if group is not None else literal(None)


def _h(seconds: Any) -> float | None:
    return None if seconds is None else float(seconds) / HOUR


# -- SLA compliance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    """SLA outcome counts for one group. ``rate`` = met / (met + missed); pending is left out."""

    slice: Slice | None
    met: int
    missed: int
    pending: int
    target_h: float | None = None
    met_filter: IncidentFilter | None = None
    missed_filter: IncidentFilter | None = None
    pending_filter: IncidentFilter | None = None

    @property
    def decided(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        return self.met / self.decided if self.decided else None


def sla_states(
    stage: Stage | str, target_minutes: ColumnElement[Any], now: dt.datetime
) -> dict[str, ColumnElement[bool]]:
    """Conditions for met, missed and pending against ``target_minutes`` (an SQL expression).

    met: the stage was reached no later than reported_at + target (exactly on the deadline
    counts as met). missed: reached later, or not reached and the deadline has passed.
    pending: not reached and the deadline is still ahead. A closed incident that never
    recorded the stage (e.g. imported without the timestamp) is in none of the three.
    """
    stage = Stage(stage)
    limit = target_minutes * 60
    seconds = stage_seconds(stage)
    reached = seconds.is_not(None)
    elapsed = duration_seconds(as_timestamp(now), Incident.reported_at)
    waiting = and_(seconds.is_(None), Incident.status != Status.CLOSED.value)
    return {
        "met": and_(reached, seconds <= limit),
        "missed": or_(and_(reached, seconds > limit), and_(waiting, elapsed > limit)),
        "pending": and_(waiting, elapsed <= limit),
    }


def target_subquery(stage: Stage | str) -> ColumnElement[Any]:
    """The incident's own severity target, as a correlated subquery (used in drill-down filters)."""
    stage = Stage(stage)
    return (
        select(stage.target_column)
        .where(SlaTarget.severity_id == Incident.severity_id, SlaTarget.band.is_(None))
        .correlate(Incident)
        .scalar_subquery()
    )


def state_filter(base: IncidentFilter, stage: Stage | str, state: str, now: dt.datetime) -> IncidentFilter:
    """``base`` narrowed to the incidents whose ``stage`` SLA is met / missed / pending at ``now``."""
    cond = sla_states(stage, target_subquery(stage), now)[state]
    return base.with_(extra=(*base.extra, cond))


def sla_compliance(
    session: Session,
    filt: IncidentFilter,
    stage: Stage | str = Stage.RESOLVE,
    grouping: Grouping | str | None = Grouping.SEVERITY,
    now: dt.datetime | None = None,
) -> list[Compliance]:
    """Met / missed / pending counts per group (or overall) for incidents whose severity has a target."""
    stage = Stage(stage)
    now = current_time(session, now)
    group = group_column(grouping) if grouping is not None else None
    if stage.value in STAGE_NAMES and (grouping is None or Grouping(grouping) is Grouping.SEVERITY):
        summ = severity_summary(session, filt, now)
        rows = [
            (sid, r.met[stage.value], r.missed[stage.value], r.pending[stage.value])
            for sid, r in summ.items()
            if r.target_minutes[stage.value] is not None
        ]
    else:
        states = sla_states(stage, stage.target_column, now)
        counts = [func.sum(case((states[k], 1), else_=0)).label(k) for k in ("met", "missed", "pending")]
        stmt = (
            select(_key(group), *counts)
            .join(SlaTarget, and_(SlaTarget.severity_id == Incident.severity_id, SlaTarget.band.is_(None)))
            .where(*filt.conditions(now))
        )
        if group is not None:
            stmt = stmt.group_by(group)
        rows = [tuple(r) for r in session.execute(stmt).all()]
    if group is None:
        met, missed, pending = (sum(int(r[i] or 0) for r in rows) for i in (1, 2, 3))
        return [_compliance(None, filt, stage, now, met, missed, pending, None)]
    grouping = Grouping(grouping)  # type: ignore[arg-type]
    slices = make_slices(session, filt, grouping, [r[0] for r in rows])
    targets = default_targets(session, stage) if grouping is Grouping.SEVERITY else {}
    out = [
        _compliance(
            slices[key],
            slices[key].filter,
            stage,
            now,
            met,
            missed,
            pending,
            targets[key] / 60.0 if key in targets else None,
        )
        for key, met, missed, pending in rows
    ]
    out.sort(key=lambda c: c.slice.sort if c.slice else 0)
    return out


def _compliance(
    slice_: Slice | None,
    filt: IncidentFilter,
    stage: Stage,
    now: dt.datetime,
    met: Any,
    missed: Any,
    pending: Any,
    target_h: float | None,
) -> Compliance:
    return Compliance(
        slice_,
        int(met or 0),
        int(missed or 0),
        int(pending or 0),
        target_h,
        state_filter(filt, stage, "met", now),
        state_filter(filt, stage, "missed", now),
        state_filter(filt, stage, "pending", now),
    )
