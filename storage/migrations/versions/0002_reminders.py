"""reminders: scheduled items"""

import sqlalchemy as sa

from storage.migrations.shapes import (
    column,
    drop,
    moment,
    named_indexes,
    org_table,
    ref,
    stamped,
    unique,
)

revision = "0002_reminders"
down_revision = "0001_core"
branch_labels = ("reminders",)


def upgrade() -> None:
    org_table(
        "scheduled_items",
        column("key", sa.String(length=300)),
        column("kind", sa.String(length=60)),
        moment("due_at"),
        ref("person_id", "people", nullable=True),
        ref("conversation_ref_id", "conversation_refs", nullable=True),
        column("payload", sa.JSON()),
        column("state", sa.String(length=20)),
        column("attempts", sa.Integer()),
        column("last_error", sa.Text(), nullable=True),
        column("activity_id", sa.String(length=200), nullable=True),
        moment("sent_at", nullable=True),
        *stamped(),
        unique("uq_scheduled_items_org_key", "org_id", "key"),
    )
    named_indexes("scheduled_items", due=["state", "due_at"])


def downgrade() -> None:
    drop("scheduled_items", "due")
