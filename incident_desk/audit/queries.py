"""Reading the audit trail: filters for the administrator view, an incident's history, plain language.

Recording is ``audit.record(session, actor, kind, entity=, entity_id=, incident_id=, summary=,
details=)`` in the caller's transaction (see ``audit.chain``). Kinds used across the app:

- ``create`` / ``update`` / ``delete``: details for an update are ``{"changes": {field: [old, new]}}``;
  a delete keeps enough in ``details`` to say what was removed.
- ``transition``: a workflow step (``details``: transition, from, to, note).
- ``sign_in`` / ``sign_in_failed``; ``sign_off`` / ``reject`` (entity "signature").
- ``void``: an incident voided with its reason (incidents are never deleted).
- ``export``: use :func:`record_export` for every export, print or PDF of incident data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.audit.chain import record
from incident_desk.audit.models import AuditEvent
from incident_desk.users.roles import require

KIND_LABELS = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "transition": "Status change",
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in",
    "sign_off": "Approved",
    "reject": "Rejected",
    "void": "Voided",
    "export": "Exported",
    "import": "Imported",
    "revision": "New revision",
}

ENTITY_LABELS = {
    "incident": "incident",
    "person": "person",
    "attachment": "attachment",
    "comment": "comment",
    "user": "user account",
    "signature": "signature",
    "assessment": "risk assessment",
    "hazard": "hazard",
    "action": "corrective action",
    "matrix": "risk matrix",
}

FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "immediate_actions": "Immediate actions",
    "type_id": "Type",
    "severity_id": "Severity",
    "occurred_at": "Occurred",
    "reported_at": "Reported",
    "site_id": "Site",
    "location_id": "Location",
    "customer_id": "Customer",
    "assignee_id": "Assigned to",
    "direct_cost": "Direct cost",
    "indirect_cost": "Indirect cost",
    "resolution_summary": "Resolution summary",
    "root_cause": "Root cause",
    "lessons_learned": "Lessons learned",
    "roles": "Roles",
    "active": "Active",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    user_name: str = ""  # for events without an account (command line, demo)
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive
    kinds: tuple[str, ...] = ()
    incident_id: int | None = None
    entity: str = ""
    text: str = ""
    newest_first: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _statement(f: AuditFilter) -> Select[Any]:
    stmt = select(AuditEvent)
    if f.user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == f.user_id)
    elif f.user_name:
        stmt = stmt.where(AuditEvent.user_id.is_(None), AuditEvent.user_name == f.user_name)
    if f.since is not None:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEvent.at < f.until)
    if f.kinds:
        stmt = stmt.where(AuditEvent.kind.in_(f.kinds))
    if f.incident_id is not None:
        stmt = stmt.where(AuditEvent.incident_id == f.incident_id)
    if f.entity:
        stmt = stmt.where(AuditEvent.entity == f.entity)
    if f.text.strip():
        like = f"%{f.text.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(AuditEvent.summary).like(like), func.lower(AuditEvent.user_name).like(like))
        )
    return stmt


def count(session: Session, actor: Actor, f: AuditFilter) -> int:
    require(actor, "audit.view")
    return session.execute(select(func.count()).select_from(_statement(f).subquery())).scalar_one()


def fetch(
    session: Session, actor: Actor, f: AuditFilter, *, offset: int = 0, limit: int = 200
) -> list[AuditEvent]:
    """One page of the trail (the view fetches more as the user scrolls)."""
    require(actor, "audit.view")
    order = AuditEvent.seq.desc() if f.newest_first else AuditEvent.seq
    return list(session.scalars(_statement(f).order_by(order).offset(offset).limit(limit)))


def incident_history(
    session: Session, actor: Actor, incident_id: int, *, offset: int = 0, limit: int = 500
) -> list[AuditEvent]:
    """An incident's events, oldest first: anyone who may see the incident may see its history."""
    require(actor, "incident.view")
    return list(
        session.scalars(
            _statement(AuditFilter(incident_id=incident_id, newest_first=False))
            .order_by(AuditEvent.seq)
            .offset(offset)
            .limit(limit)
        )
    )


def kinds_in_trail(session: Session) -> list[str]:
    return sorted(session.scalars(select(AuditEvent.kind).distinct()))


def people_in_trail(session: Session) -> list[tuple[int | None, str]]:
    """(user id, name) of everybody who appears in the trail, for the filter's user list."""
    rows = session.execute(
        select(AuditEvent.user_id, func.max(AuditEvent.user_name)).group_by(AuditEvent.user_id)
    ).all()
    people: list[tuple[int | None, str]] = [(uid, name or "") for uid, name in rows if uid is not None]
    people += [
        (None, name)
        for name in session.scalars(
            select(AuditEvent.user_name).where(AuditEvent.user_id.is_(None)).distinct()
        )
        if name
    ]
    return sorted(people, key=lambda p: p[1].lower())


