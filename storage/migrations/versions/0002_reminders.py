"""reminders: scheduled items

Revision ID: 0002_reminders
Revises: 0001_core
Create Date: 2026-11-23 00:59:03.994113
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import key, moment, org, primary, refers, stamped

revision: str = "0002_reminders"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("reminders",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_items",
        key(),
        org(),
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
        primary("scheduled_items"),
        sa.UniqueConstraint("org_id", "key", name="uq_scheduled_items_org_key"),
    )
    with op.batch_alter_table("scheduled_items", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_items_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_items", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_items_due")

    op.drop_table("scheduled_items")
