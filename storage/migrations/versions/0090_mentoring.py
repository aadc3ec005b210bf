"""mentoring: mentor offers, relationships and agreements, meetings, reviews, coaching (seed 003)"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import index, moment, named_indexes, org_table, refers, stamped

revision = "0090_mentoring"
down_revision = "0002_reminders"
branch_labels = ("mentoring",)


def upgrade() -> None:
    org_table(
        "mentor_offers",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("specialisms", sa.JSON(), nullable=False),
        sa.Column("campus", sa.String(length=200), nullable=False),
        sa.Column("delivery_style", sa.String(length=20), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *stamped(),
        refers("mentor_offers", "person_id", "people", "CASCADE"),
        sa.UniqueConstraint("org_id", "person_id", name="uq_mentor_offers_person"),
    )
    org_table(
        "mentoring_relationships",
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("specialism", sa.String(length=200), nullable=False),
        sa.Column("next_choices", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("agreement", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        moment("proposed_at", nullable=True),
        sa.Column("confirmations", sa.JSON(), nullable=False),
        moment("accepted_at", nullable=True),
        moment("ended_at", nullable=True),
        *stamped(),
        refers("mentoring_relationships", "mentee_id", "people", "CASCADE"),
        refers("mentoring_relationships", "mentor_id", "people", "CASCADE"),
    )
    named_indexes(
        "mentoring_relationships",
        mentee=["org_id", "mentee_id", "state"],
        mentor=["org_id", "mentor_id", "state"],
    )
    org_table(
        "mentoring_entries",
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("discussed", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("logged_by", sa.Integer(), nullable=False),
        moment("created_at"),
        refers("mentoring_entries", "relationship_id", "mentoring_relationships", "CASCADE"),
    )
    index("mentoring_entries", "relationship_id")
    org_table(
        "mentoring_reviews",
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        moment("drafted_at"),
        moment("seen_at", nullable=True),
        moment("sent_at", nullable=True),
        refers("mentoring_reviews", "relationship_id", "mentoring_relationships", "CASCADE"),
        sa.UniqueConstraint("relationship_id", "point", name="uq_mentoring_reviews_point"),
    )
    org_table(
        "coaching_conversations",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("scales", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("shared_with", sa.JSON(), nullable=False),
        *stamped(),
        refers("coaching_conversations", "person_id", "people", "CASCADE"),
    )
    named_indexes("coaching_conversations", person=["org_id", "person_id", "state"])


def downgrade() -> None:
    op.drop_table("coaching_conversations")
    op.drop_table("mentoring_reviews")
    op.drop_table("mentoring_entries")
    op.drop_table("mentoring_relationships")
    op.drop_table("mentor_offers")
