"""mentoring: mentor offers, relationships and agreements, meetings, reviews, coaching (seed 003)

Revision ID: 0090_mentoring
Revises: 0002_reminders
Create Date: 2026-12-05 08:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0090_mentoring"
down_revision: str | Sequence[str] | None = "0002_reminders"
branch_labels: str | Sequence[str] | None = ("mentoring",)
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _person_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["people.id"], name=op.f(f"fk_{table}_{column}_people"), ondelete="CASCADE"
    )


def _relationship_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["relationship_id"],
        ["mentoring_relationships.id"],
        name=op.f(f"fk_{table}_relationship_id_mentoring_relationships"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "mentor_offers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("specialisms", sa.JSON(), nullable=False),
        sa.Column("campus", sa.String(length=200), nullable=False),
        sa.Column("delivery_style", sa.String(length=20), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        _person_fk("mentor_offers", "person_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_offers")),
        sa.UniqueConstraint("org_id", "person_id", name="uq_mentor_offers_person"),
    )
    op.create_table(
        "mentoring_relationships",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("specialism", sa.String(length=200), nullable=False),
        sa.Column("next_choices", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("agreement", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        _when("proposed_at", True),
        sa.Column("confirmations", sa.JSON(), nullable=False),
        _when("accepted_at", True),
        _when("ended_at", True),
        _when("created_at"),
        _when("updated_at"),
        _person_fk("mentoring_relationships", "mentee_id"),
        _person_fk("mentoring_relationships", "mentor_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_relationships")),
    )
    with op.batch_alter_table("mentoring_relationships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentoring_relationships_mentee", ["org_id", "mentee_id", "state"], unique=False
        )
        batch_op.create_index(
            "ix_mentoring_relationships_mentor", ["org_id", "mentor_id", "state"], unique=False
        )
    op.create_table(
        "mentoring_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("discussed", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("logged_by", sa.Integer(), nullable=False),
        _when("created_at"),
        _relationship_fk("mentoring_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_entries")),
    )
    with op.batch_alter_table("mentoring_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentoring_entries_relationship_id"), ["relationship_id"], unique=False
        )
    op.create_table(
        "mentoring_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        _when("drafted_at"),
        _when("seen_at", True),
        _when("sent_at", True),
        _relationship_fk("mentoring_reviews"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_reviews")),
        sa.UniqueConstraint("relationship_id", "point", name="uq_mentoring_reviews_point"),
    )
    op.create_table(
        "coaching_conversations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("scales", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("shared_with", sa.JSON(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        _person_fk("coaching_conversations", "person_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_conversations")),
    )
    with op.batch_alter_table("coaching_conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coaching_conversations_person", ["org_id", "person_id", "state"], unique=False
        )


def downgrade() -> None:
    op.drop_table("coaching_conversations")
    op.drop_table("mentoring_reviews")
    op.drop_table("mentoring_entries")
    op.drop_table("mentoring_relationships")
    op.drop_table("mentor_offers")
