"""SLA policy: target times per severity (optionally per risk band) and each incident's deadlines.

Every deadline is counted from the moment the incident was reported: acknowledge (assessment
started), assess (assessment submitted for sign-off), sign off, resolve. A target narrowed to a
risk band applies to incidents whose priority (the assessment's overall band) is that band; the
severity's band-less target applies otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.errors import NotFound, ValidationError
from incident_desk.incidents.models import Incident
from incident_desk.org.models import SeverityLevel, SlaTarget
from incident_desk.users.roles import require

PERMISSION = "settings.manage"

# target name -> (label, minutes column on SlaTarget, timestamp column on Incident that meets it)
TARGETS: dict[str, tuple[str, str, str]] = {
    "acknowledge": ("Acknowledge", "acknowledge_minutes", "acknowledged_at"),
    "assess": ("Assess", "assess_minutes", "submitted_at"),
    "signoff": ("Sign off", "signoff_minutes", "signed_off_at"),
    "resolve": ("Resolve", "resolve_minutes", "resolved_at"),
}
EXPECTED = {
    "acknowledge": "acknowledge the incident (start the assessment)",
    "assess": "complete the risk assessment and submit it for sign-off",
    "signoff": "sign off (or reject) the risk assessment",
    "resolve": "resolve the incident",
}


def format_minutes(minutes: float) -> str:
    """A duration in plain words: "45 min", "3 h 20 min", "2 d 4 h"."""
    minutes = round(abs(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


@dataclass(frozen=True)
class Deadline:
    """One SLA deadline of one incident, as it stands at ``now``."""

    target: str
    label: str
    due_at: dt.datetime
    done_at: dt.datetime | None
    now: dt.datetime

    @property
    def met(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at

    @property
    def missed(self) -> bool:
        """Late: done after the deadline, or not done and the deadline has passed."""
        return (self.done_at or self.now) > self.due_at

    @property
    def remaining(self) -> dt.timedelta:
        """Time left (negative when late); for a done deadline, the margin it was met by."""
        return self.due_at - (self.done_at or self.now)

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "met" if self.met else "missed"
        return "overdue" if self.missed else "open"

    def describe(self) -> str:
        minutes = self.remaining.total_seconds() / 60
        if self.done_at is not None:
            return "Met" if self.met else f"Done {format_minutes(minutes)} late"
        if minutes >= 0:
            return f"{format_minutes(minutes)} left"
        return f"{format_minutes(minutes)} late"


def target_for(session: Session, severity_id: int, band: str | None) -> SlaTarget | None:
    """The target for a severity and band: the band's own if there is one, else the severity's default."""
    rows = {t.band: t for t in session.scalars(select(SlaTarget).where(SlaTarget.severity_id == severity_id))}
    if band and band in rows:
        return rows[band]
    return rows.get(None)


def deadlines(session: Session, incident: Incident, *, now: dt.datetime) -> list[Deadline]:
    """The incident's deadlines in order (empty when its severity has no target)."""
    target = target_for(session, incident.severity_id, incident.priority)
    if target is None:
        return []
    return deadlines_for(incident, target, now=now)


def deadlines_for(incident: Incident, target: SlaTarget, *, now: dt.datetime) -> list[Deadline]:
    result = []
    for name, (label, minutes_col, done_col) in TARGETS.items():
        due = incident.reported_at + dt.timedelta(minutes=getattr(target, minutes_col))
        result.append(Deadline(name, label, due, getattr(incident, done_col), now))
    return result


def next_deadline(session: Session, incident: Incident, *, now: dt.datetime) -> Deadline | None:
    """The first deadline not yet done, if any (closed and void incidents have none)."""
    if incident.voided or incident.status == "closed":
        return None
    return next((d for d in deadlines(session, incident, now=now) if d.done_at is None), None)


# -- the policy -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetRow:
    severity_id: int
    severity: str
    rank: int
    band: str | None
    acknowledge_minutes: int
    assess_minutes: int
    signoff_minutes: int
    resolve_minutes: int


