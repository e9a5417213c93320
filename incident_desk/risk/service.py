"""Risk assessments: hazards rated on a matrix version, controls, overall risk, CAPA, questions, submission.

Rules kept here (not in the UI):

- An assessment is edited only while it is a draft (or was sent back by the manager). Once
  submitted it waits for the sign-off decision; once ``locked`` (after sign-off) it never
  changes again — start a new revision with :func:`new_revision`.
- Ratings are made on the matrix version the assessment was started on; the overall risk is
  the worst residual rating (a hazard without a residual rating counts with its inherent one),
  and its band sets the incident's priority and response deadline (report time + the band's
  ``response_hours``).
- Corrective actions belong to the incident, not to an assessment revision, so they can be
  worked on after sign-off; an action is verified by somebody other than its owner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from incident_desk import audit, events
from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.errors import NotFound, PermissionDenied, ValidationError, WorkflowError
from incident_desk.incidents import workflow
from incident_desk.incidents.models import Incident
from incident_desk.incidents.workflow import Status
from incident_desk.risk import matrices
from incident_desk.risk.matrix import Matrix
from incident_desk.risk.models import Assessment, Control, CorrectiveAction, Hazard, InfoRequest
from incident_desk.users.models import User
from incident_desk.users.roles import allowed, require

HIERARCHY = {
    "elimination": "Elimination",
    "substitution": "Substitution",
    "engineering": "Engineering controls",
    "administrative": "Administrative controls",
    "ppe": "Personal protective equipment",
}
ACTION_TYPES = {
    "immediate": "Immediate",
    "corrective": "Corrective",
    "preventive": "Preventive",
    "improvement": "Improvement",
}
ACTION_STATUSES = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done – awaiting verification",
    "verified": "Verified",
    "cancelled": "Cancelled",
}
ASSESSMENT_STATUSES = {
    "draft": "Draft",
    "submitted": "Submitted for sign-off",
    "signed_off": "Signed off",
    "rejected": "Sent back",
    "superseded": "Superseded",
}
RATINGS = ("inherent", "residual")


# -- reading ---------------------------------------------------------------------------------


def latest_assessment(session: Session, incident_id: int) -> Assessment | None:
    """The incident's newest revision (whatever its status), or None."""
    return session.scalars(
        select(Assessment)
        .where(Assessment.incident_id == incident_id)
        .order_by(Assessment.revision.desc())
        .limit(1)
    ).first()


def get_assessment(session: Session, assessment_id: int) -> Assessment:
    a = session.get(Assessment, assessment_id)
    if a is None:
        raise NotFound(f"Risk assessment #{assessment_id} does not exist.")
    return a


def matrix_for(session: Session, assessment: Assessment) -> Matrix:
    return Matrix(matrices.get_version(session, assessment.matrix_version_id).definition)


def _incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"Incident #{incident_id} does not exist.")
    return incident


def _hazard(session: Session, hazard_id: int) -> Hazard:
    h = session.get(Hazard, hazard_id)
    if h is None:
        raise NotFound(f"Hazard #{hazard_id} does not exist.")
    return h


def editable_problem(session: Session, assessment: Assessment) -> str | None:
    """Why the assessment cannot be edited now, in words; None when it can."""
    incident = _incident(session, assessment.incident_id)
    if assessment.locked:
        return (
            f"Revision {assessment.revision} of the risk assessment for {incident.reference} is locked after "
            "sign-off: start a new revision to change it."
        )
    if assessment.status in ("signed_off", "superseded"):
        return (
            f"Revision {assessment.revision} of the risk assessment for {incident.reference} is "
            f"{ASSESSMENT_STATUSES[assessment.status].lower()}: start a new revision to change it."
        )
    if assessment.status == "submitted" and incident.status == Status.AWAITING_SIGNOFF:
        return (
            f"The risk assessment for {incident.reference} is waiting for sign-off; it can be changed again "
            "if the manager sends it back."
        )
    if incident.voided:
        return f"{incident.reference} is void."
    if incident.status == Status.CLOSED:
        return f"{incident.reference} is closed; reopen it to change the risk assessment."
    return None


def _editable(session: Session, actor: Actor, assessment: Assessment) -> None:
    require(actor, "risk.assess")
    problem = editable_problem(session, assessment)
    if problem:
        raise WorkflowError(problem)


