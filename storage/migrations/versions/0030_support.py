"""support: self-referrals and programmes"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0030_support"
down_revision = "0002_reminders"
branch_labels = ("support",)


def upgrade() -> None:
    op.create_table(
        "support_offer_preferences",
        s.column("person_id", sa.Integer()),
        s.org(),
        s.column("opted_out", sa.Boolean()),
        s.moment("updated_at"),
        s.refers("support_offer_preferences", "person_id", "people", "CASCADE"),
        s.primary("support_offer_preferences", "person_id"),
    )
    s.org_table(
        "support_referrals",
        s.ref("tutor_id", "people"),
        s.column("topics", sa.JSON()),
        s.column("other_topic", sa.Text()),
        s.column("ways", sa.JSON()),
        s.column("campus", sa.String(length=200)),
        s.column("preferred_times", sa.JSON()),
        s.column("times_note", sa.String(length=300)),
        s.column("similar_style", sa.Boolean()),
        s.column("delivery_style", sa.String(length=20), nullable=True),
        s.column("state", sa.String(length=20)),
        s.ref("practitioner_id", "people", "SET NULL"),
        s.column("passed_ids", sa.JSON()),
        s.column("source", sa.String(length=40)),
        *s.stamped(),
    )
    s.named_indexes("support_referrals", org_state=["org_id", "state"])
    s.index("support_referrals", "tutor_id")

    s.org_table(
        "support_programmes",
        s.ref("referral_id", "support_referrals"),
        s.ref("tutor_id", "people"),
        s.ref("practitioner_id", "people", "SET NULL"),
        s.column("kind", sa.String(length=30)),
        s.column("state", sa.String(length=20)),
        s.moment("started_at"),
        s.moment("ends_at", nullable=True),
        s.column("extensions", sa.Integer()),
        s.column("extra_weeks", sa.Integer()),
        s.column("objectives", sa.JSON()),
        s.column("milestones", sa.JSON()),
        s.column("sign_off", sa.String(length=20), nullable=True),
        s.moment("escalated_at", nullable=True),
        s.column("review_decision", sa.String(length=30), nullable=True),
        s.column("review_note", sa.Text()),
        *s.stamped(),
        s.unique("uq_support_programmes_referral", "referral_id"),
    )
    s.named_indexes("support_programmes", practitioner=["org_id", "practitioner_id", "state"])
    s.index("support_programmes", "tutor_id")

    s.org_table(
        "competence_ratings",
        s.ref("programme_id", "support_programmes"),
        s.ref("tutor_id", "people"),
        s.column("stage", sa.String(length=10)),
        s.column("scores", sa.JSON()),
        s.column("labels", sa.JSON()),
        s.moment("rated_at"),
        s.unique("uq_competence_ratings_stage", "programme_id", "stage"),
    )
    s.org_table(
        "line_manager_updates",
        s.ref("programme_id", "support_programmes"),
        s.column("number", sa.Integer()),
        s.column("text", sa.Text()),
        s.column("state", sa.String(length=20)),
        s.column("written_by", sa.Integer(), nullable=True),
        s.column("tutor_note", sa.Text()),
        s.moment("created_at"),
        s.moment("sent_at", nullable=True),
        s.unique("uq_line_manager_updates_number", "programme_id", "number"),
    )
    s.org_table(
        "support_reflections",
        s.ref("programme_id", "support_programmes"),
        s.ref("tutor_id", "people"),
        s.column("text", sa.Text()),
        s.moment("created_at"),
    )
    s.index("support_reflections", "programme_id")

    s.org_table(
        "support_reports",
        s.ref("programme_id", "support_programmes"),
        s.column("practitioner_id", sa.Integer(), nullable=True),
        s.column("month", sa.String(length=7)),
        s.column("sessions", sa.Text()),
        s.column("actions", sa.Text()),
        s.column("progress", sa.Text()),
        s.column("concerns", sa.Text()),
        s.moment("submitted_at"),
        s.unique("uq_support_reports_month", "programme_id", "month"),
    )
    s.org_table(
        "support_sessions",
        s.ref("programme_id", "support_programmes"),
        s.column("kind", sa.String(length=40)),
        s.column("held_on", sa.Date()),
        s.column("notes", sa.Text()),
        s.column("logged_by", sa.Integer(), nullable=True),
        s.moment("created_at"),
    )
    s.index("support_sessions", "programme_id")

    s.org_table(
        "support_actions",
        s.ref("programme_id", "support_programmes"),
        s.ref("session_id", "support_sessions"),
        s.column("text", sa.Text()),
        s.column("status", sa.String(length=20)),
        s.column("reviewed_in", sa.Integer(), nullable=True),
        s.moment("updated_at"),
    )
    s.index("support_actions", "programme_id")


def downgrade() -> None:
    s.drop("support_actions", "programme_id")
    s.drop("support_sessions", "programme_id")
    op.drop_table("support_reports")
    s.drop("support_reflections", "programme_id")
    op.drop_table("line_manager_updates")
    op.drop_table("competence_ratings")
    s.drop("support_programmes", "practitioner", "tutor_id")
    s.drop("support_referrals", "org_state", "tutor_id")
    op.drop_table("support_offer_preferences")
