"""core: organisations, people, roles, teams, conversations"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import shapes as s

revision = "0001_core"
down_revision = None
branch_labels = ("core",)


def upgrade() -> None:
    s.org_table(
        "audit_entries",
        s.column("actor_id", sa.Integer(), nullable=True),
        s.column("subject", sa.String(length=200)),
        s.column("action", sa.String(length=100)),
        s.column("detail", sa.Text()),
        s.moment("at"),
    )
    s.index("audit_entries", "org_id")

    op.create_table(
        "organisations",
        s.column("id", sa.String(length=64)),
        s.column("name", sa.String(length=200)),
        s.column("settings", sa.JSON()),
        s.moment("created_at"),
        s.primary("organisations"),
    )
    s.org_table(
        "processed_activities",
        s.column("activity_key", sa.String(length=400)),
        s.column("response", sa.JSON(), nullable=True),
        s.moment("created_at"),
        s.unique("uq_processed_activities_key", "org_id", "activity_key"),
    )
    s.org_table(
        "people",
        s.column("aad_object_id", sa.String(length=64), nullable=True),
        s.column("teams_user_id", sa.String(length=200), nullable=True),
        s.column("name", sa.String(length=200)),
        s.column("email", sa.String(length=320), nullable=True),
        s.column("campus", sa.String(length=200)),
        s.column("curriculum_area", sa.String(length=200)),
        s.column("delivery_style", sa.String(length=20), nullable=True),
        s.column("line_manager_email", sa.String(length=320), nullable=True),
        s.column("learning_in_libraries", sa.Boolean()),
        s.column("start_date", sa.Date(), nullable=True),
        s.column("is_tutor", sa.Boolean()),
        s.moment("created_at"),
        s.moment("last_seen_at", nullable=True),
        s.unique("uq_people_org_aad", "org_id", "aad_object_id"),
        s.unique("uq_people_org_email", "org_id", "email"),
        org_fk=True,
    )
    s.index("people", "org_id")

    s.org_table(
        "teams",
        s.column("team_id", sa.String(length=200)),
        s.column("aad_group_id", sa.String(length=64), nullable=True),
        s.column("name", sa.String(length=200)),
        s.column("installed", sa.Boolean()),
        s.moment("created_at"),
        s.unique("uq_teams_org_team", "org_id", "team_id"),
        org_fk=True,
    )
    s.index("teams", "org_id")

    s.id_table(
        "channels",
        s.ref("team_pk", "teams"),
        s.column("channel_id", sa.String(length=200)),
        s.column("name", sa.String(length=200)),
        s.unique("uq_channels_team_channel", "team_pk", "channel_id"),
    )
    s.org_table(
        "conversation_refs",
        s.column("conversation_id", sa.String(length=400)),
        s.column("kind", sa.String(length=20)),
        s.column("service_url", sa.String(length=400)),
        s.column("channel_id", sa.String(length=40)),
        s.column("bot_id", sa.String(length=200)),
        s.column("bot_name", sa.String(length=200)),
        s.ref("person_id", "people", "SET NULL"),
        s.ref("team_pk", "teams", "SET NULL"),
        s.column("teams_channel_id", sa.String(length=200), nullable=True),
        s.column("blocked_reason", sa.String(length=200), nullable=True),
        s.moment("updated_at"),
        s.unique("uq_conversation_refs_org_conv", "org_id", "conversation_id"),
        org_fk=True,
    )
    s.named_indexes("conversation_refs", person=["person_id"])

    s.id_table(
        "role_grants",
        s.ref("person_id", "people"),
        s.column("role", sa.String(length=40)),
        s.column("granted_by", sa.Integer(), nullable=True),
        s.moment("granted_at"),
        s.unique("uq_role_grants_person_role", "person_id", "role"),
    )
    s.id_table(
        "team_members",
        s.ref("team_pk", "teams"),
        s.ref("person_id", "people"),
        s.unique("uq_team_members_pair", "team_pk", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("team_members")
    op.drop_table("role_grants")
    s.drop("conversation_refs", "person")
    op.drop_table("channels")
    s.drop("teams", "org_id")
    s.drop("people", "org_id")
    op.drop_table("processed_activities")
    op.drop_table("organisations")
    s.drop("audit_entries", "org_id")
