"""The in-app inbox: one item per notification per user, unread until the user opens or dismisses it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.db.base import utcnow
from incident_desk.notify.models import InboxItem
from incident_desk.notify.sql import insert_ignore, short_key


def add(
    session: Session,
    *,
    key: str,
    user_id: int,
    event: str,
    title: str,
    body: str = "",
    incident_id: int | None = None,
    now: dt.datetime | None = None,
) -> bool:
    return insert_ignore(
        session,
        InboxItem.__table__,
        {
            "dedupe_key": short_key(key),
            "user_id": user_id,
            "event": event,
            "title": title[:300],
            "body": body,
            "incident_id": incident_id,
            "created_at": now or utcnow(),
            "read_at": None,
        },
    )


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(InboxItem)
            .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
        ).scalar_one()
    )


def items(
    session: Session, user_id: int, *, unread_only: bool = False, limit: int = 50, after_id: int | None = None
) -> list[InboxItem]:
    """Newest first; ``after_id`` gives only items newer than one already seen (for desktop pop-ups)."""
    stmt = select(InboxItem).where(InboxItem.user_id == user_id)
    if unread_only:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    if after_id is not None:
        stmt = stmt.where(InboxItem.id > after_id)
    return list(session.scalars(stmt.order_by(InboxItem.id.desc()).limit(limit)))


def latest_id(session: Session, user_id: int) -> int:
    return int(
        session.execute(
            select(func.coalesce(func.max(InboxItem.id), 0)).where(InboxItem.user_id == user_id)
        ).scalar_one()
    )


def mark_read(
    session: Session, actor: Actor, item_ids: list[int] | None = None, *, now: dt.datetime | None = None
) -> int:
    """Mark the actor's own items read (all of them when ``item_ids`` is None)."""
    if actor.user_id is None:
        return 0
    stmt = update(InboxItem).where(InboxItem.user_id == actor.user_id, InboxItem.read_at.is_(None))
    if item_ids is not None:
        stmt = stmt.where(InboxItem.id.in_(item_ids))
    result = session.execute(
        stmt.values(read_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
