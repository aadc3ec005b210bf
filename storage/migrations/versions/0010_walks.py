"""walks: learning-walk plans, windows, HA27s and tutors visited"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    drop,
    index,
    key,
    moment,
    named_indexes,
    org_table,
    primary,
    refers,
    stamped,
)

revision = "0010_walks"
down_revision = "0002_reminders"
branch_labels = ("walks",)


def upgrade() -> None:
    org_table(
        "walk_plans",
        sa.Column("team_pk", sa.Integer(), nullable=False),
        sa.Column("term_key", sa.String(length=40), nullable=False),
        sa.Column("focus", sa.String(length=300), nullable=False),
        sa.Column("linked_to", sa.String(length=300), nullable=False),
        sa.Column("walker_ids", sa.JSON(), nullable=False),
        sa.Column("teams_channel_id", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        *stamped(),
        refers("walk_plans", "org_id", "organisations"),
        refers("walk_plans", "team_pk", "teams", "CASCADE"),
        sa.UniqueConstraint("team_pk", "term_key", name="uq_walk_plans_team_term"),
    )
    index("walk_plans", "org_id")

    org_table(
        "learning_walks",
        sa.Column("team_pk", sa.Integer(), nullable=False),
        sa.Column("teams_channel_id", sa.String(length=200), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("walk_date", sa.Date(), nullable=True),
        sa.Column("course", sa.String(length=200), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("focus", sa.String(length=300), nullable=False),
        sa.Column("went_well", sa.JSON(), nullable=False),
        sa.Column("went_well_note", sa.Text(), nullable=False),
        sa.Column("even_better_if", sa.JSON(), nullable=False),
        sa.Column("even_better_if_note", sa.Text(), nullable=False),
        sa.Column("verbal_feedback", sa.Boolean(), nullable=True),
        sa.Column("concern", sa.Boolean(), nullable=False),
        sa.Column("concern_note", sa.Text(), nullable=False),
        sa.Column("unplanned", sa.Boolean(), nullable=False),
        *stamped(),
        moment("saved_at", nullable=True),
        refers("learning_walks", "author_id", "people", "CASCADE"),
        refers("learning_walks", "org_id", "organisations"),
        refers("learning_walks", "plan_id", "walk_plans", "SET NULL"),
        refers("learning_walks", "team_pk", "teams", "CASCADE"),
    )
    named_indexes(
        "learning_walks", author=["author_id", "state"], team_day=["team_pk", "walk_date"]
    )
    index("learning_walks", "org_id")

    op.create_table(
        "walk_windows",
        key(),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("course_type", sa.String(length=100), nullable=False),
        refers("walk_windows", "plan_id", "walk_plans", "CASCADE"),
        primary("walk_windows"),
    )
    named_indexes("walk_windows", ends_on=["ends_on"])

    op.create_table(
        "learning_walk_tutors",
        key(),
        sa.Column("walk_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        refers("learning_walk_tutors", "person_id", "people", "CASCADE"),
        refers("learning_walk_tutors", "walk_id", "learning_walks", "CASCADE"),
        primary("learning_walk_tutors"),
        sa.UniqueConstraint("walk_id", "person_id", name="uq_learning_walk_tutors_pair"),
    )
    named_indexes("learning_walk_tutors", person=["person_id"])


def downgrade() -> None:
    drop("learning_walk_tutors", "person")
    drop("walk_windows", "ends_on")
    drop("learning_walks", "author", "org_id", "team_day")
    drop("walk_plans", "org_id")
