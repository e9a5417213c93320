"""Notification rules, the in-app inbox, the e-mail outbox and escalation records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incident_desk.db.base import Base, utcnow


class NotificationRule(Base):
    """On an event (optionally filtered by severity, type, site), who is told and by which channels.

    ``recipients`` is a list of ``{"kind": "user"|"role"|"team"|"email", "value": ...}``;
    ``channels`` a list of ``"inbox"``, ``"desktop"``, ``"email"``.
    """

    __tablename__ = "notification_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(40), index=True)
    severity_ids: Mapped[list[Any]] = mapped_column(default=list)
    type_ids: Mapped[list[Any]] = mapped_column(default=list)
    site_ids: Mapped[list[Any]] = mapped_column(default=list)
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    channels: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)


class InboxItem(Base):
    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    event: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column()
    # The same logical notification is never stored twice for a user.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)


class OutboxMessage(Base):
    """An e-mail waiting for delivery. ``dedupe_key`` makes delivery happen once, whoever queues it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    # pending, sending, sent, failed
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    claimed_until: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column()


class EscalationLevel(Base):
    """A rung of the escalation ladder (assignee → site manager → HSE director…)."""

    __tablename__ = "escalation_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # minutes after the breach before this level is told (0 for the first level)
    after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[list[Any]] = mapped_column(default=list)


class Escalation(Base):
    """A reminder (level 0) or an escalation sent for one deadline of one incident; unique per level."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("incident_id", "target", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    # acknowledge, assess, signoff, resolve, action:<id>
    target: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
