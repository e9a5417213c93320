"""The e-mail outbox: queueing in the caller's transaction, and delivery with claims, retries and backoff.

A message is claimed with a conditional UPDATE before it is sent: only the client whose UPDATE
changed the row sends it, so two clients sharing the database never both send it. A claim
is a lease: if the client dies mid-send, another takes the message over when the lease ends.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.db.database import Database
from incident_desk.notify import smtp
from incident_desk.notify.models import OutboxMessage
from incident_desk.notify.sql import insert_ignore, short_key
from incident_desk.users.roles import require

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
MAX_ATTEMPTS = 12  # about 1 + 2 + 4 … minutes, capped at 6 h: some 30 hours of trying
STATUS_LABELS = {"pending": "Waiting", "sending": "Sending", "sent": "Sent", "failed": "Failed"}


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def queue_email(
    session: Session,
    *,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    incident_id: int | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Queue one e-mail in the caller's transaction; a message with the same key is queued once."""
    now = now or utcnow()
    return insert_ignore(
        session,
        OutboxMessage.__table__,
        {
            "dedupe_key": short_key(key),
            "channel": "email",
            "to_address": to,
            "subject": subject[:300],
            "body_text": text,
            "body_html": html,
            "incident_id": incident_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "claimed_by": "",
            "claimed_until": None,
            "created_at": now,
        },
    )


def _due(now: dt.datetime) -> Any:
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
    )


def claim(db: Database, message_id: int, worker: str, now: dt.datetime) -> OutboxMessage | None:
    """Take the message for ``worker`` if it is still due; None when another client has it."""
    with db.transaction() as s:
        result = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .values(status="sending", claimed_by=worker, claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        msg = s.get(OutboxMessage, message_id)
        assert msg is not None
        s.expunge(msg)
        return msg


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    configured: bool = True
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.configured:
            return "No e-mail server is configured: messages wait in the outbox."
        text = f"{self.sent} sent, {self.failed} failed"
        return text + (f" ({self.errors[-1]})" if self.errors else "")


SenderFactory = Callable[[smtp.SmtpSettings, str], Any]


def deliver_due(
    db: Database,
    *,
    now: dt.datetime | None = None,
    worker: str | None = None,
    limit: int = 100,
    sender_factory: SenderFactory = smtp.SmtpSender,
) -> DeliveryReport:
    """Send what is due now. Safe to run from several clients at once; never raises on SMTP errors."""
    now = now or utcnow()
    worker = worker or worker_id()
    report = DeliveryReport()
    with db.reading() as s:
        settings, password = smtp.load(s)
        ids = s.scalars(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        ).all()
    if not ids:
        return report
    if not settings.configured:
        report.configured = False
        report.skipped = len(ids)
        return report
    sender = sender_factory(settings, password)
    try:
        for message_id in ids:
            msg = claim(db, message_id, worker, now)
            if msg is None:
                report.skipped += 1
                continue
            try:
                sender.send(msg)
            except smtp.DeliveryError as exc:
                _failed(db, msg, worker, now, str(exc))
                report.failed += 1
                report.errors.append(str(exc))
                if exc.connection:
                    break  # the server is down: the rest waits for the next round
            else:
                _sent(db, msg, worker, now)
                report.sent += 1
    finally:
        sender.close()
    return report


def _sent(db: Database, msg: OutboxMessage, worker: str, now: dt.datetime) -> None:
    with db.transaction() as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == msg.id, OutboxMessage.claimed_by == worker)
            .values(
                status="sent",
                sent_at=now,
                attempts=OutboxMessage.attempts + 1,
                last_error="",
                claimed_by="",
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )


def _failed(db: Database, msg: OutboxMessage, worker: str, now: dt.datetime, error: str) -> None:
    attempts = msg.attempts + 1
    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    log.warning("e-mail %s to %s failed (attempt %s): %s", msg.id, msg.to_address, attempts, error)
    with db.transaction() as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == msg.id, OutboxMessage.claimed_by == worker)
            .values(
                status=status,
                attempts=attempts,
                last_error=error[:2000],
                next_attempt_at=now + backoff(attempts),
                claimed_by="",
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )


# -- the outbox view ------------------------------------------------------------------------
def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: n for status, n in rows}


def list_messages(
    session: Session,
    *,
    statuses: tuple[str, ...] = ("pending", "sending", "failed"),
    offset: int = 0,
    limit: int = 200,
) -> list[OutboxMessage]:
    stmt = select(OutboxMessage)
    if statuses:
        stmt = stmt.where(OutboxMessage.status.in_(statuses))
    stmt = stmt.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(stmt))


def retry(session: Session, actor: Actor, ids: list[int], *, now: dt.datetime | None = None) -> int:
    """Send failed or waiting messages again at the next delivery round (attempts start afresh)."""
    require(actor, "notify.manage")
    now = now or utcnow()
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status.in_(("pending", "failed")))
        .values(status="pending", attempts=0, next_attempt_at=now, last_error="")
        .execution_options(synchronize_session=False)
    )
    n = int(result.rowcount)  # type: ignore[attr-defined]
    if n:
        audit.record(
            session,
            actor,
            "update",
            entity="outbox",
            summary=f"Queued {n} e-mail(s) for another try",
            details={"ids": sorted(ids)},
        )
    return n
