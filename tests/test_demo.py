"""Demo data: reproducible, realistic, consistent with the workflow and the audit chain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from incident_desk.audit.chain import verify_chain
from incident_desk.db import Database
from incident_desk.demo import generate
from incident_desk.incidents.models import Incident, Person, StatusChange
from incident_desk.incidents.workflow import Status

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def _snapshot(db):
    with db.reading() as s:
        return s.execute(select(Incident.reference, Incident.title, Incident.status, Incident.severity_id,
                                Incident.occurred_at, Incident.direct_cost).order_by(Incident.id)).all()


def test_demo_is_reproducible_and_consistent(db, db_url, empty_db_url):
    generate(db, incidents=400, seed=3, now=NOW)
    other = Database(empty_db_url)
    other.dispose()
    from incident_desk.db import open_database

    other = open_database(empty_db_url)
    generate(other, incidents=400, seed=3, now=NOW)
    assert _snapshot(db)[-400:] == _snapshot(other)
    other.dispose()

    with db.reading() as s:
        statuses = dict(s.execute(select(Incident.status, func.count()).group_by(Incident.status)).all())
        assert set(statuses) == {st.value for st in Status}, statuses
        assert statuses["closed"] > statuses["reported"]
        severities = s.execute(select(func.count(func.distinct(Incident.severity_id)))).scalar_one()
        assert severities == 4
        # Every stage time follows the one before, and nothing is in the future.
        bad = s.execute(select(func.count()).where(
            (Incident.occurred_at > Incident.reported_at) | (Incident.reported_at > NOW)
            | (Incident.acknowledged_at < Incident.reported_at) | (Incident.resolved_at < Incident.signed_off_at)
            | (Incident.closed_at < Incident.resolved_at))).scalar_one()
        assert bad == 0
        closed_without = s.execute(select(func.count()).where(
            Incident.status == "closed", (Incident.closed_at.is_(None)) | (Incident.lessons_learned == ""))
        ).scalar_one()
        assert closed_without == 0
        # History ends in the incident's current status.
        last = s.execute(text(
            "SELECT i.status, sc.to_status FROM incidents i JOIN status_changes sc ON sc.id = "
            "(SELECT MAX(id) FROM status_changes WHERE incident_id = i.id)")).all()
        assert all(a == b for a, b in last)
        assert s.execute(select(func.count()).select_from(Person).where(Person.role == "injured")).scalar_one() > 50
        assert s.execute(select(func.count()).select_from(StatusChange)).scalar_one() > 400
        assert s.execute(select(func.min(Incident.occurred_at))).scalar_one() < NOW - dt.timedelta(days=700)
        assert list(verify_chain(s)) == []


def test_demo_continues_reference_numbers_after_existing_incidents(db, make_incident):
    make_incident()
    generate(db, incidents=50, seed=1)
    make_incident()
    with db.reading() as s:
        refs = s.scalars(select(Incident.reference)).all()
    assert len(refs) == len(set(refs)) == 52
