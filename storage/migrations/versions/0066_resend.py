"""outbox: a message that failed because its person could not be reached goes again once they are

`scheduled_items.resend_until`: set when a message fails because TLC has no usable conversation
with its person (never chatted with TLC, blocked or uninstalled it); when TLC learns one again
before then, the item goes back to the queue, once. Null: nothing to resend.
"""

from storage.migrations import shapes as s

revision = "0066_resend"
down_revision = "0065_quiet_hours"


def upgrade() -> None:
    s.add_columns("scheduled_items", s.moment("resend_until", nullable=True))


def downgrade() -> None:
    s.drop_columns("scheduled_items", "resend_until")
