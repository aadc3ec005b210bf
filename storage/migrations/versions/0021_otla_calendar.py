"""otla calendar: the agreed OTLA's room, and its calendar event's sequence and provider id

The agreed date reaches the observer's and the tutor's calendars (issue 16): an .ics file whose
UID stays the same while SEQUENCE counts the changes, or a Microsoft Graph event whose id is kept
to update or cancel it.

Revision ID: 0021_otla_calendar
Revises: 0020_observations
Create Date: 2026-12-05 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_otla_calendar"
down_revision: str | Sequence[str] | None = "0020_observations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("room", sa.String(200), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("proposed_room", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("calendar_sequence", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("calendar_event_id", sa.String(400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("calendar_event_id")
        batch.drop_column("calendar_sequence")
        batch.drop_column("proposed_room")
        batch.drop_column("room")
