"""cards: progression card sessions and an organisation's own deck"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    column,
    drop,
    id_table,
    moment,
    named_indexes,
    org_table,
    ref,
    unique,
)

revision = "0040_cards"
down_revision = "0002_reminders"
branch_labels = ("cards",)


def upgrade() -> None:
    org_table(
        "own_lead_questions",
        column("issue_number", sa.Integer()),
        column("number", sa.Integer()),
        column("question", sa.Text()),
        column("prompts", sa.JSON()),
        column("created_by", sa.Integer(), nullable=True),
        moment("created_at"),
        unique("uq_own_lead_questions_key", "org_id", "issue_number", "number"),
    )
    org_table(
        "own_strategic_issues",
        column("number", sa.Integer()),
        column("title", sa.String(length=300)),
        column("created_by", sa.Integer(), nullable=True),
        moment("created_at"),
        unique("uq_own_strategic_issues_number", "org_id", "number"),
    )
    org_table(
        "card_sessions",
        column("place_key", sa.String(length=400)),
        column("conversation_id", sa.String(length=400)),
        ref("conversation_ref_id", "conversation_refs", "SET NULL"),
        ref("facilitator_id", "people"),
        column("way", sa.String(length=20)),
        column("group_name", sa.String(length=200)),
        column("state", sa.String(length=20)),
        column("card_keys", sa.JSON()),
        column("position", sa.Integer()),
        column("participant_ids", sa.JSON()),
        column("prompt_schedule", sa.JSON(), nullable=True),
        column("export_token", sa.String(length=64), nullable=True),
        moment("started_at"),
        moment("updated_at"),
        moment("paused_at", nullable=True),
        moment("finished_at", nullable=True),
        unique("uq_card_sessions_export_token", "export_token"),
    )
    named_indexes(
        "card_sessions", facilitator=["facilitator_id"], place=["org_id", "place_key", "state"]
    )

    id_table(
        "card_actions",
        ref("session_id", "card_sessions"),
        column("card_key", sa.String(length=20)),
        column("what", sa.Text()),
        ref("owner_id", "people"),
        column("due_on", sa.Date()),
        moment("done_at", nullable=True),
        column("created_by", sa.Integer(), nullable=True),
        moment("created_at"),
    )
    named_indexes("card_actions", owner=["owner_id"], session=["session_id", "card_key"])

    id_table(
        "card_contributions",
        ref("session_id", "card_sessions"),
        column("card_key", sa.String(length=20)),
        ref("person_id", "people", "SET NULL"),
        column("text", sa.Text()),
        moment("created_at"),
    )
    named_indexes("card_contributions", session=["session_id", "card_key"])


def downgrade() -> None:
    drop("card_contributions", "session")
    drop("card_actions", "owner", "session")
    drop("card_sessions", "facilitator", "place")
    op.drop_table("own_strategic_issues")
    op.drop_table("own_lead_questions")