# -- assessment lifecycle --------------------------------------------------------------------


def start(
    session: Session, actor: Actor, incident_id: int, *, matrix_version_id: int | None = None
) -> Assessment:
    """The incident's editable assessment, creating revision 1 on the active matrix if there is none."""
    require(actor, "risk.assess")
    incident = _incident(session, incident_id)
    latest = latest_assessment(session, incident_id)
    if latest is not None:
        _editable(session, actor, latest)
        return latest
    if incident.voided or incident.status == Status.CLOSED:
        raise WorkflowError(
            f"{incident.reference} is {'void' if incident.voided else 'closed'}; it cannot be assessed."
        )
    version = (
        matrices.get_version(session, matrix_version_id)
        if matrix_version_id
        else matrices.active_version(session)
    )
    a = Assessment(
        incident_id=incident.id,
        revision=1,
        matrix_version_id=version.id,
        status="draft",
        author_id=actor.user_id,
        summary="",
    )
    session.add(a)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        entity="assessment",
        entity_id=a.id,
        incident_id=incident.id,
        summary=f"Started the risk assessment on “{version.definition.get('name')}” version {version.number}",
    )
    return a


def set_summary(session: Session, actor: Actor, assessment_id: int, summary: str) -> None:
    a = get_assessment(session, assessment_id)
    _editable(session, actor, a)
    if a.summary != summary:
        a.summary = summary
        audit.record(
            session,
            actor,
            "update",
            entity="assessment",
            entity_id=a.id,
            incident_id=a.incident_id,
            summary="Changed the assessment summary",
        )


def add_hazard(
    session: Session, actor: Actor, assessment_id: int, description: str, *, existing_controls: str = ""
) -> Hazard:
    a = get_assessment(session, assessment_id)
    _editable(session, actor, a)
    description = description.strip()
    if not description:
        raise ValidationError({"description": ["Describe the hazard."]})
    position = (
        session.execute(
            select(func.coalesce(func.max(Hazard.position), -1)).where(Hazard.assessment_id == a.id)
        ).scalar_one()
        + 1
    )
    h = Hazard(
        assessment_id=a.id,
        position=position,
        description=description,
        existing_controls=existing_controls.strip(),
    )
    session.add(h)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        entity="hazard",
        entity_id=h.id,
        incident_id=a.incident_id,
        summary=f"Added hazard “{description[:60]}”",
    )
    return h


def update_hazard(
    session: Session,
    actor: Actor,
    hazard_id: int,
    *,
    description: str | None = None,
    existing_controls: str | None = None,
) -> Hazard:
    h = _hazard(session, hazard_id)
    a = get_assessment(session, h.assessment_id)
    _editable(session, actor, a)
    changes: dict[str, Any] = {}
    if description is not None:
        if not description.strip():
            raise ValidationError({"description": ["Describe the hazard."]})
        if description.strip() != h.description:
            changes["description"] = [h.description, description.strip()]
            h.description = description.strip()
    if existing_controls is not None and existing_controls.strip() != h.existing_controls:
        changes["existing_controls"] = [h.existing_controls, existing_controls.strip()]
        h.existing_controls = existing_controls.strip()
    if changes:
        audit.record(
            session,
            actor,
            "update",
            entity="hazard",
            entity_id=h.id,
            incident_id=a.incident_id,
            summary=f"Changed hazard “{h.description[:60]}”",
            details=changes,
        )
    return h


def remove_hazard(session: Session, actor: Actor, hazard_id: int) -> None:
    h = _hazard(session, hazard_id)
    a = get_assessment(session, h.assessment_id)
    _editable(session, actor, a)
    description = h.description
    session.delete(h)
    session.flush()
    remaining = session.scalars(
        select(Hazard).where(Hazard.assessment_id == a.id).order_by(Hazard.position, Hazard.id)
    ).all()
    for position, other in enumerate(remaining):  # keep the numbering 1, 2, 3 without gaps
        other.position = position
    session.expire(a, ["hazards"])
    _recompute(session, actor, a)
    audit.record(
        session,
        actor,
        "delete",
        entity="hazard",
        entity_id=hazard_id,
        incident_id=a.incident_id,
        summary=f"Removed hazard “{description[:60]}”",
    )


