"""observations: OTLA lifecycle, reports, action review log"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    drop,
    index,
    moment,
    named_indexes,
    org,
    org_table,
    primary,
    refers,
    stamped,
)

revision = "0020_observations"
down_revision = "0002_reminders"
branch_labels = ("observations",)


def upgrade() -> None:
    org_table(
        "induction_checklists",
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("done", sa.JSON(), nullable=False),
        *stamped(),
        refers("induction_checklists", "tutor_id", "people", "CASCADE"),
        sa.UniqueConstraint("org_id", "tutor_id", name="uq_induction_checklists_tutor"),
    )
    org_table(
        "lil_courses",
        sa.Column("academic_year", sa.String(length=7), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        moment("starts_at", nullable=True),
        moment("ends_at", nullable=True),
        sa.Column("observation_id", sa.Integer(), nullable=True),
        refers("lil_courses", "tutor_id", "people", "CASCADE"),
        sa.UniqueConstraint("org_id", "academic_year", "code", name="uq_lil_courses_code"),
    )
    op.create_table(
        "observation_files",
        sa.Column("token", sa.String(length=64), nullable=False),
        org(),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        moment("created_at"),
        moment("expires_at"),
        refers("observation_files", "person_id", "people", "CASCADE"),
        primary("observation_files", "token"),
    )
    org_table(
        "observations",
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("observer_id", sa.Integer(), nullable=True),
        sa.Column("academic_year", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        moment("state_since"),
        sa.Column("course", sa.String(length=200), nullable=False),
        moment("starts_at", nullable=True),
        moment("ends_at", nullable=True),
        sa.Column("due_by", sa.Date(), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("proposed_course", sa.String(length=200), nullable=False),
        moment("proposed_starts_at", nullable=True),
        moment("proposed_ends_at", nullable=True),
        sa.Column("proposal_note", sa.Text(), nullable=False),
        sa.Column("lil_course_id", sa.Integer(), nullable=True),
        sa.Column("allocated_by", sa.Integer(), nullable=True),
        moment("acknowledged_at", nullable=True),
        *stamped(),
        refers("observations", "observer_id", "people", "SET NULL"),
        refers("observations", "org_id", "organisations"),
        refers("observations", "tutor_id", "people", "CASCADE"),
        sa.UniqueConstraint(
            "org_id", "tutor_id", "academic_year", name="uq_observations_tutor_year"
        ),
    )
    named_indexes("observations", observer=["observer_id"], org_state=["org_id", "state"])

    org_table(
        "observer_quotas",
        sa.Column("academic_year", sa.String(length=7), nullable=False),
        sa.Column("observer_id", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        moment("updated_at"),
        refers("observer_quotas", "observer_id", "people", "CASCADE"),
        sa.UniqueConstraint(
            "org_id", "academic_year", "observer_id", name="uq_observer_quotas_one"
        ),
    )
    org_table(
        "action_review_entries",
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("tutor_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_role", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("outcome_by", sa.Integer(), nullable=True),
        moment("outcome_at", nullable=True),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        moment("completed_at", nullable=True),
        moment("created_at"),
        refers("action_review_entries", "observation_id", "observations", "CASCADE"),
        refers("action_review_entries", "owner_id", "people", "SET NULL"),
        refers("action_review_entries", "tutor_id", "people", "CASCADE"),
    )
    named_indexes(
        "action_review_entries", observation=["observation_id"], org_open=["org_id", "completed_at"]
    )

    org_table(
        "observation_documents",
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("added_by", sa.Integer(), nullable=True),
        moment("added_at"),
        refers("observation_documents", "observation_id", "observations", "CASCADE"),
    )
    index("observation_documents", "observation_id")

    org_table(
        "observation_reports",
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("strength_themes", sa.JSON(), nullable=False),
        sa.Column("strengths", sa.Text(), nullable=False),
        sa.Column("area_themes", sa.JSON(), nullable=False),
        sa.Column("areas", sa.Text(), nullable=False),
        sa.Column("suggestions", sa.Text(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("grade", sa.String(length=60), nullable=True),
        sa.Column("best_practice", sa.Boolean(), nullable=False),
        sa.Column("best_practice_note", sa.Text(), nullable=False),
        sa.Column("return_comment", sa.Text(), nullable=False),
        sa.Column("returned_by", sa.Integer(), nullable=True),
        moment("submitted_at", nullable=True),
        *stamped(),
        refers("observation_reports", "observation_id", "observations", "CASCADE"),
        sa.UniqueConstraint("observation_id", name=op.f("uq_observation_reports_observation_id")),
    )


def downgrade() -> None:
    op.drop_table("observation_reports")
    drop("observation_documents", "observation_id")
    drop("action_review_entries", "observation", "org_open")
    op.drop_table("observer_quotas")
    drop("observations", "observer", "org_state")
    op.drop_table("observation_files")
    op.drop_table("lil_courses")
    op.drop_table("induction_checklists")
