"""append_many (imports, demo data): the same chain as one ``record`` at a time, and just as checkable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from incident_desk.audit.chain import (
    GENESIS,
    PendingEvent,
    append_many,
    event_hash,
    jsonable,
    verify_chain,
)
from incident_desk.audit.models import AuditEvent
from incident_desk.db import Database

AT = dt.datetime(2025, 3, 30, 1, 30, 5, 250, tzinfo=dt.UTC)

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_plain = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text | st.floats(allow_nan=False)
_details = st.dictionaries(
    _text,
    _plain | st.lists(_plain, max_size=3) | st.dictionaries(_text, _plain, max_size=3),
    max_size=5,
)
_event = st.builds(
    PendingEvent,
    kind=st.sampled_from(["import", "create", "update", "données"]),
    entity=_text,
    entity_id=st.none() | st.integers(0, 2**62),
    incident_id=st.none(),
    summary=_text,
    details=st.none() | _details,
    at=st.just(AT) | st.datetimes(timezones=st.just(dt.UTC)),
    user_id=st.none(),
    user_name=_text,
)


def _expected(events: list[PendingEvent], first_seq: int, prev: str) -> list[str]:
    """The hashes that event_hash (what verify recomputes) gives for these events."""
    hashes = []
    for seq, ev in enumerate(events, first_seq):
        fields = {
            "seq": seq,
            "at": ev.at,
            "user_id": ev.user_id,
            "user_name": ev.user_name,
            "kind": ev.kind,
            "entity": ev.entity,
            "entity_id": ev.entity_id,
            "incident_id": ev.incident_id,
            "summary": ev.summary,
            "details": jsonable(ev.details or {}),
        }
        prev = event_hash(fields, prev)
        hashes.append(prev)
    return hashes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_event, min_size=1, max_size=6))
def test_append_many_hashes_like_event_hash(sqlite_db: Database, events: list[PendingEvent]) -> None:
    with sqlite_db.transaction() as s:
        last = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc())).first()
        first_seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        append_many(s, events)
        stored = s.execute(
            select(AuditEvent.hash, AuditEvent.details).where(AuditEvent.seq >= first_seq).order_by(AuditEvent.seq)
        ).all()
    assert [h for h, _d in stored] == _expected(events, first_seq, prev)
    assert [d for _h, d in stored] == [jsonable(ev.details or {}) for ev in events]
    with sqlite_db.reading() as s:
        assert list(verify_chain(s)) == []


def test_append_many_on_both_databases_verifies_and_detects_an_edit(db: Database, actors: dict[str, Any]) -> None:
    events = [
        PendingEvent(
            "import",
            "incident",
            None,
            None,
            f"Imported “row {i}” \\ \"quoted\" \n\t\x01",
            {"row": i, "external_id": f"é-{i}", "ratio": i / 3, "cost": Decimal("1.10"), "when": AT, "ids": {i}},
            AT,
            actors["officer"].user_id,
            actors["officer"].name,
        )
        for i in range(30)
    ]
    with db.transaction() as s:
        append_many(s, events)
    with db.reading() as s:
        assert list(verify_chain(s)) == []
        got = s.scalars(select(AuditEvent).where(AuditEvent.kind == "import").order_by(AuditEvent.seq)).all()
        assert [e.details["external_id"] for e in got] == [f"é-{i}" for i in range(30)]
        assert got[3].details == {"row": 3, "external_id": "é-3", "ratio": 1.0, "cost": "1.10",
                                  "when": AT.isoformat(), "ids": [3]}
        seq = got[17].seq
    with db.engine.begin() as c:
        c.execute(text("UPDATE audit_events SET summary = 'nothing' WHERE seq = :s"), {"s": seq})
    with db.reading() as s:
        problems = list(verify_chain(s))
    assert len(problems) == 1 and problems[0].seq == seq and "altered" in problems[0].message
