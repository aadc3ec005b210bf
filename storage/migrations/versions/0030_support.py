"""support: self-referrals and programmes"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    column,
    drop,
    index,
    moment,
    named_indexes,
    org,
    org_table,
    primary,
    ref,
    refers,
    stamped,
    unique,
)

revision = "0030_support"
down_revision = "0002_reminders"
branch_labels = ("support",)


def upgrade() -> None:
    op.create_table(
        "support_offer_preferences",
        column("person_id", sa.Integer()),
        org(),
        column("opted_out", sa.Boolean()),
        moment("updated_at"),
        refers("support_offer_preferences", "person_id", "people", "CASCADE"),
        primary("support_offer_preferences", "person_id"),
    )
    org_table(
        "support_referrals",
        ref("tutor_id", "people"),
        column("topics", sa.JSON()),
        column("other_topic", sa.Text()),
        column("ways", sa.JSON()),
        column("campus", sa.String(length=200)),
        column("preferred_times", sa.JSON()),
        column("times_note", sa.String(length=300)),
        column("similar_style", sa.Boolean()),
        column("delivery_style", sa.String(length=20), nullable=True),
        column("state", sa.String(length=20)),
        ref("practitioner_id", "people", "SET NULL"),
        column("passed_ids", sa.JSON()),
        column("source", sa.String(length=40)),
        *stamped(),
    )
    named_indexes("support_referrals", org_state=["org_id", "state"])
    index("support_referrals", "tutor_id")

    org_table(
        "support_programmes",
        ref("referral_id", "support_referrals"),
        ref("tutor_id", "people"),
        ref("practitioner_id", "people", "SET NULL"),
        column("kind", sa.String(length=30)),
        column("state", sa.String(length=20)),
        moment("started_at"),
        moment("ends_at", nullable=True),
        column("extensions", sa.Integer()),
        column("extra_weeks", sa.Integer()),
        column("objectives", sa.JSON()),
        column("milestones", sa.JSON()),
        column("sign_off", sa.String(length=20), nullable=True),
        moment("escalated_at", nullable=True),
        column("review_decision", sa.String(length=30), nullable=True),
        column("review_note", sa.Text()),
        *stamped(),
        unique("uq_support_programmes_referral", "referral_id"),
    )
    named_indexes("support_programmes", practitioner=["org_id", "practitioner_id", "state"])
    index("support_programmes", "tutor_id")

    org_table(
        "competence_ratings",
        ref("programme_id", "support_programmes"),
        ref("tutor_id", "people"),
        column("stage", sa.String(length=10)),
        column("scores", sa.JSON()),
        column("labels", sa.JSON()),
        moment("rated_at"),
        unique("uq_competence_ratings_stage", "programme_id", "stage"),
    )
    org_table(
        "line_manager_updates",
        ref("programme_id", "support_programmes"),
        column("number", sa.Integer()),
        column("text", sa.Text()),
        column("state", sa.String(length=20)),
        column("written_by", sa.Integer(), nullable=True),
        column("tutor_note", sa.Text()),
        moment("created_at"),
        moment("sent_at", nullable=True),
        unique("uq_line_manager_updates_number", "programme_id", "number"),
    )
    org_table(
        "support_reflections",
        ref("programme_id", "support_programmes"),
        ref("tutor_id", "people"),
        column("text", sa.Text()),
        moment("created_at"),
    )
    index("support_reflections", "programme_id")

    org_table(
        "support_reports",
        ref("programme_id", "support_programmes"),
        column("practitioner_id", sa.Integer(), nullable=True),
        column("month", sa.String(length=7)),
        column("sessions", sa.Text()),
        column("actions", sa.Text()),
        column("progress", sa.Text()),
        column("concerns", sa.Text()),
        moment("submitted_at"),
        unique("uq_support_reports_month", "programme_id", "month"),
    )
    org_table(
        "support_sessions",
        ref("programme_id", "support_programmes"),
        column("kind", sa.String(length=40)),
        column("held_on", sa.Date()),
        column("notes", sa.Text()),
        column("logged_by", sa.Integer(), nullable=True),
        moment("created_at"),
    )
    index("support_sessions", "programme_id")

    org_table(
        "support_actions",
        ref("programme_id", "support_programmes"),
        ref("session_id", "support_sessions"),
        column("text", sa.Text()),
        column("status", sa.String(length=20)),
        column("reviewed_in", sa.Integer(), nullable=True),
        moment("updated_at"),
    )
    index("support_actions", "programme_id")


def downgrade() -> None:
    drop("support_actions", "programme_id")
    drop("support_sessions", "programme_id")
    op.drop_table("support_reports")
    drop("support_reflections", "programme_id")
    op.drop_table("line_manager_updates")
    op.drop_table("competence_ratings")
    drop("support_programmes", "practitioner", "tutor_id")
    drop("support_referrals", "org_state", "tutor_id")
    op.drop_table("support_offer_preferences")
