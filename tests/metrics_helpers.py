"""Building small, hand-checkable incident sets for the metric tests (rows inserted directly)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from incident_desk.incidents.models import Incident, Person

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # a Monday
H = dt.timedelta(hours=1)
_numbers = itertools.count(1)


def add_incident(
    s: Session,
    refs: dict[str, Any],
    *,
    severity: str = "Major",
    type_: str = "injury",
    occurred: dt.datetime = T0,
    reported: dt.datetime | None = None,
    status: str = "reported",
    site: str | None = "Test Plant",
    location: str | None = "Workshop",
    customer: str | None = None,
    **fields: Any,
) -> Incident:
    reported = reported or occurred
    inc = Incident(
        reference=f"T-{next(_numbers):06d}",
        title="Test incident",
        type_id=refs["type"][type_],
        severity_id=refs["severity"][severity],
        status=status,
        occurred_at=occurred,
        reported_at=reported,
        occurred_date=occurred.date(),
        occurred_hour=occurred.hour,
        occurred_weekday=occurred.weekday(),
        site_id=refs["site"][site] if site else None,
        location_id=refs["location"][location] if location else None,
        customer_id=refs["customer"][customer] if customer else None,
        **fields,
    )
    s.add(inc)
    s.flush()
    return inc


def add_person(
    s: Session,
    incident: Incident,
    *,
    recordable: bool = True,
    outcome: str = "other",
    days_away: int = 0,
    days_restricted: int = 0,
    treatment: str = "medical",
) -> Person:
    p = Person(
        incident_id=incident.id,
        name="Pat Example",
        role="injured",
        recordable=recordable,
        osha_outcome=outcome if recordable else "",
        days_away=days_away,
        days_restricted=days_restricted,
        treatment=treatment,
    )
    s.add(p)
    s.flush()
    return p


def money(value: str) -> Decimal:
    return Decimal(value)
