"""mentoring: mentor offers, relationships and agreements, meetings, reviews, coaching (seed 003)"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    column,
    index,
    moment,
    named_indexes,
    org_table,
    ref,
    stamped,
    unique,
)

revision = "0090_mentoring"
down_revision = "0002_reminders"
branch_labels = ("mentoring",)


def upgrade() -> None:
    org_table(
        "mentor_offers",
        ref("person_id", "people"),
        column("specialisms", sa.JSON()),
        column("campus", sa.String(length=200)),
        column("delivery_style", sa.String(length=20), nullable=True),
        column("capacity", sa.Integer()),
        column("job_title", sa.String(length=200)),
        column("institution", sa.String(length=200)),
        column("active", sa.Boolean()),
        *stamped(),
        unique("uq_mentor_offers_person", "org_id", "person_id"),
    )
    org_table(
        "mentoring_relationships",
        ref("mentee_id", "people"),
        ref("mentor_id", "people"),
        column("specialism", sa.String(length=200)),
        column("next_choices", sa.JSON()),
        column("state", sa.String(length=20)),
        column("agreement", sa.JSON()),
        column("version", sa.Integer()),
        column("proposal", sa.JSON(), nullable=True),
        column("proposed_by", sa.Integer(), nullable=True),
        moment("proposed_at", nullable=True),
        column("confirmations", sa.JSON()),
        moment("accepted_at", nullable=True),
        moment("ended_at", nullable=True),
        *stamped(),
    )
    named_indexes(
        "mentoring_relationships",
        mentee=["org_id", "mentee_id", "state"],
        mentor=["org_id", "mentor_id", "state"],
    )
    org_table(
        "mentoring_entries",
        ref("relationship_id", "mentoring_relationships"),
        column("kind", sa.String(length=20)),
        column("held_on", sa.Date()),
        column("discussed", sa.Text()),
        column("next_steps", sa.JSON()),
        column("progress", sa.JSON()),
        column("evaluation", sa.Text()),
        column("logged_by", sa.Integer()),
        moment("created_at"),
    )
    index("mentoring_entries", "relationship_id")
    org_table(
        "mentoring_reviews",
        ref("relationship_id", "mentoring_relationships"),
        column("point", sa.String(length=40)),
        column("label", sa.String(length=100)),
        column("lines", sa.JSON()),
        column("recipients", sa.JSON()),
        column("state", sa.String(length=20)),
        moment("drafted_at"),
        moment("seen_at", nullable=True),
        moment("sent_at", nullable=True),
        unique("uq_mentoring_reviews_point", "relationship_id", "point"),
    )
    org_table(
        "coaching_conversations",
        ref("person_id", "people"),
        column("model", sa.String(length=20)),
        column("step", sa.Integer()),
        column("answers", sa.JSON()),
        column("state", sa.String(length=20)),
        column("scales", sa.JSON()),
        column("actions", sa.JSON()),
        column("shared_with", sa.JSON()),
        *stamped(),
    )
    named_indexes("coaching_conversations", person=["org_id", "person_id", "state"])


def downgrade() -> None:
    op.drop_table("coaching_conversations")
    op.drop_table("mentoring_reviews")
    op.drop_table("mentoring_entries")
    op.drop_table("mentoring_relationships")
    op.drop_table("mentor_offers")
