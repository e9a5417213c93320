"""Risk matrices (versioned), assessments, hazards, controls, corrective actions, information requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incident_desk.db.base import Base, utcnow


class RiskMatrix(Base):
    """A named matrix; its content lives in immutable versions once any assessment uses them."""

    __tablename__ = "risk_matrices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    archived: Mapped[bool] = mapped_column(default=False)

    versions: Mapped[list[RiskMatrixVersion]] = relationship(
        back_populates="matrix", order_by="RiskMatrixVersion.number", cascade="all, delete-orphan"
    )


class RiskMatrixVersion(Base):
    """One version of a matrix: levels, cell scores and bands as a JSON definition."""

    __tablename__ = "risk_matrix_versions"
    __table_args__ = (UniqueConstraint("matrix_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matrix_id: Mapped[int] = mapped_column(ForeignKey("risk_matrices.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    matrix: Mapped[RiskMatrix] = relationship(back_populates="versions")


class Assessment(Base):
    """A revision of an incident's risk assessment. Locked after final sign-off."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("incident_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    matrix_version_id: Mapped[int] = mapped_column(ForeignKey("risk_matrix_versions.id"), index=True)
    # draft, submitted, signed_off, rejected, superseded
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    overall_likelihood: Mapped[str | None] = mapped_column(String(20))
    overall_severity: Mapped[str | None] = mapped_column(String(20))
    overall_score: Mapped[int | None] = mapped_column(Integer)
    overall_band: Mapped[str | None] = mapped_column(String(50))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    locked: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    matrix_version: Mapped[RiskMatrixVersion] = relationship()
    hazards: Mapped[list[Hazard]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Hazard.position"
    )

    __mapper_args__ = {"version_id_col": version}


class Hazard(Base):
    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    existing_controls: Mapped[str] = mapped_column(Text, default="")
    inherent_likelihood: Mapped[str | None] = mapped_column(String(20))
    inherent_severity: Mapped[str | None] = mapped_column(String(20))
    inherent_score: Mapped[int | None] = mapped_column(Integer)
    inherent_band: Mapped[str | None] = mapped_column(String(50))
    residual_likelihood: Mapped[str | None] = mapped_column(String(20))
    residual_severity: Mapped[str | None] = mapped_column(String(20))
    residual_score: Mapped[int | None] = mapped_column(Integer)
    residual_band: Mapped[str | None] = mapped_column(String(50))

    assessment: Mapped[Assessment] = relationship(back_populates="hazards")
    controls: Mapped[list[Control]] = relationship(cascade="all, delete-orphan", order_by="Control.id")


class Control(Base):
    """A control measure, classified on the hierarchy of controls."""

    __tablename__ = "controls"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    # elimination, substitution, engineering, administrative, ppe
    hierarchy: Mapped[str] = mapped_column(String(20))
    existing: Mapped[bool] = mapped_column(default=False)


class CorrectiveAction(Base):
    """A corrective or preventive action (CAPA) with owner, due date and verification."""

    __tablename__ = "actions"
    # Overdue actions are found by status first (few are open), then due date (migration 0005).
    __table_args__ = (Index("ix_actions_status_due_date", "status", "due_date", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text)
    # immediate, corrective, preventive, improvement
    action_type: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # open, in_progress, done, verified, cancelled
    status: Mapped[str] = mapped_column(String(20), default="open")
    completed_at: Mapped[dt.datetime | None] = mapped_column()
    evidence: Mapped[str] = mapped_column(Text, default="")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column()
    verification_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class InfoRequest(Base):
    """A question put to somebody on the ground, and their answer, recorded on the assessment."""

    __tablename__ = "info_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    asked_of_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_of_name: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column()
