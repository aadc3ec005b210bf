"""walks: learning-walk plans, windows, HA27s and tutors visited"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import drop, index, key, moment, org_table, primary, refers, stamped

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
    with op.batch_alter_table("learning_walks", schema=None) as batch_op:
        batch_op.create_index("ix_learning_walks_author", ["author_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_walks_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_learning_walks_team_day", ["team_pk", "walk_date"], unique=False)

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
    with op.batch_alter_table("walk_windows", schema=None) as batch_op:
        batch_op.create_index("ix_walk_windows_ends_on", ["ends_on"], unique=False)

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
    with op.batch_alter_table("learning_walk_tutors", schema=None) as batch_op:
        batch_op.create_index("ix_learning_walk_tutors_person", ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learning_walk_tutors", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_walk_tutors_person")

    op.drop_table("learning_walk_tutors")
    with op.batch_alter_table("walk_windows", schema=None) as batch_op:
        batch_op.drop_index("ix_walk_windows_ends_on")

    op.drop_table("walk_windows")
    with op.batch_alter_table("learning_walks", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_walks_team_day")
        batch_op.drop_index(batch_op.f("ix_learning_walks_org_id"))
        batch_op.drop_index("ix_learning_walks_author")

    op.drop_table("learning_walks")
    drop("walk_plans", "org_id")
