"""Organisations, people, roles, teams and conversation references."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.turn import UserRef, Where
from bot.domain.access import Role
from bot.domain.tutors import TutorRow
from storage.models import (
    AuditEntry,
    Base,
    Channel,
    ConversationRef,
    Organisation,
    Person,
    RoleGrant,
    Team,
    TeamMember,
)


class Directory:
    """Who is who in an organisation, and where the bot can reach them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisation(self, org_id: str, now: datetime) -> Organisation:
        """The organisation row, created on first sight; safe when two first turns race."""
        org = await self.session.get(Organisation, org_id)
        if org is None:
            await self._insert_once(
                Organisation, ["id"], id=org_id, name="", settings={}, created_at=now
            )
            org = await self.session.get(Organisation, org_id)
            assert org is not None
        return org

    async def person_by_aad(self, org_id: str, aad_object_id: str) -> Person | None:
        return await self.session.scalar(
            select(Person).where(Person.org_id == org_id, Person.aad_object_id == aad_object_id)
        )

    async def person_by_email(self, org_id: str, email: str) -> Person | None:
        return await self.session.scalar(
            select(Person).where(Person.org_id == org_id, Person.email == email.strip().lower())
        )

    async def person(self, org_id: str, person_id: int) -> Person | None:
        p = await self.session.get(Person, person_id)
        return p if p is not None and p.org_id == org_id else None

    async def people(self, org_id: str, ids: Iterable[int]) -> Sequence[Person]:
        ids = list(ids)
        if not ids:
            return []
        rows = await self.session.scalars(
            select(Person).where(Person.org_id == org_id, Person.id.in_(ids)).order_by(Person.name)
        )
        return rows.all()

    async def seen(self, org_id: str, user: UserRef, now: datetime) -> Person:
        """Record a person seen on a turn; match by AAD id, then by email (a tutor-list row)."""
        person = None
        if user.aad_object_id:
            person = await self.person_by_aad(org_id, user.aad_object_id)
        email = user.email.strip().lower() if user.email else None
        if email and (person is None or not person.email):
            listed = await self.person_by_email(org_id, email)
            if listed is not None and person is not None and listed.id != person.id:
                person = await self._merge(into=listed, duplicate=person)
            elif listed is not None:
                person = listed
        if person is None:
            person = Person(
                org_id=org_id, name=user.name, created_at=now, learning_in_libraries=False
            )
            self.session.add(person)
        person.aad_object_id = user.aad_object_id or person.aad_object_id
        person.teams_user_id = user.teams_user_id or person.teams_user_id
        if user.name:
            person.name = user.name
        if email and not person.email:
            person.email = email
        person.last_seen_at = now
        await self.session.flush()
        return person

    async def _merge(self, into: Person, duplicate: Person) -> Person:
        """A person first seen in Teams turns out to be a tutor-list row: keep one row."""
        for model, column in (
            (ConversationRef, ConversationRef.person_id),
            (TeamMember, TeamMember.person_id),
        ):
            await self.session.execute(
                update(model).where(column == duplicate.id).values(person_id=into.id)
            )
        held = [r.value for r in await self.roles(into.id)]
        await self.session.execute(
            update(RoleGrant)
            .where(RoleGrant.person_id == duplicate.id, RoleGrant.role.not_in(held))
            .values(person_id=into.id)
        )
        # Free the AAD id on the duplicate first: the flush would otherwise give it to `into`
        # while the duplicate still holds it (unique per organisation).
        aad_object_id, teams_user_id = duplicate.aad_object_id, duplicate.teams_user_id
        duplicate.aad_object_id = None
        await self.session.flush()
        into.aad_object_id = aad_object_id
        into.teams_user_id = teams_user_id
        await self.session.delete(duplicate)
        await self.session.flush()
        return into

    async def roles(self, person_id: int) -> frozenset[Role]:
        rows = await self.session.scalars(
            select(RoleGrant.role).where(RoleGrant.person_id == person_id)
        )
        return frozenset(Role(r) for r in rows)

    async def grant(self, person: Person, role: Role, by: int | None, now: datetime) -> bool:
        """Give a role; False if they already had it (also when a concurrent turn just gave it)."""
        return await self._insert_once(
            RoleGrant,
            ["person_id", "role"],
            person_id=person.id,
            role=role.value,
            granted_by=by,
            granted_at=now,
        )

    async def _insert_once(self, model: type[Base], unique: list[str], **values: object) -> bool:
        """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True if a row was added."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        result = await self.session.execute(
            insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke(self, person: Person, role: Role) -> bool:
        result = await self.session.execute(
            delete(RoleGrant).where(RoleGrant.person_id == person.id, RoleGrant.role == role.value)
        )
        return bool(getattr(result, "rowcount", 0))

    async def holders(self, org_id: str, role: Role) -> Sequence[Person]:
        rows = await self.session.scalars(
            select(Person)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(Person.org_id == org_id, RoleGrant.role == role.value)
            .order_by(Person.name)
        )
        return rows.all()

    async def import_tutor(self, org_id: str, row: TutorRow, now: datetime) -> tuple[Person, bool]:
        """Create or update a tutor from the tutor list; True when the person is new."""
        person = await self.person_by_email(org_id, row.email)
        created = person is None
        if person is None:
            person = Person(org_id=org_id, email=row.email, created_at=now)
            self.session.add(person)
        person.name = row.name
        person.campus = row.campus
        person.curriculum_area = row.curriculum_area
        person.delivery_style = row.delivery_style.value if row.delivery_style else None
        person.line_manager_email = row.line_manager_email
        person.learning_in_libraries = row.learning_in_libraries
        person.start_date = row.start_date
        person.is_tutor = True
        await self.session.flush()
        await self.grant(person, Role.TUTOR, None, now)
        if row.line_manager_email:
            manager = await self.person_by_email(org_id, row.line_manager_email)
            if manager is None:
                manager = Person(
                    org_id=org_id,
                    email=row.line_manager_email,
                    name=row.line_manager_email,
                    created_at=now,
                )
                self.session.add(manager)
                await self.session.flush()
            await self.grant(manager, Role.LINE_MANAGER, None, now)
        return person, created

    async def line_managers_of(self, person: Person) -> Sequence[Person]:
        if not person.line_manager_email:
            return []
        manager = await self.person_by_email(person.org_id, person.line_manager_email)
        return [manager] if manager else []

    async def team(self, org_id: str, where: Where, now: datetime) -> Team | None:
        if not where.team_id:
            return None
        team = await self.session.scalar(
            select(Team).where(Team.org_id == org_id, Team.team_id == where.team_id)
        )
        if team is None:
            team = Team(
                org_id=org_id, team_id=where.team_id, name=where.team_name or "", created_at=now
            )
            self.session.add(team)
            await self.session.flush()
        elif where.team_name and team.name != where.team_name:
            team.name = where.team_name
        if where.teams_channel_id:
            channel = await self.session.scalar(
                select(Channel).where(
                    Channel.team_pk == team.id, Channel.channel_id == where.teams_channel_id
                )
            )
            if channel is None:
                self.session.add(
                    Channel(
                        team_pk=team.id,
                        channel_id=where.teams_channel_id,
                        name=where.teams_channel_name or "",
                    )
                )
            elif where.teams_channel_name:
                channel.name = where.teams_channel_name
        return team

    async def add_member(self, team: Team, person: Person) -> None:
        exists = await self.session.scalar(
            select(TeamMember.id).where(
                TeamMember.team_pk == team.id, TeamMember.person_id == person.id
            )
        )
        if exists is None:
            self.session.add(TeamMember(team_pk=team.id, person_id=person.id))

    async def remember_conversation(
        self, org_id: str, where: Where, person: Person | None, team: Team | None, now: datetime
    ) -> ConversationRef:
        ref = await self.session.scalar(
            select(ConversationRef).where(
                ConversationRef.org_id == org_id,
                ConversationRef.conversation_id == where.conversation_id,
            )
        )
        if ref is None:
            ref = ConversationRef(org_id=org_id, conversation_id=where.conversation_id)
            self.session.add(ref)
        ref.kind = where.kind
        ref.service_url = where.service_url
        ref.channel_id = where.channel
        ref.bot_id = where.bot_id
        ref.bot_name = where.bot_name
        if where.kind == "personal" and person is not None:
            ref.person_id = person.id
        ref.team_pk = team.id if team else ref.team_pk
        ref.teams_channel_id = where.teams_channel_id
        ref.blocked_reason = None  # seen again: reachable again
        ref.updated_at = now
        return ref

    async def conversation(self, org_id: str, conversation_id: str) -> ConversationRef | None:
        return await self.session.scalar(
            select(ConversationRef).where(
                ConversationRef.org_id == org_id,
                ConversationRef.conversation_id == conversation_id,
            )
        )

    async def personal_conversation(self, person_id: int) -> ConversationRef | None:
        return await self.session.scalar(
            select(ConversationRef)
            .where(ConversationRef.person_id == person_id, ConversationRef.kind == "personal")
            .order_by(ConversationRef.updated_at.desc())
            .limit(1)
        )

    async def count_people(self, org_id: str) -> int:
        return int(
            await self.session.scalar(select(func.count(Person.id)).where(Person.org_id == org_id))
            or 0
        )

    def audit(
        self,
        org_id: str,
        actor_id: int | None,
        subject: str,
        action: str,
        detail: str,
        now: datetime,
    ) -> None:
        self.session.add(
            AuditEntry(
                org_id=org_id,
                actor_id=actor_id,
                subject=subject,
                action=action,
                detail=detail,
                at=now,
            )
        )

    async def audit_trail(self, org_id: str, subject: str | None = None) -> Sequence[AuditEntry]:
        q = select(AuditEntry).where(AuditEntry.org_id == org_id)
        if subject is not None:
            q = q.where(AuditEntry.subject == subject)
        return (await self.session.scalars(q.order_by(AuditEntry.id))).all()
