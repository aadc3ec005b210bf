"""cards: progression card sessions and an organisation's own deck"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import drop, key, moment, named_indexes, org_table, primary, refers

revision = "0040_cards"
down_revision = "0002_reminders"
branch_labels = ("cards",)


def upgrade() -> None:
    org_table(
        "own_lead_questions",
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("prompts", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        moment("created_at"),
        sa.UniqueConstraint("org_id", "issue_number", "number", name="uq_own_lead_questions_key"),
    )
    org_table(
        "own_strategic_issues",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        moment("created_at"),
        sa.UniqueConstraint("org_id", "number", name="uq_own_strategic_issues_number"),
    )
    org_table(
        "card_sessions",
        sa.Column("place_key", sa.String(length=400), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("conversation_ref_id", sa.Integer(), nullable=True),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("way", sa.String(length=20), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("card_keys", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("participant_ids", sa.JSON(), nullable=False),
        sa.Column("prompt_schedule", sa.JSON(), nullable=True),
        sa.Column("export_token", sa.String(length=64), nullable=True),
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
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("card_key", sa.String(length=20), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        moment("done_at", nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        moment("created_at"),
        refers("card_actions", "owner_id", "people", "CASCADE"),
        refers("card_actions", "session_id", "card_sessions", "CASCADE"),
        primary("card_actions"),
    )
    named_indexes("card_actions", owner=["owner_id"], session=["session_id", "card_key"])

    op.create_table(
        "card_contributions",
        key(),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("card_key", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
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
