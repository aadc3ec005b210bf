"""observations: OTLA lifecycle, reports, action review log"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    column,
    drop,
    index,
    moment,
    named_indexes,
    org,
    org_table,
    primary,
    ref,
    refers,
    stamped,
    unique,
)

revision = "0020_observations"
down_revision = "0002_reminders"
branch_labels = ("observations",)


def upgrade() -> None:
    org_table(
        "induction_checklists",
        ref("tutor_id", "people"),
        column("start_date", sa.Date(), nullable=True),
        column("done", sa.JSON()),
        *stamped(),
        unique("uq_induction_checklists_tutor", "org_id", "tutor_id"),
    )
    org_table(
        "lil_courses",
        column("academic_year", sa.String(length=7)),
        column("code", sa.String(length=60)),
        column("title", sa.String(length=200)),
        column("venue", sa.String(length=200)),
        ref("tutor_id", "people"),
        moment("starts_at", nullable=True),
        moment("ends_at", nullable=True),
        column("observation_id", sa.Integer(), nullable=True),
        unique("uq_lil_courses_code", "org_id", "academic_year", "code"),
    )
    op.create_table(
        "observation_files",
        column("token", sa.String(length=64)),
        org(),
        column("person_id", sa.Integer()),
        column("name", sa.String(length=300)),
        column("content", sa.LargeBinary()),
        moment("created_at"),
        moment("expires_at"),
        refers("observation_files", "person_id", "people", "CASCADE"),
        primary("observation_files", "token"),
    )
    org_table(
        "observations",
        ref("tutor_id", "people"),
        ref("observer_id", "people", "SET NULL"),
        column("academic_year", sa.String(length=7)),
        column("kind", sa.String(length=20)),
        column("state", sa.String(length=30)),
        moment("state_since"),
        column("course", sa.String(length=200)),
        moment("starts_at", nullable=True),
        moment("ends_at", nullable=True),
        column("due_by", sa.Date(), nullable=True),
        column("proposed_by", sa.Integer(), nullable=True),
        column("proposed_course", sa.String(length=200)),
        moment("proposed_starts_at", nullable=True),
        moment("proposed_ends_at", nullable=True),
        column("proposal_note", sa.Text()),
        column("lil_course_id", sa.Integer(), nullable=True),
        column("allocated_by", sa.Integer(), nullable=True),
        moment("acknowledged_at", nullable=True),
        *stamped(),
        unique("uq_observations_tutor_year", "org_id", "tutor_id", "academic_year"),
        org_fk=True,
    )
    named_indexes("observations", observer=["observer_id"], org_state=["org_id", "state"])

    org_table(
        "observer_quotas",
        column("academic_year", sa.String(length=7)),
        ref("observer_id", "people"),
        column("quota", sa.Integer()),
        moment("updated_at"),
        unique("uq_observer_quotas_one", "org_id", "academic_year", "observer_id"),
    )
    org_table(
        "action_review_entries",
        ref("observation_id", "observations"),
        ref("tutor_id", "people"),
        ref("owner_id", "people", "SET NULL"),
        column("owner_role", sa.String(length=20)),
        column("text", sa.Text()),
        column("target_date", sa.Date()),
        column("outcome", sa.Text()),
        column("outcome_by", sa.Integer(), nullable=True),
        moment("outcome_at", nullable=True),
        column("completed_by", sa.Integer(), nullable=True),
        moment("completed_at", nullable=True),
        moment("created_at"),
    )
    named_indexes(
        "action_review_entries", observation=["observation_id"], org_open=["org_id", "completed_at"]
    )

    org_table(
        "observation_documents",
        ref("observation_id", "observations"),
        column("name", sa.String(length=300)),
        column("url", sa.String(length=2000), nullable=True),
        column("content", sa.LargeBinary(), nullable=True),
        column("added_by", sa.Integer(), nullable=True),
        moment("added_at"),
    )
    index("observation_documents", "observation_id")

    org_table(
        "observation_reports",
        ref("observation_id", "observations"),
        column("strength_themes", sa.JSON()),
        column("strengths", sa.Text()),
        column("area_themes", sa.JSON()),
        column("areas", sa.Text()),
        column("suggestions", sa.Text()),
        column("actions", sa.JSON()),
        column("grade", sa.String(length=60), nullable=True),
        column("best_practice", sa.Boolean()),
        column("best_practice_note", sa.Text()),
        column("return_comment", sa.Text()),
        column("returned_by", sa.Integer(), nullable=True),
        moment("submitted_at", nullable=True),
        *stamped(),
        unique(op.f("uq_observation_reports_observation_id"), "observation_id"),
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
