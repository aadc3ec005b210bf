"""core: organisations, people, roles, teams, conversations"""

import sqlalchemy as sa
from alembic import op

from storage.migrations.shapes import (
    column,
    drop,
    id_table,
    index,
    moment,
    named_indexes,
    org_table,
    primary,
    ref,
    unique,
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
        unique("uq_processed_activities_key", "org_id", "activity_key"),
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
        unique("uq_people_org_aad", "org_id", "aad_object_id"),
        unique("uq_people_org_email", "org_id", "email"),
        org_fk=True,
    )
    index("people", "org_id")

    org_table(
        "teams",
        column("team_id", sa.String(length=200)),
        column("aad_group_id", sa.String(length=64), nullable=True),
        column("name", sa.String(length=200)),
        column("installed", sa.Boolean()),
        moment("created_at"),
        unique("uq_teams_org_team", "org_id", "team_id"),
        org_fk=True,
    )
    index("teams", "org_id")

    id_table(
        "channels",
        ref("team_pk", "teams"),
        column("channel_id", sa.String(length=200)),
        column("name", sa.String(length=200)),
        unique("uq_channels_team_channel", "team_pk", "channel_id"),
    )
    org_table(
        "conversation_refs",
        column("conversation_id", sa.String(length=400)),
        column("kind", sa.String(length=20)),
        column("service_url", sa.String(length=400)),
        column("channel_id", sa.String(length=40)),
        column("bot_id", sa.String(length=200)),
        column("bot_name", sa.String(length=200)),
        ref("person_id", "people", "SET NULL"),
        ref("team_pk", "teams", "SET NULL"),
        column("teams_channel_id", sa.String(length=200), nullable=True),
        column("blocked_reason", sa.String(length=200), nullable=True),
        moment("updated_at"),
        unique("uq_conversation_refs_org_conv", "org_id", "conversation_id"),
        org_fk=True,
    )
    named_indexes("conversation_refs", person=["person_id"])

    id_table(
        "role_grants",
        ref("person_id", "people"),
        column("role", sa.String(length=40)),
        column("granted_by", sa.Integer(), nullable=True),
        moment("granted_at"),
        unique("uq_role_grants_person_role", "person_id", "role"),
    )
    id_table(
        "team_members",
        ref("team_pk", "teams"),
        ref("person_id", "people"),
        unique("uq_team_members_pair", "team_pk", "person_id"),
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
