"""otla calendar: the agreed OTLA's room, and its calendar event's sequence and provider id

The agreed date reaches the observer's and the tutor's calendars (issue 16): an .ics file whose
UID stays the same while SEQUENCE counts the changes, or a Microsoft Graph event whose id is kept
to update or cancel it.
"""

import sqlalchemy as sa

from storage.migrations.shapes import add_columns, drop_columns

revision = "0021_otla_calendar"
down_revision = "0020_observations"


def upgrade() -> None:
    add_columns(
        "observations",
        sa.Column("room", sa.String(200), nullable=False, server_default=""),
        sa.Column("proposed_room", sa.String(200), nullable=False, server_default=""),
        sa.Column("calendar_sequence", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("calendar_event_id", sa.String(400), nullable=True),
    )


def downgrade() -> None:
    drop_columns("observations", "calendar_event_id", "calendar_sequence", "proposed_room", "room")
