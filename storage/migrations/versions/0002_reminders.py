"""reminders: scheduled items"""

import sqlalchemy as sa

from storage.migrations import shapes as s

revision = "0002_reminders"
down_revision = "0001_core"
branch_labels = ("reminders",)


def upgrade() -> None:
    s.org_table(
        "scheduled_items",
        s.column("key", sa.String(length=300)),
        s.column("kind", sa.String(length=60)),
        s.moment("due_at"),
        s.ref("person_id", "people", nullable=True),
        s.ref("conversation_ref_id", "conversation_refs", nullable=True),
        s.column("payload", sa.JSON()),
        s.column("state", sa.String(length=20)),
        s.column("attempts", sa.Integer()),
        s.column("last_error", sa.Text(), nullable=True),
        s.column("activity_id", sa.String(length=200), nullable=True),
        s.moment("sent_at", nullable=True),
        *s.stamped(),
        s.unique("uq_scheduled_items_org_key", "org_id", "key"),
    )
    s.named_indexes("scheduled_items", due=["state", "due_at"])


def downgrade() -> None:
    s.drop("scheduled_items", "due")
