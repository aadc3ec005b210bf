"""support: consent, proof of preview, and access that ends (issue 12)

- support_referrals.proposed_kind: a programme the AP proposed that waits for the tutor's
  consent (Support to good reports outward, so it starts only when the tutor accepts it).
- support_programmes.consented_at: when the tutor accepted the programme on a card.
- support_programmes.reviewed_at: when the head of T&L recorded the week-12 review; the head's
  access to the programme ends then.
- support_programmes.ratings_in_reports: the tutor opted in to self-ratings in monthly reports.
- line_manager_updates.approved_at: when the tutor approved a 2-weekly update.
"""

import sqlalchemy as sa

from storage.migrations import shapes as s

revision = "0035_support_consent"
down_revision = "0030_support"


def upgrade() -> None:
    s.add_columns(
        "support_referrals", s.column("proposed_kind", sa.String(length=30), nullable=True)
    )
    s.add_columns(
        "support_programmes",
        s.moment("consented_at", nullable=True),
        s.moment("reviewed_at", nullable=True),
        s.column("ratings_in_reports", sa.Boolean(), server_default=sa.false()),
    )
    s.add_columns("line_manager_updates", s.moment("approved_at", nullable=True))


def downgrade() -> None:
    s.drop_columns("line_manager_updates", "approved_at")
    s.drop_columns("support_programmes", "ratings_in_reports", "reviewed_at", "consented_at")
    s.drop_columns("support_referrals", "proposed_kind")
