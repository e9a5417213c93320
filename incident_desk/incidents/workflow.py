"""The incident lifecycle: statuses, allowed transitions, who may make them and what each requires.

Identification → Assessment → Prioritisation (awaiting sign-off, signed off) → Resolution →
Follow-up → Closed, with rejection from sign-off back to Assessment and reopening of a closed
incident. Everything that moves an incident goes through ``transition``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incident_desk import audit, events
from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.errors import WorkflowError
from incident_desk.incidents.models import Incident, StatusChange
from incident_desk.users.roles import allowed, require


class Status(StrEnum):
    REPORTED = "reported"
    ASSESSMENT = "assessment"
    AWAITING_SIGNOFF = "awaiting_signoff"
    SIGNED_OFF = "signed_off"
    RESOLUTION = "resolution"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.REPORTED: "Reported",
    Status.ASSESSMENT: "Assessment",
    Status.AWAITING_SIGNOFF: "Awaiting sign-off",
    Status.SIGNED_OFF: "Signed off",
    Status.RESOLUTION: "Resolution",
    Status.FOLLOW_UP: "Follow-up",
    Status.CLOSED: "Closed",
}
OPEN_STATUSES = tuple(s for s in Status if s is not Status.CLOSED)


class Stage(StrEnum):
    """The five steps of the safety process, as the stepper shows them."""

    IDENTIFICATION = "Identification"
    ASSESSMENT = "Assessment"
    PRIORITISATION = "Prioritisation"
    RESOLUTION = "Resolution"
    FOLLOW_UP = "Follow-up"
    CLOSED = "Closed"


STAGE_OF = {
    Status.REPORTED: Stage.IDENTIFICATION,
    Status.ASSESSMENT: Stage.ASSESSMENT,
    Status.AWAITING_SIGNOFF: Stage.PRIORITISATION,
    Status.SIGNED_OFF: Stage.PRIORITISATION,
    Status.RESOLUTION: Stage.RESOLUTION,
    Status.FOLLOW_UP: Stage.FOLLOW_UP,
    Status.CLOSED: Stage.CLOSED,
}

Guard = Callable[[Session, Incident], list[str]]


def _needs_submitted_assessment(session: Session, incident: Incident) -> list[str]:
    from incident_desk.risk.models import Assessment, Hazard

    latest = session.scalars(
        select(Assessment).where(Assessment.incident_id == incident.id).order_by(Assessment.revision.desc()).limit(1)
    ).first()
    if latest is None:
        return ["There is no risk assessment yet: add at least one hazard and rate it."]
    problems = []
    hazards = session.scalars(select(Hazard).where(Hazard.assessment_id == latest.id)).all()
    if not hazards:
        problems.append("The risk assessment has no hazards: add at least one.")
    for h in hazards:
        if h.residual_score is None and h.inherent_score is None:
            problems.append(f"Hazard “{h.description[:40]}” is not rated on the risk matrix.")
    return problems


def _needs_resolution_summary(session: Session, incident: Incident) -> list[str]:
    if not incident.resolution_summary.strip():
        return ["Describe how the incident was resolved (resolution summary)."]
    return []


def _needs_follow_up_complete(session: Session, incident: Incident) -> list[str]:
    from incident_desk.risk.models import CorrectiveAction

    problems = []
    if not incident.root_cause.strip():
        problems.append("Record the root cause (the 5 whys) before closing.")
    if not incident.lessons_learned.strip():
        problems.append("Record the lessons learned before closing.")
    unfinished = session.execute(
        select(func.count()).select_from(CorrectiveAction).where(
            CorrectiveAction.incident_id == incident.id,
            CorrectiveAction.status.not_in(("verified", "cancelled")))
    ).scalar_one()
    if unfinished:
        problems.append(f"{unfinished} corrective action{'s are' if unfinished > 1 else ' is'} still open or "
                        "not verified: an incident cannot be closed until every action is verified.")
    return problems


@dataclass(frozen=True)
class Transition:
    name: str
    source: Status
    target: Status
    label: str
    permission: str
    requires_note: bool = False
    guard: Guard | None = None
    # Made only by the service that owns the step (sign-off records the signature; a new
    # risk-assessment revision sends a signed-off incident back to Assessment).
    internal: bool = False
    also_from: tuple[Status, ...] = ()

    @property
    def sources(self) -> tuple[Status, ...]:
        return (self.source, *self.also_from)


TRANSITIONS: tuple[Transition, ...] = (
    Transition("start_assessment", Status.REPORTED, Status.ASSESSMENT, "Start assessment",
               "workflow.start_assessment"),
    Transition("submit_for_signoff", Status.ASSESSMENT, Status.AWAITING_SIGNOFF, "Submit for sign-off",
               "workflow.submit", guard=_needs_submitted_assessment),
    Transition("sign_off", Status.AWAITING_SIGNOFF, Status.SIGNED_OFF, "Sign off", "workflow.sign_off",
               internal=True),
    Transition("reject", Status.AWAITING_SIGNOFF, Status.ASSESSMENT, "Reject", "workflow.reject",
               requires_note=True, internal=True),
    Transition("start_resolution", Status.SIGNED_OFF, Status.RESOLUTION, "Start resolution",
               "workflow.start_resolution"),
    Transition("resolve", Status.RESOLUTION, Status.FOLLOW_UP, "Mark resolved", "workflow.resolve",
               guard=_needs_resolution_summary),
    Transition("close", Status.FOLLOW_UP, Status.CLOSED, "Close", "workflow.close",
               guard=_needs_follow_up_complete),
    Transition("reopen", Status.CLOSED, Status.ASSESSMENT, "Reopen", "workflow.reopen", requires_note=True),
    Transition("revise_assessment", Status.SIGNED_OFF, Status.ASSESSMENT, "Revise the risk assessment",
               "risk.assess", requires_note=True, internal=True,
               also_from=(Status.RESOLUTION, Status.FOLLOW_UP)),
)
BY_NAME = {t.name: t for t in TRANSITIONS}


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS if status in t.sources]


def available_transitions(actor: Actor, incident: Incident, *, include_internal: bool = False) -> list[Transition]:
    """Transitions the actor may attempt now (guards are checked when attempted)."""
    if incident.voided:
        return []
    return [t for t in transitions_from(incident.status)
            if allowed(actor, t.permission) and (include_internal or not t.internal)]


def check(session: Session, incident: Incident, name: str) -> list[str]:
    """What is missing for the transition, in plain words (empty when it may go ahead)."""
    t = BY_NAME[name]
    return t.guard(session, incident) if t.guard else []


def transition(session: Session, actor: Actor, incident: Incident, name: str, *, note: str = "",
               at: dt.datetime | None = None, _internal: bool = False) -> StatusChange:
    """Move ``incident`` along transition ``name`` or raise WorkflowError/PermissionDenied."""
    try:
        t = BY_NAME[name]
    except KeyError:
        raise WorkflowError(f"There is no workflow step called {name!r}.") from None
    if incident.voided:
        raise WorkflowError(f"{incident.reference} is void and can no longer change status.")
    if incident.status not in t.sources:
        raise WorkflowError(f"{incident.reference} is {Status(incident.status).label}; "
                            f"“{t.label}” is only possible from {' or '.join(x.label for x in t.sources)}.")
    if t.internal and not _internal:
        where = ("by starting a new revision of the risk assessment" if t.name == "revise_assessment"
                 else "from the sign-off queue, where the signature is recorded")
        raise WorkflowError(f"“{t.label}” is done {where}.")
    require(actor, t.permission)
    if t.requires_note and not note.strip():
        raise WorkflowError(f"“{t.label}” needs a reason.")
    problems = t.guard(session, incident) if t.guard else []
    if problems:
        raise WorkflowError(f"Cannot {t.label.lower()} {incident.reference}: " + " ".join(problems))
    when = at or utcnow()
    old = incident.status
    incident.status = t.target
    _stamp(incident, t, when)
    change = StatusChange(incident_id=incident.id, from_status=old, to_status=t.target, at=when,
                          user_id=actor.user_id, user_name=actor.name, note=note)
    session.add(change)
    session.flush()
    audit.record(session, actor, "transition", entity="incident", entity_id=incident.id, incident_id=incident.id,
                 summary=f"{Status(old).label} → {t.target.label}" + (f": {note}" if note else ""),
                 details={"transition": t.name, "from": old, "to": t.target.value, "note": note}, at=when)
    events.emit(session, f"incident.{t.name}", incident=incident, actor=actor, note=note)
    return change


def _stamp(incident: Incident, t: Transition, when: dt.datetime) -> None:
    if t.source == Status.REPORTED and incident.acknowledged_at is None:
        incident.acknowledged_at = when
    if t.name == "submit_for_signoff":
        incident.submitted_at = when
    elif t.name == "sign_off":
        incident.signed_off_at = when
    elif t.name == "resolve":
        incident.resolved_at = when
    elif t.name == "close":
        incident.closed_at = when
    elif t.name == "reopen":
        incident.closed_at = None
        incident.resolved_at = None
        incident.signed_off_at = None
