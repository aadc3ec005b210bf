"""cards: the posted session card is updated for everyone; agreed actions are followed through

A channel or group-chat session remembers the message its card is in, so the bot can update that
message (Bot Connector updateActivity) when anyone contributes, turns the card, moves on or agrees
an action: everyone sees the card as it is, not only whoever pressed.

An agreed action's owner can say they are not doing it, and why (`dropped_at`, `dropped_reason`);
"needs more time" moves `due_on` and counts in `extended`.
"""

import sqlalchemy as sa

from storage.migrations import shapes as s

revision = "0065_cards_live"
down_revision = "0060_cards_exports"


def upgrade() -> None:
    s.add_columns(
        "card_sessions", s.column("live_activity_id", sa.String(length=200), nullable=True)
    )
    s.add_columns(
        "card_actions",
        s.moment("dropped_at", nullable=True),
        s.column("dropped_reason", sa.Text(), nullable=True),
        s.column("extended", sa.Integer(), server_default="0"),
    )


def downgrade() -> None:
    s.drop_columns("card_actions", "extended", "dropped_reason", "dropped_at")
    s.drop_columns("card_sessions", "live_activity_id")
