"""Database access: opening, sessions, transactions, migrations (see database.py)."""

from __future__ import annotations

from incident_desk.db.database import Database, describe_url, open_database

__all__ = ["Database", "describe_url", "open_database"]
