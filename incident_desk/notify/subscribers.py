"""Listens to incident and action events and queues the notifications the rules ask for."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.events import subscribe
from incident_desk.incidents.models import Incident, StatusChange
from incident_desk.notify import sla
from incident_desk.notify.dispatch import fire
from incident_desk.notify.messages import local_time
from incident_desk.notify.models import Escalation
from incident_desk.notify.sql import insert_ignore


def _occurrence(session: Session, incident: Incident) -> int:
    """The id of the incident's latest status change: tells one submission from the next."""
    return int(
        session.execute(
            select(func.coalesce(func.max(StatusChange.id), 0)).where(StatusChange.incident_id == incident.id)
        ).scalar_one()
    )


def _due(session: Session, incident: Incident, target: str) -> str:
    for d in sla.deadlines(session, incident, now=utcnow()):
        if d.target == target:
            return f" by {local_time(session, d.due_at)}"
    return ""


@subscribe("incident.created")
def on_created(session: Session, incident: Incident, actor: Actor, **_: Any) -> None:
    fire(
        session,
        "incident_created",
        incident,
        key=f"incident_created:{incident.id}",
        headline="New incident reported",
        expected=f"Make sure the incident is acknowledged (assessment started){_due(session, incident, 'acknowledge')}"
        " and that the immediate actions keep people safe.",
        details=[f"Immediate actions: {incident.immediate_actions}"] if incident.immediate_actions else None,
        exclude_user_id=actor.user_id,
    )


@subscribe("incident.assigned")
def on_assigned(
    session: Session, incident: Incident, actor: Actor, assignee_id: int | None = None, **_: Any
) -> None:
    if assignee_id is None:
        return
    step = sla.next_deadline(session, incident, now=utcnow())
    expected = "You are now responsible for this incident: take it through to closure."
    if step is not None:
        expected += f" Next: {sla.EXPECTED[step.target]} by {local_time(session, step.due_at)}."
    fire(
        session,
        "incident_assigned",
        incident,
        key=f"incident_assigned:{incident.id}:{_occurrence(session, incident)}:{assignee_id}",
        headline="Incident assigned",
        expected=expected,
        exclude_user_id=actor.user_id,
    )


@subscribe("incident.submit_for_signoff")
def on_submitted(session: Session, incident: Incident, actor: Actor, **_: Any) -> None:
    fire(
        session,
        "submitted_for_signoff",
        incident,
        key=f"submitted_for_signoff:{incident.id}:{_occurrence(session, incident)}",
        headline="Risk assessment awaiting sign-off",
        expected=f"Review the risk assessment and sign it off or reject it in the sign-off queue"
        f"{_due(session, incident, 'signoff')}.",
        details=[f"Submitted by {actor.name}."],
        exclude_user_id=actor.user_id,
    )


@subscribe("assessment.rejected")
def on_rejected(
    session: Session,
    incident: Incident,
    actor: Actor,
    reason: str = "",
    assessor_id: int | None = None,
    **_: Any,
) -> None:
    """The sign-off service's rejection: the assignee and the assessment's author are told."""
    fire(
        session,
        "rejected",
        incident,
        key=f"rejected:{incident.id}:{_occurrence(session, incident)}",
        headline="Risk assessment rejected",
        expected="Revise the risk assessment as asked and submit it for sign-off again.",
        details=[f"Rejected by {actor.name}: {reason}"],
        owner_id=assessor_id,
        exclude_user_id=actor.user_id,
    )


@subscribe("incident.sign_off")
def on_signed_off(session: Session, incident: Incident, actor: Actor, **_: Any) -> None:
    fire(
        session,
        "signed_off",
        incident,
        key=f"signed_off:{incident.id}:{_occurrence(session, incident)}",
        headline="Risk assessment signed off",
        expected=f"Start the resolution and carry out the corrective actions; resolve the incident"
        f"{_due(session, incident, 'resolve')}.",
        details=[f"Signed off by {actor.name}."],
        exclude_user_id=actor.user_id,
    )


def action_assigned(
    session: Session, action: Any, *, exclude_user_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Tell an action's owner (and whoever the rules name), once per action and owner.

    The marker row in ``escalations`` (target ``assigned:<action>:<owner>``) makes this exactly
    once whether the event or the checker's sweep of new actions gets there first.
    """
    incident = session.get(Incident, action.incident_id)
    if incident is None or not action.owner_id:
        return 0
    marker = {
        "incident_id": action.incident_id,
        "target": f"assigned:{action.id}:{action.owner_id}"[:40],
        "level": 0,
        "at": now or utcnow(),
    }
    if not insert_ignore(session, Escalation.__table__, marker):
        return 0
    due = f" by {action.due_date:%Y-%m-%d}" if action.due_date else ""
    return fire(
        session,
        "action_assigned",
        incident,
        key=f"action_assigned:{action.id}:{action.owner_id}",
        headline="Corrective action assigned",
        expected=f"Carry out the action{due} and record the evidence.",
        details=[f"Action: {action.description}"],
        owner_id=action.owner_id,
        exclude_user_id=exclude_user_id,
        now=now,
    )


@subscribe("action.assigned")
def on_action_assigned(session: Session, action: Any, actor: Actor, **_: Any) -> None:
    """Payload: ``action`` (a CorrectiveAction with ``owner_id``), ``actor``."""
    action_assigned(session, action, exclude_user_id=actor.user_id)
