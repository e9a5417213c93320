"""Counting metrics in SQL: frequency per period, cost, customer satisfaction, backlog and ageing,
overdue corrective actions, repeat incidents, and two-way grids (period × severity, weekday × hour)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from incident_desk.db.base import utcnow
from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.incidents.workflow import OPEN_STATUSES, STAGE_OF, Stage, Status
from incident_desk.metrics.grouping import Grouping, Slice, drill_filter, group_column, make_slices
from incident_desk.metrics.sql import as_timestamp, duration_seconds, next_period, period_key_start, to_date
from incident_desk.metrics.summary import cache_key, cached, current_time, memoized, severity_summary
from incident_desk.risk.models import CorrectiveAction

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def count(session: Session, filt: IncidentFilter, now: dt.datetime | None = None) -> int:
    """How many incidents match ``filt`` (the number the incident list shows for it)."""
    return int(
        session.execute(select(func.count()).select_from(Incident).where(*filt.conditions(now))).scalar_one()
    )


@dataclass(frozen=True)
class GroupCount:
    slice: Slice
    count: int


def counts_by(session: Session, filt: IncidentFilter, grouping: Grouping | str) -> list[GroupCount]:
    """Incident counts per group, in the group's natural order (time, rank, name)."""
    return cached(
        session, cache_key("counts_by", filt, str(grouping)), lambda: _counts_by(session, filt, grouping)
    )


def _counts_by(session: Session, filt: IncidentFilter, grouping: Grouping | str) -> list[GroupCount]:
    group = group_column(grouping)
    rows = session.execute(select(group, func.count()).where(*filt.conditions()).group_by(group)).all()
    slices = make_slices(session, filt, grouping, [r[0] for r in rows])
    out = [GroupCount(slices[k], int(n)) for k, n in rows]
    out.sort(key=lambda g: g.slice.sort)
    return out


# -- frequency ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodCount:
    start: dt.date
    label: str
    count: int
    change: float | None  # fraction against the period before (None when that had none)
    filter: IncidentFilter


def frequency(
    session: Session, filt: IncidentFilter, period: Grouping | str = Grouping.MONTH
) -> list[PeriodCount]:
    """Incidents per period, every period in the range present (zero when empty), with the change
    against the period before. Without a date range the series spans the first to the last incident."""
    period = Grouping(period)
    if not period.is_period:
        raise ValueError(f"{period} is not a period")
    by_start = {to_date(g.slice.key): g for g in counts_by(session, filt, period)}
    if not by_start and not (filt.date_from and filt.date_to):
        return []
    first = period_key_start(filt.date_from or min(by_start), period.value)
    last = period_key_start(filt.date_to or max(by_start), period.value)
    out: list[PeriodCount] = []
    prev: int | None = None
    start = first
    while start <= last:
        g = by_start.get(start)
        n = g.count if g else 0
        sl = g.slice if g else make_slices(session, filt, period, [start])[start]
        change = (n - prev) / prev if prev else None
        out.append(PeriodCount(start, sl.label, n, change, sl.filter))
        prev = n
        start = next_period(start, period.value)
    return out


def previous_window(filt: IncidentFilter) -> IncidentFilter | None:
    """The same filter over the equally long window just before its date range (None without one)."""
    if not (filt.date_from and filt.date_to):
        return None
    days = (filt.date_to - filt.date_from).days + 1
    return filt.with_(
        date_from=filt.date_from - dt.timedelta(days=days), date_to=filt.date_from - dt.timedelta(days=1)
    )


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change; None when there is nothing to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous


# -- two-way grids ------------------------------------------------------------------------------


@dataclass
class Grid:
    """Counts by (row key, column key) with a slice per row and per column and a drill filter per cell."""

    rows: list[Slice]
    columns: list[Slice]
    counts: dict[tuple[Any, Any], int] = field(default_factory=dict)
    filters: dict[tuple[Any, Any], IncidentFilter] = field(default_factory=dict)

    def total(self) -> int:
        return sum(self.counts.values())


