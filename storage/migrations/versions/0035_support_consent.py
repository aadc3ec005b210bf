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
from alembic import op

revision = "0035_support_consent"
down_revision = "0030_support"


def upgrade() -> None:
    with op.batch_alter_table("support_referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposed_kind", sa.String(length=30), nullable=True))
    with op.batch_alter_table("support_programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("ratings_in_reports", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("line_manager_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("line_manager_updates", schema=None) as batch_op:
        batch_op.drop_column("approved_at")
    with op.batch_alter_table("support_programmes", schema=None) as batch_op:
        batch_op.drop_column("ratings_in_reports")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("consented_at")
    with op.batch_alter_table("support_referrals", schema=None) as batch_op:
        batch_op.drop_column("proposed_kind")