def rate_hazard(
    session: Session, actor: Actor, hazard_id: int, which: str, likelihood: str | None, severity: str | None
) -> Hazard:
    """Rate a hazard's inherent or residual risk on the assessment's matrix (None, None clears it)."""
    if which not in RATINGS:
        raise ValueError(f"which must be one of {RATINGS}")
    h = _hazard(session, hazard_id)
    a = get_assessment(session, h.assessment_id)
    _editable(session, actor, a)
    m = matrix_for(session, a)
    if likelihood is None or severity is None:
        score = band = None
        likelihood = severity = None
    else:
        cell = m.rate(likelihood, severity)  # raises ValidationError for an unknown code
        score, band = cell.score, cell.band
    setattr(h, f"{which}_likelihood", likelihood)
    setattr(h, f"{which}_severity", severity)
    setattr(h, f"{which}_score", score)
    setattr(h, f"{which}_band", band)
    session.flush()
    _recompute(session, actor, a)
    audit.record(
        session,
        actor,
        "update",
        entity="hazard",
        entity_id=h.id,
        incident_id=a.incident_id,
        summary=(
            f"Rated the {which} risk of “{h.description[:40]}”: "
            + (
                f"{m.cell_name(likelihood, severity)} = {score} ({band})"
                if likelihood and severity
                else "cleared"
            )
        ),
    )
    return h


def add_control(
    session: Session,
    actor: Actor,
    hazard_id: int,
    description: str,
    hierarchy: str,
    *,
    existing: bool = False,
) -> Control:
    h = _hazard(session, hazard_id)
    a = get_assessment(session, h.assessment_id)
    _editable(session, actor, a)
    if hierarchy not in HIERARCHY:
        raise ValidationError(
            {
                "hierarchy": [
                    f"Choose where the control sits on the hierarchy of controls: "
                    f"{', '.join(HIERARCHY.values())}."
                ]
            }
        )
    if not description.strip():
        raise ValidationError({"description": ["Describe the control."]})
    c = Control(hazard_id=h.id, description=description.strip(), hierarchy=hierarchy, existing=existing)
    session.add(c)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        entity="control",
        entity_id=c.id,
        incident_id=a.incident_id,
        summary=f"Added {'existing' if existing else 'new'} control ({HIERARCHY[hierarchy]}) "
        f"“{c.description[:60]}”",
    )
    return c


def update_control(
    session: Session,
    actor: Actor,
    control_id: int,
    *,
    description: str | None = None,
    hierarchy: str | None = None,
) -> Control:
    c = session.get(Control, control_id)
    if c is None:
        raise NotFound(f"Control #{control_id} does not exist.")
    a = get_assessment(session, _hazard(session, c.hazard_id).assessment_id)
    _editable(session, actor, a)
    if hierarchy is not None:
        if hierarchy not in HIERARCHY:
            raise ValidationError({"hierarchy": ["Unknown level on the hierarchy of controls."]})
        c.hierarchy = hierarchy
    if description is not None:
        if not description.strip():
            raise ValidationError({"description": ["Describe the control."]})
        c.description = description.strip()
    audit.record(
        session,
        actor,
        "update",
        entity="control",
        entity_id=c.id,
        incident_id=a.incident_id,
        summary=f"Changed control “{c.description[:60]}”",
    )
    return c


def remove_control(session: Session, actor: Actor, control_id: int) -> None:
    c = session.get(Control, control_id)
    if c is None:
        raise NotFound(f"Control #{control_id} does not exist.")
    a = get_assessment(session, _hazard(session, c.hazard_id).assessment_id)
    _editable(session, actor, a)
    session.delete(c)
    audit.record(
        session,
        actor,
        "delete",
        entity="control",
        entity_id=control_id,
        incident_id=a.incident_id,
        summary=f"Removed control “{c.description[:60]}”",
    )


def _recompute(session: Session, actor: Actor, a: Assessment) -> None:
    """Overall risk = the worst residual rating; its band sets the incident's priority and deadline."""
    m = matrix_for(session, a)
    hazards = session.scalars(select(Hazard).where(Hazard.assessment_id == a.id)).all()
    worst: tuple[int, int, str, str, str] | None = None
    for h in hazards:
        if h.residual_band is not None and h.residual_likelihood and h.residual_severity:
            rating = (h.residual_band, h.residual_score or 0, h.residual_likelihood, h.residual_severity)
        elif h.inherent_band is not None and h.inherent_likelihood and h.inherent_severity:
            rating = (h.inherent_band, h.inherent_score or 0, h.inherent_likelihood, h.inherent_severity)
        else:
            continue
        key = (m.band_rank(rating[0]), rating[1], rating[0], rating[2], rating[3])
        if worst is None or key[:2] > worst[:2]:
            worst = key
    if worst is None:
        a.overall_likelihood = a.overall_severity = a.overall_band = None
        a.overall_score = None
    else:
        _rank, a.overall_score, a.overall_band, a.overall_likelihood, a.overall_severity = worst
    _apply_priority(session, actor, a, m)


