"""privacy: the access log (who opened whose confidential record, when, how)"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import moment, org_table, refers

revision = "0075_privacy"
down_revision = "0002_reminders"
branch_labels = ("privacy",)


def upgrade() -> None:
    org_table(
        "access_log",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        moment("at"),
        refers("access_log", "owner_id", "people", "CASCADE"),
        refers("access_log", "reader_id", "people", "SET NULL"),
    )
    op.create_index("ix_access_log_owner", "access_log", ["org_id", "owner_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_log_owner", table_name="access_log")
    op.drop_table("access_log")
