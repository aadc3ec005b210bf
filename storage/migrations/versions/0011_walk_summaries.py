"""walk summaries: the quality team's termly summary of key findings, as they edited it"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0011_walk_summaries"
down_revision = "0010_walks"


def upgrade() -> None:
    # Written out, not by org_table: its references stand in the order this revision first made
    # them (org_id first), which SQLite keeps in the table's SQL.
    op.create_table(
        "walk_summaries",
        s.key(),
        s.org(),
        s.column("term_key", sa.String(length=40)),
        s.column("text", sa.Text()),
        s.column("edited_by", sa.Integer(), nullable=True),
        s.moment("edited_at"),
        s.refers("walk_summaries", "org_id", "organisations"),
        s.refers("walk_summaries", "edited_by", "people", "SET NULL"),
        s.primary("walk_summaries"),
        sa.UniqueConstraint("org_id", "term_key", name="uq_walk_summaries_org_term"),
    )


def downgrade() -> None:
    op.drop_table("walk_summaries")
