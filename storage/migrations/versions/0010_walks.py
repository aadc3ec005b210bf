"""walks: learning-walk plans, windows, HA27s and tutors visited"""

import sqlalchemy as sa

from storage.migrations.shapes import (
    column,
    drop,
    id_table,
    index,
    moment,
    named_indexes,
    org_table,
    ref,
    stamped,
    unique,
)

revision = "0010_walks"
down_revision = "0002_reminders"
branch_labels = ("walks",)


def upgrade() -> None:
    org_table(
        "walk_plans",
        ref("team_pk", "teams"),
        column("term_key", sa.String(length=40)),
        column("focus", sa.String(length=300)),
        column("linked_to", sa.String(length=300)),
        column("walker_ids", sa.JSON()),
        column("teams_channel_id", sa.String(length=200), nullable=True),
        column("created_by", sa.Integer(), nullable=True),
        *stamped(),
        unique("uq_walk_plans_team_term", "team_pk", "term_key"),
        org_fk=True,
    )
    index("walk_plans", "org_id")

    org_table(
        "learning_walks",
        ref("team_pk", "teams"),
        column("teams_channel_id", sa.String(length=200), nullable=True),
        ref("author_id", "people"),
        ref("plan_id", "walk_plans", "SET NULL"),
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
        org_fk=True,
    )
    named_indexes(
        "learning_walks", author=["author_id", "state"], team_day=["team_pk", "walk_date"]
    )
    index("learning_walks", "org_id")

    id_table(
        "walk_windows",
        ref("plan_id", "walk_plans"),
        column("starts_on", sa.Date()),
        column("ends_on", sa.Date()),
        column("course_type", sa.String(length=100)),
    )
    named_indexes("walk_windows", ends_on=["ends_on"])

    id_table(
        "learning_walk_tutors",
        ref("walk_id", "learning_walks"),
        ref("person_id", "people"),
        unique("uq_learning_walk_tutors_pair", "walk_id", "person_id"),
    )
    named_indexes("learning_walk_tutors", person=["person_id"])


def downgrade() -> None:
    drop("learning_walk_tutors", "person")
    drop("walk_windows", "ends_on")
    drop("learning_walks", "author", "org_id", "team_day")
    drop("walk_plans", "org_id")
