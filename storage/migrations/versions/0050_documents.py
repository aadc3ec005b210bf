"""documents: documents waiting for a person's consent, for every capability

Observations kept these in `observation_files`; learning walks now send their documents the same
way, so the table belongs to no one capability. Waiting documents are carried over. It depends
on 0020_observations, whose `observation_files` it replaces.
"""

import sqlalchemy as sa
from alembic import op

revision = "0050_documents"
down_revision = "0002_reminders"
branch_labels = ("documents",)
depends_on = "0020_observations"

COLUMNS = "token, org_id, person_id, name, content, created_at, expires_at"


def _create(name: str) -> None:
    op.create_table(
        name,
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f(f"fk_{name}_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _create("pending_documents")
    op.execute(f"INSERT INTO pending_documents ({COLUMNS}) SELECT {COLUMNS} FROM observation_files")
    op.drop_table("observation_files")


def downgrade() -> None:
    _create("observation_files")
    op.execute(f"INSERT INTO observation_files ({COLUMNS}) SELECT {COLUMNS} FROM pending_documents")
    op.drop_table("pending_documents")
