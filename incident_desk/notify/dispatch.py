"""Turning an event into inbox items and queued e-mails, inside the transaction of the change.

Desktop notifications are shown by the running app for new inbox items of the signed-in user,
so the "desktop" channel writes an inbox item too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from incident_desk.db.base import utcnow
from incident_desk.incidents.models import Incident
from incident_desk.notify import inbox, outbox
from incident_desk.notify import recipients as rcpt
from incident_desk.notify.messages import Message, compose
from incident_desk.notify.rules import matching


def send(
    session: Session,
    *,
    event: str,
    key: str,
    incident: Incident | None,
    message: Message,
    people: Iterable[rcpt.Recipient],
    channels: Iterable[str],
    exclude_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Write one inbox item and/or one e-mail per recipient; returns how many were new.

    ``key`` names this occurrence of the event: the same key never notifies the same person twice.
    """
    now = now or utcnow()
    channels = set(channels)
    incident_id = incident.id if incident is not None else None
    written = 0
    for person in people:
        if exclude_user_id is not None and person.user_id == exclude_user_id:
            continue
        if person.user_id is not None and channels & {"inbox", "desktop"}:
            written += inbox.add(
                session,
                key=f"{key}:{person.key}",
                user_id=person.user_id,
                event=event,
                title=message.title,
                body=message.inbox_body,
                incident_id=incident_id,
                now=now,
            )
        if "email" in channels and person.email:
            written += outbox.queue_email(
                session,
                key=f"{key}:{person.email.lower()}",
                to=person.email,
                subject=message.subject,
                text=message.text,
                html=message.html,
                incident_id=incident_id,
                now=now,
            )
    return written


def fire(
    session: Session,
    event: str,
    incident: Incident,
    *,
    key: str,
    headline: str,
    expected: str,
    details: list[str] | None = None,
    exclude_user_id: int | None = None,
    owner_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Apply every matching rule for ``event``. Several rules naming one person notify them once."""
    rules = matching(session, event, incident)
    if not rules:
        return 0
    message = compose(session, incident, headline, expected, details)
    per_person: dict[str, tuple[rcpt.Recipient, set[str]]] = {}
    for rule in rules:
        for person in rcpt.resolve(session, rule.recipients, incident, owner_id=owner_id):
            per_person.setdefault(person.key, (person, set()))[1].update(rule.channels)
    written = 0
    for person, channels in per_person.values():
        written += send(
            session,
            event=event,
            key=key,
            incident=incident,
            message=message,
            people=[person],
            channels=channels,
            exclude_user_id=exclude_user_id,
            now=now,
        )
    return written