def list_targets(session: Session) -> list[TargetRow]:
    """Every target, most severe first, the band-less default before band-specific ones."""
    rows = session.execute(
        select(SlaTarget, SeverityLevel.name, SeverityLevel.rank)
        .join(SeverityLevel, SeverityLevel.id == SlaTarget.severity_id)
        .order_by(SeverityLevel.rank, SlaTarget.band.is_not(None), SlaTarget.band)
    ).all()
    return [
        TargetRow(
            t.severity_id,
            name,
            rank,
            t.band,
            t.acknowledge_minutes,
            t.assess_minutes,
            t.signoff_minutes,
            t.resolve_minutes,
        )
        for t, name, rank in rows
    ]


def validate_targets(severity: str, values: dict[str, Any]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for _name, (label, col, _done) in TARGETS.items():
        value = values[col]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems[col] = [
                f"The {label.lower()} target for {severity} must be a positive number of minutes."
            ]
    if not problems:
        ordered = [values[col] for _l, col, _d in TARGETS.values()]
        if ordered != sorted(ordered):
            problems[""] = [
                f"The targets for {severity} are counted from the report and must not decrease: "
                "acknowledge ≤ assess ≤ sign off ≤ resolve."
            ]
    return problems


def set_targets(
    session: Session,
    actor: Actor,
    severity_id: int,
    *,
    band: str | None = None,
    acknowledge_minutes: int,
    assess_minutes: int,
    signoff_minutes: int,
    resolve_minutes: int,
) -> SlaTarget:
    """Create or change the target for a severity (and optionally a risk band); audited."""
    require(actor, PERMISSION)
    severity = session.get(SeverityLevel, severity_id)
    if severity is None:
        raise NotFound(f"Severity level #{severity_id} does not exist.")
    band = (band or "").strip() or None
    if band is not None and len(band) > 50:
        raise ValidationError({"band": ["A risk band name can have at most 50 characters."]})
    values = {
        "acknowledge_minutes": acknowledge_minutes,
        "assess_minutes": assess_minutes,
        "signoff_minutes": signoff_minutes,
        "resolve_minutes": resolve_minutes,
    }
    what = severity.name + (f" ({band} risk)" if band else "")
    problems = validate_targets(what, values)
    if problems:
        raise ValidationError(problems)
    stmt = select(SlaTarget).where(SlaTarget.severity_id == severity_id)
    stmt = stmt.where(SlaTarget.band.is_(None) if band is None else SlaTarget.band == band)
    target = session.scalars(stmt).first()
    if target is None:
        target = SlaTarget(severity_id=severity_id, band=band, **values)
        session.add(target)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            entity="sla_target",
            entity_id=target.id,
            summary=f"Set the SLA targets for {what}",
            details={"band": band, "values": values},
        )
        return target
    changes = {k: [getattr(target, k), v] for k, v in values.items() if getattr(target, k) != v}
    if changes:
        for k, (_old, new) in changes.items():
            setattr(target, k, new)
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            entity="sla_target",
            entity_id=target.id,
            summary=f"Changed the SLA targets for {what}",
            details={"band": band, "changes": changes},
        )
    return target


def remove_band_target(session: Session, actor: Actor, severity_id: int, band: str) -> bool:
    """Drop a band-specific target (the severity's default then applies). The default cannot be removed."""
    require(actor, PERMISSION)
    if not (band or "").strip():
        raise ValidationError("The default target of a severity level cannot be removed, only changed.")
    target = session.scalars(
        select(SlaTarget).where(SlaTarget.severity_id == severity_id, SlaTarget.band == band)
    ).first()
    if target is None:
        return False
    severity = session.get(SeverityLevel, severity_id)
    session.execute(delete(SlaTarget).where(SlaTarget.id == target.id))
    audit.record(
        session,
        actor,
        "delete",
        entity="sla_target",
        entity_id=target.id,
        summary=f"Removed the SLA targets for {severity.name if severity else severity_id} ({band} risk)",
        details={"band": band},
    )
    return True