@memoized("grid")
def grid(
    session: Session,
    filt: IncidentFilter,
    row_grouping: Grouping | str,
    column_grouping: Grouping | str,
    *,
    all_rows: bool = False,
    all_columns: bool = False,
) -> Grid:
    """Counts for every combination of two groupings in one GROUP BY (e.g. period × severity).

    ``all_rows``/``all_columns`` include every known key (all 7 weekdays, all 24 hours, all
    severities) rather than only the keys that occur, so a grid keeps its shape.
    """
    rg, cg = Grouping(row_grouping), Grouping(column_grouping)
    r_col, c_col = group_column(rg), group_column(cg)
    data = session.execute(
        select(r_col, c_col, func.count()).where(*filt.conditions()).group_by(r_col, c_col)
    ).all()
    counts = {(r, c): int(n) for r, c, n in data}
    row_keys = _keys(session, rg, {r for r, _c in counts}, all_rows)
    col_keys = _keys(session, cg, {c for _r, c in counts}, all_columns)
    rows = sorted(make_slices(session, filt, rg, row_keys).values(), key=lambda s: s.sort)
    cols = sorted(make_slices(session, filt, cg, col_keys).values(), key=lambda s: s.sort)
    filters = {}
    for r, c in counts:
        filters[(r, c)] = drill_filter(drill_filter(filt, rg, r), cg, c)
    return Grid(rows, cols, counts, filters)


def _keys(session: Session, grouping: Grouping, present: set[Any], complete: bool) -> list[Any]:
    if not complete or grouping.is_period:
        return list(present)
    if grouping is Grouping.WEEKDAY:
        return list(range(7))
    if grouping is Grouping.HOUR:
        return list(range(24))
    from incident_desk.metrics.grouping import reference_names

    return list(set(reference_names(session, grouping)) | present)


@memoized("period_severity_grid")
def period_severity_grid(session: Session, filt: IncidentFilter, period: Grouping | str) -> Grid:
    """Incidents per period stacked by severity, with empty periods filled in."""
    g = grid.__wrapped__(session, filt, period, Grouping.SEVERITY)  # type: ignore[attr-defined]  # mutated below
    present = {s.key: s for s in g.rows}
    if present or (filt.date_from and filt.date_to):
        unit = Grouping(period).value
        keys = [to_date(k) for k in present]
        start = period_key_start(filt.date_from or min(keys), unit)
        last = period_key_start(filt.date_to or max(keys), unit)
        by_date = {to_date(k): s for k, s in present.items()}
        missing = []
        while start <= last:
            if start not in by_date:
                missing.append(start)
            start = next_period(start, unit)
        extra = make_slices(session, filt, period, missing)
        rows = [*present.values(), *extra.values()]
        # Normalise keys to dates so callers can rely on them.
        g.counts = {(to_date(r), c): n for (r, c), n in g.counts.items()}
        g.filters = {(to_date(r), c): f for (r, c), f in g.filters.items()}
        g.rows = sorted(
            (Slice(to_date(s.key), s.label, s.filter, to_date(s.key)) for s in rows), key=lambda s: s.sort
        )
    return g


# -- location × type × customer breakdown ------------------------------------------------------------

# Groupings answered from the one breakdown query below instead of a GROUP BY of their own.
BREAKDOWN = (Grouping.LOCATION, Grouping.TYPE, Grouping.CUSTOMER)


@dataclass(frozen=True)
class BreakdownRow:
    location_id: int | None
    type_id: int
    customer_id: int | None
    count: int
    direct: Any
    indirect: Any
    responses: int  # scores given
    score_sum: float

    def key(self, grouping: Grouping) -> Any:
        return {Grouping.LOCATION: self.location_id, Grouping.TYPE: self.type_id,
                Grouping.CUSTOMER: self.customer_id}[grouping]


def breakdown(session: Session, filt: IncidentFilter) -> list[BreakdownRow]:
    """Counts, cost and satisfaction per (location, type, customer) in one GROUP BY (cached).

    Cost by location, satisfaction by customer and repeat incidents (location × type) are sums
    over these few hundred rows: one sort of the filtered incidents instead of three.
    """

    def compute() -> list[BreakdownRow]:
        stmt = (
            select(
                Incident.location_id, Incident.type_id, Incident.customer_id, func.count(),
                func.sum(Incident.direct_cost), func.sum(Incident.indirect_cost),
                func.count(Incident.satisfaction), func.sum(Incident.satisfaction),
            )
            .where(*filt.conditions())
            .group_by(Incident.location_id, Incident.type_id, Incident.customer_id)
        )
        return [
            BreakdownRow(loc, tid, cust, int(n), d or 0, i or 0, int(r or 0), float(sc or 0))
            for loc, tid, cust, n, d, i, r, sc in session.execute(stmt)
        ]

    return cached(session, cache_key("breakdown", filt), compute)


# -- cost ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    slice: Slice | None
    count: int
    direct: Decimal
    indirect: Decimal

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect


