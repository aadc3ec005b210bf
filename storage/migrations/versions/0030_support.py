"""support: self-referrals and programmes

Revision ID: 0030_support
Revises: 0002_reminders
Create Date: 2026-11-23 01:06:53.746507
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import drop, index, key, moment, org, primary, refers, stamped

revision: str = "0030_support"
down_revision: str | Sequence[str] | None = "0002_reminders"
branch_labels: str | Sequence[str] | None = ("support",)
depends_on: str | Sequence[str] | None = None


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
    op.create_table(
        "support_referrals",
        key(),
        org(),
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
        primary("support_referrals"),
    )
    with op.batch_alter_table("support_referrals", schema=None) as batch_op:
        batch_op.create_index("ix_support_referrals_org_state", ["org_id", "state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_support_referrals_tutor_id"), ["tutor_id"], unique=False
        )

    op.create_table(
        "support_programmes",
        key(),
        org(),
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
        primary("support_programmes"),
        sa.UniqueConstraint("referral_id", name="uq_support_programmes_referral"),
    )
    with op.batch_alter_table("support_programmes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_support_programmes_practitioner",
            ["org_id", "practitioner_id", "state"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_support_programmes_tutor_id"), ["tutor_id"], unique=False
        )

    op.create_table(
        "competence_ratings",
        key(),
        org(),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        moment("rated_at"),
        refers("competence_ratings", "programme_id", "support_programmes", "CASCADE"),
        refers("competence_ratings", "tutor_id", "people", "CASCADE"),
        primary("competence_ratings"),
        sa.UniqueConstraint("programme_id", "stage", name="uq_competence_ratings_stage"),
    )
    op.create_table(
        "line_manager_updates",
        key(),
        org(),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("written_by", sa.Integer(), nullable=True),
        sa.Column("tutor_note", sa.Text(), nullable=False),
        moment("created_at"),
        moment("sent_at", nullable=True),
        refers("line_manager_updates", "programme_id", "support_programmes", "CASCADE"),
        primary("line_manager_updates"),
        sa.UniqueConstraint("programme_id", "number", name="uq_line_manager_updates_number"),
    )
    op.create_table(
        "support_reflections",
        key(),
        org(),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        moment("created_at"),
        refers("support_reflections", "programme_id", "support_programmes", "CASCADE"),
        refers("support_reflections", "tutor_id", "people", "CASCADE"),
        primary("support_reflections"),
    )
    index("support_reflections", "programme_id")

    op.create_table(
        "support_reports",
        key(),
        org(),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sessions", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("concerns", sa.Text(), nullable=False),
        moment("submitted_at"),
        refers("support_reports", "programme_id", "support_programmes", "CASCADE"),
        primary("support_reports"),
        sa.UniqueConstraint("programme_id", "month", name="uq_support_reports_month"),
    )
    op.create_table(
        "support_sessions",
        key(),
        org(),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("logged_by", sa.Integer(), nullable=True),
        moment("created_at"),
        refers("support_sessions", "programme_id", "support_programmes", "CASCADE"),
        primary("support_sessions"),
    )
    index("support_sessions", "programme_id")

    op.create_table(
        "support_actions",
        key(),
        org(),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewed_in", sa.Integer(), nullable=True),
        moment("updated_at"),
        refers("support_actions", "programme_id", "support_programmes", "CASCADE"),
        refers("support_actions", "session_id", "support_sessions", "CASCADE"),
        primary("support_actions"),
    )
    index("support_actions", "programme_id")


def downgrade() -> None:
    drop("support_actions", "programme_id")
    drop("support_sessions", "programme_id")
    op.drop_table("support_reports")
    drop("support_reflections", "programme_id")
    op.drop_table("line_manager_updates")
    op.drop_table("competence_ratings")
    with op.batch_alter_table("support_programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_programmes_tutor_id"))
        batch_op.drop_index("ix_support_programmes_practitioner")

    op.drop_table("support_programmes")
    with op.batch_alter_table("support_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_referrals_tutor_id"))
        batch_op.drop_index("ix_support_referrals_org_state")

    op.drop_table("support_referrals")
    op.drop_table("support_offer_preferences")
