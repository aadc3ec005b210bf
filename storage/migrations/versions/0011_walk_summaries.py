"""walk summaries: the quality team's termly summary of key findings, as they edited it"""

import sqlalchemy as sa
from alembic import op

revision = "0011_walk_summaries"
down_revision = "0010_walks"


def upgrade() -> None:
    op.create_table(
        "walk_summaries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("term_key", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("edited_by", sa.Integer(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_walk_summaries_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["edited_by"],
            ["people.id"],
            name=op.f("fk_walk_summaries_edited_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_summaries")),
        sa.UniqueConstraint("org_id", "term_key", name="uq_walk_summaries_org_term"),
    )


def downgrade() -> None:
    op.drop_table("walk_summaries")