def cost(session: Session, filt: IncidentFilter, grouping: Grouping | str | None = None) -> list[Cost]:
    """Direct, indirect and total cost, overall or per group; groups sorted by total, largest first."""
    if grouping is None:
        rows = severity_summary(session, filt, current_time(session)).values()
        return [
            Cost(
                None,
                sum(r.count for r in rows),
                sum((r.direct for r in rows), Decimal("0")),
                sum((r.indirect for r in rows), Decimal("0")),
            )
        ]
    grouping = Grouping(grouping)
    if grouping in BREAKDOWN:
        sums: dict[Any, list[Any]] = {}
        for b in breakdown(session, filt):
            acc = sums.setdefault(b.key(grouping), [0, 0, 0])
            acc[0] += b.count
            acc[1] += b.direct
            acc[2] += b.indirect
        rows = [(k, n, d, i) for k, (n, d, i) in sums.items()]
    else:
        group = group_column(grouping)
        cols = [func.count(), func.sum(Incident.direct_cost), func.sum(Incident.indirect_cost)]
        stmt = select(group, *cols).where(*filt.conditions())
        rows = cached(
            session,
            cache_key("cost", filt, str(grouping)),
            lambda: [tuple(r) for r in session.execute(stmt.group_by(group)).all()],
        )
    slices = make_slices(session, filt, grouping, [r[0] for r in rows])  # type: ignore[arg-type]
    out = [Cost(slices[k], int(n), money(d), money(i)) for k, n, d, i in rows]
    out.sort(key=lambda c: (-c.total, c.slice.sort if c.slice else 0))
    return out


# -- customer satisfaction -------------------------------------------------------------------------


@dataclass(frozen=True)
class Satisfaction:
    slice: Slice | None
    responses: int
    mean: float | None
    incidents: int  # incidents with a customer, scored or not


@memoized("satisfaction")
def satisfaction(
    session: Session, filt: IncidentFilter, grouping: Grouping | str | None = None
) -> list[Satisfaction]:
    """Mean satisfaction score and response count, over incidents that affected a customer."""
    if grouping is None:
        rows = severity_summary(session, filt, current_time(session)).values()
        n = sum(r.responses for r in rows)
        mean = sum(r.score_sum for r in rows) / n if n else None
        return [Satisfaction(None, n, mean, sum(r.with_customer for r in rows))]
    grouping = Grouping(grouping)
    if grouping in BREAKDOWN:
        acc: dict[Any, list[Any]] = {}
        for b in breakdown(session, filt):
            if b.customer_id is not None:
                a = acc.setdefault(b.key(grouping), [0, 0.0, 0])
                a[0] += b.responses
                a[1] += b.score_sum
                a[2] += b.count
        rows = [(k, n, total / n if n else None, t) for k, (n, total, t) in acc.items()]
    else:
        group = group_column(grouping)
        cols = [func.count(Incident.satisfaction), func.avg(Incident.satisfaction), func.count()]
        stmt = select(group, *cols).where(*filt.conditions(), Incident.customer_id.is_not(None))
        rows = [tuple(r) for r in session.execute(stmt.group_by(group)).all()]
    base = filt.with_(extra=(*filt.extra, Incident.customer_id.is_not(None)))
    slices = make_slices(session, base, grouping, [r[0] for r in rows])  # type: ignore[arg-type]
    out = [
        Satisfaction(slices[k], int(n), float(m) if m is not None else None, int(t)) for k, n, m, t in rows
    ]
    out.sort(key=lambda s: (-s.incidents, s.slice.sort if s.slice else 0))
    return out


# -- backlog and ageing ----------------------------------------------------------------------------

AGE_BUCKETS: tuple[tuple[str, float, float | None], ...] = (
    # label, from days (inclusive), to days (exclusive)
    ("< 1 day", 0, 1),
    ("1–7 days", 1, 7),
    ("7–30 days", 7, 30),
    ("30–90 days", 30, 90),
    ("> 90 days", 90, None),
)
OPEN_STAGES = tuple(dict.fromkeys(STAGE_OF[s] for s in OPEN_STATUSES))


@dataclass
class Backlog:
    """Open incidents by stage and age (time since reported) at ``now``."""

    now: dt.datetime
    counts: dict[tuple[Stage, str], int]
    filters: dict[tuple[Stage, str], IncidentFilter]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def by_stage(self, stage: Stage) -> int:
        return sum(n for (s, _b), n in self.counts.items() if s == stage)

    def by_bucket(self, bucket: str) -> int:
        return sum(n for (_s, b), n in self.counts.items() if b == bucket)


