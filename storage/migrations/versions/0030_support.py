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
    refers,
    stamped,
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
        column("tutor_id", sa.Integer()),
        column("topics", sa.JSON()),
        column("other_topic", sa.Text()),
        column("ways", sa.JSON()),
        column("campus", sa.String(length=200)),
        column("preferred_times", sa.JSON()),
        column("times_note", sa.String(length=300)),
        column("similar_style", sa.Boolean()),
        column("delivery_style", sa.String(length=20), nullable=True),
        column("state", sa.String(length=20)),
        column("practitioner_id", sa.Integer(), nullable=True),
        column("passed_ids", sa.JSON()),
        column("source", sa.String(length=40)),
        *stamped(),
        refers("support_referrals", "practitioner_id", "people", "SET NULL"),
        refers("support_referrals", "tutor_id", "people", "CASCADE"),
    )
    named_indexes("support_referrals", org_state=["org_id", "state"])
    index("support_referrals", "tutor_id")

    org_table(
        "support_programmes",
        column("referral_id", sa.Integer()),
        column("tutor_id", sa.Integer()),
        column("practitioner_id", sa.Integer(), nullable=True),
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
        refers("support_programmes", "practitioner_id", "people", "SET NULL"),
        refers("support_programmes", "referral_id", "support_referrals", "CASCADE"),
        refers("support_programmes", "tutor_id", "people", "CASCADE"),
        sa.UniqueConstraint("referral_id", name="uq_support_programmes_referral"),
    )
    named_indexes("support_programmes", practitioner=["org_id", "practitioner_id", "state"])
    index("support_programmes", "tutor_id")

    org_table(
        "competence_ratings",
        column("programme_id", sa.Integer()),
        column("tutor_id", sa.Integer()),
        column("stage", sa.String(length=10)),
        column("scores", sa.JSON()),
        column("labels", sa.JSON()),
        moment("rated_at"),
        refers("competence_ratings", "programme_id", "support_programmes", "CASCADE"),
        refers("competence_ratings", "tutor_id", "people", "CASCADE"),
        sa.UniqueConstraint("programme_id", "stage", name="uq_competence_ratings_stage"),
    )
    org_table(
        "line_manager_updates",
        column("programme_id", sa.Integer()),
        column("number", sa.Integer()),
        column("text", sa.Text()),
        column("state", sa.String(length=20)),
        column("written_by", sa.Integer(), nullable=True),
        column("tutor_note", sa.Text()),
        moment("created_at"),
        moment("sent_at", nullable=True),
        refers("line_manager_updates", "programme_id", "support_programmes", "CASCADE"),
        sa.UniqueConstraint("programme_id", "number", name="uq_line_manager_updates_number"),
    )
    org_table(
        "support_reflections",
        column("programme_id", sa.Integer()),
        column("tutor_id", sa.Integer()),
        column("text", sa.Text()),
        moment("created_at"),
        refers("support_reflections", "programme_id", "support_programmes", "CASCADE"),
        refers("support_reflections", "tutor_id", "people", "CASCADE"),
    )
    index("support_reflections", "programme_id")

    org_table(
        "support_reports",
        column("programme_id", sa.Integer()),
        column("practitioner_id", sa.Integer(), nullable=True),
        column("month", sa.String(length=7)),
        column("sessions", sa.Text()),
        column("actions", sa.Text()),
        column("progress", sa.Text()),
        column("concerns", sa.Text()),
        moment("submitted_at"),
        refers("support_reports", "programme_id", "support_programmes", "CASCADE"),
        sa.UniqueConstraint("programme_id", "month", name="uq_support_reports_month"),
    )
    org_table(
        "support_sessions",
        column("programme_id", sa.Integer()),
        column("kind", sa.String(length=40)),
        column("held_on", sa.Date()),
        column("notes", sa.Text()),
        column("logged_by", sa.Integer(), nullable=True),
        moment("created_at"),
        refers("support_sessions", "programme_id", "support_programmes", "CASCADE"),
    )
    index("support_sessions", "programme_id")

    org_table(
        "support_actions",
        column("programme_id", sa.Integer()),
        column("session_id", sa.Integer()),
        column("text", sa.Text()),
        column("status", sa.String(length=20)),
        column("reviewed_in", sa.Integer(), nullable=True),
        moment("updated_at"),
        refers("support_actions", "programme_id", "support_programmes", "CASCADE"),
        refers("support_actions", "session_id", "support_sessions", "CASCADE"),
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
