"""cards: progression summaries go out through the file consent flow, not by bearer links

A session's Word and Excel summaries used to be served at /cards/export/<token> to anyone who
had the link. They now reach only people who may read the session, as documents in their own 1:1
chat (bot.app.documents), so the token column and its unique constraint go. Old links stop working.

Revision ID: 0060_cards_exports
Revises: 0040_cards
Create Date: 2026-11-23 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0060_cards_exports"
down_revision: str | Sequence[str] | None = "0040_cards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("card_sessions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_card_sessions_export_token", type_="unique")
        batch_op.drop_column("export_token")


def downgrade() -> None:
    with op.batch_alter_table("card_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("export_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_card_sessions_export_token", ["export_token"])
