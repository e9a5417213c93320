"""Notification rules: which events tell whom, through which channels; kept by an administrator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.errors import NotFound, ValidationError
from incident_desk.incidents.models import Incident
from incident_desk.notify import recipients as rcpt
from incident_desk.notify.models import NotificationRule
from incident_desk.users.roles import require

PERMISSION = "notify.manage"
EVENTS = {
    "incident_created": "Incident reported",
    "incident_assigned": "Incident assigned",
    "submitted_for_signoff": "Submitted for sign-off",
    "rejected": "Assessment rejected",
    "signed_off": "Assessment signed off",
    "action_assigned": "Corrective action assigned",
    "action_overdue": "Corrective action overdue",
    "sla_warning": "SLA deadline about to pass",
    "sla_breached": "SLA deadline missed",
}
CHANNELS = {"inbox": "In-app inbox", "desktop": "Desktop notification", "email": "E-mail"}
FIELDS = ("name", "event", "severity_ids", "type_ids", "site_ids", "recipients", "channels", "active")


def list_rules(session: Session) -> list[NotificationRule]:
    return list(
        session.scalars(select(NotificationRule).order_by(NotificationRule.event, NotificationRule.id))
    )


def matching(session: Session, event: str, incident: Incident | None) -> list[NotificationRule]:
    """Active rules for ``event`` whose severity, type and site filters accept the incident."""
    rules = session.scalars(
        select(NotificationRule)
        .where(NotificationRule.event == event, NotificationRule.active.is_(True))
        .order_by(NotificationRule.id)
    ).all()
    if incident is None:
        return list(rules)
    return [
        r
        for r in rules
        if (not r.severity_ids or incident.severity_id in r.severity_ids)
        and (not r.type_ids or incident.type_id in r.type_ids)
        and (not r.site_ids or incident.site_id in r.site_ids)
    ]


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    problems: dict[str, list[str]] = {}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            problems["name"] = ["Give the rule a name."]
        elif len(values["name"]) > 100:
            problems["name"] = ["A rule name can have at most 100 characters."]
    if "event" in values and values["event"] not in EVENTS:
        problems["event"] = [f"Unknown event {values['event']!r}."]
    for key in ("severity_ids", "type_ids", "site_ids"):
        if key in values:
            values[key] = sorted({int(x) for x in values[key] or []})
    if "channels" in values:
        values["channels"] = [c for c in CHANNELS if c in set(values["channels"] or [])]
        unknown = set(values["channels"]) - set(CHANNELS)
        if unknown or not values["channels"]:
            problems["channels"] = ["Choose at least one channel: inbox, desktop or e-mail."]
    if "recipients" in values:
        values["recipients"] = [dict(r) for r in values["recipients"] or []]
        found = rcpt.validate(values["recipients"])
        if not values["recipients"]:
            found.insert(0, "Choose at least one recipient.")
        if found:
            problems["recipients"] = found
    if problems:
        raise ValidationError(problems)
    return values


def create_rule(
    session: Session,
    actor: Actor,
    *,
    name: str,
    event: str,
    recipients: list[dict[str, Any]],
    channels: list[str],
    severity_ids: list[int] | None = None,
    type_ids: list[int] | None = None,
    site_ids: list[int] | None = None,
    active: bool = True,
) -> NotificationRule:
    require(actor, PERMISSION)
    values = _clean(
        {
            "name": name,
            "event": event,
            "recipients": recipients,
            "channels": channels,
            "severity_ids": severity_ids or [],
            "type_ids": type_ids or [],
            "site_ids": site_ids or [],
            "active": active,
        }
    )
    rule = NotificationRule(**values)
    session.add(rule)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        entity="notification_rule",
        entity_id=rule.id,
        summary=f"Added the notification rule “{rule.name}”",
        details=values,
    )
    return rule


def update_rule(session: Session, actor: Actor, rule_id: int, **values: Any) -> NotificationRule:
    require(actor, PERMISSION)
    rule = session.get(NotificationRule, rule_id)
    if rule is None:
        raise NotFound(f"Notification rule #{rule_id} does not exist.")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError(f"Unknown rule field(s): {', '.join(sorted(unknown))}.")
    values = _clean(values)
    changes = {k: [getattr(rule, k), v] for k, v in values.items() if getattr(rule, k) != v}
    for k, (_old, new) in changes.items():
        setattr(rule, k, new)
    if changes:
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            entity="notification_rule",
            entity_id=rule.id,
            summary=f"Changed the notification rule “{rule.name}”",
            details={"changes": changes},
        )
    return rule


def delete_rule(session: Session, actor: Actor, rule_id: int) -> None:
    require(actor, PERMISSION)
    rule = session.get(NotificationRule, rule_id)
    if rule is None:
        raise NotFound(f"Notification rule #{rule_id} does not exist.")
    name = rule.name
    session.delete(rule)
    session.flush()
    audit.record(
        session,
        actor,
        "delete",
        entity="notification_rule",
        entity_id=rule_id,
        summary=f"Deleted the notification rule “{name}”",
    )
