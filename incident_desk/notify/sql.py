"""Dialect-aware INSERT … ON CONFLICT DO NOTHING: the primitive that makes alerts exactly-once."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Table, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless a unique constraint already holds it; True when this call inserted it.

    Two transactions inserting the same key at once both succeed without error: on PostgreSQL the
    second waits for the first and then does nothing; on SQLite writers are serialised anyway.
    """
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # RETURNING rather than rowcount: with RETURNING (implicit on PostgreSQL) rowcount is unreliable.
    key = next(iter(table.primary_key.columns))
    stmt = module.insert(table).values(**row).on_conflict_do_nothing().returning(key)
    return session.execute(stmt).first() is not None


def short_key(*parts: object, limit: int = 200) -> str:
    """A dedupe key from its parts, hashed when it would not fit the column."""
    key = ":".join(str(p) for p in parts)
    if len(key) <= limit:
        return key
    return key[: limit - 41] + "#" + hashlib.sha1(key.encode()).hexdigest()
