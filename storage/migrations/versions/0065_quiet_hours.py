"""quiet hours: each person's own quiet times for personal messages

A part-time tutor's non-working days, or no messages before 09:00: `quiet_hours` holds one row per
person who set any. The worker holds a personal message until both the organisation's sending
hours and the person's own allow it.
"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0065_quiet_hours"
down_revision = "0003_outbox"


def upgrade() -> None:
    op.create_table(
        "quiet_hours",
        s.column("person_id", sa.Integer()),
        s.org(),
        s.column("start", sa.String(length=5), nullable=True),
        s.column("end", sa.String(length=5), nullable=True),
        s.column("days_off", sa.JSON()),
        s.moment("updated_at"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("quiet_hours")
