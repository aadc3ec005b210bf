"""mentoring: one open request or relationship per mentee, enforced by the database

A partial unique index on mentoring_relationships (org_id, mentee_id) over the open states
(asked, active): two presses of "Ask" at once (phone and desktop) can no longer ask two mentors.
"""

import sqlalchemy as sa
from alembic import op

revision = "0091_mentoring_one_request"
down_revision = "0090_mentoring"

OPEN = sa.text("state IN ('asked', 'active')")


def upgrade() -> None:
    op.create_index(
        "uq_mentoring_relationships_open_mentee",
        "mentoring_relationships",
        ["org_id", "mentee_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_mentoring_relationships_open_mentee", table_name="mentoring_relationships")
