"""Reference data service: validation, permissions, audit, retire-versus-delete (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from incident_desk.actor import Actor
from incident_desk.audit import verify_chain
from incident_desk.audit.models import AuditEvent
from incident_desk.db import Database
from incident_desk.errors import PermissionDenied, ValidationError
from incident_desk.org import service as org
from incident_desk.org.models import IncidentType, SeverityLevel, Site

pytestmark = pytest.mark.db


def last_event(db: Database) -> AuditEvent:
    with db.reading() as s:
        return s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()


def test_organisation_settings_are_validated_and_audited(db: Database, actors: dict[str, Actor]) -> None:
    admin = actors["admin"]
    with db.transaction() as s, pytest.raises(ValidationError) as err:
        org.update_organisation(
            s, admin, name="  ", currency="dollars", timezone="Mars/Olympus", reference_prefix="9x", ein="12"
        )
    assert set(err.value.problems) == {"name", "currency", "timezone", "reference_prefix", "ein"}
    assert "Enter the organisation name." in err.value.messages()
    with db.transaction() as s:
        org.update_organisation(
            s,
            admin,
            name=" Acme Safety ",
            currency="eur",
            timezone="Europe/Berlin",
            reference_prefix="acm",
            ein="12-3456789",
        )
    with db.reading() as s:
        o = org.organisation(s)
        assert (o.name, o.currency, o.timezone, o.reference_prefix, o.ein) == (
            "Acme Safety",
            "EUR",
            "Europe/Berlin",
            "ACM",
            "123456789",
        )
    event = last_event(db)
    assert event.entity == "organisation" and event.user_name == admin.name
    assert event.details["changes"]["currency"] == ["USD", "EUR"]
    with db.transaction() as s:
        assert list(verify_chain(s)) == []


def test_only_administrators_change_settings(db: Database, actors: dict[str, Actor]) -> None:
    for key in ("officer", "manager", "reporter"):
        with (
            db.transaction() as s,
            pytest.raises(PermissionDenied, match="change the organisation's settings"),
        ):
            org.update_organisation(s, actors[key], name="Nope")
        with db.transaction() as s, pytest.raises(PermissionDenied):
            org.create_site(s, actors[key], "Nope")


def test_logo_round_trip_and_limits(db: Database, actors: dict[str, Actor]) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    with db.transaction() as s:
        org.set_logo(s, actors["admin"], png, "image/png")
    with db.reading() as s:
        assert org.logo(s) == (png, "image/png")
    with db.transaction() as s, pytest.raises(ValidationError, match="PNG, JPEG or SVG"):
        org.set_logo(s, actors["admin"], b"GIF89a", "image/gif")
    with db.transaction() as s:
        org.set_logo(s, actors["admin"], None)
    with db.reading() as s:
        assert org.logo(s) is None


def test_sites_and_locations(db: Database, actors: dict[str, Actor], refs: dict[str, Any]) -> None:
    admin = actors["admin"]
    with db.transaction() as s:
        site = org.create_site(
            s, admin, "Harbour Works", code="HW", state="ma", zip="02110", naics_code="336611"
        )
        site_id = site.id
        org.create_location(s, admin, site_id, "Dry dock")
    with db.transaction() as s, pytest.raises(ValidationError, match="already a site called 'test plant'"):
        org.create_site(s, admin, "test plant")
    with db.transaction() as s, pytest.raises(ValidationError) as err:
        org.update_site(s, admin, site_id, state="Mass", zip="2110", naics_code="abc", establishment_type=7)
    assert set(err.value.problems) == {"state", "zip", "naics_code", "establishment_type"}
    with (
        db.transaction() as s,
        pytest.raises(ValidationError, match="already has a location called 'dry dock'"),
    ):
        org.create_location(s, admin, site_id, "dry dock")
    with db.transaction() as s:
        # The same location name at another site is fine.
        org.create_location(s, admin, refs["site"]["Test Plant"], "Dry dock")
        org.update_site(s, admin, site_id, city="Boston")
        org.set_site_active(s, admin, site_id, False)
    with db.reading() as s:
        assert s.get(Site, site_id).state == "MA" and not s.get(Site, site_id).active
        active = [x.name for x in org.list_sites(s, include_inactive=False)]
    assert "Harbour Works" not in active and "Test Plant" in active
    assert last_event(db).summary == "Retired the site Harbour Works"


def test_customers(db: Database, actors: dict[str, Actor]) -> None:
    admin = actors["admin"]
    with db.transaction() as s:
        c = org.create_customer(s, admin, "Initech")
        org.rename_customer(s, admin, c.id, "Initech LLC")
        cid = c.id
    with db.transaction() as s, pytest.raises(ValidationError, match="already a customer called 'acme corp'"):
        org.rename_customer(s, admin, cid, "acme corp")
    with db.transaction() as s:
        org.set_customer_active(s, admin, cid, False)
    with db.reading() as s:
        assert "Initech LLC" not in [c.name for c in org.list_customers(s, include_inactive=False)]


def test_severity_rename_add_reorder(db: Database, actors: dict[str, Actor]) -> None:
    admin = actors["admin"]
    with db.reading() as s:
        assert [x.name for x in org.list_severities(s)] == ["Critical", "Urgent", "Major", "Minor"]
        ids = [x.id for x in org.list_severities(s)]
    with db.transaction() as s:
        org.update_severity(s, admin, ids[3], name="Low", colour="#00AA00")
        new = org.create_severity(s, admin, "Observation", colour="#607d8b", description="No harm")
        org.reorder_severities(s, admin, [ids[0], ids[1], ids[2], new.id, ids[3]])
    with db.reading() as s:
        assert [(x.name, x.rank) for x in org.list_severities(s)] == [
            ("Critical", 1),
            ("Urgent", 2),
            ("Major", 3),
            ("Observation", 4),
            ("Low", 5),
        ]
        assert s.get(SeverityLevel, ids[3]).colour == "#00aa00"
    with db.transaction() as s, pytest.raises(ValidationError) as err:
        org.update_severity(s, admin, ids[0], name="urgent", colour="red")
    assert set(err.value.problems) == {"name", "colour"}
    with db.transaction() as s, pytest.raises(ValidationError, match="every severity level once"):
        org.reorder_severities(s, admin, ids[:2])


def test_used_severity_is_deactivated_unused_is_deleted(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any
) -> None:
    admin = actors["admin"]
    make_incident(severity_id=refs["severity"]["Major"])
    with db.transaction() as s:
        assert org.retire_severity(s, admin, refs["severity"]["Major"]) == "deactivated"
        assert org.retire_severity(s, admin, refs["severity"]["Minor"]) == "deleted"
    with db.reading() as s:
        assert s.get(SeverityLevel, refs["severity"]["Major"]).active is False
        assert s.get(SeverityLevel, refs["severity"]["Minor"]) is None
        assert refs["severity"]["Minor"] not in org.sla_targets(s)
    assert last_event(db).kind == "delete"
    with db.transaction() as s:
        org.reactivate_severity(s, admin, refs["severity"]["Major"])
        org.retire_severity(s, admin, refs["severity"]["Urgent"])
        org.retire_severity(s, admin, refs["severity"]["Major"])
    with db.transaction() as s, pytest.raises(ValidationError, match="At least one severity level"):
        org.retire_severity(s, admin, refs["severity"]["Critical"])


def test_incident_types(
    db: Database, actors: dict[str, Actor], refs: dict[str, Any], make_incident: Any
) -> None:
    admin = actors["admin"]
    with db.transaction() as s:
        t = org.create_type(s, admin, "Ergonomic strain")
        assert t.code == "ergonomic_strain"
        org.rename_type(s, admin, t.id, "Ergonomics")
        tid = t.id
    with (
        db.transaction() as s,
        pytest.raises(ValidationError, match="already an incident type called 'injury'"),
    ):
        org.create_type(s, admin, "injury")
    make_incident(type_id=refs["type"]["vehicle"])
    with db.transaction() as s:
        assert org.retire_type(s, admin, refs["type"]["vehicle"]) == "deactivated"
        assert org.retire_type(s, admin, tid) == "deleted"
    with db.reading() as s:
        assert s.get(IncidentType, refs["type"]["vehicle"]).active is False
        assert s.get(IncidentType, tid) is None


def test_sla_targets(db: Database, actors: dict[str, Actor], refs: dict[str, Any]) -> None:
    admin = actors["admin"]
    critical = refs["severity"]["Critical"]
    with db.transaction() as s:
        org.set_sla_target(
            s,
            admin,
            critical,
            acknowledge_minutes=30,
            assess_minutes=120,
            signoff_minutes=240,
            resolve_minutes=1440,
        )
    with db.reading() as s:
        t = org.sla_targets(s)[critical]
        assert (t.acknowledge_minutes, t.resolve_minutes) == (30, 1440)
    assert last_event(db).details["changes"]["acknowledge_minutes"] == [60, 30]
    with db.transaction() as s, pytest.raises(ValidationError, match="must not decrease"):
        org.set_sla_target(
            s,
            admin,
            critical,
            acknowledge_minutes=300,
            assess_minutes=120,
            signoff_minutes=240,
            resolve_minutes=1440,
        )
    with db.transaction() as s, pytest.raises(ValidationError, match="positive time"):
        org.set_sla_target(
            s,
            admin,
            critical,
            acknowledge_minutes=0,
            assess_minutes=120,
            signoff_minutes=240,
            resolve_minutes=1440,
        )


def test_settings_keep_secrets_out_of_the_audit_trail(db: Database, actors: dict[str, Actor]) -> None:
    value = {"host": "smtp.example.test", "port": 587, "password": "hunter2hunter2"}
    with db.transaction() as s:
        org.set_setting(s, actors["admin"], "smtp", value, secret_fields=["password"])
    with db.reading() as s:
        assert org.get_setting(s, "smtp") == value
        assert org.get_setting(s, "missing", 5) == 5
    event = last_event(db)
    assert "hunter2" not in str(event.details)
    assert event.details["changes"]["smtp"][1]["host"] == "smtp.example.test"


def test_complete_setup_needs_a_name(db: Database, actors: dict[str, Actor]) -> None:
    with db.transaction() as s:
        assert not org.setup_complete(s)
        with pytest.raises(ValidationError, match="Enter the organisation name"):
            org.complete_setup(s, actors["admin"])
        org.update_organisation(s, actors["admin"], name="Acme")
        org.complete_setup(s, actors["admin"])
    with db.reading() as s:
        assert org.setup_complete(s)
