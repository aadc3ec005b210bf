"""mentoring: mentor offers, relationships and agreements, meetings, reviews, coaching (seed 003)"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0090_mentoring"
down_revision = "0002_reminders"
branch_labels = ("mentoring",)


def upgrade() -> None:
    s.org_table(
        "mentor_offers",
        s.ref("person_id", "people"),
        s.column("specialisms", sa.JSON()),
        s.column("campus", sa.String(length=200)),
        s.column("delivery_style", sa.String(length=20), nullable=True),
        s.column("capacity", sa.Integer()),
        s.column("job_title", sa.String(length=200)),
        s.column("institution", sa.String(length=200)),
        s.column("active", sa.Boolean()),
        *s.stamped(),
        s.unique("uq_mentor_offers_person", "org_id", "person_id"),
    )
    s.org_table(
        "mentoring_relationships",
        s.ref("mentee_id", "people"),
        s.ref("mentor_id", "people"),
        s.column("specialism", sa.String(length=200)),
        s.column("next_choices", sa.JSON()),
        s.column("state", sa.String(length=20)),
        s.column("agreement", sa.JSON()),
        s.column("version", sa.Integer()),
        s.column("proposal", sa.JSON(), nullable=True),
        s.column("proposed_by", sa.Integer(), nullable=True),
        s.moment("proposed_at", nullable=True),
        s.column("confirmations", sa.JSON()),
        s.moment("accepted_at", nullable=True),
        s.moment("ended_at", nullable=True),
        *s.stamped(),
    )
    s.named_indexes(
        "mentoring_relationships",
        mentee=["org_id", "mentee_id", "state"],
        mentor=["org_id", "mentor_id", "state"],
    )
    s.org_table(
        "mentoring_entries",
        s.ref("relationship_id", "mentoring_relationships"),
        s.column("kind", sa.String(length=20)),
        s.column("held_on", sa.Date()),
        s.column("discussed", sa.Text()),
        s.column("next_steps", sa.JSON()),
        s.column("progress", sa.JSON()),
        s.column("evaluation", sa.Text()),
        s.column("logged_by", sa.Integer()),
        s.moment("created_at"),
    )
    s.index("mentoring_entries", "relationship_id")
    s.org_table(
        "mentoring_reviews",
        s.ref("relationship_id", "mentoring_relationships"),
        s.column("point", sa.String(length=40)),
        s.column("label", sa.String(length=100)),
        s.column("lines", sa.JSON()),
        s.column("recipients", sa.JSON()),
        s.column("state", sa.String(length=20)),
        s.moment("drafted_at"),
        s.moment("seen_at", nullable=True),
        s.moment("sent_at", nullable=True),
        s.unique("uq_mentoring_reviews_point", "relationship_id", "point"),
    )
    s.org_table(
        "coaching_conversations",
        s.ref("person_id", "people"),
        s.column("model", sa.String(length=20)),
        s.column("step", sa.Integer()),
        s.column("answers", sa.JSON()),
        s.column("state", sa.String(length=20)),
        s.column("scales", sa.JSON()),
        s.column("actions", sa.JSON()),
        s.column("shared_with", sa.JSON()),
        *s.stamped(),
    )
    s.named_indexes("coaching_conversations", person=["org_id", "person_id", "state"])


def downgrade() -> None:
    op.drop_table("coaching_conversations")
    op.drop_table("mentoring_reviews")
    op.drop_table("mentoring_entries")
    op.drop_table("mentoring_relationships")
    op.drop_table("mentor_offers")
