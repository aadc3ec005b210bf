"""outbox: outbox messages, tenant pacing, roster syncs, notice preferences; ready_at/revision"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0003_outbox"
down_revision = "0002_reminders"
branch_labels = ("outbox",)


def upgrade() -> None:
    op.create_table(
        "tenant_pacing",
        s.org(),
        s.column("next_free", sa.Float()),
        s.primary("tenant_pacing", "org_id"),
    )
    s.org_table(
        "notice_preferences",
        s.ref("person_id", "people"),
        s.column("category", sa.String(length=60)),
        s.column("opted_out", sa.Boolean()),
        s.moment("updated_at"),
        s.unique("uq_notice_preferences_person_category", "person_id", "category"),
    )
    op.create_table(
        "roster_syncs",
        s.column("team_pk", sa.Integer()),
        s.moment("synced_at"),
        s.refers("roster_syncs", "team_pk", "teams", "CASCADE"),
        s.primary("roster_syncs", "team_pk"),
    )
    s.org_table(
        "outbox_messages",
        s.ref("item_id", "scheduled_items"),
        s.column("item_revision", sa.Integer()),
        s.column("kind", sa.String(length=60)),
        s.ref("person_id", "people", nullable=True),
        s.ref("conversation_ref_id", "conversation_refs", "SET NULL"),
        s.column("message", sa.JSON()),
        s.column("state", sa.String(length=20)),
        s.moment("not_before"),
        s.column("attempts", sa.Integer()),
        s.column("throttled", sa.Integer()),
        s.column("last_status", sa.Integer(), nullable=True),
        s.column("last_error", sa.Text(), nullable=True),
        s.column("conversation_id", sa.String(length=400), nullable=True),
        s.column("activity_id", sa.String(length=200), nullable=True),
        s.column("paced_at", sa.Float(), nullable=True),
        s.moment("sent_at", nullable=True),
        *s.stamped(),
        s.unique("uq_outbox_messages_item_revision", "item_id", "item_revision"),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_messages_conversation", ["conversation_id", "paced_at"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_messages_ready", ["state", "not_before", "id"], unique=False
        )

    # Existing items: ready when due, first revision.
    with op.batch_alter_table("scheduled_items", schema=None) as batch_op:
        batch_op.add_column(s.moment("ready_at", nullable=True))
        batch_op.add_column(s.column("revision", sa.Integer(), server_default="1"))
    op.execute("UPDATE scheduled_items SET ready_at = due_at")
    with op.batch_alter_table("scheduled_items", schema=None) as batch_op:
        batch_op.alter_column("ready_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_index("ix_scheduled_items_due")
        batch_op.create_index("ix_scheduled_items_ready", ["state", "ready_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_items", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_items_ready")
        batch_op.create_index("ix_scheduled_items_due", ["state", "due_at"], unique=False)
        batch_op.drop_column("revision")
        batch_op.drop_column("ready_at")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_ready")
        batch_op.drop_index("ix_outbox_messages_conversation")

    op.drop_table("outbox_messages")
    op.drop_table("roster_syncs")
    op.drop_table("notice_preferences")
    op.drop_table("tenant_pacing")
