"""Dashboard indexes: stage durations as generated columns in the covering index; overdue actions.

Every MTTA, MTTR and SLA aggregate needs the seconds from reported to acknowledged and to
resolved. SQLite keeps timestamps as text, so computing them in a query parses two timestamps
per incident per figure; at a million incidents that parsing was most of a dashboard refresh.
The database now computes both durations itself (``GENERATED ALWAYS AS``: virtual on SQLite,
stored on PostgreSQL), and the metrics index carries them instead of the two timestamps, so the
aggregates read ready numbers from the index. Nothing is written by the application; existing
rows get their values from the expression.

Overdue corrective actions are open or in progress and past due: a (status, due date) index
finds those few directly instead of walking every action whose due date has passed. The
recordable rates look up each incident's people: an index on incident id that also carries the
columns they add up replaces the plain incident-id index, so those lookups never read the
table rows.

Revision ID: 0005_dashboard
Revises: 0004_merge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from incident_desk.db.sqlfunctions import duration_seconds

revision = "0005_dashboard"
down_revision = "0004_merge"
branch_labels = None
depends_on = None

OLD_COLUMNS = ["occurred_date", "voided", "severity_id", "status", "type_id", "site_id", "location_id", "customer_id",
               "occurred_weekday", "occurred_hour", "reported_at", "acknowledged_at", "resolved_at", "direct_cost",
               "indirect_cost", "satisfaction"]
NEW_COLUMNS = ["occurred_date", "voided", "severity_id", "status", "type_id", "site_id", "location_id", "customer_id",
               "occurred_weekday", "occurred_hour", "reported_at", "acknowledge_seconds", "resolve_seconds",
               "direct_cost", "indirect_cost", "satisfaction"]
PEOPLE_COLUMNS = ["incident_id", "recordable", "osha_outcome", "treatment", "days_away"]
DURATIONS = {"acknowledge_seconds": "acknowledged_at", "resolve_seconds": "resolved_at"}


def upgrade() -> None:
    # A plain ALTER TABLE … ADD COLUMN on both databases: SQLite can add a virtual generated
    # column without rebuilding the table (the index below keeps its values); PostgreSQL stores it.
    stored = op.get_bind().dialect.name != "sqlite"
    for name, stamp in DURATIONS.items():
        expression = duration_seconds(sa.column(stamp), sa.column("reported_at"))
        op.add_column("incidents", sa.Column(name, sa.Float(), sa.Computed(expression, persisted=stored)))
    op.drop_index("ix_incidents_metrics", table_name="incidents")
    op.create_index("ix_incidents_metrics", "incidents", NEW_COLUMNS)
    # The metrics index starts with the date of occurrence, so it serves every date-range query
    # the plain date index did; one index less to keep up on every insert.
    op.drop_index("ix_incidents_occurred_date", table_name="incidents")
    op.drop_index("ix_actions_status", table_name="actions")
    op.create_index("ix_actions_status_due_date", "actions", ["status", "due_date", "incident_id"])
    op.drop_index("ix_people_incident_id", table_name="people")
    op.create_index("ix_people_rates", "people", PEOPLE_COLUMNS)
    if op.get_bind().dialect.name == "sqlite":
        # Fresh statistics for the new indexes, or the query planner may not pick them.
        op.execute("PRAGMA analysis_limit=2000")
        for index in ("ix_incidents_metrics", "ix_actions_status_due_date", "ix_people_rates"):
            op.execute(f"ANALYZE {index}")


def downgrade() -> None:
    op.drop_index("ix_people_rates", table_name="people")
    op.create_index("ix_people_incident_id", "people", ["incident_id"])
    op.drop_index("ix_actions_status_due_date", table_name="actions")
    op.create_index("ix_actions_status", "actions", ["status"])
    op.create_index("ix_incidents_occurred_date", "incidents", ["occurred_date"])
    op.drop_index("ix_incidents_metrics", table_name="incidents")
    op.create_index("ix_incidents_metrics", "incidents", OLD_COLUMNS)
    with op.batch_alter_table("incidents") as batch:
        for name in DURATIONS:
            batch.drop_column(name)
