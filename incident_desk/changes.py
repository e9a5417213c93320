"""Telling other clients that data changed: a change counter, plus LISTEN/NOTIFY on PostgreSQL.

Every write transaction bumps the ``changes`` counter (db/database.py). Clients poll it — one
indexed row, cheap — or, on PostgreSQL, are woken by a NOTIFY sent in the same transaction,
so they hear of a change only once it is committed.
"""

from __future__ import annotations

import select as select_module
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from incident_desk.audit.models import Counter

CHANNEL = "incident_desk_changes"
COUNTER = "changes"


def bump(session: Session) -> None:
    value = session.execute(
        text("UPDATE counters SET value = value + 1 WHERE name = :n RETURNING value"), {"n": COUNTER}
    ).scalar_one_or_none()
    if value is not None and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:c, :v)"), {"c": CHANNEL, "v": str(value)})


def current(session: Session) -> int:
    return int(session.execute(select(Counter.value).where(Counter.name == COUNTER)).scalar_one_or_none() or 0)


def listen(url: str, timeout: float = 5.0) -> Iterator[int | None]:
    """PostgreSQL only: yields the counter value of each NOTIFY, or None after ``timeout`` of silence.

    Runs on a worker thread with its own connection.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    conn: Any = psycopg.connect(host=u.host or "localhost", port=u.port or 5432, user=u.username,
                                password=u.password, dbname=u.database, autocommit=True, connect_timeout=5)
    try:
        conn.execute(f"LISTEN {CHANNEL}")
        while True:
            ready, _, _ = select_module.select([conn.fileno()], [], [], timeout)
            if not ready:
                yield None
                continue
            got = None
            for note in conn.notifies(timeout=0):
                got = int(note.payload) if note.payload.isdigit() else got
            yield got
    finally:
        conn.close()
