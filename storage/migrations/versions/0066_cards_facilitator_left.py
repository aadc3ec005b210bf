"""cards: a session whose facilitator has left its team or group chat

card_sessions.facilitator_left: the facilitator left the place where the session runs (Teams'
membersRemoved, or a roster read that no longer lists them). They no longer run or read it;
any member still there may take it over, and becomes its facilitator.
"""

import sqlalchemy as sa

from storage.migrations import shapes as s

revision = "0066_cards_facilitator_left"
down_revision = "0065_cards_live"


def upgrade() -> None:
    s.add_columns(
        "card_sessions", s.column("facilitator_left", sa.Boolean(), server_default=sa.false())
    )


def downgrade() -> None:
    s.drop_columns("card_sessions", "facilitator_left")
