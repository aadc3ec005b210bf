"""privacy: the access log (who opened whose confidential record, when, how)"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import column, moment, org_table, ref

revision = "0075_privacy"
down_revision = "0002_reminders"
branch_labels = ("privacy",)


def upgrade() -> None:
    org_table(
        "access_log",
        ref("owner_id", "people"),
        ref("reader_id", "people", "SET NULL"),
        column("kind", sa.String(length=40)),
        column("record", sa.String(length=100)),
        column("path", sa.String(length=200)),
        moment("at"),
    )
    op.create_index("ix_access_log_owner", "access_log", ["org_id", "owner_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_log_owner", table_name="access_log")
    op.drop_table("access_log")
