"""The audit chain detects an edited, deleted or truncated event and names it."""

from __future__ import annotations

from sqlalchemy import text

from incident_desk.audit.chain import record, verify_chain


def _problems(db):
    with db.reading() as s:
        return list(verify_chain(s))


def test_every_change_is_chained_and_verifies(db, actors, make_incident):
    make_incident()
    make_incident(actor="reporter")
    assert _problems(db) == []
    with db.reading() as s:
        rows = s.execute(text("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq")).all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, len(rows)))


def test_edited_event_is_named(db, actors, make_incident):
    make_incident()
    make_incident()
    with db.engine.begin() as c:
        seq = c.execute(text("SELECT MAX(seq) FROM audit_events WHERE kind = 'create' AND entity = 'incident'")
                        ).scalar_one()
        c.execute(text("UPDATE audit_events SET summary = 'nothing happened' WHERE seq = :s"), {"s": seq})
    problems = _problems(db)
    assert len(problems) == 1 and problems[0].seq == seq
    assert f"audit event #{seq}" in problems[0].message and "altered" in problems[0].message


def test_deleted_event_is_detected(db, make_incident):
    for _ in range(3):
        make_incident()
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    problems = _problems(db)
    assert problems and "missing" in problems[0].message and problems[0].seq == 3


def test_truncated_tail_is_detected(db, make_incident):
    make_incident()
    make_incident()
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)"))
    problems = _problems(db)
    assert problems and "latest events were deleted" in problems[0].message


def test_concurrent_writers_do_not_fork_the_chain(db, actors, db_url):
    """Two clients appending at once: the counter row serialises them."""
    import threading

    from incident_desk.db import Database

    other = Database(db_url)
    errors: list[BaseException] = []

    def writer(database, n):
        try:
            for i in range(n):
                with database.transaction() as s:
                    record(s, actors["officer"], "test", summary=f"event {i}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(d, 15)) for d in (db, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.dispose()
    assert errors == []
    assert _problems(db) == []
    with db.reading() as s:
        assert s.execute(text("SELECT COUNT(*) FROM audit_events WHERE kind = 'test'")).scalar_one() == 30