# -- plain language --------------------------------------------------------------------------
def _value(v: Any, names: dict[str, dict[Any, str]] | None, key: str) -> str:
    if names and key in names and v in names[key]:
        return names[key][v]
    if v is None or v == "":
        return "(empty)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v) or "(none)"
    text = str(v)
    if len(text) >= 19 and text[4:5] == "-" and text[10:11] == "T":  # ISO timestamp
        try:
            return dt.datetime.fromisoformat(text).astimezone(dt.UTC).strftime("%d %b %Y %H:%M UTC")
        except ValueError:
            pass
    return text if len(text) <= 80 else text[:77] + "…"


def change_lines(event: AuditEvent, names: dict[str, dict[Any, str]] | None = None) -> list[str]:
    """“Title: “old” → “new”” for each field an update changed."""
    changes = (event.details or {}).get("changes") or {}
    lines = []
    for key, pair in changes.items():
        if isinstance(pair, list) and len(pair) == 2:
            label = FIELD_LABELS.get(key, key.replace("_id", "").replace("_", " ").capitalize())
            lines.append(f"{label}: {_value(pair[0], names, key)} → {_value(pair[1], names, key)}")
    return lines


def describe(event: AuditEvent, names: dict[str, dict[Any, str]] | None = None) -> str:
    """One sentence saying what happened, for the History tab and the audit view."""
    who = event.user_name or "Someone"
    what = ENTITY_LABELS.get(event.entity, event.entity or "record")
    summary = event.summary.strip()
    if event.kind == "update":
        lines = change_lines(event, names)
        if lines:
            return f"{who} changed the {what}: " + "; ".join(lines)
        return f"{who}: {summary or 'changed the ' + what}"
    if event.kind == "transition":
        return f"{who} moved the incident on: {summary}"
    if event.kind == "sign_off":
        return f"{who} {_lower_first(summary) if summary else 'approved the risk assessment'}"
    if event.kind == "reject":
        return f"{who} {_lower_first(summary) if summary else 'rejected the risk assessment'}"
    if event.kind == "void":
        return f"{who} voided the incident. {summary}"
    if event.kind == "delete":
        return f"{who} deleted a {what}: {summary}"
    if event.kind == "export":
        return f"{who} exported data: {summary}"
    if event.kind in ("sign_in", "sign_in_failed"):
        return f"{who}: {summary}" if summary else f"{who}: {kind_label(event.kind).lower()}"
    if summary.lower().startswith(who.lower()):
        return summary
    return f"{who}: {summary}" if summary else f"{who}: {kind_label(event.kind).lower()} {what}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- recording helpers for other parts of the app -----------------------------------------------
def record_export(
    session: Session,
    actor: Actor,
    *,
    what: str,
    count: int,
    fmt: str,
    destination: str = "",
    filters: dict[str, Any] | None = None,
    incident_ids: Sequence[int] = (),
) -> AuditEvent:
    """Audit an export, print or PDF: what, how many records, which format, where to, with which filter.

    Call it in the same transaction that reads the data (or a short one right after writing the
    file). ``incident_ids`` (up to 1,000 kept) lets an incident's History tab show it was exported.
    """
    single = incident_ids[0] if len(incident_ids) == 1 else None
    summary = f"Exported {count:,} {what} as {fmt.upper()}" + (f" to {destination}" if destination else "")
    return record(
        session,
        actor,
        "export",
        entity="export",
        incident_id=single,
        summary=summary,
        details={
            "what": what,
            "count": count,
            "format": fmt,
            "destination": destination,
            "filters": filters or {},
            "incident_ids": list(incident_ids[:1000]),
        },
    )


def reference_names(session: Session) -> dict[str, dict[Any, str]]:
    """Names for the ids an update records (severity, type, site, location, people), for ``describe``."""
    from incident_desk.org.models import Customer, IncidentType, Location, SeverityLevel, Site
    from incident_desk.users.models import User

    users = dict(session.execute(select(User.id, User.full_name)).all())
    return {
        "severity_id": dict(session.execute(select(SeverityLevel.id, SeverityLevel.name)).all()),
        "type_id": dict(session.execute(select(IncidentType.id, IncidentType.name)).all()),
        "site_id": dict(session.execute(select(Site.id, Site.name)).all()),
        "location_id": dict(session.execute(select(Location.id, Location.name)).all()),
        "customer_id": dict(session.execute(select(Customer.id, Customer.name)).all()),
        "assignee_id": users,
        "owner_id": users,
    }


def references_for(session: Session, incident_ids: Sequence[int]) -> dict[int, str]:
    from incident_desk.incidents.models import Incident

    ids = sorted({i for i in incident_ids if i is not None})
    if not ids:
        return {}
    return dict(session.execute(select(Incident.id, Incident.reference).where(Incident.id.in_(ids))).all())
