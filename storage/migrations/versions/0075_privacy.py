"""privacy: the access log (who opened whose confidential record, when, how)

Revision ID: 0075_privacy
Revises: 0002_reminders
Create Date: 2026-12-05 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import key, moment, org, primary, refers

revision: str = "0075_privacy"
down_revision: str | Sequence[str] | None = "0002_reminders"
branch_labels: str | Sequence[str] | None = ("privacy",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        key(),
        org(),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        moment("at"),
        refers("access_log", "owner_id", "people", "CASCADE"),
        refers("access_log", "reader_id", "people", "SET NULL"),
        primary("access_log"),
    )
    op.create_index("ix_access_log_owner", "access_log", ["org_id", "owner_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_log_owner", table_name="access_log")
    op.drop_table("access_log")
