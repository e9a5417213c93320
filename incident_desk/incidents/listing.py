"""Queries behind the incident list and the incident form's choice lists.

The list shows one page of rows at a time, sorted and filtered in SQL (``IncidentFilter``), so
a database of 100,000 incidents opens as fast as one of a hundred.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.org.models import Customer, IncidentType, Location, Organisation, SeverityLevel, Site
from incident_desk.users.models import User

PAGE_SIZE = 200


@dataclass(frozen=True)
class ListRow:
    id: int
    reference: str
    title: str
    status: str
    severity: str
    severity_colour: str
    severity_rank: int
    type_name: str
    site: str
    location: str
    occurred_at: dt.datetime
    reported_at: dt.datetime
    assignee: str
    priority: str
    response_due_at: dt.datetime | None

    def overdue(self, now: dt.datetime) -> bool:
        return self.response_due_at is not None and self.response_due_at < now and self.status != "closed"


# Sort keys the list offers, one per column.
SORT_KEYS = (
    "reference",
    "title",
    "status",
    "severity",
    "type",
    "site",
    "location",
    "occurred_at",
    "reported_at",
    "assignee",
    "due",
)

_assignee = aliased(User)


def _select() -> Select[Any]:
    return (
        select(
            Incident.id,
            Incident.reference,
            Incident.title,
            Incident.status,
            SeverityLevel.name,
            SeverityLevel.colour,
            SeverityLevel.rank,
            IncidentType.name,
            func.coalesce(Site.name, ""),
            func.coalesce(Location.name, ""),
            Incident.occurred_at,
            Incident.reported_at,
            func.coalesce(_assignee.full_name, ""),
            func.coalesce(Incident.priority, ""),
            Incident.response_due_at,
        )
        .join(SeverityLevel, SeverityLevel.id == Incident.severity_id)
        .join(IncidentType, IncidentType.id == Incident.type_id)
        .outerjoin(Site, Site.id == Incident.site_id)
        .outerjoin(Location, Location.id == Incident.location_id)
        .outerjoin(_assignee, _assignee.id == Incident.assignee_id)
    )


# key -> (column, inverted). Rank 1 is the most severe, so "ascending severity" is rank descending.
def _sort_column(key: str) -> tuple[Any, bool]:
    return {
        "reference": (Incident.reference, False),
        "title": (Incident.title, False),
        "status": (Incident.status, False),
        "severity": (SeverityLevel.rank, True),
        "type": (IncidentType.name, False),
        "site": (Site.name, False),
        "location": (Location.name, False),
        "occurred_at": (Incident.occurred_at, False),
        "reported_at": (Incident.reported_at, False),
        "assignee": (_assignee.full_name, False),
        "due": (Incident.response_due_at, False),
    }[key]


# The one table a sort key needs besides incidents (None: a column of incidents itself).
_SORT_JOIN: dict[str, tuple[Any, Any] | None] = {
    "severity": (SeverityLevel, SeverityLevel.id == Incident.severity_id),
    "type": (IncidentType, IncidentType.id == Incident.type_id),
    "site": (Site, Site.id == Incident.site_id),
    "location": (Location, Location.id == Incident.location_id),
    "assignee": (_assignee, _assignee.id == Incident.assignee_id),
}


def page(
    session: Session,
    filt: IncidentFilter,
    *,
    sort: str = "reported_at",
    descending: bool = True,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    now: dt.datetime | None = None,
) -> list[ListRow]:
    """One page of the list, sorted in SQL (ties broken by id so pages never overlap).

    Two steps: first the page's ids, sorted with at most the one join the sort key needs
    (so sorting 100,000 rows does not join five tables for each of them), then the page's
    rows with everything the list shows.
    """
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort key {sort!r}")
    column, inverted = _sort_column(sort)
    down = descending != inverted
    order = [column.desc() if down else column.asc(), Incident.id.desc() if descending else Incident.id.asc()]
    if filt.extra:
        # Extra conditions may name any of the joined tables: keep them all.
        ids_stmt = _select().with_only_columns(Incident.id)
    else:
        ids_stmt = select(Incident.id)
        join = _SORT_JOIN.get(sort)
        if join is not None:
            ids_stmt = ids_stmt.outerjoin(*join)
    ids = list(session.scalars(filt.apply(ids_stmt, now).order_by(*order).offset(offset).limit(limit)))
    if not ids:
        return []
    rows = {row[0]: ListRow(*row) for row in session.execute(_select().where(Incident.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def count(session: Session, filt: IncidentFilter, now: dt.datetime | None = None) -> int:
    stmt = filt.apply(select(func.count()).select_from(Incident), now)
    return int(session.execute(stmt).scalar_one())


@dataclass
class Choices:
    """Everything the form's drop-down lists offer, read once when the form opens."""

    severities: list[tuple[int, str, str, bool]] = field(default_factory=list)  # id, name, colour, active
    types: list[tuple[int, str, bool]] = field(default_factory=list)
    sites: list[tuple[int, str, bool]] = field(default_factory=list)
    locations: list[tuple[int, int, str, bool]] = field(default_factory=list)  # id, site id, name, active
    customers: list[tuple[int, str, bool]] = field(default_factory=list)
    users: list[tuple[int, str, bool]] = field(default_factory=list)
    currency: str = "USD"
    satisfaction_max: int = 5
    timezone: str = "UTC"

    def location_site(self, location_id: int | None) -> int | None:
        return next((site for lid, site, _n, _a in self.locations if lid == location_id), None)


