"""Reference data an administrator maintains: organisation, sites, locations, customers,
severity levels, incident types, SLA targets and free-form settings.

Every change is validated (plain messages keyed by field), checked against ``settings.manage``
and written to the audit trail. Levels and types that incidents use are retired (deactivated),
never deleted, so history keeps its meaning.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.errors import NotFound, ValidationError
from incident_desk.incidents.models import Blob, Incident
from incident_desk.org.models import (
    Customer,
    IncidentType,
    Location,
    Organisation,
    Setting,
    SeverityLevel,
    Site,
    SlaTarget,
)
from incident_desk.users.roles import require

PERMISSION = "settings.manage"
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}
MAX_LOGO_BYTES = 2 * 1024 * 1024
SLA_FIELDS = ("acknowledge_minutes", "assess_minutes", "signoff_minutes", "resolve_minutes")
SLA_LABELS = {
    "acknowledge_minutes": "Acknowledge",
    "assess_minutes": "Assess",
    "signoff_minutes": "Sign off",
    "resolve_minutes": "Resolve",
}


# -- helpers --------------------------------------------------------------------------------
def _changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply ``values`` to ``obj``; return {field: [old, new]} for what actually changed."""
    changed: dict[str, list[Any]] = {}
    for key, new in values.items():
        old = getattr(obj, key)
        if old != new:
            changed[key] = [old, new]
            setattr(obj, key, new)
    return changed


def _name(value: str, what: str, max_len: int) -> tuple[str, list[str]]:
    value = (value or "").strip()
    if not value:
        return value, [f"Enter the {what}."]
    if len(value) > max_len:
        return value, [f"The {what} can have at most {max_len} characters."]
    return value, []


def _raise(problems: dict[str, list[str]]) -> None:
    problems = {k: v for k, v in problems.items() if v}
    if problems:
        raise ValidationError(problems)


