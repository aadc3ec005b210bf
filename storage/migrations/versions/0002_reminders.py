"""reminders: scheduled items"""

import sqlalchemy as sa

from storage.migrations.shapes import drop, moment, named_indexes, org_table, refers, stamped

revision = "0002_reminders"
down_revision = "0001_core"
branch_labels = ("reminders",)


def upgrade() -> None:
    org_table(
        "scheduled_items",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        moment("due_at"),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("conversation_ref_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("activity_id", sa.String(length=200), nullable=True),
        moment("sent_at", nullable=True),
        *stamped(),
        refers("scheduled_items", "conversation_ref_id", "conversation_refs", "CASCADE"),
        refers("scheduled_items", "person_id", "people", "CASCADE"),
        sa.UniqueConstraint("org_id", "key", name="uq_scheduled_items_org_key"),
    )
    named_indexes("scheduled_items", due=["state", "due_at"])


def downgrade() -> None:
    drop("scheduled_items", "due")
