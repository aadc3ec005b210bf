"""mentoring: one open request or relationship per mentee, enforced by the database

A partial unique index on mentoring_relationships (org_id, mentee_id) over the open states
(asked, active): two presses of "Ask" at once (phone and desktop) can no longer ask two mentors.
"""

import sqlalchemy as sa
from alembic import op

revision = "0091_mentoring_one_request"
down_revision = "0090_mentoring"

OPEN = sa.text("state IN ('asked', 'active')")


# Before the index: a mentee with more than one open row (only the old race could store them)
# keeps one, their active relationship or else their first request; the others are withdrawn,
# so the index can be made and nothing the mentee agreed is lost.
KEEP_ONE = sa.text(
    """
    UPDATE mentoring_relationships SET state = 'withdrawn'
    WHERE state IN ('asked', 'active') AND id <> (
        SELECT kept.id FROM mentoring_relationships AS kept
        WHERE kept.org_id = mentoring_relationships.org_id
          AND kept.mentee_id = mentoring_relationships.mentee_id
          AND kept.state IN ('asked', 'active')
        ORDER BY CASE WHEN kept.state = 'active' THEN 0 ELSE 1 END, kept.id
        LIMIT 1
    )
    """
)


def upgrade() -> None:
    op.execute(KEEP_ONE)
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