def _age_condition(now: dt.datetime, lo: float, hi: float | None) -> ColumnElement[bool]:
    age = duration_seconds(as_timestamp(now), Incident.reported_at)
    cond = age >= lo * 86400
    return and_(cond, age < hi * 86400) if hi is not None else cond


@memoized("backlog")
def backlog(session: Session, filt: IncidentFilter, now: dt.datetime | None = None) -> Backlog:
    now = now or utcnow()
    age = duration_seconds(as_timestamp(now), Incident.reported_at)
    bucket = case(
        *[(age < hi * 86400, i) for i, (_l, _lo, hi) in enumerate(AGE_BUCKETS) if hi is not None],
        else_=len(AGE_BUCKETS) - 1,
    )
    open_values = [s.value for s in OPEN_STATUSES]
    rows = session.execute(
        select(Incident.status, bucket, func.count())
        .where(*filt.conditions(now), Incident.status.in_(open_values))
        .group_by(Incident.status, bucket)
    ).all()
    counts: dict[tuple[Stage, str], int] = {}
    filters: dict[tuple[Stage, str], IncidentFilter] = {}
    for status, b, n in rows:
        stage = STAGE_OF[Status(status)]
        label, lo, hi = AGE_BUCKETS[int(b)]
        key = (stage, label)
        counts[key] = counts.get(key, 0) + int(n)
        statuses = tuple(
            s.value
            for s in OPEN_STATUSES
            if STAGE_OF[s] == stage and (not filt.statuses or s.value in filt.statuses)
        )
        filters[key] = filt.with_(statuses=statuses, extra=(*filt.extra, _age_condition(now, lo, hi)))
    return Backlog(now, counts, filters)


# -- corrective actions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueActions:
    actions: int
    incidents: int
    filter: IncidentFilter  # the incidents that have at least one overdue action


def overdue_condition(today: dt.date) -> ColumnElement[bool]:
    return and_(CorrectiveAction.due_date < today, CorrectiveAction.status.in_(("open", "in_progress")))


@memoized("overdue_actions")
def overdue_actions(session: Session, filt: IncidentFilter, today: dt.date | None = None) -> OverdueActions:
    """Corrective actions past their due date and still open or in progress, for the filtered incidents."""
    today = today or dt.date.today()
    # Few actions are overdue: start from them (status index) and check each one's incident,
    # rather than walking every incident in the date range.
    matching = exists(
        select(Incident.id).where(Incident.id == CorrectiveAction.incident_id, *filt.conditions())
    )
    n_actions, n_incidents = session.execute(
        select(func.count(), func.count(func.distinct(CorrectiveAction.incident_id))).where(
            overdue_condition(today), matching
        )
    ).one()
    has_overdue = exists(
        select(CorrectiveAction.id).where(
            CorrectiveAction.incident_id == Incident.id, overdue_condition(today)
        )
    )
    return OverdueActions(int(n_actions), int(n_incidents), filt.with_(extra=(*filt.extra, has_overdue)))


# -- repeat incidents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Repeat:
    """Incidents of one type at one location: ``count - 1`` of them are repeats."""

    location: Slice
    type_name: str
    count: int
    filter: IncidentFilter

    @property
    def repeats(self) -> int:
        return self.count - 1


@memoized("repeat_incidents")
def repeat_incidents(session: Session, filt: IncidentFilter, limit: int = 20) -> tuple[int, list[Repeat]]:
    """(total repeats, worst location × type pairs): incidents beyond the first of the same type at
    the same location within the filtered period."""
    per_pair: dict[tuple[int, int], int] = {}
    for b in breakdown(session, filt):  # a few hundred rows, not one per incident
        if b.location_id is not None:
            per_pair[(b.location_id, b.type_id)] = per_pair.get((b.location_id, b.type_id), 0) + b.count
    pairs = [(int(loc), int(tid), c) for (loc, tid), c in per_pair.items() if c > 1]
    total = sum(c - 1 for _l, _t, c in pairs)
    rows = sorted(pairs, key=lambda r: (-r[2], r[0], r[1]))[:limit]
    slices = make_slices(session, filt, Grouping.LOCATION, [r[0] for r in rows])
    from incident_desk.metrics.grouping import reference_names

    types = reference_names(session, Grouping.TYPE)
    out = [
        Repeat(slices[loc], types.get(tid, (str(tid),))[0], int(c), slices[loc].filter.with_(type_ids=(tid,)))
        for loc, tid, c in rows
    ]
    return total, out
