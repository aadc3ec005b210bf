"""walks: learning-walk plans, windows, HA27s and tutors visited"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    column,
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
        column("team_pk", sa.Integer()),
        column("term_key", sa.String(length=40)),
        column("focus", sa.String(length=300)),
        column("linked_to", sa.String(length=300)),
        column("walker_ids", sa.JSON()),
        column("teams_channel_id", sa.String(length=200), nullable=True),
        column("created_by", sa.Integer(), nullable=True),
        *stamped(),
        refers("walk_plans", "org_id", "organisations"),
        refers("walk_plans", "team_pk", "teams", "CASCADE"),
        sa.UniqueConstraint("team_pk", "term_key", name="uq_walk_plans_team_term"),
    )
    index("walk_plans", "org_id")

    org_table(
        "learning_walks",
        column("team_pk", sa.Integer()),
        column("teams_channel_id", sa.String(length=200), nullable=True),
        column("author_id", sa.Integer()),
        column("plan_id", sa.Integer(), nullable=True),
        column("state", sa.String(length=20)),
        column("walk_date", sa.Date(), nullable=True),
        column("course", sa.String(length=200)),
        column("minutes", sa.Integer(), nullable=True),
        column("focus", sa.String(length=300)),
        column("went_well", sa.JSON()),
        column("went_well_note", sa.Text()),
        column("even_better_if", sa.JSON()),
        column("even_better_if_note", sa.Text()),
        column("verbal_feedback", sa.Boolean(), nullable=True),
        column("concern", sa.Boolean()),
        column("concern_note", sa.Text()),
        column("unplanned", sa.Boolean()),
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
        column("plan_id", sa.Integer()),
        column("starts_on", sa.Date()),
        column("ends_on", sa.Date()),
        column("course_type", sa.String(length=100)),
        refers("walk_windows", "plan_id", "walk_plans", "CASCADE"),
        primary("walk_windows"),
    )
    named_indexes("walk_windows", ends_on=["ends_on"])

    op.create_table(
        "learning_walk_tutors",
        key(),
        column("walk_id", sa.Integer()),
        column("person_id", sa.Integer()),
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
