"""First-run setup of an empty database: everything the setup wizard collects, applied in one go.

``apply_setup`` runs in the caller's transaction, so a problem anywhere leaves the database
as empty as it was and the wizard can simply be corrected and finished again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from incident_desk.actor import Actor
from incident_desk.errors import ValidationError
from incident_desk.org import service as org
from incident_desk.org.defaults import DEFAULT_SEVERITIES, DEFAULT_SLAS
from incident_desk.users import service as users
from incident_desk.users.roles import Role


@dataclass
class SiteEntry:
    name: str
    code: str = ""
    city: str = ""
    state: str = ""
    locations: list[str] = field(default_factory=list)


@dataclass
class SeverityEntry:
    name: str
    colour: str = "#808080"
    description: str = ""
    existing_id: int | None = None  # a seeded level being kept (and perhaps renamed)
    # Minutes: acknowledge, assess, sign off, resolve. None = leave the targets as they are.
    sla: tuple[int, int, int, int] | None = None


@dataclass
class SetupPlan:
    organisation: dict[str, Any]
    admin_username: str
    admin_full_name: str
    admin_password: str
    admin_email: str = ""
    logo: tuple[bytes, str] | None = None  # (data, mime type)
    sites: list[SiteEntry] = field(default_factory=list)
    severities: list[SeverityEntry] = field(default_factory=list)  # most severe first
    risk_template: str | None = None  # name of a shipped risk-matrix template to make active


def default_severities() -> list[SeverityEntry]:
    return [
        SeverityEntry(name, colour, desc, sla=DEFAULT_SLAS.get(name))
        for name, _rank, colour, desc in DEFAULT_SEVERITIES
    ]


def default_sla(name: str, index: int, count: int) -> tuple[int, int, int, int]:
    """Targets for a level the organisation named itself: a default level's, by name or position."""
    if name in DEFAULT_SLAS:
        return DEFAULT_SLAS[name]
    ordered = list(DEFAULT_SLAS.values())
    position = round(index * (len(ordered) - 1) / max(count - 1, 1))
    return ordered[min(position, len(ordered) - 1)]


def check_sites(sites: list[SiteEntry]) -> list[str]:
    problems = []
    named = [s for s in sites if s.name.strip()]
    if not named:
        problems.append("Add at least one site: every incident is recorded against a site.")
    seen: set[str] = set()
    for s in named:
        key = s.name.strip().lower()
        if key in seen:
            problems.append(f"The site {s.name.strip()!r} is listed twice.")
        seen.add(key)
        locs = [loc.strip().lower() for loc in s.locations if loc.strip()]
        dupes = sorted({loc for loc in locs if locs.count(loc) > 1})
        if dupes:
            problems.append(f"{s.name.strip()} lists the location {dupes[0]!r} twice.")
    return problems


def check_severities(levels: list[SeverityEntry]) -> list[str]:
    problems = []
    names = [lv.name.strip() for lv in levels]
    if len([n for n in names if n]) < 2:
        problems.append("Keep at least two severity levels.")
    if any(not n for n in names):
        problems.append("Every severity level needs a name.")
    lowered = [n.lower() for n in names if n]
    dupes = sorted({n for n in lowered if lowered.count(n) > 1})
    if dupes:
        problems.append(f"The severity level {dupes[0]!r} is listed twice.")
    for lv in levels:
        if lv.sla is not None:
            if any(m <= 0 for m in lv.sla):
                problems.append(f"Every SLA target for {lv.name} must be a positive time.")
            elif list(lv.sla) != sorted(lv.sla):
                problems.append(
                    f"The SLA targets for {lv.name} must not decrease: "
                    "acknowledge ≤ assess ≤ sign off ≤ resolve."
                )
    return problems


def apply_setup(session: Session, plan: SetupPlan) -> Actor:
    """Create the administrator and the organisation's reference data; returns the administrator.

    Allowed only on a database without accounts (``users.create_user`` enforces it).
    """
    problems = check_sites(plan.sites) + check_severities(plan.severities)
    if problems:
        raise ValidationError(problems)
    admin_user = users.create_user(
        session,
        None,
        username=plan.admin_username,
        full_name=plan.admin_full_name,
        password=plan.admin_password,
        roles=[Role.ADMIN.value],
        email=plan.admin_email,
    )
    admin = Actor.for_user(admin_user)
    org.update_organisation(session, admin, **plan.organisation)
    if plan.logo is not None:
        org.set_logo(session, admin, *plan.logo)
    for entry in plan.sites:
        if not entry.name.strip():
            continue
        site = org.create_site(
            session, admin, entry.name, code=entry.code, city=entry.city, state=entry.state
        )
        for loc in entry.locations:
            if loc.strip():
                org.create_location(session, admin, site.id, loc)
    if plan.severities:
        _apply_severities(session, admin, plan.severities)
    if plan.risk_template:
        _activate_template(session, admin, plan.risk_template)
    org.complete_setup(session, admin)
    return admin


def _apply_severities(session: Session, admin: Actor, levels: list[SeverityEntry]) -> None:
    existing = {s.id: s for s in org.list_severities(session)}
    keep = {lv.existing_id for lv in levels if lv.existing_id in existing}
    for sev_id in existing:
        if sev_id not in keep:
            org.retire_severity(session, admin, sev_id)
    # A level whose current name another level is taking moves out of the way first, so
    # swapping two names does not collide.
    wanted = {lv.name.strip().lower(): lv.existing_id for lv in levels}
    for sev_id in keep:
        assert sev_id is not None
        holder = wanted.get(existing[sev_id].name.lower(), sev_id)
        if holder != sev_id:
            existing[sev_id].name = f"~{sev_id}~{existing[sev_id].name}"[:50]
    session.flush()
    order = []
    for lv in levels:
        if lv.existing_id in keep:
            assert lv.existing_id is not None
            sev = org.update_severity(
                session, admin, lv.existing_id, name=lv.name, colour=lv.colour, description=lv.description
            )
        else:
            sev = org.create_severity(session, admin, lv.name, colour=lv.colour, description=lv.description)
        order.append(sev.id)
        if lv.sla is not None:
            ack, assess, signoff, resolve = lv.sla
            org.set_sla_target(
                session,
                admin,
                sev.id,
                acknowledge_minutes=ack,
                assess_minutes=assess,
                signoff_minutes=signoff,
                resolve_minutes=resolve,
            )
    org.reorder_severities(session, admin, order)


def risk_templates() -> list[dict[str, Any]]:
    """The shipped risk-matrix templates (name, description, size), or [] when none are installed."""
    try:
        from incident_desk.risk import matrices
    except ImportError:  # pragma: no cover - the risk package ships with the app
        return []
    try:
        return matrices.load_templates()
    except (OSError, ValidationError):
        return []


def _activate_template(session: Session, admin: Actor, name: str) -> None:
    from sqlalchemy import func, select

    from incident_desk.risk import matrices
    from incident_desk.risk.models import RiskMatrix

    matrix = session.scalars(select(RiskMatrix).where(func.lower(RiskMatrix.name) == name.lower())).first()
    if matrix is None:
        definition = next((d for d in matrices.load_templates() if d["name"] == name), None)
        if definition is None:
            raise ValidationError(f"The risk matrix template {name!r} is not installed.")
        matrix = matrices.create(session, admin, definition, note="Chosen at setup")
    matrices.set_active(session, admin, matrix.id)
