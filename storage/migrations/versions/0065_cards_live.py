"""cards: the posted session card is updated for everyone; agreed actions are followed through

A channel or group-chat session remembers the message its card is in, so the bot can update that
message (Bot Connector updateActivity) when anyone contributes, turns the card, moves on or agrees
an action: everyone sees the card as it is, not only whoever pressed.

An agreed action's owner can say they are not doing it, and why (`dropped_at`, `dropped_reason`);
"needs more time" moves `due_on` and counts in `extended`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0065_cards_live"
down_revision = "0060_cards_exports"


def upgrade() -> None:
    with op.batch_alter_table("card_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_activity_id", sa.String(length=200), nullable=True))
    with op.batch_alter_table("card_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dropped_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dropped_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("extended", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("card_actions", schema=None) as batch_op:
        batch_op.drop_column("extended")
        batch_op.drop_column("dropped_reason")
        batch_op.drop_column("dropped_at")
    with op.batch_alter_table("card_sessions", schema=None) as batch_op:
        batch_op.drop_column("live_activity_id")