def _record(
    session: Session,
    actor: Actor,
    kind: str,
    entity: str,
    entity_id: int | None,
    summary: str,
    changes: dict[str, list[Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    payload = dict(details or {})
    if changes:
        payload["changes"] = changes
    audit.record(
        session, actor, kind, entity=entity, entity_id=entity_id, summary=summary, details=payload or None
    )


def _set_active(session: Session, actor: Actor, obj: Any, entity: str, active: bool, what: str) -> None:
    """Retire or reactivate ``obj`` (retired rows keep their history), audited once when it changes."""
    if obj.active != active:
        obj.active = active
        session.flush()
        _record(
            session,
            actor,
            "update",
            entity,
            obj.id,
            f"{'Reactivated' if active else 'Retired'} {what}",
            {"active": [not active, active]},
        )


def _taken(
    session: Session, model: Any, column: Any, value: str, exclude_id: int | None, *extra: Any
) -> bool:
    stmt = select(model.id).where(func.lower(column) == value.lower(), *extra)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return session.scalars(stmt.limit(1)).first() is not None


def _get(session: Session, model: Any, item_id: int, what: str) -> Any:
    obj = session.get(model, item_id)
    if obj is None:
        raise NotFound(f"{what} #{item_id} does not exist.")
    return obj


# -- organisation ---------------------------------------------------------------------------
def organisation(session: Session) -> Organisation:
    org = session.get(Organisation, 1)
    if org is None:
        org = Organisation(id=1, name="")
        session.add(org)
        session.flush()
    return org


def validate_organisation(values: dict[str, Any]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if "name" in values:
        values["name"], problems["name"] = _name(values["name"], "organisation name", 200)
    if "company_name" in values:
        values["company_name"] = (values["company_name"] or "").strip()
        if len(values["company_name"]) > 200:
            problems["company_name"] = ["The legal company name can have at most 200 characters."]
    if "ein" in values:
        ein = re.sub(r"[\s-]", "", values["ein"] or "")
        values["ein"] = ein
        if ein and not re.fullmatch(r"\d{9}", ein):
            problems["ein"] = ["The EIN has nine digits (for example 12-3456789)."]
    if "currency" in values:
        cur = (values["currency"] or "").strip().upper()
        values["currency"] = cur
        if not re.fullmatch(r"[A-Z]{3}", cur):
            problems["currency"] = ["The currency is a three-letter code such as USD or EUR."]
    if "timezone" in values:
        tz = (values["timezone"] or "").strip()
        values["timezone"] = tz
        if tz not in zoneinfo.available_timezones() and tz != "UTC":
            problems["timezone"] = [f"Unknown time zone {tz!r}: use a name such as America/Chicago."]
    if "reference_prefix" in values:
        prefix = (values["reference_prefix"] or "").strip().upper()
        values["reference_prefix"] = prefix
        if not PREFIX_RE.fullmatch(prefix):
            problems["reference_prefix"] = [
                "The reference prefix is 1–10 letters or digits, starting with a letter."
            ]
    if "satisfaction_max" in values:
        try:
            values["satisfaction_max"] = int(values["satisfaction_max"])
        except (TypeError, ValueError):
            values["satisfaction_max"] = 0
        if not 3 <= values["satisfaction_max"] <= 10:
            problems["satisfaction_max"] = ["The satisfaction scale runs from 1 to between 3 and 10."]
    return {k: v for k, v in problems.items() if v}


ORG_FIELDS = ("name", "company_name", "ein", "currency", "timezone", "reference_prefix", "satisfaction_max")


def update_organisation(session: Session, actor: Actor, **values: Any) -> Organisation:
    """Change organisation-wide settings (any of ``ORG_FIELDS``)."""
    require(actor, PERMISSION)
    unknown = set(values) - set(ORG_FIELDS)
    if unknown:
        raise ValueError(f"not organisation fields: {sorted(unknown)}")
    _raise(validate_organisation(values))
    org = organisation(session)
    changes = _changes(org, values)
    if changes:
        session.flush()
        _record(session, actor, "update", "organisation", 1, "Changed the organisation settings", changes)
    return org


def set_logo(session: Session, actor: Actor, data: bytes | None, mime_type: str = "image/png") -> None:
    """Set (or with ``data`` None, remove) the logo printed on reports."""
    require(actor, PERMISSION)
    org = organisation(session)
    if data is None:
        if org.logo_sha256 is not None:
            old = org.logo_sha256
            org.logo_sha256 = None
            session.flush()
            _record(
                session,
                actor,
                "update",
                "organisation",
                1,
                "Removed the organisation logo",
                {"logo_sha256": [old, None]},
            )
        return
    if mime_type not in LOGO_TYPES:
        raise ValidationError({"logo": ["The logo must be a PNG, JPEG or SVG image."]})
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError({"logo": ["The logo file is larger than 2 MB; use a smaller image."]})
    if not data:
        raise ValidationError({"logo": ["The logo file is empty."]})
    from incident_desk.incidents.service import store_blob

    blob = store_blob(session, data, mime_type)
    changes = _changes(org, {"logo_sha256": blob.sha256})
    if changes:
        session.flush()
        _record(session, actor, "update", "organisation", 1, "Changed the organisation logo", changes)


def logo(session: Session) -> tuple[bytes, str] | None:
    org = organisation(session)
    if org.logo_sha256 is None:
        return None
    blob = session.get(Blob, org.logo_sha256)
    return (blob.data, blob.mime_type) if blob is not None else None


def complete_setup(session: Session, actor: Actor) -> None:
    require(actor, PERMISSION)
    org = organisation(session)
    if not org.name.strip():
        raise ValidationError({"name": ["Enter the organisation name."]})
    if not org.setup_complete:
        org.setup_complete = True
        session.flush()
        _record(session, actor, "update", "organisation", 1, "Completed the first-run setup")


def setup_complete(session: Session) -> bool:
    org = session.get(Organisation, 1)
    return bool(org is not None and org.setup_complete)


# -- free-form settings ---------------------------------------------------------------------
def get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Setting, key)
    return default if row is None else row.value


def set_setting(
    session: Session, actor: Actor, key: str, value: Any, *, secret_fields: Sequence[str] = ()
) -> None:
    """Store a JSON value; fields named in ``secret_fields`` (passwords) are not copied to the audit trail."""
    require(actor, PERMISSION)
    key = key.strip()
    if not key:
        raise ValidationError("A setting needs a name.")
    row = session.get(Setting, key)
    old = None if row is None else row.value
    if old == value:
        return
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()

    def redact(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ("•••" if k in secret_fields and x else x) for k, x in v.items()}
        return v

    _record(
        session,
        actor,
        "update",
        "setting",
        None,
        f"Changed the setting {key}",
        {key: [redact(old), redact(value)]},
    )


# -- sites and locations --------------------------------------------------------------------
SITE_FIELDS = (
    "name",
    "code",
    "street",
    "city",
    "state",
    "zip",
    "country",
    "naics_code",
    "industry_description",
    "establishment_type",
    "timezone",
)


def list_sites(session: Session, *, include_inactive: bool = True) -> list[Site]:
    stmt = select(Site).order_by(func.lower(Site.name))
    if not include_inactive:
        stmt = stmt.where(Site.active.is_(True))
    return list(session.scalars(stmt))


def _validate_site(session: Session, values: dict[str, Any], site_id: int | None) -> None:
    problems: dict[str, list[str]] = {}
    if "name" in values or site_id is None:
        values["name"], problems["name"] = _name(values.get("name", ""), "site name", 100)
        if not problems["name"] and _taken(session, Site, Site.name, values["name"], site_id):
            problems["name"] = [f"There is already a site called {values['name']!r}."]
    for key, limit, label in (
        ("code", 20, "site code"),
        ("street", 100, "street"),
        ("city", 100, "city"),
        ("industry_description", 300, "industry description"),
    ):
        if key in values:
            values[key] = (values[key] or "").strip()
            if len(values[key]) > limit:
                problems[key] = [f"The {label} can have at most {limit} characters."]
    if "state" in values:
        values["state"] = (values["state"] or "").strip().upper()
        if values["state"] and not re.fullmatch(r"[A-Z]{2}", values["state"]):
            problems["state"] = ["The state is a two-letter code such as OH."]
    if "zip" in values:
        values["zip"] = (values["zip"] or "").strip()
        if values["zip"] and not re.fullmatch(r"\d{5}(-\d{4})?", values["zip"]):
            problems["zip"] = ["The ZIP code has five digits (or ZIP+4, 12345-6789)."]
    if "country" in values:
        values["country"] = (values["country"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", values["country"]):
            problems["country"] = ["The country is a two-letter code such as US."]
    if "naics_code" in values:
        values["naics_code"] = (values["naics_code"] or "").strip()
        if values["naics_code"] and not re.fullmatch(r"\d{2,6}", values["naics_code"]):
            problems["naics_code"] = ["The NAICS code has two to six digits."]
    if "establishment_type" in values:
        try:
            values["establishment_type"] = int(values["establishment_type"])
        except (TypeError, ValueError):
            values["establishment_type"] = 0
        if values["establishment_type"] not in (1, 2, 3):
            problems["establishment_type"] = [
                "The establishment type is 1 (private), 2 (state government) or 3 (local government)."
            ]
    if "timezone" in values:
        values["timezone"] = (values["timezone"] or "").strip()
        if values["timezone"] and values["timezone"] not in zoneinfo.available_timezones():
            problems["timezone"] = [f"Unknown time zone {values['timezone']!r}."]
    _raise(problems)


def create_site(session: Session, actor: Actor, name: str, **values: Any) -> Site:
    require(actor, PERMISSION)
    values = {"name": name, **values}
    unknown = set(values) - set(SITE_FIELDS)
    if unknown:
        raise ValueError(f"not site fields: {sorted(unknown)}")
    _validate_site(session, values, None)
    site = Site(**values)
    session.add(site)
    session.flush()
    _record(
        session, actor, "create", "site", site.id, f"Added the site {site.name}", details={"values": values}
    )
    return site


def update_site(session: Session, actor: Actor, site_id: int, **values: Any) -> Site:
    require(actor, PERMISSION)
    unknown = set(values) - set(SITE_FIELDS)
    if unknown:
        raise ValueError(f"not site fields: {sorted(unknown)}")
    site = _get(session, Site, site_id, "Site")
    _validate_site(session, values, site_id)
    changes = _changes(site, values)
    if changes:
        session.flush()
        _record(session, actor, "update", "site", site.id, f"Changed the site {site.name}", changes)
    return site


def set_site_active(session: Session, actor: Actor, site_id: int, active: bool) -> Site:
    """Retired sites keep their incidents but are no longer offered for new ones."""
    require(actor, PERMISSION)
    site = _get(session, Site, site_id, "Site")
    if site.active != active:
        if (
            not active
            and session.scalar(select(func.count()).select_from(Site).where(Site.active.is_(True))) <= 1
        ):
            raise ValidationError("At least one site must stay active.")
        _set_active(session, actor, site, "site", active, f"the site {site.name}")
    return site


def create_location(session: Session, actor: Actor, site_id: int, name: str) -> Location:
    require(actor, PERMISSION)
    site = _get(session, Site, site_id, "Site")
    name, problems = _name(name, "location name", 100)
    if not problems and _taken(session, Location, Location.name, name, None, Location.site_id == site_id):
        problems = [f"{site.name} already has a location called {name!r}."]
    _raise({"name": problems})
    loc = Location(site_id=site_id, name=name)
    session.add(loc)
    session.flush()
    _record(session, actor, "create", "location", loc.id, f"Added the location {name} at {site.name}")
    return loc


def rename_location(session: Session, actor: Actor, location_id: int, name: str) -> Location:
    require(actor, PERMISSION)
    loc = _get(session, Location, location_id, "Location")
    name, problems = _name(name, "location name", 100)
    if not problems and _taken(
        session, Location, Location.name, name, loc.id, Location.site_id == loc.site_id
    ):
        problems = [f"{loc.site.name} already has a location called {name!r}."]
    _raise({"name": problems})
    changes = _changes(loc, {"name": name})
    if changes:
        session.flush()
        _record(
            session, actor, "update", "location", loc.id, f"Renamed a location at {loc.site.name}", changes
        )
    return loc


def set_location_active(session: Session, actor: Actor, location_id: int, active: bool) -> Location:
    require(actor, PERMISSION)
    loc = _get(session, Location, location_id, "Location")
    _set_active(session, actor, loc, "location", active, f"the location {loc.name} at {loc.site.name}")
    return loc


# -- customers ------------------------------------------------------------------------------
def list_customers(session: Session, *, include_inactive: bool = True) -> list[Customer]:
    stmt = select(Customer).order_by(func.lower(Customer.name))
    if not include_inactive:
        stmt = stmt.where(Customer.active.is_(True))
    return list(session.scalars(stmt))


def create_customer(session: Session, actor: Actor, name: str) -> Customer:
    require(actor, PERMISSION)
    name, problems = _name(name, "customer name", 200)
    if not problems and _taken(session, Customer, Customer.name, name, None):
        problems = [f"There is already a customer called {name!r}."]
    _raise({"name": problems})
    cust = Customer(name=name)
    session.add(cust)
    session.flush()
    _record(session, actor, "create", "customer", cust.id, f"Added the customer {name}")
    return cust


def rename_customer(session: Session, actor: Actor, customer_id: int, name: str) -> Customer:
    require(actor, PERMISSION)
    cust = _get(session, Customer, customer_id, "Customer")
    name, problems = _name(name, "customer name", 200)
    if not problems and _taken(session, Customer, Customer.name, name, cust.id):
        problems = [f"There is already a customer called {name!r}."]
    _raise({"name": problems})
    changes = _changes(cust, {"name": name})
    if changes:
        session.flush()
        _record(
            session,
            actor,
            "update",
            "customer",
            cust.id,
            f"Renamed the customer {changes['name'][0]}",
            changes,
        )
    return cust


def set_customer_active(session: Session, actor: Actor, customer_id: int, active: bool) -> Customer:
    require(actor, PERMISSION)
    cust = _get(session, Customer, customer_id, "Customer")
    _set_active(session, actor, cust, "customer", active, f"the customer {cust.name}")
    return cust


# -- severity levels ------------------------------------------------------------------------
def list_severities(session: Session, *, include_inactive: bool = True) -> list[SeverityLevel]:
    stmt = select(SeverityLevel).order_by(SeverityLevel.rank)
    if not include_inactive:
        stmt = stmt.where(SeverityLevel.active.is_(True))
    return list(session.scalars(stmt))


def _validate_severity(session: Session, values: dict[str, Any], sev_id: int | None) -> None:
    problems: dict[str, list[str]] = {}
    if "name" in values:
        values["name"], problems["name"] = _name(values["name"], "severity name", 50)
        if not problems["name"] and _taken(
            session, SeverityLevel, SeverityLevel.name, values["name"], sev_id
        ):
            problems["name"] = [f"There is already a severity level called {values['name']!r}."]
    if "colour" in values:
        values["colour"] = (values["colour"] or "").strip().lower()
        if not COLOUR_RE.fullmatch(values["colour"]):
            problems["colour"] = ["The colour is a hex code such as #b71c1c."]
    if "description" in values:
        values["description"] = (values["description"] or "").strip()
    _raise(problems)


def create_severity(
    session: Session, actor: Actor, name: str, *, colour: str = "#808080", description: str = ""
) -> SeverityLevel:
    """Add a level below the existing ones (least severe); reorder with ``reorder_severities``."""
    require(actor, PERMISSION)
    values: dict[str, Any] = {"name": name, "colour": colour, "description": description}
    _validate_severity(session, values, None)
    rank = (session.scalar(select(func.max(SeverityLevel.rank))) or 0) + 1
    sev = SeverityLevel(rank=rank, **values)
    session.add(sev)
    session.flush()
    _record(
        session,
        actor,
        "create",
        "severity",
        sev.id,
        f"Added the severity level {sev.name}",
        details={"values": {**values, "rank": rank}},
    )
    return sev


def update_severity(session: Session, actor: Actor, severity_id: int, **values: Any) -> SeverityLevel:
    """Rename a level or change its colour or description (fields: name, colour, description)."""
    require(actor, PERMISSION)
    unknown = set(values) - {"name", "colour", "description"}
    if unknown:
        raise ValueError(f"not severity fields: {sorted(unknown)}")
    sev = _get(session, SeverityLevel, severity_id, "Severity level")
    _validate_severity(session, values, sev.id)
    old_name = sev.name
    changes = _changes(sev, values)
    if changes:
        session.flush()
        _record(
            session, actor, "update", "severity", sev.id, f"Changed the severity level {old_name}", changes
        )
    return sev


def reorder_severities(session: Session, actor: Actor, ids_most_severe_first: Sequence[int]) -> None:
    require(actor, PERMISSION)
    levels = {s.id: s for s in list_severities(session)}
    if sorted(ids_most_severe_first) != sorted(levels):
        raise ValidationError("The new order must list every severity level once.")
    old = [s.id for s in sorted(levels.values(), key=lambda s: s.rank)]
    compact = [levels[i].rank for i in old] == list(range(1, len(old) + 1))
    if old == list(ids_most_severe_first) and compact:
        return
    # Ranks are unique in meaning, not by constraint; move through a free range anyway so a
    # future unique index does not break a swap.
    top = max(s.rank for s in levels.values()) + 1
    for i, sid in enumerate(ids_most_severe_first):
        levels[sid].rank = top + i
    session.flush()
    for i, sid in enumerate(ids_most_severe_first, start=1):
        levels[sid].rank = i
    session.flush()
    _record(
        session,
        actor,
        "update",
        "severity",
        None,
        "Reordered the severity levels",
        {"order": [[levels[i].name for i in old], [levels[i].name for i in ids_most_severe_first]]},
    )


def severity_in_use(session: Session, severity_id: int) -> int:
    return (
        session.scalar(select(func.count()).select_from(Incident).where(Incident.severity_id == severity_id))
        or 0
    )


def retire_severity(session: Session, actor: Actor, severity_id: int) -> str:
    """Delete an unused level; deactivate one that incidents use. Returns "deleted" or "deactivated"."""
    require(actor, PERMISSION)
    sev = _get(session, SeverityLevel, severity_id, "Severity level")
    active = (
        session.scalar(
            select(func.count())
            .select_from(SeverityLevel)
            .where(SeverityLevel.active.is_(True), SeverityLevel.id != sev.id)
        )
        or 0
    )
    if sev.active and active == 0:
        raise ValidationError("At least one severity level must stay active.")
    if severity_in_use(session, sev.id):
        if sev.active:
            sev.active = False
            session.flush()
            _record(
                session,
                actor,
                "update",
                "severity",
                sev.id,
                f"Deactivated the severity level {sev.name} (incidents use it)",
                {"active": [True, False]},
            )
        return "deactivated"
    name = sev.name
    session.execute(delete(SlaTarget).where(SlaTarget.severity_id == sev.id))
    session.delete(sev)
    session.flush()
    _record(session, actor, "delete", "severity", severity_id, f"Deleted the severity level {name}")
    return "deleted"


def reactivate_severity(session: Session, actor: Actor, severity_id: int) -> SeverityLevel:
    require(actor, PERMISSION)
    sev = _get(session, SeverityLevel, severity_id, "Severity level")
    if not sev.active:
        sev.active = True
        session.flush()
        _record(
            session,
            actor,
            "update",
            "severity",
            sev.id,
            f"Reactivated the severity level {sev.name}",
            {"active": [False, True]},
        )
    return sev


# -- incident types -------------------------------------------------------------------------
def list_types(session: Session, *, include_inactive: bool = True) -> list[IncidentType]:
    stmt = select(IncidentType).order_by(func.lower(IncidentType.name))
    if not include_inactive:
        stmt = stmt.where(IncidentType.active.is_(True))
    return list(session.scalars(stmt))


def _code_from(name: str) -> str:
    code = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return (code if code and code[0].isalpha() else f"t_{code}")[:30]


def create_type(session: Session, actor: Actor, name: str, *, code: str = "") -> IncidentType:
    require(actor, PERMISSION)
    name, name_problems = _name(name, "incident type name", 100)
    problems: dict[str, list[str]] = {"name": name_problems}
    if not name_problems and _taken(session, IncidentType, IncidentType.name, name, None):
        problems["name"] = [f"There is already an incident type called {name!r}."]
    code = (code or _code_from(name)).strip().lower()
    if not CODE_RE.fullmatch(code):
        problems["code"] = ["The code is lower-case letters, digits and underscores, starting with a letter."]
    elif _taken(session, IncidentType, IncidentType.code, code, None):
        problems["code"] = [f"The code {code!r} is taken."]
    _raise(problems)
    t = IncidentType(code=code, name=name)
    session.add(t)
    session.flush()
    _record(
        session,
        actor,
        "create",
        "incident_type",
        t.id,
        f"Added the incident type {name}",
        details={"values": {"code": code, "name": name}},
    )
    return t


def rename_type(session: Session, actor: Actor, type_id: int, name: str) -> IncidentType:
    require(actor, PERMISSION)
    t = _get(session, IncidentType, type_id, "Incident type")
    name, problems = _name(name, "incident type name", 100)
    if not problems and _taken(session, IncidentType, IncidentType.name, name, t.id):
        problems = [f"There is already an incident type called {name!r}."]
    _raise({"name": problems})
    changes = _changes(t, {"name": name})
    if changes:
        session.flush()
        _record(
            session,
            actor,
            "update",
            "incident_type",
            t.id,
            f"Renamed the incident type {changes['name'][0]}",
            changes,
        )
    return t


def retire_type(session: Session, actor: Actor, type_id: int) -> str:
    """Delete an unused type; deactivate one that incidents use. Returns "deleted" or "deactivated"."""
    require(actor, PERMISSION)
    t = _get(session, IncidentType, type_id, "Incident type")
    others = (
        session.scalar(
            select(func.count())
            .select_from(IncidentType)
            .where(IncidentType.active.is_(True), IncidentType.id != t.id)
        )
        or 0
    )
    if t.active and others == 0:
        raise ValidationError("At least one incident type must stay active.")
    used = session.scalar(select(func.count()).select_from(Incident).where(Incident.type_id == t.id)) or 0
    if used:
        if t.active:
            t.active = False
            session.flush()
            _record(
                session,
                actor,
                "update",
                "incident_type",
                t.id,
                f"Deactivated the incident type {t.name} (incidents use it)",
                {"active": [True, False]},
            )
        return "deactivated"
    name = t.name
    session.delete(t)
    session.flush()
    _record(session, actor, "delete", "incident_type", type_id, f"Deleted the incident type {name}")
    return "deleted"


def reactivate_type(session: Session, actor: Actor, type_id: int) -> IncidentType:
    require(actor, PERMISSION)
    t = _get(session, IncidentType, type_id, "Incident type")
    if not t.active:
        t.active = True
        session.flush()
        _record(
            session,
            actor,
            "update",
            "incident_type",
            t.id,
            f"Reactivated the incident type {t.name}",
            {"active": [False, True]},
        )
    return t


# -- SLA targets (per severity, no risk band) -----------------------------------------------
def sla_targets(session: Session) -> dict[int, SlaTarget]:
    """The default (band-less) target of each severity level, by severity id."""
    return {t.severity_id: t for t in session.scalars(select(SlaTarget).where(SlaTarget.band.is_(None)))}


def set_sla_target(
    session: Session,
    actor: Actor,
    severity_id: int,
    *,
    acknowledge_minutes: int,
    assess_minutes: int,
    signoff_minutes: int,
    resolve_minutes: int,
) -> SlaTarget:
    require(actor, PERMISSION)
    sev = _get(session, SeverityLevel, severity_id, "Severity level")
    values = {
        "acknowledge_minutes": acknowledge_minutes,
        "assess_minutes": assess_minutes,
        "signoff_minutes": signoff_minutes,
        "resolve_minutes": resolve_minutes,
    }
    problems: dict[str, list[str]] = {}
    for key, value in values.items():
        if not isinstance(value, int) or value <= 0:
            problems[key] = [f"The {SLA_LABELS[key].lower()} target for {sev.name} must be a positive time."]
    if not problems:
        order = [values[k] for k in SLA_FIELDS]
        if order != sorted(order):
            problems[""] = [
                f"The targets for {sev.name} must not decrease: acknowledge ≤ assess ≤ sign off ≤ resolve."
            ]
    _raise(problems)
    target = sla_targets(session).get(sev.id)
    if target is None:
        target = SlaTarget(severity_id=sev.id, band=None, **values)
        session.add(target)
        session.flush()
        _record(
            session,
            actor,
            "create",
            "sla_target",
            target.id,
            f"Set the SLA targets for {sev.name}",
            details={"values": values},
        )
        return target
    changes = _changes(target, values)
    if changes:
        session.flush()
        _record(
            session,
            actor,
            "update",
            "sla_target",
            target.id,
            f"Changed the SLA targets for {sev.name}",
            changes,
        )
    return target