def _apply_priority(session: Session, actor: Actor, a: Assessment, m: Matrix) -> None:
    incident = _incident(session, a.incident_id)
    band = m.band_by_name(a.overall_band)
    priority = a.overall_band
    due = None
    if band is not None and band.get("response_hours") is not None:
        due = incident.reported_at + dt.timedelta(hours=float(band["response_hours"]))
    if incident.priority != priority or incident.response_due_at != due:
        old = incident.priority
        # Priority is derived from the assessment, never typed into the incident form, so it is
        # written without bumping the incident's optimistic-lock version: an officer rating
        # hazards must not make their own open incident form report "changed by someone else".
        session.execute(
            update(Incident.__table__)
            .where(Incident.__table__.c.id == incident.id)
            .values(priority=priority, response_due_at=due)
        )
        set_committed_value(incident, "priority", priority)
        set_committed_value(incident, "response_due_at", due)
        audit.record(
            session,
            actor,
            "update",
            entity="incident",
            entity_id=incident.id,
            incident_id=incident.id,
            summary=f"Priority {old or 'none'} → {priority or 'none'}"
            + (f", respond by {due:%Y-%m-%d %H:%M} UTC" if due else ""),
            details={"priority": [old, priority], "response_due_at": due},
        )


def submit(session: Session, actor: Actor, incident_id: int, *, note: str = "") -> Assessment:
    """Submit the latest assessment for sign-off: status 'submitted', incident to Awaiting sign-off."""
    from incident_desk.incidents import workflow

    require(actor, "risk.assess")
    incident = _incident(session, incident_id)
    a = latest_assessment(session, incident_id)
    if a is None:
        raise WorkflowError(f"{incident.reference} has no risk assessment to submit.")
    _editable(session, actor, a)
    a.status = "submitted"
    a.submitted_at = utcnow()
    a.decided_at = None
    session.flush()
    workflow.transition(session, actor, incident, "submit_for_signoff", note=note)
    return a


def new_revision(session: Session, actor: Actor, incident_id: int) -> Assessment:
    """Copy the latest (locked or decided) revision, hazards and controls included, into a new draft.

    The new revision is rated on the same matrix version so its ratings mean the same. The old
    revision is left as it is; the sign-off service marks it 'superseded' when the new revision
    is signed off. Corrective actions belong to the incident and are not copied.
    """
    require(actor, "risk.assess")
    incident = _incident(session, incident_id)
    old = latest_assessment(session, incident_id)
    if old is None:
        raise WorkflowError(f"{incident.reference} has no risk assessment yet: start one instead.")
    if editable_problem(session, old) is None:
        raise WorkflowError(
            f"Revision {old.revision} of the risk assessment for {incident.reference} can still "
            "be edited: change it instead of starting a new revision."
        )
    if old.status == "submitted" and not old.locked:
        raise WorkflowError(f"Revision {old.revision} is waiting for sign-off; wait for the decision.")
    if incident.voided:
        raise WorkflowError(f"{incident.reference} is void.")
    if incident.status == Status.CLOSED:
        raise WorkflowError(f"{incident.reference} is closed; reopen it to revise the risk assessment.")
    new = Assessment(
        incident_id=incident.id,
        revision=old.revision + 1,
        matrix_version_id=old.matrix_version_id,
        status="draft",
        summary=old.summary,
        author_id=actor.user_id,
        overall_likelihood=old.overall_likelihood,
        overall_severity=old.overall_severity,
        overall_score=old.overall_score,
        overall_band=old.overall_band,
    )
    session.add(new)
    session.flush()
    for h in session.scalars(select(Hazard).where(Hazard.assessment_id == old.id).order_by(Hazard.position)):
        copy_ = Hazard(
            assessment_id=new.id,
            position=h.position,
            description=h.description,
            existing_controls=h.existing_controls,
            **{
                f"{w}_{p}": getattr(h, f"{w}_{p}")
                for w in RATINGS
                for p in ("likelihood", "severity", "score", "band")
            },
        )
        session.add(copy_)
        session.flush()
        for c in h.controls:
            session.add(
                Control(
                    hazard_id=copy_.id, description=c.description, hierarchy=c.hierarchy, existing=c.existing
                )
            )
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        entity="assessment",
        entity_id=new.id,
        incident_id=incident.id,
        summary=f"Started revision {new.revision} of the risk assessment (from revision {old.revision})",
    )
    if incident.status in (Status.SIGNED_OFF, Status.RESOLUTION, Status.FOLLOW_UP):
        # The new revision needs its own sign-off: the incident goes back to Assessment.
        workflow.transition(session, actor, incident, "revise_assessment",
                            note=f"Revision {new.revision} of the risk assessment started", _internal=True)
    return new


