"""cards: progression card sessions and an organisation's own deck"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0040_cards"
down_revision = "0002_reminders"
branch_labels = ("cards",)


def upgrade() -> None:
    s.org_table(
        "own_lead_questions",
        s.column("issue_number", sa.Integer()),
        s.column("number", sa.Integer()),
        s.column("question", sa.Text()),
        s.column("prompts", sa.JSON()),
        s.column("created_by", sa.Integer(), nullable=True),
        s.moment("created_at"),
        s.unique("uq_own_lead_questions_key", "org_id", "issue_number", "number"),
    )
    s.org_table(
        "own_strategic_issues",
        s.column("number", sa.Integer()),
        s.column("title", sa.String(length=300)),
        s.column("created_by", sa.Integer(), nullable=True),
        s.moment("created_at"),
        s.unique("uq_own_strategic_issues_number", "org_id", "number"),
    )
    s.org_table(
        "card_sessions",
        s.column("place_key", sa.String(length=400)),
        s.column("conversation_id", sa.String(length=400)),
        s.ref("conversation_ref_id", "conversation_refs", "SET NULL"),
        s.ref("facilitator_id", "people"),
        s.column("way", sa.String(length=20)),
        s.column("group_name", sa.String(length=200)),
        s.column("state", sa.String(length=20)),
        s.column("card_keys", sa.JSON()),
        s.column("position", sa.Integer()),
        s.column("participant_ids", sa.JSON()),
        s.column("prompt_schedule", sa.JSON(), nullable=True),
        s.column("export_token", sa.String(length=64), nullable=True),
        s.moment("started_at"),
        s.moment("updated_at"),
        s.moment("paused_at", nullable=True),
        s.moment("finished_at", nullable=True),
        s.unique("uq_card_sessions_export_token", "export_token"),
    )
    s.named_indexes(
        "card_sessions", facilitator=["facilitator_id"], place=["org_id", "place_key", "state"]
    )

    s.id_table(
        "card_actions",
        s.ref("session_id", "card_sessions"),
        s.column("card_key", sa.String(length=20)),
        s.column("what", sa.Text()),
        s.ref("owner_id", "people"),
        s.column("due_on", sa.Date()),
        s.moment("done_at", nullable=True),
        s.column("created_by", sa.Integer(), nullable=True),
        s.moment("created_at"),
    )
    s.named_indexes("card_actions", owner=["owner_id"], session=["session_id", "card_key"])

    s.id_table(
        "card_contributions",
        s.ref("session_id", "card_sessions"),
        s.column("card_key", sa.String(length=20)),
        s.ref("person_id", "people", "SET NULL"),
        s.column("text", sa.Text()),
        s.moment("created_at"),
    )
    s.named_indexes("card_contributions", session=["session_id", "card_key"])


def downgrade() -> None:
    s.drop("card_contributions", "session")
    s.drop("card_actions", "owner", "session")
    s.drop("card_sessions", "facilitator", "place")
    op.drop_table("own_strategic_issues")
    op.drop_table("own_lead_questions")
