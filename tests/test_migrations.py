"""Schema migrations: an old database upgrades without losing a row; the schema matches the models."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from incident_desk.db import Database, open_database
from incident_desk.db.database import head_revisions
from incident_desk.db.models import metadata
from incident_desk.search.index import is_index_object

FIRST = "0001_foundation"
T0 = dt.datetime(2024, 3, 1, 8, 30, tzinfo=dt.UTC)


def _fill_first_revision(db: Database) -> None:
    """Rows in every kind of 0001 table, written with plain SQL as a 0.1 client would."""
    ts = "2024-03-01 08:30:00" if db.dialect == "sqlite" else T0
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO organisation (id, name, logo_sha256, currency, timezone, reference_prefix, "
                       "satisfaction_max, setup_complete, version) VALUES (1, 'Old Org', NULL, 'EUR', 'UTC', 'INC', "
                       "5, true, 1)"))
        c.execute(text("INSERT INTO counters (name, value, text) VALUES ('ref:2024', 2, ''), ('audit', 0, :g)"),
                  {"g": "0" * 64})
        c.execute(text("INSERT INTO severity_levels (id, name, rank, colour, description, active) VALUES "
                       "(1, 'High', 1, '#ff0000', '', true), (2, 'Low', 2, '#00ff00', '', true)"))
        c.execute(text("INSERT INTO incident_types (id, code, name, active) VALUES (1, 'injury', 'Injury', true)"))
        c.execute(text("INSERT INTO users (id, username, full_name, email, job_title, password_hash, active, "
                       "failed_logins, created_at, version) VALUES (1, 'old', 'Old Admin', '', '', 'x', true, 0, "
                       ":ts, 1)"), {"ts": ts})
        c.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'admin')"))
        c.execute(text("INSERT INTO sites (id, name, code, street, city, state, zip, country, timezone, active) "
                       "VALUES (1, 'Old Site', 'OS', '1 Road', 'Town', 'TX', '75001', 'US', '', true)"))
        c.execute(text("INSERT INTO locations (id, site_id, name, active) VALUES (1, 1, 'Shop', true)"))
        c.execute(text("INSERT INTO customers (id, name, active) VALUES (1, 'Client', true)"))
        for i in (1, 2):
            c.execute(text(
                "INSERT INTO incidents (id, reference, title, description, immediate_actions, type_id, severity_id, "
                "status, occurred_at, reported_at, occurred_date, occurred_hour, occurred_weekday, site_id, "
                "location_id, customer_id, direct_cost, indirect_cost, currency, satisfaction, reporter_name, "
                "resolution_summary, root_cause, five_whys, lessons_learned, voided, void_reason, created_at, "
                "updated_at, version) VALUES (:i, :ref, :title, 'd', 'a', 1, :sev, 'reported', :ts, :ts, "
                "'2024-03-01', 8, 4, 1, 1, 1, 12.50, 3.25, 'EUR', 4, 'Old Admin', '', '', '[]', '', false, '', "
                ":ts, :ts, 1)"),
                {"i": i, "ref": f"INC-2024-0000{i}", "title": f"Old incident {i}", "sev": i, "ts": ts})
        c.execute(text("INSERT INTO people (id, incident_id, name, role, employment, job_title, contact, statement, "
                       "body_part, body_side, nature_of_injury, treatment, days_away, days_restricted, "
                       "privacy_case, version) VALUES (1, 1, 'Zoë Ærø', 'injured', 'employee', 'Welder', '', '', "
                       "'Hand', 'left', 'Burn', 'medical', 2, 0, false, 1)"))
        c.execute(text("INSERT INTO comments (incident_id, author_id, author_name, body, created_at) "
                       "VALUES (1, 1, 'Old Admin', 'Checked', :ts)"), {"ts": ts})
        c.execute(text("INSERT INTO status_changes (incident_id, from_status, to_status, at, user_id, user_name, "
                       "note) VALUES (1, NULL, 'reported', :ts, 1, 'Old Admin', '')"), {"ts": ts})
        c.execute(text("INSERT INTO blobs (sha256, mime_type, size, data, created_at) VALUES (:h, 'image/png', 3, "
                       ":d, :ts)"), {"h": "a" * 64, "d": b"PNG", "ts": ts})
        c.execute(text("INSERT INTO attachments (incident_id, kind, blob_sha256, filename, mime_type, size, caption, "
                       "signer_name, signer_role, created_at) VALUES (1, 'photo', :h, 'p.png', 'image/png', 3, "
                       "'Floor', '', '', :ts)"), {"h": "a" * 64, "ts": ts})
        c.execute(text("INSERT INTO sla_targets (severity_id, band, acknowledge_minutes, assess_minutes, "
                       "signoff_minutes, resolve_minutes) VALUES (1, NULL, 60, 240, 480, 2880)"))


COUNTED = ("organisation", "severity_levels", "incident_types", "users", "user_roles", "sites", "locations",
           "customers", "incidents", "people", "comments", "status_changes", "blobs", "attachments", "sla_targets")


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as c:
        return {t: c.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in COUNTED}


def test_upgrade_from_first_revision_keeps_every_row(empty_db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("INCIDENT_DESK_DATA_DIR", str(tmp_path / "data"))
    db = Database(empty_db_url)
    db.upgrade(FIRST)
    assert db.current_revisions() == (FIRST,)
    _fill_first_revision(db)
    before = _counts(db)
    assert all(before.values())
    db.dispose()

    upgraded = open_database(empty_db_url)  # what the app and `init` do
    assert set(upgraded.current_revisions()) == set(head_revisions())
    assert _counts(upgraded) == before
    from incident_desk.db.models import Incident, Organisation, Person, Site

    with upgraded.reading() as s:
        inc = s.get(Incident, 1)
        assert (inc.title, inc.direct_cost, inc.occurred_at, inc.priority) == (
            "Old incident 1", __import__("decimal").Decimal("12.50"), T0, None)
        person = s.get(Person, 1)
        assert person.name == "Zoë Ærø" and person.recordable is False and person.osha_case_number == ""
        assert s.get(Site, 1).naics_code == "" and s.get(Site, 1).establishment_type == 1
        assert s.get(Organisation, 1).name == "Old Org"
    if upgraded.dialect == "sqlite":
        backups = list((tmp_path / "data" / "backups").glob("*.before-upgrade.*.sqlite3"))
        assert len(backups) == 1
        old = Database(f"sqlite:///{backups[0]}")
        assert old.current_revisions() == (FIRST,) and _counts(old) == before
        old.dispose()
    upgraded.dispose()


def test_migrated_schema_matches_the_models(db):
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": is_index_object}  # FTS tables are not models
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
    assert diff == []


def test_newer_database_is_refused_with_a_clear_message(empty_db_url):
    db = open_database(empty_db_url)
    with db.engine.begin() as c:
        # Several migration branches may be at their heads: replace them all by one unknown revision.
        c.execute(text("DELETE FROM alembic_version"))
        c.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_future')"))
    db.dispose()
    import pytest

    from incident_desk.errors import DatabaseError

    with pytest.raises(DatabaseError, match="newer version of Incident Desk"):
        open_database(empty_db_url)


def test_opening_twice_is_idempotent(empty_db_url):
    first = open_database(empty_db_url)
    counts = _counts(first)
    first.dispose()
    second = open_database(empty_db_url)
    assert _counts(second) == counts
    second.dispose()




def test_upgrade_computes_stage_durations_for_existing_incidents(empty_db_url, monkeypatch, tmp_path):
    """0005 adds generated duration columns: old rows get them from their timestamps, and later
    changes keep them right without the application writing them."""
    monkeypatch.setenv("INCIDENT_DESK_DATA_DIR", str(tmp_path / "data"))
    db = Database(empty_db_url)
    db.upgrade(FIRST)
    _fill_first_revision(db)
    ack, res = T0 + dt.timedelta(minutes=90), T0 + dt.timedelta(days=2, seconds=0.5)
    as_value = (lambda t: t.replace(tzinfo=None).isoformat(sep=" ")) if db.dialect == "sqlite" else (lambda t: t)
    with db.engine.begin() as c:
        c.execute(text("UPDATE incidents SET acknowledged_at = :a, resolved_at = :r WHERE id = 1"),
                  {"a": as_value(ack), "r": as_value(res)})
    db.dispose()

    upgraded = open_database(empty_db_url)
    from incident_desk.db.models import Incident

    with upgraded.reading() as s:
        one, two = s.get(Incident, 1), s.get(Incident, 2)
        assert (one.acknowledge_seconds, one.resolve_seconds) == (5400.0, 172800.5)
        assert (two.acknowledge_seconds, two.resolve_seconds) == (None, None)
    with upgraded.transaction() as s:
        s.get(Incident, 2).acknowledged_at = T0 + dt.timedelta(hours=3)
    with upgraded.reading() as s:
        assert s.get(Incident, 2).acknowledge_seconds == 10800.0
    upgraded.dispose()
