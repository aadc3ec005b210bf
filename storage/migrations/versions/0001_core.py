"""core: organisations, people, roles, teams, conversations"""

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
)

revision = "0001_core"
down_revision = None
branch_labels = ("core",)


def upgrade() -> None:
    org_table(
        "audit_entries",
        column("actor_id", sa.Integer(), nullable=True),
        column("subject", sa.String(length=200)),
        column("action", sa.String(length=100)),
        column("detail", sa.Text()),
        moment("at"),
    )
    index("audit_entries", "org_id")

    op.create_table(
        "organisations",
        column("id", sa.String(length=64)),
        column("name", sa.String(length=200)),
        column("settings", sa.JSON()),
        moment("created_at"),
        primary("organisations"),
    )
    org_table(
        "processed_activities",
        column("activity_key", sa.String(length=400)),
        column("response", sa.JSON(), nullable=True),
        moment("created_at"),
        sa.UniqueConstraint("org_id", "activity_key", name="uq_processed_activities_key"),
    )
    org_table(
        "people",
        column("aad_object_id", sa.String(length=64), nullable=True),
        column("teams_user_id", sa.String(length=200), nullable=True),
        column("name", sa.String(length=200)),
        column("email", sa.String(length=320), nullable=True),
        column("campus", sa.String(length=200)),
        column("curriculum_area", sa.String(length=200)),
        column("delivery_style", sa.String(length=20), nullable=True),
        column("line_manager_email", sa.String(length=320), nullable=True),
        column("learning_in_libraries", sa.Boolean()),
        column("start_date", sa.Date(), nullable=True),
        column("is_tutor", sa.Boolean()),
        moment("created_at"),
        moment("last_seen_at", nullable=True),
        refers("people", "org_id", "organisations"),
        sa.UniqueConstraint("org_id", "aad_object_id", name="uq_people_org_aad"),
        sa.UniqueConstraint("org_id", "email", name="uq_people_org_email"),
    )
    index("people", "org_id")

    org_table(
        "teams",
        column("team_id", sa.String(length=200)),
        column("aad_group_id", sa.String(length=64), nullable=True),
        column("name", sa.String(length=200)),
        column("installed", sa.Boolean()),
        moment("created_at"),
        refers("teams", "org_id", "organisations"),
        sa.UniqueConstraint("org_id", "team_id", name="uq_teams_org_team"),
    )
    index("teams", "org_id")

    op.create_table(
        "channels",
        key(),
        column("team_pk", sa.Integer()),
        column("channel_id", sa.String(length=200)),
        column("name", sa.String(length=200)),
        refers("channels", "team_pk", "teams", "CASCADE"),
        primary("channels"),
        sa.UniqueConstraint("team_pk", "channel_id", name="uq_channels_team_channel"),
    )
    org_table(
        "conversation_refs",
        column("conversation_id", sa.String(length=400)),
        column("kind", sa.String(length=20)),
        column("service_url", sa.String(length=400)),
        column("channel_id", sa.String(length=40)),
        column("bot_id", sa.String(length=200)),
        column("bot_name", sa.String(length=200)),
        column("person_id", sa.Integer(), nullable=True),
        column("team_pk", sa.Integer(), nullable=True),
        column("teams_channel_id", sa.String(length=200), nullable=True),
        column("blocked_reason", sa.String(length=200), nullable=True),
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
        column("person_id", sa.Integer()),
        column("role", sa.String(length=40)),
        column("granted_by", sa.Integer(), nullable=True),
        moment("granted_at"),
        refers("role_grants", "person_id", "people", "CASCADE"),
        primary("role_grants"),
        sa.UniqueConstraint("person_id", "role", name="uq_role_grants_person_role"),
    )
    op.create_table(
        "team_members",
        key(),
        column("team_pk", sa.Integer()),
        column("person_id", sa.Integer()),
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
