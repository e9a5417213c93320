"""Seeding a new database with the organisation row and default reference data."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk.audit.chain import GENESIS
from incident_desk.audit.models import Counter
from incident_desk.org.defaults import DEFAULT_SEVERITIES, DEFAULT_SLAS, DEFAULT_TYPES
from incident_desk.org.models import IncidentType, Organisation, SeverityLevel, SlaTarget

# Further seeders (risk matrix templates, notification defaults) append themselves here.
EXTRA_SEEDERS: list[Callable[[Session], None]] = []


def seed_defaults(session: Session) -> None:
    """Idempotent: fills in whatever default data is missing, changes nothing that exists."""
    if session.get(Organisation, 1) is None:
        session.add(Organisation(id=1, name="", currency="USD", timezone="UTC"))
    for name in ("audit", "changes"):
        if session.get(Counter, name) is None:
            session.add(Counter(name=name, value=0, text=GENESIS if name == "audit" else ""))
    if not session.scalars(select(SeverityLevel).limit(1)).first():
        for name, rank, colour, desc in DEFAULT_SEVERITIES:
            session.add(SeverityLevel(name=name, rank=rank, colour=colour, description=desc))
        session.flush()
        for sev in session.scalars(select(SeverityLevel)):
            if sev.name in DEFAULT_SLAS:
                ack, assess, signoff, resolve = DEFAULT_SLAS[sev.name]
                session.add(SlaTarget(severity_id=sev.id, band=None, acknowledge_minutes=ack,
                                      assess_minutes=assess, signoff_minutes=signoff, resolve_minutes=resolve))
    if not session.scalars(select(IncidentType).limit(1)).first():
        for code, name in DEFAULT_TYPES:
            session.add(IncidentType(code=code, name=name))
    session.flush()
    _load_extra()
    for seeder in EXTRA_SEEDERS:
        seeder(session)


def _load_extra() -> None:
    # Importing these modules registers their seeders.
    import importlib

    for name in SEEDER_MODULES:
        importlib.import_module(name)


SEEDER_MODULES: list[str] = [
    "incident_desk.risk.seed",
    "incident_desk.notify.seed",
]
