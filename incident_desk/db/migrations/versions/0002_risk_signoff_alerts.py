"""Risk, sign-off, notifications, hours worked, imports; OSHA fields on sites and people.

Revision ID: 0002_risk_signoff_alerts
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import incident_desk.db.base

revision = "0002_risk_signoff_alerts"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("after_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "recipients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_levels")),
        sa.UniqueConstraint("level", name=op.f("uq_escalation_levels_level")),
    )

    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mappings")),
        sa.UniqueConstraint("name", name=op.f("uq_import_mappings_name")),
    )

    op.create_table(
        "notification_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column(
            "severity_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "type_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "site_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "recipients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "channels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_rules")),
    )
    with op.batch_alter_table("notification_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_rules_event"), ["event"], unique=False)

    op.create_table(
        "risk_matrices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_matrices")),
        sa.UniqueConstraint("name", name=op.f("uq_risk_matrices_name")),
    )

    op.create_table(
        "hours_worked",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("hours", incident_desk.db.base.Money(precision=14, scale=2), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column("updated_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_hours_worked_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hours_worked")),
        sa.UniqueConstraint("site_id", "year", "month", name=op.f("uq_hours_worked_site_id_year_month")),
    )

    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("mapping_name", sa.String(length=100), nullable=False),
        sa.Column("started_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_import_runs_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )

    op.create_table(
        "risk_matrix_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matrix_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "definition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_risk_matrix_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["matrix_id"], ["risk_matrices.id"], name=op.f("fk_risk_matrix_versions_matrix_id_risk_matrices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_matrix_versions")),
        sa.UniqueConstraint("matrix_id", "number", name=op.f("uq_risk_matrix_versions_matrix_id_number")),
    )
    with op.batch_alter_table("risk_matrix_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_matrix_versions_matrix_id"), ["matrix_id"], unique=False)

    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_teams_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_team_members_user_id_users")),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_members")),
    )

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("matrix_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("overall_likelihood", sa.String(length=20), nullable=True),
        sa.Column("overall_severity", sa.String(length=20), nullable=True),
        sa.Column("overall_score", sa.Integer(), nullable=True),
        sa.Column("overall_band", sa.String(length=50), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_assessments_author_id_users")),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_assessments_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["matrix_version_id"],
            ["risk_matrix_versions.id"],
            name=op.f("fk_assessments_matrix_version_id_risk_matrix_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("incident_id", "revision", name=op.f("uq_assessments_incident_id_revision")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assessments_matrix_version_id"), ["matrix_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assessments_status"), ["status"], unique=False)

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_escalations_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint(
            "incident_id", "target", "level", name=op.f("uq_escalations_incident_id_target_level")
        ),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalations_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_inbox_items_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_inbox_items_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_inbox_items_dedupe_key")),
    )
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_items_user_unread", ["user_id", "read_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=False),
        sa.Column("claimed_until", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_outbox_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_next", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "hazards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("existing_controls", sa.Text(), nullable=False),
        sa.Column("inherent_likelihood", sa.String(length=20), nullable=True),
        sa.Column("inherent_severity", sa.String(length=20), nullable=True),
        sa.Column("inherent_score", sa.Integer(), nullable=True),
        sa.Column("inherent_band", sa.String(length=50), nullable=True),
        sa.Column("residual_likelihood", sa.String(length=20), nullable=True),
        sa.Column("residual_severity", sa.String(length=20), nullable=True),
        sa.Column("residual_score", sa.Integer(), nullable=True),
        sa.Column("residual_band", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_hazards_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazards")),
    )
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazards_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "info_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("asked_of_user_id", sa.Integer(), nullable=True),
        sa.Column("asked_of_name", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["users.id"], name=op.f("fk_info_requests_asked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["asked_of_user_id"], ["users.id"], name=op.f("fk_info_requests_asked_of_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_info_requests_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_info_requests_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_requests")),
    )
    with op.batch_alter_table("info_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_info_requests_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("meaning", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("signed_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signature_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_signatures_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_signatures_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(["signer_id"], ["users.id"], name=op.f("fk_signatures_signer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signatures_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_signatures_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("action_type", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("completed_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=False),
        sa.Column("created_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_actions_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_actions_hazard_id_hazards"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_actions_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_actions_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["verified_by_id"], ["users.id"], name=op.f("fk_actions_verified_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_status"), ["status"], unique=False)

    op.create_table(
        "controls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("hierarchy", sa.String(length=20), nullable=False),
        sa.Column("existing", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_controls_hazard_id_hazards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controls")),
    )
    with op.batch_alter_table("controls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_controls_hazard_id"), ["hazard_id"], unique=False)

    with op.batch_alter_table("sites") as batch_op:
        batch_op.add_column(sa.Column("naics_code", sa.String(length=6), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("industry_description", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("establishment_type", sa.Integer(), nullable=False, server_default="1"))

    with op.batch_alter_table("organisation") as batch_op:
        batch_op.add_column(
            sa.Column("company_name", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("ein", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("active_matrix_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_organisation_active_matrix_id_risk_matrices"),
            "risk_matrices",
            ["active_matrix_id"],
            ["id"],
        )

    with op.batch_alter_table("incidents") as batch_op:
        batch_op.add_column(sa.Column("priority", sa.String(length=50), nullable=True))
        batch_op.add_column(
            sa.Column("response_due_at", incident_desk.db.base.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("recordable", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column("osha_case_number", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("osha_outcome", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("osha_case_type", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("date_hired", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("sex", sa.String(length=1), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("address", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("physician", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("treatment_facility", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("treatment_facility_type", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("treated_in_er", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("hospitalized_inpatient", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("time_started_work", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("time_of_event", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("activity_before", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("object_substance", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("date_of_death", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch_op:
        batch_op.drop_column("naics_code")
        batch_op.drop_column("industry_description")
        batch_op.drop_column("establishment_type")
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_organisation_active_matrix_id_risk_matrices"), type_="foreignkey"
        )
        batch_op.drop_column("company_name")
        batch_op.drop_column("ein")
        batch_op.drop_column("active_matrix_id")
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.drop_column("priority")
        batch_op.drop_column("response_due_at")
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("recordable")
        batch_op.drop_column("osha_case_number")
        batch_op.drop_column("osha_outcome")
        batch_op.drop_column("osha_case_type")
        batch_op.drop_column("date_of_birth")
        batch_op.drop_column("date_hired")
        batch_op.drop_column("sex")
        batch_op.drop_column("address")
        batch_op.drop_column("physician")
        batch_op.drop_column("treatment_facility")
        batch_op.drop_column("treatment_facility_type")
        batch_op.drop_column("treated_in_er")
        batch_op.drop_column("hospitalized_inpatient")
        batch_op.drop_column("time_started_work")
        batch_op.drop_column("time_of_event")
        batch_op.drop_column("activity_before")
        batch_op.drop_column("object_substance")
        batch_op.drop_column("date_of_death")
    op.drop_table("controls")
    op.drop_table("actions")
    op.drop_table("signatures")
    op.drop_table("info_requests")
    op.drop_table("hazards")
    op.drop_table("outbox")
    op.drop_table("inbox_items")
    op.drop_table("escalations")
    op.drop_table("assessments")
    op.drop_table("team_members")
    op.drop_table("teams")
    op.drop_table("risk_matrix_versions")
    op.drop_table("import_runs")
    op.drop_table("hours_worked")
    op.drop_table("risk_matrices")
    op.drop_table("notification_rules")
    op.drop_table("import_mappings")
    op.drop_table("escalation_levels")
