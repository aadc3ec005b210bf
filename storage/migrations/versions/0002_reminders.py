"""reminders: scheduled items"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import moment, org_table, refers, stamped

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
    with op.batch_alter_table("scheduled_items", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_items_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_items", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_items_due")

    op.drop_table("scheduled_items")
