"""cards: progression card sessions and an organisation's own deck"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    column,
    drop,
    key,
    moment,
    named_indexes,
    org_table,
    primary,
    refers,
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
        sa.UniqueConstraint("org_id", "issue_number", "number", name="uq_own_lead_questions_key"),
    )
    org_table(
        "own_strategic_issues",
        column("number", sa.Integer()),
        column("title", sa.String(length=300)),
        column("created_by", sa.Integer(), nullable=True),
        moment("created_at"),
        sa.UniqueConstraint("org_id", "number", name="uq_own_strategic_issues_number"),
    )
    org_table(
        "card_sessions",
        column("place_key", sa.String(length=400)),
        column("conversation_id", sa.String(length=400)),
        column("conversation_ref_id", sa.Integer(), nullable=True),
        column("facilitator_id", sa.Integer()),
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
        refers("card_sessions", "conversation_ref_id", "conversation_refs", "SET NULL"),
        refers("card_sessions", "facilitator_id", "people", "CASCADE"),
        sa.UniqueConstraint("export_token", name="uq_card_sessions_export_token"),
    )
    named_indexes(
        "card_sessions", facilitator=["facilitator_id"], place=["org_id", "place_key", "state"]
    )

    op.create_table(
        "card_actions",
        key(),
        column("session_id", sa.Integer()),
        column("card_key", sa.String(length=20)),
        column("what", sa.Text()),
        column("owner_id", sa.Integer()),
        column("due_on", sa.Date()),
        moment("done_at", nullable=True),
        column("created_by", sa.Integer(), nullable=True),
        moment("created_at"),
        refers("card_actions", "owner_id", "people", "CASCADE"),
        refers("card_actions", "session_id", "card_sessions", "CASCADE"),
        primary("card_actions"),
    )
    named_indexes("card_actions", owner=["owner_id"], session=["session_id", "card_key"])

    op.create_table(
        "card_contributions",
        key(),
        column("session_id", sa.Integer()),
        column("card_key", sa.String(length=20)),
        column("person_id", sa.Integer(), nullable=True),
        column("text", sa.Text()),
        moment("created_at"),
        refers("card_contributions", "person_id", "people", "SET NULL"),
        refers("card_contributions", "session_id", "card_sessions", "CASCADE"),
        primary("card_contributions"),
    )
    named_indexes("card_contributions", session=["session_id", "card_key"])


def downgrade() -> None:
    drop("card_contributions", "session")
    drop("card_actions", "owner", "session")
    drop("card_sessions", "facilitator", "place")
    op.drop_table("own_strategic_issues")
    op.drop_table("own_lead_questions")
