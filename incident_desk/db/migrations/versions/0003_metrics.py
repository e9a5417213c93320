"""A covering index for the dashboard's aggregates over incidents.

Every dashboard query filters incidents by date of occurrence (and void) and aggregates a
handful of narrow columns. With all of them in one index, SQLite answers those queries from
the index alone instead of reading the wide incident rows (descriptions, lessons learned…),
which keeps a dashboard refresh fast on large databases.

Revision ID: 0003_metrics
Revises: 0002_risk_signoff_alerts
"""

from __future__ import annotations

from alembic import op

revision = "0003_metrics"
down_revision = "0002_risk_signoff_alerts"
branch_labels = None
depends_on = None

COLUMNS = ["occurred_date", "voided", "severity_id", "status", "type_id", "site_id", "location_id", "customer_id",
           "occurred_weekday", "occurred_hour", "reported_at", "acknowledged_at", "resolved_at", "direct_cost",
           "indirect_cost", "satisfaction"]


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.create_index("ix_incidents_metrics", COLUMNS)


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index("ix_incidents_metrics")
