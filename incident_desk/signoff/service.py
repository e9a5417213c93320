"""Signing off risk assessments: the queue, approval with a re-entered password, rejection.

An approval records an electronic signature (signer, role, time, meaning, comment) bound by
SHA-256 to a canonical serialisation of what was signed (``signoff.canonical``). The band of
the assessment decides how many approvals are needed and from which role
(``signoff.policy``); the last one locks the assessment and moves the incident on to
"Signed off". Nobody signs an assessment they wrote, and nobody signs one revision twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from incident_desk import audit, events
from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.errors import (
    AuthenticationError,
    NotFound,
    PermissionDenied,
    ValidationError,
    WorkflowError,
)
from incident_desk.incidents import workflow
from incident_desk.incidents.models import Attachment, Incident
from incident_desk.incidents.workflow import Status
from incident_desk.org.models import SeverityLevel, SlaTarget
from incident_desk.risk.models import Assessment, Control, CorrectiveAction, Hazard, RiskMatrixVersion
from incident_desk.signoff import canonical, policy
from incident_desk.signoff.models import Signature
from incident_desk.users import service as users
from incident_desk.users.models import User
from incident_desk.users.roles import Role, allowed, require

APPROVED = "Approved"
REJECTED = "Rejected"
AWAITING = "submitted"


# -- reading -------------------------------------------------------------------------------
@dataclass
class QueueItem:
    assessment_id: int
    incident_id: int
    reference: str
    title: str
    revision: int
    band: str
    band_rank: int
    band_colour: str
    score: int | None
    severity: str
    author_name: str
    submitted_at: dt.datetime | None
    deadline: dt.datetime | None
    approvals: int
    required: int
    next_role: Role
    blocked: str = ""  # why the viewer cannot sign this one ("" = they can)

    def age(self, now: dt.datetime) -> dt.timedelta | None:
        return now - self.submitted_at if self.submitted_at else None

    def overdue(self, now: dt.datetime) -> bool:
        return self.deadline is not None and self.deadline < now


def rule_of(session: Session, assessment: Assessment) -> policy.BandRule:
    version = session.get(RiskMatrixVersion, assessment.matrix_version_id)
    return policy.rule_for(
        version.definition if version else None, assessment.overall_band or _worst_band(session, assessment)
    )


def _worst_band(session: Session, assessment: Assessment) -> str | None:
    """An assessment without an overall rating is judged by its worst hazard."""
    row = session.execute(
        select(func.coalesce(Hazard.residual_band, Hazard.inherent_band))
        .where(Hazard.assessment_id == assessment.id)
        .order_by(func.coalesce(Hazard.residual_score, Hazard.inherent_score).desc().nulls_last())
        .limit(1)
    ).first()
    return row[0] if row else None


def current_approvals(session: Session, assessment_id: int) -> list[Signature]:
    """Approvals of this revision given since its last rejection, in order."""
    sigs = list(
        session.scalars(
            select(Signature)
            .where(Signature.assessment_id == assessment_id)
            .order_by(Signature.signed_at, Signature.id)
        )
    )
    out: list[Signature] = []
    for s in sigs:
        if s.meaning == REJECTED:
            out = []
        else:
            out.append(s)
    return out


def why_cannot_sign(
    session: Session,
    actor: Actor,
    assessment: Assessment,
    rule: policy.BandRule | None = None,
    approvals: list[Signature] | None = None,
) -> str:
    """Why ``actor`` may not give the next sign-off, in plain words; empty when they may."""
    if actor.user_id is None:
        return "A signature needs a person: sign in with your own account."
    if assessment.status != AWAITING:
        return f"Revision {assessment.revision} is not awaiting sign-off (it is {assessment.status.replace('_', ' ')})."
    if assessment.author_id is not None and assessment.author_id == actor.user_id:
        return "You wrote this assessment: someone else must sign it off."
    rule = rule or rule_of(session, assessment)
    approvals = approvals if approvals is not None else current_approvals(session, assessment.id)
    if any(s.signer_id == actor.user_id for s in approvals):
        return "You have already signed this revision: the next sign-off must come from someone else."
    role = rule.role_for_level(len(approvals) + 1)
    if role not in actor.roles or (role == Role.MANAGER and not allowed(actor, "signoff.sign")):
        return (
            f"Sign-off {len(approvals) + 1} of {rule.signoffs_required} for the "
            f"{rule.band or 'unrated'} band needs the role {role.label}."
        )
    return ""


def queue(session: Session, actor: Actor, *, now: dt.datetime | None = None) -> list[QueueItem]:
    """Assessments awaiting sign-off: most serious band first, then the earliest deadline."""
    require(actor, "signoff.sign")
    rows = session.execute(
        select(
            Assessment,
            Incident.reference,
            Incident.title,
            Incident.severity_id,
            Incident.response_due_at,
            Incident.reported_at,
            SeverityLevel.name,
            User.full_name,
        )
        .join(Incident, Incident.id == Assessment.incident_id)
        .join(SeverityLevel, SeverityLevel.id == Incident.severity_id)
        .outerjoin(User, User.id == Assessment.author_id)
        .where(Assessment.status == AWAITING, Incident.voided.is_(False))
    ).all()
    if not rows:
        return []
    versions = {
        v.id: v.definition
        for v in session.scalars(
            select(RiskMatrixVersion).where(RiskMatrixVersion.id.in_({r[0].matrix_version_id for r in rows}))
        )
    }
    slas: dict[tuple[int, str | None], int] = {
        (t.severity_id, (t.band or "").lower() or None): t.signoff_minutes
        for t in session.scalars(select(SlaTarget))
    }
    rules: dict[tuple[int, str], policy.BandRule] = {}
    ids = [r[0].id for r in rows]
    sigs: dict[int, list[Signature]] = {i: [] for i in ids}
    for s in session.scalars(
        select(Signature).where(Signature.assessment_id.in_(ids)).order_by(Signature.signed_at, Signature.id)
    ):
        if s.meaning == REJECTED:
            sigs[s.assessment_id] = []
        else:
            sigs[s.assessment_id].append(s)
    items = []
    for a, ref, title, sev_id, due, reported_at, sev_name, author in rows:
        band = a.overall_band or _worst_band(session, a) or ""
        key = (a.matrix_version_id, band)
        rule = rules.get(key) or rules.setdefault(
            key, policy.rule_for(versions.get(a.matrix_version_id), band)
        )
        approvals = sigs[a.id]
        sla = slas.get((sev_id, band.lower() or None), slas.get((sev_id, None)))
        items.append(
            QueueItem(
                assessment_id=a.id,
                incident_id=a.incident_id,
                reference=ref,
                title=title,
                revision=a.revision,
                band=band,
                band_rank=rule.rank,
                band_colour=rule.colour,
                score=a.overall_score,
                severity=sev_name,
                author_name=author or "",
                submitted_at=a.submitted_at,
                deadline=policy.deadline(reported_at, rule, sla, due),
                approvals=len(approvals),
                required=rule.signoffs_required,
                next_role=rule.role_for_level(len(approvals) + 1),
                blocked=why_cannot_sign(session, actor, a, rule, approvals),
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda i: (-i.band_rank, -(i.score or 0), i.deadline or far, i.assessment_id))
    return items


@dataclass
class AssessmentView:
    """Everything the queue shows read-only about one revision."""

    assessment: Assessment
    incident: Incident
    severity: str
    author_name: str
    definition: dict[str, Any]
    rule: policy.BandRule
    hazards: list[Hazard]
    controls: dict[int, list[Control]]
    actions: list[CorrectiveAction]
    photos: list[Attachment]
    signatures: list[Signature]
    approvals: list[Signature]
    revisions: list[Assessment] = field(default_factory=list)

    @property
    def rated_cells(self) -> set[tuple[str, str]]:
        """(likelihood, severity) pairs rated anywhere in the assessment, for highlighting the matrix."""
        cells = set()
        for h in self.hazards:
            for lk, sv in (
                (h.inherent_likelihood, h.inherent_severity),
                (h.residual_likelihood, h.residual_severity),
            ):
                if lk and sv:
                    cells.add((lk, sv))
        a = self.assessment
        if a.overall_likelihood and a.overall_severity:
            cells.add((a.overall_likelihood, a.overall_severity))
        return cells


def view(session: Session, actor: Actor, assessment_id: int) -> AssessmentView:
    require(actor, "incident.view")
    a = session.get(Assessment, assessment_id)
    if a is None:
        raise NotFound(f"Risk assessment #{assessment_id} does not exist.")
    incident = session.get(Incident, a.incident_id)
    assert incident is not None
    hazards = list(
        session.scalars(
            select(Hazard).where(Hazard.assessment_id == a.id).order_by(Hazard.position, Hazard.id)
        )
    )
    controls: dict[int, list[Control]] = {h.id: [] for h in hazards}
    if hazards:
        for c in session.scalars(
            select(Control).where(Control.hazard_id.in_(list(controls))).order_by(Control.id)
        ):
            controls[c.hazard_id].append(c)
    actions = list(
        session.scalars(
            select(CorrectiveAction)
            .where(CorrectiveAction.assessment_id == a.id)
            .order_by(CorrectiveAction.id)
        )
    )
    photos = list(
        session.scalars(
            select(Attachment)
            .where(Attachment.incident_id == incident.id, Attachment.kind == "photo")
            .order_by(Attachment.id)
        )
    )
    version = session.get(RiskMatrixVersion, a.matrix_version_id)
    author = session.get(User, a.author_id) if a.author_id else None
    sev = session.get(SeverityLevel, incident.severity_id)
    return AssessmentView(
        assessment=a,
        incident=incident,
        severity=sev.name if sev else "",
        author_name=author.full_name if author else "",
        definition=version.definition if version else {},
        rule=rule_of(session, a),
        hazards=hazards,
        controls=controls,
        actions=actions,
        photos=photos,
        signatures=list(
            session.scalars(
                select(Signature)
                .where(Signature.assessment_id == a.id)
                .order_by(Signature.signed_at, Signature.id)
            )
        ),
        approvals=current_approvals(session, a.id),
        revisions=list(
            session.scalars(
                select(Assessment).where(Assessment.incident_id == incident.id).order_by(Assessment.revision)
            )
        ),
    )


def signatures_for_incident(session: Session, incident_id: int) -> list[Signature]:
    """Every signature on every revision of the incident's assessment, oldest first."""
    return list(
        session.scalars(
            select(Signature)
            .where(Signature.incident_id == incident_id)
            .order_by(Signature.signed_at, Signature.id)
        )
    )


