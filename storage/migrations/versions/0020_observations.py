"""observations: OTLA lifecycle, reports, action review log"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0020_observations"
down_revision = "0002_reminders"
branch_labels = ("observations",)


def upgrade() -> None:
    s.org_table(
        "induction_checklists",
        s.ref("tutor_id", "people"),
        s.column("start_date", sa.Date(), nullable=True),
        s.column("done", sa.JSON()),
        *s.stamped(),
        s.unique("uq_induction_checklists_tutor", "org_id", "tutor_id"),
    )
    s.org_table(
        "lil_courses",
        s.column("academic_year", sa.String(length=7)),
        s.column("code", sa.String(length=60)),
        s.column("title", sa.String(length=200)),
        s.column("venue", sa.String(length=200)),
        s.ref("tutor_id", "people"),
        s.moment("starts_at", nullable=True),
        s.moment("ends_at", nullable=True),
        s.column("observation_id", sa.Integer(), nullable=True),
        s.unique("uq_lil_courses_code", "org_id", "academic_year", "code"),
    )
    op.create_table(
        "observation_files",
        s.column("token", sa.String(length=64)),
        s.org(),
        s.column("person_id", sa.Integer()),
        s.column("name", sa.String(length=300)),
        s.column("content", sa.LargeBinary()),
        s.moment("created_at"),
        s.moment("expires_at"),
        s.refers("observation_files", "person_id", "people", "CASCADE"),
        s.primary("observation_files", "token"),
    )
    s.org_table(
        "observations",
        s.ref("tutor_id", "people"),
        s.ref("observer_id", "people", "SET NULL"),
        s.column("academic_year", sa.String(length=7)),
        s.column("kind", sa.String(length=20)),
        s.column("state", sa.String(length=30)),
        s.moment("state_since"),
        s.column("course", sa.String(length=200)),
        s.moment("starts_at", nullable=True),
        s.moment("ends_at", nullable=True),
        s.column("due_by", sa.Date(), nullable=True),
        s.column("proposed_by", sa.Integer(), nullable=True),
        s.column("proposed_course", sa.String(length=200)),
        s.moment("proposed_starts_at", nullable=True),
        s.moment("proposed_ends_at", nullable=True),
        s.column("proposal_note", sa.Text()),
        s.column("lil_course_id", sa.Integer(), nullable=True),
        s.column("allocated_by", sa.Integer(), nullable=True),
        s.moment("acknowledged_at", nullable=True),
        *s.stamped(),
        s.unique("uq_observations_tutor_year", "org_id", "tutor_id", "academic_year"),
        org_fk=True,
    )
    s.named_indexes("observations", observer=["observer_id"], org_state=["org_id", "state"])

    s.org_table(
        "observer_quotas",
        s.column("academic_year", sa.String(length=7)),
        s.ref("observer_id", "people"),
        s.column("quota", sa.Integer()),
        s.moment("updated_at"),
        s.unique("uq_observer_quotas_one", "org_id", "academic_year", "observer_id"),
    )
    s.org_table(
        "action_review_entries",
        s.ref("observation_id", "observations"),
        s.ref("tutor_id", "people"),
        s.ref("owner_id", "people", "SET NULL"),
        s.column("owner_role", sa.String(length=20)),
        s.column("text", sa.Text()),
        s.column("target_date", sa.Date()),
        s.column("outcome", sa.Text()),
        s.column("outcome_by", sa.Integer(), nullable=True),
        s.moment("outcome_at", nullable=True),
        s.column("completed_by", sa.Integer(), nullable=True),
        s.moment("completed_at", nullable=True),
        s.moment("created_at"),
    )
    s.named_indexes(
        "action_review_entries", observation=["observation_id"], org_open=["org_id", "completed_at"]
    )

    s.org_table(
        "observation_documents",
        s.ref("observation_id", "observations"),
        s.column("name", sa.String(length=300)),
        s.column("url", sa.String(length=2000), nullable=True),
        s.column("content", sa.LargeBinary(), nullable=True),
        s.column("added_by", sa.Integer(), nullable=True),
        s.moment("added_at"),
    )
    s.index("observation_documents", "observation_id")

    s.org_table(
        "observation_reports",
        s.ref("observation_id", "observations"),
        s.column("strength_themes", sa.JSON()),
        s.column("strengths", sa.Text()),
        s.column("area_themes", sa.JSON()),
        s.column("areas", sa.Text()),
        s.column("suggestions", sa.Text()),
        s.column("actions", sa.JSON()),
        s.column("grade", sa.String(length=60), nullable=True),
        s.column("best_practice", sa.Boolean()),
        s.column("best_practice_note", sa.Text()),
        s.column("return_comment", sa.Text()),
        s.column("returned_by", sa.Integer(), nullable=True),
        s.moment("submitted_at", nullable=True),
        *s.stamped(),
        s.unique(op.f("uq_observation_reports_observation_id"), "observation_id"),
    )


def downgrade() -> None:
    op.drop_table("observation_reports")
    s.drop("observation_documents", "observation_id")
    s.drop("action_review_entries", "observation", "org_open")
    op.drop_table("observer_quotas")
    s.drop("observations", "observer", "org_state")
    op.drop_table("observation_files")
    op.drop_table("lil_courses")
    op.drop_table("induction_checklists")
