"""The demo's tuple inserts store exactly what ``bulk_insert`` (SQLAlchemy's own bind processing) stores."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import create_engine, select

from incident_desk.db.bulk import bulk_insert
from incident_desk.demo.rows import Stamps, insert_rows, sqlite_timestamp
from incident_desk.incidents.models import Incident, Person, StatusChange

SQLITE = create_engine("sqlite://").dialect


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC),
        dt.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=zoneinfo.ZoneInfo("America/Chicago")),
        dt.datetime(2024, 3, 10, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
        None,
    ],
)
def test_sqlite_timestamp_is_the_text_sqlalchemy_writes(value):
    process = Incident.__table__.c.occurred_at.type._cached_bind_processor(SQLITE)
    assert sqlite_timestamp(value) == process(value)


def test_sqlite_timestamp_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        sqlite_timestamp(dt.datetime(2026, 1, 2, 3, 4, 5))


def _stored(db, table, ids):
    with db.engine.connect() as conn:
        cols = [c for c in table.c if c.name != "id"]
        return conn.execute(select(*cols).where(table.c.id.in_(ids)).order_by(table.c.id)).all()


def test_insert_rows_stores_what_bulk_insert_stores(db, make_incident):
    iid = make_incident()
    at = dt.datetime(2026, 5, 6, 7, 8, 9, 10, tzinfo=zoneinfo.ZoneInfo("Europe/Warsaw"))
    changes = [
        (iid, None, "reported", at, None, "Zoë Ærø", ""),
        (iid, "reported", "assessment", at + dt.timedelta(hours=1), None, "", "note"),
    ]
    cols = ("incident_id", "from_status", "to_status", "at", "user_id", "user_name", "note")
    people = [
        (iid, "W. Itness", "witness", dt.date(1980, 2, 3), dt.time(7, 30), True, None),
        (iid, "I. Njured", "injured", None, None, False, dt.date(2026, 5, 6)),
    ]
    person_cols = (
        "incident_id",
        "name",
        "role",
        "date_of_birth",
        "time_of_event",
        "treated_in_er",
        "date_of_death",
    )
    with db.transaction() as s:
        insert_rows(s, StatusChange.__table__, cols, changes)
        bulk_insert(s, StatusChange.__table__, [dict(zip(cols, r, strict=True)) for r in changes])
        # Left-out columns take their defaults, as with bulk_insert.
        insert_rows(s, Person.__table__, person_cols, people)
        bulk_insert(s, Person.__table__, [dict(zip(person_cols, r, strict=True)) for r in people])
        insert_rows(s, StatusChange.__table__, cols, [])
    with db.reading() as s:
        change_ids = s.scalars(select(StatusChange.id).where(StatusChange.incident_id == iid)).all()
        person_ids = s.scalars(select(Person.id).where(Person.incident_id == iid)).all()
    stored = _stored(db, StatusChange.__table__, change_ids[-4:])
    assert stored[:2] == stored[2:] and len(stored) == 4
    assert stored[0].at == at
    people_stored = _stored(db, Person.__table__, person_ids[-4:])
    assert people_stored[:2] == people_stored[2:] and len(people_stored) == 4
    assert people_stored[0].version == 1 and people_stored[0].treatment == "none"


def test_insert_rows_checks_the_row_width(db, make_incident):
    iid = make_incident()
    with db.transaction() as s, pytest.raises(ValueError):
        insert_rows(s, StatusChange.__table__, ("incident_id", "to_status"), [(iid, "reported", "extra")])


def test_shared_stamps_store_the_same_text(db, make_incident):
    iid = make_incident()
    at = [dt.datetime(2026, 5, 6, 7, 8, 9, i, tzinfo=dt.UTC) for i in range(3)]
    cols = ("incident_id", "from_status", "to_status", "at", "user_id", "user_name", "note")
    rows = [(iid, None, "reported", at[0], None, "", ""), (iid, "reported", "assessment", at[1], None, "", "")]
    again = [(iid, "assessment", "awaiting_signoff", at[1], None, "", ""), (iid, None, "closed", at[2], None, "", "")]
    stamps = Stamps()
    with db.transaction() as s:
        insert_rows(s, StatusChange.__table__, cols, rows, stamps=stamps)
        insert_rows(s, StatusChange.__table__, cols, again, stamps=stamps)
        insert_rows(s, StatusChange.__table__, cols, rows + again)
    with db.reading() as s:
        ids = s.scalars(select(StatusChange.id).where(StatusChange.incident_id == iid)).all()
    stored = _stored(db, StatusChange.__table__, ids[-8:])
    assert stored[:4] == stored[4:]
    assert [r.at for r in stored[:4]] == [at[0], at[1], at[1], at[2]]
