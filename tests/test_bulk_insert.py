"""db.bulk: the row writers used by the importer, the demo data and the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    select,
    text,
)

from incident_desk.db import Database, bulk

META = MetaData()
SAMPLE = Table(
    "bulk_sample",
    META,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("at", DateTime, nullable=True),
    Column("day", Date, nullable=True),
    Column("data", JSON, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("flag", Boolean, nullable=False),
    Column("kind", String(20), nullable=False, default="plain"),
    Column("note", String(20), nullable=False, server_default="from the server"),
)


@pytest.fixture
def sample_db(db: Database) -> Database:
    META.create_all(db.engine)
    return db


def _read(db: Database) -> list[dict[str, Any]]:
    with db.reading() as s:
        return [dict(r._mapping) for r in s.execute(select(SAMPLE).order_by(SAMPLE.c.id))]


def _rows(n: int) -> list[tuple[Any, ...]]:
    base = dt.datetime(2024, 2, 29, 23, 59, 58, 123456)
    return [
        (
            i + 1,
            f"name {i} ‘quoted’ 'x' \"y\" é",
            None if i % 7 == 0 else base + dt.timedelta(hours=i % 50),
            None if i % 5 == 0 else dt.date(2020, 1, 1) + dt.timedelta(days=i % 30),
            {"i": i, "list": [1, "two", None], "nested": {"ok": i % 2 == 0}},
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 7, 2503])
def test_insert_rows_round_trips_every_type(
    sample_db: Database, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    # Small statements so that several are needed, one of them shorter than the others.
    monkeypatch.setattr(bulk, "ROWS_PER_STATEMENT", 1000)
    rows = _rows(n)
    with sample_db.transaction() as s:
        bulk.insert_rows(
            s,
            SAMPLE,
            ("id", "name", "at", "day", "data"),
            rows,
            {"amount": Decimal("12.50"), "flag": True},
        )
    got = _read(sample_db)
    assert len(got) == n
    for row, rec in zip(rows, got, strict=True):
        assert (rec["id"], rec["name"], rec["at"], rec["day"], rec["data"]) == row
        assert rec["amount"] == Decimal("12.50") and rec["flag"] is True
        assert rec["kind"] == "plain"  # Python-side default
        assert rec["note"] == "from the server"  # server default


def test_insert_rows_matches_bulk_insert(sample_db: Database) -> None:
    """The tuple writer stores exactly what the dict writer stores."""
    rows = _rows(30)
    keys = ("id", "name", "at", "day", "data")
    constants = {"amount": Decimal("1.25"), "flag": False}
    with sample_db.transaction() as s:
        bulk.insert_rows(s, SAMPLE, keys, rows, constants)
        bulk.bulk_insert(
            s, SAMPLE, [{**dict(zip(keys, r, strict=True)), "id": r[0] + 100, **constants} for r in rows]
        )
    got = {r["id"]: r for r in _read(sample_db)}
    assert len(got) == 60
    for i in range(1, 31):
        assert {**got[i], "id": 0} == {**got[i + 100], "id": 0}
    if sample_db.dialect == "sqlite":
        raw = "SELECT name, at, typeof(at), day, data, amount, typeof(amount), flag, kind, note FROM bulk_sample"
        with sample_db.reading() as s:
            stored = {r[0]: r[1:] for r in s.execute(text(raw + " WHERE id < 100"))}
            again = {r[0]: r[1:] for r in s.execute(text(raw + " WHERE id > 100"))}
        assert stored == again


def test_insert_rows_is_part_of_the_transaction(sample_db: Database) -> None:
    with pytest.raises(RuntimeError), sample_db.transaction() as s:
        bulk.insert_rows(
            s, SAMPLE, ("id", "name", "data"), [(1, "a", {}), (2, "b", {})], {"amount": 0, "flag": False}
        )
        raise RuntimeError("roll back")
    assert _read(sample_db) == []


def test_sqlite_statements_respect_the_parameter_limit(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_db = sqlite_db
    META.create_all(sample_db.engine)
    monkeypatch.setattr(bulk, "_parameter_limit", lambda _s: 999)
    monkeypatch.setattr(bulk, "_sql_length_limit", lambda _s: 10_000 + 12 * 150)  # 150 rows of "(?,?,?,?,?),"
    rows = _rows(1000)
    with sample_db.transaction() as s:
        statements = bulk.sqlite_statements(
            s, SAMPLE, ("id", "name", "at", "day", "data"), rows, {"amount": 1, "flag": True}
        )
        assert all(len(params) <= 999 and len(sql) <= 10_000 + 12 * 150 for sql, params in statements)
        assert len(statements) == 7  # 150 rows each, the last shorter
        assert sum((len(p) - 3) // 5 for _sql, p in statements) == 1000  # 3 constants: amount, flag, kind
        for sql, params in statements:
            s.connection().exec_driver_sql(sql, params)
    assert [r["id"] for r in _read(sample_db)] == list(range(1, 1001))
