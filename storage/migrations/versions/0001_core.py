"""core: organisations, people, roles, teams, conversations"""

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
)

revision = "0001_core"
down_revision = None
branch_labels = ("core",)


def upgrade() -> None:
    org_table(
        "audit_entries",
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        moment("at"),
    )
    index("audit_entries", "org_id")

    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        moment("created_at"),
        primary("organisations"),
    )
    org_table(
        "processed_activities",
        sa.Column("activity_key", sa.String(length=400), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        moment("created_at"),
        sa.UniqueConstraint("org_id", "activity_key", name="uq_processed_activities_key"),
    )
    org_table(
        "people",
        sa.Column("aad_object_id", sa.String(length=64), nullable=True),
        sa.Column("teams_user_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("campus", sa.String(length=200), nullable=False),
        sa.Column("curriculum_area", sa.String(length=200), nullable=False),
        sa.Column("delivery_style", sa.String(length=20), nullable=True),
        sa.Column("line_manager_email", sa.String(length=320), nullable=True),
        sa.Column("learning_in_libraries", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("is_tutor", sa.Boolean(), nullable=False),
        moment("created_at"),
        moment("last_seen_at", nullable=True),
        refers("people", "org_id", "organisations"),
        sa.UniqueConstraint("org_id", "aad_object_id", name="uq_people_org_aad"),
        sa.UniqueConstraint("org_id", "email", name="uq_people_org_email"),
    )
    index("people", "org_id")

    org_table(
        "teams",
        sa.Column("team_id", sa.String(length=200), nullable=False),
        sa.Column("aad_group_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("installed", sa.Boolean(), nullable=False),
        moment("created_at"),
        refers("teams", "org_id", "organisations"),
        sa.UniqueConstraint("org_id", "team_id", name="uq_teams_org_team"),
    )
    index("teams", "org_id")

    op.create_table(
        "channels",
        key(),
        sa.Column("team_pk", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        refers("channels", "team_pk", "teams", "CASCADE"),
        primary("channels"),
        sa.UniqueConstraint("team_pk", "channel_id", name="uq_channels_team_channel"),
    )
    org_table(
        "conversation_refs",
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("service_url", sa.String(length=400), nullable=False),
        sa.Column("channel_id", sa.String(length=40), nullable=False),
        sa.Column("bot_id", sa.String(length=200), nullable=False),
        sa.Column("bot_name", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("team_pk", sa.Integer(), nullable=True),
        sa.Column("teams_channel_id", sa.String(length=200), nullable=True),
        sa.Column("blocked_reason", sa.String(length=200), nullable=True),
        moment("updated_at"),
        refers("conversation_refs", "org_id", "organisations"),
        refers("conversation_refs", "person_id", "people", "SET NULL"),
        refers("conversation_refs", "team_pk", "teams", "SET NULL"),
        sa.UniqueConstraint("org_id", "conversation_id", name="uq_conversation_refs_org_conv"),
    )
    named_indexes("conversation_refs", person=["person_id"])

    op.create_table(
        "role_grants",
        key(),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        moment("granted_at"),
        refers("role_grants", "person_id", "people", "CASCADE"),
        primary("role_grants"),
        sa.UniqueConstraint("person_id", "role", name="uq_role_grants_person_role"),
    )
    op.create_table(
        "team_members",
        key(),
        sa.Column("team_pk", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        refers("team_members", "person_id", "people", "CASCADE"),
        refers("team_members", "team_pk", "teams", "CASCADE"),
        primary("team_members"),
        sa.UniqueConstraint("team_pk", "person_id", name="uq_team_members_pair"),
    )


def downgrade() -> None:
    op.drop_table("team_members")
    op.drop_table("role_grants")
    drop("conversation_refs", "person")
    op.drop_table("channels")
    drop("teams", "org_id")
    drop("people", "org_id")
    op.drop_table("processed_activities")
    op.drop_table("organisations")
    drop("audit_entries", "org_id")
