"""Recordable injury rates (TRIR, DART, LTIFR, severity rate) from people's OSHA outcomes and hours worked.

Which cases each rate counts (also in docs/metrics.md and the dashboard tooltips):

* A *case* is one injured or ill person (a ``people`` row) on a non-void incident matching the
  filter, with ``recordable`` set. One incident with two injured workers is two cases.
* TRIR counts every recordable case: death, days away, restricted/transferred and other
  recordable (OSHA 300 columns G + H + I + J).
* DART counts recordable cases whose outcome is days away or job restriction/transfer (H + I).
* LTIFR counts lost-time injuries: recordable cases whose outcome is death or days away, or
  whose treatment is recorded as fatality or permanent disability.
* Severity rate counts days away from work (column K, each case capped at 180 days) of
  recordable cases.
* Hours are the hours worked of the filter's sites (all sites when none is chosen) for every
  month that overlaps the filter's date range (all months when there is none).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from incident_desk.incidents.models import Incident, Person
from incident_desk.incidents.query import IncidentFilter
from incident_desk.metrics.summary import memoized
from incident_desk.org.models import HoursWorked

DAYS_CAP = 180
RATE_DEFINITIONS = {
    "trir": "TRIR = recordable cases × 200,000 ÷ hours worked. Counts every recordable case: deaths, "
    "days away, restricted or transferred, and other recordable cases (OSHA 300 columns G–J).",
    "dart": "DART = cases with days away or job restriction/transfer × 200,000 ÷ hours worked "
    "(OSHA 300 columns H and I; deaths and other recordable cases are not counted).",
    "ltifr": "LTIFR = lost-time injuries × 1,000,000 ÷ hours worked. A lost-time injury is a recordable "
    "case with a death or days away, or treatment recorded as fatality or permanent disability.",
    "severity": "Severity rate = days away from work × 200,000 ÷ hours worked (days away of recordable "
    "cases, each capped at 180 days as on the OSHA 300 log).",
}


def recordable_condition() -> ColumnElement[bool]:
    return Person.recordable.is_(True)


def dart_condition() -> ColumnElement[bool]:
    return and_(Person.recordable.is_(True), Person.osha_outcome.in_(("days_away", "restricted")))


def lti_condition() -> ColumnElement[bool]:
    return and_(
        Person.recordable.is_(True),
        or_(Person.osha_outcome.in_(("death", "days_away")), Person.treatment.in_(("fatality", "permanent"))),
    )


@dataclass(frozen=True)
class Rates:
    hours: Decimal
    employees: float  # average head count over the months with hours recorded
    recordable: int
    dart_cases: int
    lost_time: int
    days_lost: int
    trir: float | None
    dart: float | None
    ltifr: float | None
    severity: float | None
    recordable_filter: IncidentFilter
    dart_filter: IncidentFilter
    lti_filter: IncidentFilter


def hours_worked(session: Session, filt: IncidentFilter) -> tuple[Decimal, float]:
    """Total hours and mean monthly head count for the filter's sites and months."""
    conds = []
    if filt.site_ids:
        conds.append(HoursWorked.site_id.in_(filt.site_ids))
    month_no = HoursWorked.year * 12 + HoursWorked.month
    if filt.date_from:
        conds.append(month_no >= filt.date_from.year * 12 + filt.date_from.month)
    if filt.date_to:
        conds.append(month_no <= filt.date_to.year * 12 + filt.date_to.month)
    hours, employees, months = session.execute(
        select(
            func.sum(HoursWorked.hours), func.sum(HoursWorked.employees), func.count(func.distinct(month_no))
        ).where(*conds)
    ).one()
    avg_employees = float(employees or 0) / months if months else 0.0
    return Decimal(str(hours or 0)), avg_employees


@memoized("recordable_rates")
def recordable_rates(session: Session, filt: IncidentFilter) -> Rates:
    """TRIR, DART, LTIFR and severity rate for the incidents matching ``filt`` (see module docs)."""
    days = case((Person.days_away > DAYS_CAP, DAYS_CAP), else_=Person.days_away)
    rec, dart, lti, days_lost = session.execute(
        select(
            func.count(),
            func.sum(case((dart_condition(), 1), else_=0)),
            func.sum(case((lti_condition(), 1), else_=0)),
            func.coalesce(func.sum(days), 0),
        )
        .select_from(Person)
        .join(Incident, Incident.id == Person.incident_id)
        .where(*filt.conditions(), recordable_condition())
    ).one()
    hours, employees = hours_worked(session, filt)
    h = float(hours)

    def rate(n: int, base: int) -> float | None:
        return n * base / h if h > 0 else None

    rec, dart, lti, days_lost = int(rec or 0), int(dart or 0), int(lti or 0), int(days_lost or 0)

    def with_cases(cond: ColumnElement[bool]) -> IncidentFilter:
        return filt.with_(
            extra=(*filt.extra, exists(select(Person.id).where(Person.incident_id == Incident.id, cond)))
        )

    return Rates(
        hours,
        employees,
        rec,
        dart,
        lti,
        days_lost,
        rate(rec, 200_000),
        rate(dart, 200_000),
        rate(lti, 1_000_000),
        rate(days_lost, 200_000),
        with_cases(recordable_condition()),
        with_cases(dart_condition()),
        with_cases(lti_condition()),
    )
