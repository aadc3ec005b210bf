"""outbox: outbox messages, tenant pacing, roster syncs, notice preferences; ready_at/revision"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import moment, org, org_table, primary, refers, stamped

revision = "0003_outbox"
down_revision = "0002_reminders"
branch_labels = ("outbox",)


def upgrade() -> None:
    op.create_table(
        "tenant_pacing",
        org(),
        sa.Column("next_free", sa.Float(), nullable=False),
        primary("tenant_pacing", "org_id"),
    )
    org_table(
        "notice_preferences",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        moment("updated_at"),
        refers("notice_preferences", "person_id", "people", "CASCADE"),
        sa.UniqueConstraint("person_id", "category", name="uq_notice_preferences_person_category"),
    )
    op.create_table(
        "roster_syncs",
        sa.Column("team_pk", sa.Integer(), nullable=False),
        moment("synced_at"),
        refers("roster_syncs", "team_pk", "teams", "CASCADE"),
        primary("roster_syncs", "team_pk"),
    )
    org_table(
        "outbox_messages",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("conversation_ref_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        moment("not_before"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("throttled", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("conversation_id", sa.String(length=400), nullable=True),
        sa.Column("activity_id", sa.String(length=200), nullable=True),
        sa.Column("paced_at", sa.Float(), nullable=True),
        moment("sent_at", nullable=True),
        *stamped(),
        refers("outbox_messages", "conversation_ref_id", "conversation_refs", "SET NULL"),
        refers("outbox_messages", "item_id", "scheduled_items", "CASCADE"),
        refers("outbox_messages", "person_id", "people", "CASCADE"),
        sa.UniqueConstraint("item_id", "item_revision", name="uq_outbox_messages_item_revision"),
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
        batch_op.add_column(sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
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