def choices(session: Session) -> Choices:
    c = Choices()
    c.severities = [
        (r.id, r.name, r.colour, r.active)
        for r in session.scalars(select(SeverityLevel).order_by(SeverityLevel.rank))
    ]
    c.types = [
        (r.id, r.name, r.active) for r in session.scalars(select(IncidentType).order_by(IncidentType.name))
    ]
    c.sites = [(r.id, r.name, r.active) for r in session.scalars(select(Site).order_by(Site.name))]
    c.locations = [
        (r.id, r.site_id, r.name, r.active) for r in session.scalars(select(Location).order_by(Location.name))
    ]
    c.customers = [
        (r.id, r.name, r.active) for r in session.scalars(select(Customer).order_by(Customer.name))
    ]
    c.users = [(r.id, r.full_name, r.active) for r in session.scalars(select(User).order_by(User.full_name))]
    org = session.get(Organisation, 1)
    if org is not None:
        c.currency, c.satisfaction_max, c.timezone = org.currency, org.satisfaction_max, org.timezone
    return c


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "comment" or "status"
    who: str
    text: str


def timeline(session: Session, incident_id: int) -> list[TimelineEntry]:
    """Comments and status changes of one incident, oldest first."""
    from incident_desk.incidents.models import Comment, StatusChange
    from incident_desk.incidents.workflow import STATUS_LABELS

    def label(status: str | None) -> str:
        return STATUS_LABELS.get(status, status) if status else ""  # type: ignore[call-overload]

    entries = [
        TimelineEntry(c.created_at, "comment", c.author_name, c.body)
        for c in session.scalars(select(Comment).where(Comment.incident_id == incident_id))
    ]
    for sc in session.scalars(select(StatusChange).where(StatusChange.incident_id == incident_id)):
        text = (
            f"{label(sc.from_status)} → {label(sc.to_status)}"
            if sc.from_status
            else f"Reported ({label(sc.to_status)})"
        )
        if sc.note:
            text += f": {sc.note}"
        entries.append(TimelineEntry(sc.at, "status", sc.user_name, text))
    return sorted(entries, key=lambda e: (e.at, e.kind))


def changes_since(
    session: Session, incident_id: int, since: dt.datetime, *, exclude_user_id: int | None = None
) -> list[TimelineEntry]:
    """Audited changes to one incident after ``since`` (who changed what while a form was open)."""
    from incident_desk.audit.models import AuditEvent

    stmt = (
        select(AuditEvent)
        .where(AuditEvent.incident_id == incident_id, AuditEvent.at > since)
        .order_by(AuditEvent.seq)
    )
    return [
        TimelineEntry(e.at, e.kind, e.user_name, e.summary)
        for e in session.scalars(stmt)
        if exclude_user_id is None or e.user_id != exclude_user_id
    ]
