"""Alembic environment: runs on the connection Incident Desk hands over (see db/database.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from incident_desk.db.models import metadata
from incident_desk.search.index import is_index_object

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # Plain `alembic` command line use (for developers): -x url=...
        url = context.get_x_argument(as_dictionary=True).get("url")
        if not url:
            raise SystemExit("pass -x url=DATABASE_URL")
        with create_engine(url).begin() as conn:
            _configure_and_run(conn)
    else:
        _configure_and_run(connection)


def _configure_and_run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
        compare_type=True,
        include_name=is_index_object,  # the full-text index (0003_search) is not described by models
    )
    with context.begin_transaction():
        context.run_migrations()


run()