# -- corrective and preventive actions -------------------------------------------------------


def _action(session: Session, action_id: int) -> CorrectiveAction:
    act = session.get(CorrectiveAction, action_id)
    if act is None:
        raise NotFound(f"Action #{action_id} does not exist.")
    return act


def _owner(session: Session, owner_id: int | None, owner_name: str) -> tuple[int | None, str]:
    if owner_id is not None:
        user = session.get(User, owner_id)
        if user is None:
            raise ValidationError({"owner": [f"User #{owner_id} does not exist."]})
        return user.id, user.full_name
    if not owner_name.strip():
        raise ValidationError({"owner": ["Every action needs an owner."]})
    return None, owner_name.strip()


def add_action(
    session: Session,
    actor: Actor,
    incident_id: int,
    description: str,
    action_type: str,
    *,
    owner_id: int | None = None,
    owner_name: str = "",
    due_date: dt.date | None = None,
    hazard_id: int | None = None,
) -> CorrectiveAction:
    require(actor, "actions.manage")
    incident = _incident(session, incident_id)
    if incident.voided or incident.status == Status.CLOSED:
        raise WorkflowError(
            f"{incident.reference} is {'void' if incident.voided else 'closed'}; reopen it to add actions."
        )
    problems: dict[str, list[str]] = {}
    if not description.strip():
        problems["description"] = ["Describe the action."]
    if action_type not in ACTION_TYPES:
        problems["action_type"] = [f"Choose the type of action: {', '.join(ACTION_TYPES.values())}."]
    if due_date is None:
        problems["due_date"] = ["Give the action a due date."]
    if problems:
        raise ValidationError(problems)
    oid, oname = _owner(session, owner_id, owner_name)
    latest = latest_assessment(session, incident_id)
    act = CorrectiveAction(
        incident_id=incident.id,
        assessment_id=latest.id if latest else None,
        hazard_id=hazard_id,
        description=description.strip(),
        action_type=action_type,
        owner_id=oid,
        owner_name=oname,
        due_date=due_date,
        status="open",
    )
    session.add(act)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        entity="action",
        entity_id=act.id,
        incident_id=incident.id,
        summary=f"Added {ACTION_TYPES[action_type].lower()} action “{act.description[:60]}” for {oname}, "
        f"due {due_date:%Y-%m-%d}",
    )
    if act.owner_id is not None:
        events.emit(session, "action.assigned", action=act, actor=actor)
    return act


def update_action(
    session: Session,
    actor: Actor,
    action_id: int,
    *,
    description: str | None = None,
    action_type: str | None = None,
    owner_id: int | None = None,
    owner_name: str | None = None,
    due_date: dt.date | None = None,
) -> CorrectiveAction:
    require(actor, "actions.manage")
    act = _action(session, action_id)
    if act.status in ("verified", "cancelled"):
        raise WorkflowError(
            f"The action “{act.description[:40]}” is {act.status} and can no longer be changed."
        )
    if description is not None:
        if not description.strip():
            raise ValidationError({"description": ["Describe the action."]})
        act.description = description.strip()
    if action_type is not None:
        if action_type not in ACTION_TYPES:
            raise ValidationError({"action_type": ["Unknown type of action."]})
        act.action_type = action_type
    previous_owner = act.owner_id
    if owner_id is not None or owner_name is not None:
        act.owner_id, act.owner_name = _owner(session, owner_id, owner_name or "")
    if due_date is not None:
        act.due_date = due_date
    audit.record(
        session,
        actor,
        "update",
        entity="action",
        entity_id=act.id,
        incident_id=act.incident_id,
        summary=f"Changed action “{act.description[:60]}”",
    )
    if act.owner_id is not None and act.owner_id != previous_owner:
        events.emit(session, "action.assigned", action=act, actor=actor)
    return act


