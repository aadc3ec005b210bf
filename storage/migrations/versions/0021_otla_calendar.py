"""otla calendar: the agreed OTLA's room, and its calendar event's sequence and provider id

The agreed date reaches the observer's and the tutor's calendars (issue 16): an .ics file whose
UID stays the same while SEQUENCE counts the changes, or a Microsoft Graph event whose id is kept
to update or cancel it.
"""

import sqlalchemy as sa

from storage.migrations import shapes as s

revision = "0021_otla_calendar"
down_revision = "0020_observations"


def upgrade() -> None:
    s.add_columns(
        "observations",
        s.column("room", sa.String(200), server_default=""),
        s.column("proposed_room", sa.String(200), server_default=""),
        s.column("calendar_sequence", sa.Integer(), server_default="0"),
        s.column("calendar_event_id", sa.String(400), nullable=True),
    )


def downgrade() -> None:
    s.drop_columns(
        "observations", "calendar_event_id", "calendar_sequence", "proposed_room", "room"
    )
