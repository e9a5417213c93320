"""Incidents and what hangs off them: people involved, attachments, comments, status history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Computed,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incident_desk.db.base import Base, utcnow
from incident_desk.db.sqlfunctions import duration_seconds
from incident_desk.org.models import Customer, IncidentType, Location, SeverityLevel, Site
from incident_desk.users.models import User

# Every column a dashboard aggregate reads, so that SQLite answers it from the index alone.
METRICS_INDEX_COLUMNS = (
    "occurred_date", "voided", "severity_id", "status", "type_id", "site_id", "location_id", "customer_id",
    "occurred_weekday", "occurred_hour", "reported_at", "acknowledge_seconds", "resolve_seconds",
    "direct_cost", "indirect_cost", "satisfaction",
)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_incidents_status_severity", "status", "severity_id"),
        Index("ix_incidents_reported_at", "reported_at"),
        Index("ix_incidents_occurred_at", "occurred_at"),
        Index("ix_incidents_weekday_hour", "occurred_weekday", "occurred_hour"),
        # Covering index for the dashboard's aggregates (migrations 0003_metrics, 0005_dashboard).
        Index("ix_incidents_metrics", *METRICS_INDEX_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    immediate_actions: Mapped[str] = mapped_column(Text, default="")
    type_id: Mapped[int] = mapped_column(ForeignKey("incident_types.id"), index=True)
    severity_id: Mapped[int] = mapped_column(ForeignKey("severity_levels.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="reported")

    occurred_at: Mapped[dt.datetime] = mapped_column()
    reported_at: Mapped[dt.datetime] = mapped_column()
    # occurred_at in the organisation's time zone, split out so day/hour slicing is plain SQL.
    occurred_date: Mapped[dt.date] = mapped_column(Date)  # indexed first in ix_incidents_metrics
    occurred_hour: Mapped[int] = mapped_column(Integer)
    occurred_weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    # Stage timestamps, kept on the row so MTTR and SLA figures aggregate in SQL.
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    signed_off_at: Mapped[dt.datetime | None] = mapped_column()
    resolved_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    # Seconds from reported to acknowledged / resolved, computed by the database itself (never
    # written by the application). Kept in the metrics index, they spare SQLite parsing two
    # timestamps per incident in every MTTA/MTTR/SLA aggregate. Stored on PostgreSQL; migration
    # 0005 adds them as virtual columns on SQLite (which cannot add stored ones to a table), the
    # index keeping their values there.
    acknowledge_seconds: Mapped[float | None] = mapped_column(
        Float, Computed(duration_seconds(column("acknowledged_at"), column("reported_at")), persisted=True)
    )
    resolve_seconds: Mapped[float | None] = mapped_column(
        Float, Computed(duration_seconds(column("resolved_at"), column("reported_at")), persisted=True)
    )

    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)

    direct_cost: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    indirect_cost: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    satisfaction: Mapped[int | None] = mapped_column(Integer)

    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    # Set from the risk assessment's overall band.
    priority: Mapped[str | None] = mapped_column(String(50))
    response_due_at: Mapped[dt.datetime | None] = mapped_column()

    resolution_summary: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    five_whys: Mapped[list[Any]] = mapped_column(default=list)
    lessons_learned: Mapped[str] = mapped_column(Text, default="")

    voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[dt.datetime | None] = mapped_column()
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Where an imported incident came from; (source, external_id) makes re-import idempotent.
    source: Mapped[str | None] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(100))

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    incident_type: Mapped[IncidentType] = relationship()
    severity: Mapped[SeverityLevel] = relationship()
    site: Mapped[Site | None] = relationship()
    location: Mapped[Location | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    people: Mapped[list[Person]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Person.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    comments: Mapped[list[Comment]] = relationship(cascade="all, delete-orphan", order_by="Comment.id")
    status_changes: Mapped[list[StatusChange]] = relationship(
        cascade="all, delete-orphan", order_by="StatusChange.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Incident {self.reference} {self.status}>"


class Person(Base):
    """Somebody involved in an incident, with injury details and the OSHA 300/301 facts."""

    __tablename__ = "people"
    # An incident's people, and (covering) what the recordable rates add up (migration 0005).
    __table_args__ = (
        Index("ix_people_rates", "incident_id", "recordable", "osha_outcome", "treatment", "days_away"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    employment: Mapped[str] = mapped_column(String(20), default="employee")
    job_title: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    statement: Mapped[str] = mapped_column(Text, default="")

    body_part: Mapped[str] = mapped_column(String(50), default="")
    body_side: Mapped[str] = mapped_column(String(10), default="")
    nature_of_injury: Mapped[str] = mapped_column(String(100), default="")
    treatment: Mapped[str] = mapped_column(String(30), default="none")
    days_away: Mapped[int] = mapped_column(Integer, default=0)
    days_restricted: Mapped[int] = mapped_column(Integer, default=0)
    privacy_case: Mapped[bool] = mapped_column(default=False)

    # OSHA recordkeeping (Forms 300, 301 and the ITA case file).
    recordable: Mapped[bool] = mapped_column(default=False)
    osha_case_number: Mapped[str] = mapped_column(String(20), default="")
    osha_outcome: Mapped[str] = mapped_column(String(20), default="")
    osha_case_type: Mapped[str] = mapped_column(String(20), default="")
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    date_hired: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    physician: Mapped[str] = mapped_column(String(200), default="")
    treatment_facility: Mapped[str] = mapped_column(Text, default="")
    treatment_facility_type: Mapped[str] = mapped_column(String(20), default="")
    treated_in_er: Mapped[bool | None] = mapped_column()
    hospitalized_inpatient: Mapped[bool | None] = mapped_column()
    time_started_work: Mapped[dt.time | None] = mapped_column(Time)
    time_of_event: Mapped[dt.time | None] = mapped_column(Time)
    activity_before: Mapped[str] = mapped_column(Text, default="")
    object_substance: Mapped[str] = mapped_column(Text, default="")
    date_of_death: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    incident: Mapped[Incident] = relationship(back_populates="people")

    __mapper_args__ = {"version_id_col": version}


class Blob(Base):
    """Content-addressed file content: the same photo attached twice is stored once."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A photo, signature or document attached to an incident."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(Text, default="")
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # Signatures: who signed, in which capacity and when.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_role: Mapped[str] = mapped_column(String(50), default="")
    signed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    incident: Mapped[Incident] = relationship(back_populates="attachments")
    blob: Mapped[Blob] = relationship(lazy="raise")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StatusChange(Base):
    """One row per workflow transition: the incident's status history."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
