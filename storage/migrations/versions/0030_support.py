"""support: self-referrals and programmes"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
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
        sa.Column("person_id", sa.Integer(), nullable=False),
        org(),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        moment("updated_at"),
        refers("support_offer_preferences", "person_id", "people", "CASCADE"),
        primary("support_offer_preferences", "person_id"),
    )
    org_table(
        "support_referrals",
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("other_topic", sa.Text(), nullable=False),
        sa.Column("ways", sa.JSON(), nullable=False),
        sa.Column("campus", sa.String(length=200), nullable=False),
        sa.Column("preferred_times", sa.JSON(), nullable=False),
        sa.Column("times_note", sa.String(length=300), nullable=False),
        sa.Column("similar_style", sa.Boolean(), nullable=False),
        sa.Column("delivery_style", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=True),
        sa.Column("passed_ids", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        *stamped(),
        refers("support_referrals", "practitioner_id", "people", "SET NULL"),
        refers("support_referrals", "tutor_id", "people", "CASCADE"),
    )
    named_indexes("support_referrals", org_state=["org_id", "state"])
    index("support_referrals", "tutor_id")

    org_table(
        "support_programmes",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        moment("started_at"),
        moment("ends_at", nullable=True),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("extra_weeks", sa.Integer(), nullable=False),
        sa.Column("objectives", sa.JSON(), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("sign_off", sa.String(length=20), nullable=True),
        moment("escalated_at", nullable=True),
        sa.Column("review_decision", sa.String(length=30), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
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
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        moment("rated_at"),
        refers("competence_ratings", "programme_id", "support_programmes", "CASCADE"),
        refers("competence_ratings", "tutor_id", "people", "CASCADE"),
        sa.UniqueConstraint("programme_id", "stage", name="uq_competence_ratings_stage"),
    )
    org_table(
        "line_manager_updates",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("written_by", sa.Integer(), nullable=True),
        sa.Column("tutor_note", sa.Text(), nullable=False),
        moment("created_at"),
        moment("sent_at", nullable=True),
        refers("line_manager_updates", "programme_id", "support_programmes", "CASCADE"),
        sa.UniqueConstraint("programme_id", "number", name="uq_line_manager_updates_number"),
    )
    org_table(
        "support_reflections",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        moment("created_at"),
        refers("support_reflections", "programme_id", "support_programmes", "CASCADE"),
        refers("support_reflections", "tutor_id", "people", "CASCADE"),
    )
    index("support_reflections", "programme_id")

    org_table(
        "support_reports",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sessions", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("concerns", sa.Text(), nullable=False),
        moment("submitted_at"),
        refers("support_reports", "programme_id", "support_programmes", "CASCADE"),
        sa.UniqueConstraint("programme_id", "month", name="uq_support_reports_month"),
    )
    org_table(
        "support_sessions",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("logged_by", sa.Integer(), nullable=True),
        moment("created_at"),
        refers("support_sessions", "programme_id", "support_programmes", "CASCADE"),
    )
    index("support_sessions", "programme_id")

    org_table(
        "support_actions",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewed_in", sa.Integer(), nullable=True),
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
