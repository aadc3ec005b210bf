"""otla calendar: the agreed OTLA's room, and its calendar event's sequence and provider id

The agreed date reaches the observer's and the tutor's calendars (issue 16): an .ics file whose
UID stays the same while SEQUENCE counts the changes, or a Microsoft Graph event whose id is kept
to update or cancel it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_otla_calendar"
down_revision = "0020_observations"


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