def set_action_status(
    session: Session, actor: Actor, action_id: int, status: str, *, evidence: str = "", note: str = ""
) -> CorrectiveAction:
    """Move an action to open, in_progress, done (with evidence) or cancelled (with a reason).
    Verification is :func:`verify_action`."""
    act = _action(session, action_id)
    if status == "verified":
        raise WorkflowError("Use “Verify” to record that an action worked.")
    if status not in ACTION_STATUSES:
        raise ValidationError({"status": ["Unknown action status."]})
    is_owner = actor.user_id is not None and act.owner_id == actor.user_id
    if not is_owner:
        require(actor, "actions.manage")
    if act.status in ("verified", "cancelled"):
        raise WorkflowError(f"The action “{act.description[:40]}” is already {act.status}.")
    if status == "done":
        if not (evidence.strip() or act.evidence.strip()):
            raise ValidationError(
                {"evidence": ["Say what was done (evidence) before marking the action done."]}
            )
        act.completed_at = utcnow()
    elif status == "cancelled" and not note.strip():
        raise ValidationError({"note": ["Give a reason for cancelling the action."]})
    if evidence.strip():
        act.evidence = evidence.strip()
    if note.strip():
        act.verification_note = note.strip()
    old = act.status
    act.status = status
    audit.record(
        session,
        actor,
        "update",
        entity="action",
        entity_id=act.id,
        incident_id=act.incident_id,
        summary=f"Action “{act.description[:50]}”: {ACTION_STATUSES[old]} → {ACTION_STATUSES[status]}",
        details={"evidence": evidence, "note": note},
    )
    return act


def verify_action(session: Session, actor: Actor, action_id: int, note: str) -> CorrectiveAction:
    """Record that a done action was effective. The verifier must not be the action's owner."""
    require(actor, "actions.verify")
    act = _action(session, action_id)
    if act.status != "done":
        raise WorkflowError(
            f"Only an action marked done can be verified (“{act.description[:40]}” is "
            f"{ACTION_STATUSES[act.status].lower()})."
        )
    if actor.user_id is not None and act.owner_id == actor.user_id:
        raise PermissionDenied("An action is verified by somebody other than its owner.")
    if not note.strip():
        raise ValidationError({"note": ["Say how the action was checked to be effective."]})
    act.status = "verified"
    act.verified_by_id = actor.user_id
    act.verified_at = utcnow()
    act.verification_note = note.strip()
    audit.record(
        session,
        actor,
        "update",
        entity="action",
        entity_id=act.id,
        incident_id=act.incident_id,
        summary=f"Verified action “{act.description[:60]}”",
        details={"note": note},
    )
    return act


def is_overdue(action: CorrectiveAction, today: dt.date) -> bool:
    return (
        action.status in ("open", "in_progress") and action.due_date is not None and action.due_date < today
    )


def actions_for(session: Session, incident_id: int) -> list[CorrectiveAction]:
    return list(
        session.scalars(
            select(CorrectiveAction)
            .where(CorrectiveAction.incident_id == incident_id)
            .order_by(CorrectiveAction.due_date, CorrectiveAction.id)
        )
    )


def overdue_actions_query(today: dt.date) -> Any:
    """A SELECT of open actions past their due date (for lists, counts and alerts)."""
    return select(CorrectiveAction).where(
        CorrectiveAction.status.in_(("open", "in_progress")), CorrectiveAction.due_date < today
    )


def count_overdue(session: Session, today: dt.date) -> int:
    q = overdue_actions_query(today).subquery()
    return session.execute(select(func.count()).select_from(q)).scalar_one()


# -- requests for information from the ground ------------------------------------------------