# -- deciding ------------------------------------------------------------------------------
def _load(session: Session, assessment_id: int) -> tuple[Assessment, Incident]:
    # FOR UPDATE: two managers deciding at once are taken one after the other, so the second
    # sees the first one's signature (SQLite's write transactions are serialised already).
    a = session.get(Assessment, assessment_id, with_for_update=True)
    if a is None:
        raise NotFound(f"Risk assessment #{assessment_id} does not exist.")
    incident = session.get(Incident, a.incident_id)
    assert incident is not None
    if incident.voided:
        raise WorkflowError(f"{incident.reference} is void: its assessment can no longer be signed.")
    return a, incident


def _refuse(reason: str, a: Assessment) -> None:
    if reason:
        raise WorkflowError(reason) if a.status != AWAITING else PermissionDenied(reason)


class WrongPassword(AuthenticationError):
    """The password re-entered to sign was wrong (the caller records it with ``record_wrong_password``)."""


def _reauthenticate(session: Session, actor: Actor, password: str, now: dt.datetime) -> User:
    if actor.user_id is None:
        raise AuthenticationError("A signature needs a person: sign in with your own account.")
    user = users.get(session, actor.user_id)
    if not user.active:
        raise AuthenticationError(f"The account {user.username} is deactivated.")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AuthenticationError(
            f"The account {user.username} is locked after {users.MAX_FAILED_SIGN_INS} wrong passwords: "
            f"try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )
    if not password or not users.verify_password(user, password):
        raise WrongPassword("The password is wrong: the assessment was not signed.")
    user.failed_logins = 0
    return user


def record_wrong_password(
    session: Session, actor: Actor, assessment_id: int, *, now: dt.datetime | None = None
) -> bool:
    """Count a wrong password given to sign, as a failed sign-in; True when the account is now locked.

    Run it in its own transaction after ``approve`` raised ``WrongPassword`` (whose own
    transaction was rolled back), so the attempt is kept.
    """
    if actor.user_id is None:
        return False
    now = now or utcnow()
    user = users.get(session, actor.user_id)
    a = session.get(Assessment, assessment_id)
    user.failed_logins += 1
    locked = user.failed_logins >= users.MAX_FAILED_SIGN_INS
    if locked:
        user.locked_until = now + users.LOCKOUT
        user.failed_logins = 0
    audit.record(
        session,
        actor,
        "sign_in_failed",
        entity="user",
        entity_id=user.id,
        incident_id=a.incident_id if a else None,
        summary="Wrong password when signing a risk assessment"
        + (" — account locked for 15 minutes" if locked else ""),
        details={"assessment_id": assessment_id},
        at=now,
    )
    return locked


def _sign(
    session: Session,
    actor: Actor,
    a: Assessment,
    *,
    meaning: str,
    role: Role,
    level: int,
    comment: str,
    when: dt.datetime,
) -> tuple[Signature, dict[str, Any]]:
    data = canonical.content(session, a.id, as_of=when)
    sig = Signature(
        assessment_id=a.id,
        incident_id=a.incident_id,
        signer_id=actor.user_id,
        signer_name=actor.name,
        role=role.value,
        level=level,
        meaning=meaning,
        comment=comment,
        signed_at=when,
        content_hash=canonical.content_hash(data),
        signature_hash="",
    )
    session.add(sig)
    session.flush()
    sig.signature_hash = canonical.signature_hash(sig)
    session.flush()
    return sig, data


def approve(
    session: Session,
    actor: Actor,
    assessment_id: int,
    password: str,
    comment: str = "",
    *,
    now: dt.datetime | None = None,
) -> Signature:
    """Record an approval; the last one the band needs locks the assessment and signs the incident off."""
    a, incident = _load(session, assessment_id)
    rule = rule_of(session, a)
    approvals = current_approvals(session, a.id)
    _refuse(why_cannot_sign(session, actor, a, rule, approvals), a)
    when = now or utcnow()
    _reauthenticate(session, actor, password, when)
    level = len(approvals) + 1
    role = rule.role_for_level(level)
    sig, data = _sign(
        session, actor, a, meaning=APPROVED, role=role, level=level, comment=comment.strip(), when=when
    )
    final = level >= rule.signoffs_required
    audit.record(
        session,
        actor,
        "sign_off",
        entity="signature",
        entity_id=sig.id,
        incident_id=incident.id,
        summary=(
            f"Approved the risk assessment (revision {a.revision}), sign-off {level} of "
            f"{rule.signoffs_required}" + (f": {sig.comment}" if sig.comment else "")
        ),
        details={
            "assessment_id": a.id,
            "revision": a.revision,
            "band": rule.band,
            "level": level,
            "required": rule.signoffs_required,
            "role": role.value,
            "meaning": APPROVED,
            "comment": sig.comment,
            "final": final,
            "content_hash": sig.content_hash,
            "signature_hash": sig.signature_hash,
            "content": data,
        },
        at=when,
    )
    if final:
        a.status = "signed_off"
        a.locked = True
        a.decided_at = when
        # Earlier signed revisions stay as they were, signatures and all, marked as replaced.
        session.execute(
            update(Assessment)
            .where(
                Assessment.incident_id == a.incident_id,
                Assessment.revision < a.revision,
                Assessment.status == "signed_off",
            )
            .values(status="superseded", version=Assessment.version + 1)
        )
        session.flush()
        if incident.status == Status.AWAITING_SIGNOFF:
            workflow.transition(
                session, actor, incident, "sign_off", note=sig.comment, at=when, _internal=True
            )
    events.emit(
        session,
        "assessment.approved",
        assessment=a,
        incident=incident,
        actor=actor,
        signature=sig,
        final=final,
    )
    return sig


def reject(
    session: Session, actor: Actor, assessment_id: int, reason: str, *, now: dt.datetime | None = None
) -> Signature:
    """Send the assessment back to its assessor with a reason; the incident returns to Assessment."""
    a, incident = _load(session, assessment_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the assessment is rejected, so the assessor can fix it."]})
    rule = rule_of(session, a)
    approvals = current_approvals(session, a.id)
    _refuse(why_cannot_sign(session, actor, a, rule, approvals), a)
    when = now or utcnow()
    level = len(approvals) + 1
    role = rule.role_for_level(level)
    sig, data = _sign(session, actor, a, meaning=REJECTED, role=role, level=level, comment=reason, when=when)
    a.status = "rejected"
    a.decided_at = when
    session.flush()
    audit.record(
        session,
        actor,
        "reject",
        entity="signature",
        entity_id=sig.id,
        incident_id=incident.id,
        summary=f"Rejected the risk assessment (revision {a.revision}): {reason}",
        details={
            "assessment_id": a.id,
            "revision": a.revision,
            "band": rule.band,
            "level": level,
            "role": role.value,
            "meaning": REJECTED,
            "comment": reason,
            "content_hash": sig.content_hash,
            "signature_hash": sig.signature_hash,
            "content": data,
        },
        at=when,
    )
    if incident.status == Status.AWAITING_SIGNOFF:
        workflow.transition(session, actor, incident, "reject", note=reason, at=when, _internal=True)
    events.emit(
        session,
        "assessment.rejected",
        assessment=a,
        incident=incident,
        actor=actor,
        reason=reason,
        assessor_id=a.author_id,
    )
    return sig
