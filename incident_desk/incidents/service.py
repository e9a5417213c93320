"""Creating and changing incidents, people, attachments and comments; every change audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk import audit, events
from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.errors import ConcurrencyError, NotFound, PermissionDenied, ValidationError
from incident_desk.incidents import references
from incident_desk.incidents.models import Attachment, Blob, Comment, Incident, Person, StatusChange
from incident_desk.incidents.validation import IncidentData, validate
from incident_desk.incidents.workflow import Status
from incident_desk.org.models import Location, Organisation
from incident_desk.users.roles import Role, allowed, require

PERSON_ROLES = {"injured": "Injured person", "witness": "Witness", "first_aider": "First aider",
                "reporter": "Reporter", "other": "Other"}
EMPLOYMENT = {"employee": "Employee", "contractor": "Contractor", "visitor": "Visitor",
              "public": "Member of the public"}
TREATMENT = {
    "none": "No treatment",
    "first_aid": "First aid",
    "medical": "Medical treatment",
    "restricted": "Restricted work",
    "lost_time": "Lost time",
    "hospitalised": "Hospitalised",
    "permanent": "Permanent disability",
    "fatality": "Fatality",
}
BODY_SIDES = {"": "", "left": "Left", "right": "Right", "both": "Both", "na": "Not applicable"}
# Body parts offered by the form's picker and body diagram (free text stays allowed for imports).
BODY_PARTS = ("Head", "Face", "Eye", "Ear", "Neck", "Shoulder", "Upper arm", "Elbow", "Forearm", "Wrist", "Hand",
              "Finger", "Chest", "Abdomen", "Upper back", "Lower back", "Hip", "Groin", "Thigh", "Knee",
              "Lower leg", "Ankle", "Foot", "Toe", "Respiratory system", "Body systems", "Multiple")
ATTACHMENT_KINDS = ("photo", "signature", "document")


def organisation(session: Session) -> Organisation:
    org = session.get(Organisation, 1)
    if org is None:
        raise NotFound("The database has no organisation settings; run `incident-desk init`.")
    return org


def local_parts(when: dt.datetime, tz_name: str) -> tuple[dt.date, int, int]:
    try:
        tz = zoneinfo.ZoneInfo(tz_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    local = when.astimezone(tz)
    return local.date(), local.hour, local.weekday()


def get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"Incident #{incident_id} does not exist.")
    return incident


def by_reference(session: Session, reference: str) -> Incident:
    incident = session.scalars(select(Incident).where(Incident.reference == reference.strip().upper())).first()
    if incident is None:
        raise NotFound(f"No incident with reference {reference!r}.")
    return incident


def _validate(session: Session, data: IncidentData, org: Organisation) -> None:
    location_site = None
    if data.location_id is not None:
        loc = session.get(Location, data.location_id)
        location_site = loc.site_id if loc else None
    problems = validate(data, now=utcnow(), satisfaction_max=org.satisfaction_max, location_site=location_site)
    if problems:
        raise ValidationError(problems)


def create(session: Session, actor: Actor, data: IncidentData) -> Incident:
    require(actor, "incident.create")
    org = organisation(session)
    _validate(session, data, org)
    assert data.reported_at is not None and data.occurred_at is not None
    reference = references.reserve(session, org.reference_prefix, data.reported_at.year)[0]
    values = asdict(data)
    local_date, hour, weekday = local_parts(data.occurred_at, org.timezone)
    incident = Incident(reference=reference, status=Status.REPORTED.value, created_by_id=actor.user_id,
                        reporter_id=actor.user_id, occurred_date=local_date, occurred_hour=hour,
                        occurred_weekday=weekday, **values)
    if not incident.reporter_name:
        incident.reporter_name = actor.name
    session.add(incident)
    session.flush()
    session.add(StatusChange(incident_id=incident.id, from_status=None, to_status=Status.REPORTED.value,
                             at=data.reported_at, user_id=actor.user_id, user_name=actor.name))
    audit.record(session, actor, "create", entity="incident", entity_id=incident.id, incident_id=incident.id,
                 summary=f"Reported {reference}: {incident.title}", details=_snapshot(data))
    events.emit(session, "incident.created", incident=incident, actor=actor)
    return incident


def _snapshot(data: IncidentData) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in fields(data)}


def data_of(incident: Incident) -> IncidentData:
    return IncidentData(**{f.name: getattr(incident, f.name) for f in fields(IncidentData)})


def can_edit(actor: Actor, incident: Incident) -> bool:
    if incident.voided:
        return False
    if allowed(actor, "incident.edit"):
        return True
    # A reporter may correct their own report until an officer picks it up.
    return (Role.REPORTER in actor.roles and actor.user_id is not None
            and incident.reporter_id == actor.user_id and incident.status == Status.REPORTED)


def update(session: Session, actor: Actor, incident_id: int, data: IncidentData, *,
           expected_version: int | None = None) -> Incident:
    """Save the form. ``expected_version`` is the version the user loaded; a mismatch is a conflict."""
    incident = get(session, incident_id)
    if not can_edit(actor, incident):
        if incident.voided:
            raise PermissionDenied(f"{incident.reference} is void and cannot be edited.")
        require(actor, "incident.edit")
        raise PermissionDenied(f"{actor.name} may only edit their own reports before assessment starts.")
    if expected_version is not None and incident.version != expected_version:
        raise ConcurrencyError(f"{incident.reference} was changed by someone else since you opened it.",
                               current_version=incident.version)
    org = organisation(session)
    _validate(session, data, org)
    changes: dict[str, list[Any]] = {}
    for f in fields(IncidentData):
        old, new = getattr(incident, f.name), getattr(data, f.name)
        if isinstance(old, Decimal) and isinstance(new, Decimal | int | float):
            new = Decimal(str(new)).quantize(Decimal("0.01"))
        if old != new:
            changes[f.name] = [old, new]
            setattr(incident, f.name, new)
    if "occurred_at" in changes and data.occurred_at is not None:
        incident.occurred_date, incident.occurred_hour, incident.occurred_weekday = local_parts(
            data.occurred_at, org.timezone)
    if not changes:
        return incident
    session.flush()
    audit.record(session, actor, "update", entity="incident", entity_id=incident.id, incident_id=incident.id,
                 summary=f"Changed {', '.join(changes)}", details={"changes": changes})
    events.emit(session, "incident.updated", incident=incident, actor=actor, changes=changes)
    return incident


def assign(session: Session, actor: Actor, incident_id: int, user_id: int | None) -> Incident:
    require(actor, "incident.assign")
    incident = get(session, incident_id)
    old = incident.assignee_id
    if old == user_id:
        return incident
    incident.assignee_id = user_id
    session.flush()
    audit.record(session, actor, "update", entity="incident", entity_id=incident.id, incident_id=incident.id,
                 summary="Assigned", details={"changes": {"assignee_id": [old, user_id]}})
    events.emit(session, "incident.assigned", incident=incident, actor=actor, assignee_id=user_id)
    return incident


def void(session: Session, actor: Actor, incident_id: int, reason: str) -> Incident:
    """Incidents are never deleted: a void keeps the record, with who voided it and why."""
    require(actor, "incident.void")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the incident is being voided."]})
    incident = get(session, incident_id)
    if incident.voided:
        return incident
    incident.voided, incident.void_reason = True, reason.strip()
    incident.voided_at, incident.voided_by_id = utcnow(), actor.user_id
    session.flush()
    audit.record(session, actor, "void", entity="incident", entity_id=incident.id, incident_id=incident.id,
                 summary=f"Voided: {reason.strip()}", details={"reason": reason.strip()})
    return incident


# -- people -------------------------------------------------------------------------------
@dataclass
class PersonData:
    name: str = ""
    role: str = "injured"
    employment: str = "employee"
    job_title: str = ""
    contact: str = ""
    statement: str = ""
    body_part: str = ""
    body_side: str = ""
    nature_of_injury: str = ""
    treatment: str = "none"
    days_away: int = 0
    days_restricted: int = 0
    privacy_case: bool = False


def validate_person(p: PersonData) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not p.name.strip():
        problems["name"] = ["Enter the person's name (or “Unknown” if it is not known)."]
    if p.role not in PERSON_ROLES:
        problems["role"] = [f"Unknown role {p.role!r}."]
    if p.employment not in EMPLOYMENT:
        problems["employment"] = [f"Unknown employment type {p.employment!r}."]
    if p.treatment not in TREATMENT:
        problems["treatment"] = [f"Unknown treatment level {p.treatment!r}."]
    for name in ("days_away", "days_restricted"):
        if getattr(p, name) < 0:
            problems[name] = ["Days cannot be negative."]
    if p.body_side not in BODY_SIDES:
        problems["body_side"] = [f"Unknown body side {p.body_side!r}."]
    return problems


def _check_edit(actor: Actor, incident: Incident) -> None:
    if not can_edit(actor, incident):
        require(actor, "incident.edit")
        raise PermissionDenied(f"{incident.reference} cannot be edited by {actor.name} now.")


def add_person(session: Session, actor: Actor, incident_id: int, data: PersonData) -> Person:
    incident = get(session, incident_id)
    _check_edit(actor, incident)
    problems = validate_person(data)
    if problems:
        raise ValidationError(problems)
    person = Person(incident_id=incident.id, **asdict(data))
    session.add(person)
    session.flush()
    audit.record(session, actor, "create", entity="person", entity_id=person.id, incident_id=incident.id,
                 summary=f"Added {PERSON_ROLES[data.role].lower()} {data.name}", details=asdict(data))
    return person


def update_person(session: Session, actor: Actor, person_id: int, data: PersonData) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"Person #{person_id} does not exist.")
    _check_edit(actor, person.incident)
    problems = validate_person(data)
    if problems:
        raise ValidationError(problems)
    changes = {}
    for key, new in asdict(data).items():
        old = getattr(person, key)
        if old != new:
            changes[key] = [old, new]
            setattr(person, key, new)
    if changes:
        session.flush()
        audit.record(session, actor, "update", entity="person", entity_id=person.id,
                     incident_id=person.incident_id, summary=f"Changed {person.name}: {', '.join(changes)}",
                     details={"changes": changes})
    return person


def remove_person(session: Session, actor: Actor, person_id: int) -> None:
    person = session.get(Person, person_id)
    if person is None:
        return
    _check_edit(actor, person.incident)
    audit.record(session, actor, "delete", entity="person", entity_id=person.id, incident_id=person.incident_id,
                 summary=f"Removed {person.name}", details={"name": person.name, "role": person.role})
    session.delete(person)
    session.flush()


def person_data(person: Person) -> PersonData:
    return PersonData(**{f.name: getattr(person, f.name) for f in fields(PersonData)})


# -- attachments ---------------------------------------------------------------------------
def store_blob(session: Session, data: bytes, mime_type: str) -> Blob:
    sha = hashlib.sha256(data).hexdigest()
    blob = session.get(Blob, sha)
    if blob is None:
        blob = Blob(sha256=sha, mime_type=mime_type, size=len(data), data=data)
        session.add(blob)
        session.flush()
    return blob


def add_attachment(session: Session, actor: Actor, incident_id: int, *, kind: str, data: bytes, mime_type: str,
                   filename: str = "", caption: str = "", width: int | None = None, height: int | None = None,
                   person_id: int | None = None, signer_name: str = "", signer_role: str = "",
                   signed_at: dt.datetime | None = None) -> Attachment:
    """Attach already-checked content (photos go through ``incident_desk.incidents.images`` first)."""
    if kind not in ATTACHMENT_KINDS:
        raise ValidationError({"kind": [f"Unknown attachment kind {kind!r}."]})
    incident = get(session, incident_id)
    # Anyone who may see an incident may add a signature or photo to it while it is open.
    require(actor, "incident.comment" if kind == "signature" else "incident.create")
    if incident.voided:
        raise PermissionDenied(f"{incident.reference} is void.")
    blob = store_blob(session, data, mime_type)
    att = Attachment(incident_id=incident.id, kind=kind, blob_sha256=blob.sha256, filename=filename,
                     mime_type=mime_type, size=len(data), caption=caption, width=width, height=height,
                     person_id=person_id, signer_name=signer_name, signer_role=signer_role,
                     signed_at=signed_at, created_by_id=actor.user_id)
    session.add(att)
    session.flush()
    audit.record(session, actor, "create", entity="attachment", entity_id=att.id, incident_id=incident.id,
                 summary=f"Attached {kind} {filename or ''}".strip(),
                 details={"kind": kind, "sha256": blob.sha256, "size": len(data), "filename": filename,
                          "signer": signer_name})
    return att


def attachment_bytes(session: Session, attachment_id: int) -> bytes:
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFound(f"Attachment #{attachment_id} does not exist.")
    return session.execute(select(Blob.data).where(Blob.sha256 == att.blob_sha256)).scalar_one()


def set_caption(session: Session, actor: Actor, attachment_id: int, caption: str) -> None:
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFound(f"Attachment #{attachment_id} does not exist.")
    _check_edit(actor, att.incident)
    if att.caption != caption:
        audit.record(session, actor, "update", entity="attachment", entity_id=att.id, incident_id=att.incident_id,
                     summary="Changed caption", details={"changes": {"caption": [att.caption, caption]}})
        att.caption = caption


def remove_attachment(session: Session, actor: Actor, attachment_id: int) -> None:
    att = session.get(Attachment, attachment_id)
    if att is None:
        return
    _check_edit(actor, att.incident)
    if att.kind == "signature":
        raise PermissionDenied("A signature cannot be removed once given.")
    audit.record(session, actor, "delete", entity="attachment", entity_id=att.id, incident_id=att.incident_id,
                 summary=f"Removed {att.kind} {att.filename}".strip(),
                 details={"sha256": att.blob_sha256, "filename": att.filename})
    session.delete(att)
    session.flush()


# -- comments ------------------------------------------------------------------------------
def add_comment(session: Session, actor: Actor, incident_id: int, body: str) -> Comment:
    require(actor, "incident.comment")
    if not body.strip():
        raise ValidationError({"body": ["The comment is empty."]})
    incident = get(session, incident_id)
    comment = Comment(incident_id=incident.id, author_id=actor.user_id, author_name=actor.name, body=body.strip())
    session.add(comment)
    session.flush()
    audit.record(session, actor, "create", entity="comment", entity_id=comment.id, incident_id=incident.id,
                 summary="Added a comment", details={"body": comment.body})
    events.emit(session, "incident.commented", incident=incident, actor=actor, comment=comment)
    return comment
