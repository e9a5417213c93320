"""One filter for incidents, shared by the list, the dashboard's drill-down, reports and exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlalchemy import Select, or_, select
from sqlalchemy.sql.elements import ColumnElement

from incident_desk.db.base import utcnow
from incident_desk.incidents.models import Incident
from incident_desk.incidents.workflow import OPEN_STATUSES


@dataclass(frozen=True)
class IncidentFilter:
    text: str = ""
    statuses: tuple[str, ...] = ()
    severity_ids: tuple[int, ...] = ()
    type_ids: tuple[int, ...] = ()
    site_ids: tuple[int, ...] = ()
    location_ids: tuple[int, ...] = ()
    customer_ids: tuple[int, ...] = ()
    # Inclusive local dates of occurrence.
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    assignee_id: int | None = None
    overdue: bool = False
    open_only: bool = False
    weekdays: tuple[int, ...] = ()
    hours: tuple[int, ...] = ()
    include_void: bool = False
    extra: tuple[ColumnElement[bool], ...] = field(default=(), compare=False)

    def with_(self, **changes: object) -> IncidentFilter:
        return replace(self, **changes)  # type: ignore[arg-type]

    def conditions(self, now: dt.datetime | None = None) -> list[ColumnElement[bool]]:
        c: list[ColumnElement[bool]] = []
        if not self.include_void:
            c.append(Incident.voided.is_(False))
        if self.statuses:
            c.append(Incident.status.in_(self.statuses))
        if self.open_only:
            c.append(Incident.status.in_([s.value for s in OPEN_STATUSES]))
        for column, values in ((Incident.severity_id, self.severity_ids), (Incident.type_id, self.type_ids),
                               (Incident.site_id, self.site_ids), (Incident.location_id, self.location_ids),
                               (Incident.customer_id, self.customer_ids),
                               (Incident.occurred_weekday, self.weekdays), (Incident.occurred_hour, self.hours)):
            if values:
                c.append(column.in_(values))
        if self.date_from:
            c.append(Incident.occurred_date >= self.date_from)
        if self.date_to:
            c.append(Incident.occurred_date <= self.date_to)
        if self.assignee_id is not None:
            c.append(Incident.assignee_id == self.assignee_id)
        if self.overdue:
            c.append(Incident.status.in_([s.value for s in OPEN_STATUSES]))
            c.append(Incident.response_due_at.is_not(None))
            c.append(Incident.response_due_at < (now or utcnow()))
        if self.text.strip():
            c.append(text_condition(self.text))
        c.extend(self.extra)
        return c

    def apply(self, stmt: Select, now: dt.datetime | None = None) -> Select:  # type: ignore[type-arg]
        conds = self.conditions(now)
        return stmt.where(*conds) if conds else stmt


def text_condition(text: str) -> ColumnElement[bool]:
    """Full-text match on title, description, actions, comments, people and places.

    Words must all appear (the last one may be unfinished: the list searches as you type);
    "quoted phrases" must appear as written. Input without any letters or digits falls back to
    a literal substring search. Never SQL: everything is a bound parameter.
    """
    from incident_desk.search import match_condition, parse

    terms = parse(text, prefix_last=True)
    if terms:
        return match_condition(terms)
    like = f"%{escape_like(text.strip())}%"
    return or_(
        Incident.reference.ilike(like, escape="\\"),
        Incident.title.ilike(like, escape="\\"),
        Incident.description.ilike(like, escape="\\"),
    )


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def incidents(filt: IncidentFilter) -> Select:  # type: ignore[type-arg]
    return filt.apply(select(Incident))
