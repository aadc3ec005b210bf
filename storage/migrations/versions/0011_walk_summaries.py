"""walk summaries: the quality team's termly summary of key findings, as they edited it"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import column, moment, org_table, refers

revision = "0011_walk_summaries"
down_revision = "0010_walks"


def upgrade() -> None:
    org_table(
        "walk_summaries",
        column("term_key", sa.String(length=40)),
        column("text", sa.Text()),
        column("edited_by", sa.Integer(), nullable=True),
        moment("edited_at"),
        refers("walk_summaries", "org_id", "organisations"),
        refers("walk_summaries", "edited_by", "people", "SET NULL"),
        sa.UniqueConstraint("org_id", "term_key", name="uq_walk_summaries_org_term"),
    )


def downgrade() -> None:
    op.drop_table("walk_summaries")
