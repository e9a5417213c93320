"""Validation of incident input, with messages placed next to the field they concern."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# Reported a little "in the future" is clock skew between machines, not an error.
CLOCK_SKEW = dt.timedelta(minutes=5)
TITLE_MAX = 200


@dataclass
class IncidentData:
    """Everything the incident form edits. Ids refer to reference data rows."""

    title: str = ""
    type_id: int | None = None
    severity_id: int | None = None
    occurred_at: dt.datetime | None = None
    reported_at: dt.datetime | None = None
    site_id: int | None = None
    location_id: int | None = None
    customer_id: int | None = None
    description: str = ""
    immediate_actions: str = ""
    direct_cost: Decimal = Decimal("0")
    indirect_cost: Decimal = Decimal("0")
    currency: str = "USD"
    satisfaction: int | None = None
    reporter_name: str = ""
    assignee_id: int | None = None
    resolution_summary: str = ""
    root_cause: str = ""
    five_whys: list[str] = field(default_factory=list)
    lessons_learned: str = ""


FIELDS = tuple(IncidentData.__dataclass_fields__)


def validate(data: IncidentData, *, now: dt.datetime, satisfaction_max: int = 5,
             location_site: int | None = None) -> dict[str, list[str]]:
    """Problems by field name; empty when the data may be saved.

    ``location_site`` is the site the chosen location belongs to (looked up by the caller).
    """
    p: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        p.setdefault(name, []).append(message)

    if not data.title.strip():
        add("title", "Give the incident a short title, e.g. “Slip on wet floor in loading bay”.")
    elif len(data.title) > TITLE_MAX:
        add("title", f"The title is {len(data.title)} characters long; keep it to {TITLE_MAX}.")
    if data.type_id is None:
        add("type_id", "Choose the type of incident.")
    if data.severity_id is None:
        add("severity_id", "Choose a severity.")
    if data.occurred_at is None:
        add("occurred_at", "Enter when the incident happened.")
    if data.reported_at is None:
        add("reported_at", "Enter when the incident was reported.")
    for name, value in (("occurred_at", data.occurred_at), ("reported_at", data.reported_at)):
        if value is not None:
            if value.tzinfo is None:
                add(name, "The time has no time zone.")
            elif value > now + CLOCK_SKEW:
                add(name, f"{'Occurred' if name == 'occurred_at' else 'Reported'} date is in the future.")
    if (data.occurred_at and data.reported_at and data.occurred_at.tzinfo and data.reported_at.tzinfo
            and data.occurred_at > data.reported_at):
        add("occurred_at", "Occurred date is after the reported date.")
    if data.location_id is not None and data.site_id is not None and location_site not in (None, data.site_id):
        add("location_id", "This location belongs to another site.")
    for name, label in (("direct_cost", "Direct cost"), ("indirect_cost", "Indirect cost")):
        value = getattr(data, name)
        if value is None:
            continue
        if value < 0:
            add(name, f"{label} cannot be negative.")
        elif value >= Decimal("1e12"):
            add(name, f"{label} is too large.")
    if data.satisfaction is not None and not 1 <= data.satisfaction <= satisfaction_max:
        add("satisfaction", f"Customer satisfaction is scored from 1 to {satisfaction_max}.")
    if len(data.currency) != 3 or not data.currency.isalpha():
        add("currency", "Currency is a three-letter code such as USD or EUR.")
    return p