def request_info(
    session: Session,
    actor: Actor,
    incident_id: int,
    question: str,
    *,
    asked_of_user_id: int | None = None,
    asked_of_name: str = "",
) -> InfoRequest:
    require(actor, "risk.assess")
    incident = _incident(session, incident_id)
    if not question.strip():
        raise ValidationError({"question": ["Write the question."]})
    uid, name = asked_of_user_id, asked_of_name.strip()
    if uid is not None:
        user = session.get(User, uid)
        if user is None:
            raise ValidationError({"asked_of": [f"User #{uid} does not exist."]})
        name = user.full_name
    if not name:
        raise ValidationError({"asked_of": ["Name the person the question is for."]})
    latest = latest_assessment(session, incident_id)
    req = InfoRequest(
        incident_id=incident.id,
        assessment_id=latest.id if latest else None,
        asked_of_user_id=uid,
        asked_of_name=name,
        question=question.strip(),
        asked_by_id=actor.user_id,
    )
    session.add(req)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        entity="info_request",
        entity_id=req.id,
        incident_id=incident.id,
        summary=f"Asked {name}: “{req.question[:80]}”",
    )
    return req


def answer_info(session: Session, actor: Actor, request_id: int, answer: str) -> InfoRequest:
    """Record the answer: by the person asked, or by an assessor writing down what they were told."""
    req = session.get(InfoRequest, request_id)
    if req is None:
        raise NotFound(f"Question #{request_id} does not exist.")
    is_addressee = actor.user_id is not None and actor.user_id == req.asked_of_user_id
    if not is_addressee and not allowed(actor, "risk.assess"):
        raise PermissionDenied(f"Only {req.asked_of_name} or a safety officer may record the answer.")
    if not answer.strip():
        raise ValidationError({"answer": ["Write the answer."]})
    req.answer = answer.strip()
    req.answered_at = utcnow()
    audit.record(
        session,
        actor,
        "update",
        entity="info_request",
        entity_id=req.id,
        incident_id=req.incident_id,
        summary=f"Answer from {req.asked_of_name} recorded",
    )
    return req


def info_requests_for(session: Session, incident_id: int) -> list[InfoRequest]:
    return list(
        session.scalars(
            select(InfoRequest)
            .where(InfoRequest.incident_id == incident_id)
            .order_by(InfoRequest.asked_at, InfoRequest.id)
        )
    )


# -- a plain snapshot for screens and reports ------------------------------------------------


@dataclass
class ControlView:
    id: int
    description: str
    hierarchy: str
    existing: bool


@dataclass
class HazardView:
    id: int
    position: int
    description: str
    existing_controls: str
    inherent: tuple[str, str] | None
    inherent_score: int | None
    inherent_band: str | None
    residual: tuple[str, str] | None
    residual_score: int | None
    residual_band: str | None
    controls: list[ControlView] = field(default_factory=list)


@dataclass
class AssessmentView:
    id: int
    incident_id: int
    revision: int
    status: str
    locked: bool
    summary: str
    matrix_version_id: int
    matrix_name: str
    matrix_version: int
    definition: dict[str, Any]
    overall: tuple[str, str] | None
    overall_score: int | None
    overall_band: str | None
    editable_problem: str | None
    hazards: list[HazardView]


def view(session: Session, incident_id: int) -> AssessmentView | None:
    """The latest revision as plain data (no lazy loading after the session closes)."""
    a = latest_assessment(session, incident_id)
    if a is None:
        return None
    version = matrices.get_version(session, a.matrix_version_id)
    hazards = []
    for h in session.scalars(
        select(Hazard).where(Hazard.assessment_id == a.id).order_by(Hazard.position, Hazard.id)
    ):
        hazards.append(
            HazardView(
                h.id,
                h.position,
                h.description,
                h.existing_controls,
                (h.inherent_likelihood, h.inherent_severity)
                if h.inherent_likelihood and h.inherent_severity
                else None,
                h.inherent_score,
                h.inherent_band,
                (h.residual_likelihood, h.residual_severity)
                if h.residual_likelihood and h.residual_severity
                else None,
                h.residual_score,
                h.residual_band,
                [ControlView(c.id, c.description, c.hierarchy, c.existing) for c in h.controls],
            )
        )
    return AssessmentView(
        a.id,
        a.incident_id,
        a.revision,
        a.status,
        a.locked,
        a.summary,
        version.id,
        str(version.definition.get("name", "")),
        version.number,
        version.definition,
        (a.overall_likelihood, a.overall_severity) if a.overall_likelihood and a.overall_severity else None,
        a.overall_score,
        a.overall_band,
        editable_problem(session, a),
        hazards,
    )
