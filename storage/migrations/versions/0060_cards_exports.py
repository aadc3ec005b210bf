"""cards: progression summaries go out through the file consent flow, not by bearer links

A session's Word and Excel summaries used to be served at /cards/export/<token> to anyone who
had the link. They now reach only people who may read the session, as documents in their own 1:1
chat (bot.app.documents), so the token column and its unique constraint go. Old links stop working.
"""

import sqlalchemy as sa
from alembic import op

revision = "0060_cards_exports"
down_revision = "0040_cards"


def upgrade() -> None:
    with op.batch_alter_table("card_sessions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_card_sessions_export_token", type_="unique")
        batch_op.drop_column("export_token")


def downgrade() -> None:
    with op.batch_alter_table("card_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("export_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_card_sessions_export_token", ["export_token"])
