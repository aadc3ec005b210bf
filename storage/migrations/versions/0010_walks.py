"""walks: learning-walk plans, windows, HA27s and tutors visited"""

import sqlalchemy as sa

from storage.migrations import shapes as s

revision = "0010_walks"
down_revision = "0002_reminders"
branch_labels = ("walks",)


def upgrade() -> None:
    s.org_table(
        "walk_plans",
        s.ref("team_pk", "teams"),
        s.column("term_key", sa.String(length=40)),
        s.column("focus", sa.String(length=300)),
        s.column("linked_to", sa.String(length=300)),
        s.column("walker_ids", sa.JSON()),
        s.column("teams_channel_id", sa.String(length=200), nullable=True),
        s.column("created_by", sa.Integer(), nullable=True),
        *s.stamped(),
        s.unique("uq_walk_plans_team_term", "team_pk", "term_key"),
        org_fk=True,
    )
    s.index("walk_plans", "org_id")

    s.org_table(
        "learning_walks",
        s.ref("team_pk", "teams"),
        s.column("teams_channel_id", sa.String(length=200), nullable=True),
        s.ref("author_id", "people"),
        s.ref("plan_id", "walk_plans", "SET NULL"),
        s.column("state", sa.String(length=20)),
        s.column("walk_date", sa.Date(), nullable=True),
        s.column("course", sa.String(length=200)),
        s.column("minutes", sa.Integer(), nullable=True),
        s.column("focus", sa.String(length=300)),
        s.column("went_well", sa.JSON()),
        s.column("went_well_note", sa.Text()),
        s.column("even_better_if", sa.JSON()),
        s.column("even_better_if_note", sa.Text()),
        s.column("verbal_feedback", sa.Boolean(), nullable=True),
        s.column("concern", sa.Boolean()),
        s.column("concern_note", sa.Text()),
        s.column("unplanned", sa.Boolean()),
        *s.stamped(),
        s.moment("saved_at", nullable=True),
        org_fk=True,
    )
    s.named_indexes(
        "learning_walks", author=["author_id", "state"], team_day=["team_pk", "walk_date"]
    )
    s.index("learning_walks", "org_id")

    s.id_table(
        "walk_windows",
        s.ref("plan_id", "walk_plans"),
        s.column("starts_on", sa.Date()),
        s.column("ends_on", sa.Date()),
        s.column("course_type", sa.String(length=100)),
    )
    s.named_indexes("walk_windows", ends_on=["ends_on"])

    s.id_table(
        "learning_walk_tutors",
        s.ref("walk_id", "learning_walks"),
        s.ref("person_id", "people"),
        s.unique("uq_learning_walk_tutors_pair", "walk_id", "person_id"),
    )
    s.named_indexes("learning_walk_tutors", person=["person_id"])


def downgrade() -> None:
    s.drop("learning_walk_tutors", "person")
    s.drop("walk_windows", "ends_on")
    s.drop("learning_walks", "author", "org_id", "team_day")
    s.drop("walk_plans", "org_id")
