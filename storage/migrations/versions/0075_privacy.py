"""privacy: the access log (who opened whose confidential record, when, how)"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0075_privacy"
down_revision = "0002_reminders"
branch_labels = ("privacy",)


def upgrade() -> None:
    s.org_table(
        "access_log",
        s.ref("owner_id", "people"),
        s.ref("reader_id", "people", "SET NULL"),
        s.column("kind", sa.String(length=40)),
        s.column("record", sa.String(length=100)),
        s.column("path", sa.String(length=200)),
        s.moment("at"),
    )
    op.create_index("ix_access_log_owner", "access_log", ["org_id", "owner_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_log_owner", table_name="access_log")
    op.drop_table("access_log")
