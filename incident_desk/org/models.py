"""Organisation reference data: settings, sites and locations, customers, severities, types, SLAs, hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incident_desk.db.base import Base, JSONType, utcnow


class Organisation(Base):
    """The single row of organisation-wide settings (id is always 1)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    ein: Mapped[str] = mapped_column(String(20), default="")
    logo_sha256: Mapped[str | None] = mapped_column(String(64), ForeignKey("blobs.sha256"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    reference_prefix: Mapped[str] = mapped_column(String(10), default="INC")
    satisfaction_max: Mapped[int] = mapped_column(Integer, default=5)
    active_matrix_id: Mapped[int | None] = mapped_column(ForeignKey("risk_matrices.id", use_alter=True))
    setup_complete: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Setting(Base):
    """Free-form configuration (SMTP server, escalation timer…) as JSON values by key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)


class Site(Base):
    """A site (establishment, in OSHA's words): a plant, a depot, an office."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str] = mapped_column(String(20), default="")
    street: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    naics_code: Mapped[str] = mapped_column(String(6), default="")
    industry_description: Mapped[str] = mapped_column(String(300), default="")
    establishment_type: Mapped[int] = mapped_column(Integer, default=1)
    timezone: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(default=True)

    locations: Mapped[list[Location]] = relationship(back_populates="site", order_by="Location.name")


class Location(Base):
    """An area within a site (workshop, loading bay, car park)."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site] = relationship(back_populates="locations")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class SeverityLevel(Base):
    """A severity level; rank 1 is the most severe. Organisations rename, add and retire levels."""

    __tablename__ = "severity_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    rank: Mapped[int] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(9), default="#808080")
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class IncidentType(Base):
    __tablename__ = "incident_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class SlaTarget(Base):
    """Target times per severity (optionally narrowed to a risk band), in minutes."""

    __tablename__ = "sla_targets"
    __table_args__ = (UniqueConstraint("severity_id", "band"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    severity_id: Mapped[int] = mapped_column(ForeignKey("severity_levels.id"))
    band: Mapped[str | None] = mapped_column(String(50))
    acknowledge_minutes: Mapped[int] = mapped_column(Integer)
    assess_minutes: Mapped[int] = mapped_column(Integer)
    signoff_minutes: Mapped[int] = mapped_column(Integer)
    resolve_minutes: Mapped[int] = mapped_column(Integer)


class HoursWorked(Base):
    """Hours worked and head count per site per month: the exposure for TRIR, DART and LTIFR."""

    __tablename__ = "hours_worked"
    __table_args__ = (UniqueConstraint("site_id", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    hours: Mapped[Decimal] = mapped_column()
    employees: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
