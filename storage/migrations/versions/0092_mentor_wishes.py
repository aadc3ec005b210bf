"""mentoring: the subjects someone searched for a mentor in when nobody offered them

Kept so that they are told when someone offers one (`mentor_wishes`, one row a person and subject).
"""

import sqlalchemy as sa

from storage.migrations import shapes as s

revision = "0092_mentor_wishes"
down_revision = "0091_mentoring_one_request"


def upgrade() -> None:
    s.org_table(
        "mentor_wishes",
        s.ref("person_id", "people"),
        s.column("specialism", sa.String(length=200)),
        s.column("key", sa.String(length=200)),
        s.moment("created_at"),
        s.unique("uq_mentor_wishes_person_key", "org_id", "person_id", "key"),
    )


def downgrade() -> None:
    s.drop("mentor_wishes")
