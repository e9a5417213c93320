"""Join the search-index and metrics-index branches into one line of schema history.

Revision ID: 0004_merge
Revises: 0003_metrics, 0003_search
"""

from __future__ import annotations

revision = "0004_merge"
down_revision = ("0003_metrics", "0003_search")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
