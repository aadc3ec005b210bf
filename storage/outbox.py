"""The outbox: messages rendered and waiting to go, sent exactly once, with their outcome.

How a message goes out without being lost or doubled:
- The worker moves a due scheduled item into this table in one transaction (item -> queued).
- A sender claims one queued row. On PostgreSQL the claim is a row lock (`FOR UPDATE SKIP
  LOCKED`) held by the transaction that sends it and then records the activity id and `sent`;
  a second process skips the locked row, and a process killed mid-send loses its connection, so
  PostgreSQL rolls back and unlocks the row for the next worker at once. On SQLite (one worker
  per file: a second refuses to start, `storage.db.SoleWorker`) the claim is kept in the
  process and the outcome written in one short transaction.
- The only window left is a kill after Teams accepted a message but before the commit: that
  message is sent again on restart (at least once, never silently dropped).

Also here: the tenant's pacing row (one evenly spaced request schedule shared by every worker)
and when each team's roster was last read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Index, UniqueConstraint
from sqlalchemy.types import Float, String, Text

from bot.domain.emails import normal_email
from storage.db import Database, UnitOfWork
from storage.models import (
    Base,
    ConversationRef,
    OrganisationRow,
    Person,
    Repository,
    Team,
    TeamMember,
    belongs_to,
    refers_to,
)
from storage.people import Directory, Sighting
from storage.reminders import FAILED, PENDING, QUEUED, Schedule, ScheduledItem

SENT = "sent"
CANCELLED = "cancelled"


class OutboxMessage(OrganisationRow):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("item_id", "item_revision", name="uq_outbox_messages_item_revision"),
        Index("ix_outbox_messages_ready", "state", "not_before", "id"),
        Index("ix_outbox_messages_conversation", "conversation_id", "paced_at"),
    )

    item_id: Mapped[int] = belongs_to("scheduled_items")
    item_revision: Mapped[int]
    kind: Mapped[str] = mapped_column(String(60))
    person_id: Mapped[int | None] = belongs_to("people")
    conversation_ref_id: Mapped[int | None] = refers_to("conversation_refs")
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"text": .., "card": ..}
    state: Mapped[str] = mapped_column(String(20), default=QUEUED)
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    throttled: Mapped[int] = mapped_column(default=0)  # 429s among the attempts
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(String(400))
    activity_id: Mapped[str | None] = mapped_column(String(200))
    paced_at: Mapped[float | None] = mapped_column(Float)  # wall-clock seconds it went out
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TenantPacing(Base):
    """The next free request slot for a tenant, shared by every worker process."""

    __tablename__ = "tenant_pacing"

    org_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_free: Mapped[float] = mapped_column(Float)  # wall-clock seconds since the epoch


class RosterSync(Base):
    """When the bot last read a team's roster to find people it has no 1:1 chat with."""

    __tablename__ = "roster_syncs"

    team_pk: Mapped[int] = belongs_to("teams", primary_key=True)
    synced_at: Mapped[datetime]


async def withdraw(session: AsyncSession, item_ids: Sequence[int], now: datetime) -> None:
    """Queued, unsent outbox messages of these items will not go (cancelled or rescheduled)."""
    if not item_ids:
        return
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.item_id.in_(list(item_ids)), OutboxMessage.state == QUEUED)
        .values(state=CANCELLED, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _ready(now: datetime) -> Any:
    return (OutboxMessage.state == QUEUED) & (OutboxMessage.not_before <= now)


@dataclass
class Claim:
    """One outbox message this worker alone is sending; `uow` records the outcome."""

    message_id: int
    uow: UnitOfWork
    ref: ConversationRef | None = None  # where it goes, when the claim could already tell

    async def row(self) -> OutboxMessage:
        row = await self.uow.session.get(OutboxMessage, self.message_id)
        if row is None:
            raise LookupError(f"outbox message {self.message_id} vanished")
        return row


class OutboxQueue:
    """Claims outbox messages for sending: row locks on PostgreSQL, in-process on SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._mine: set[int] = set()  # SQLite: rows a sender of this process is holding

    @asynccontextmanager
    async def claim(self, now: datetime) -> AsyncIterator[Claim | None]:
        if self.db.is_postgres:
            async with self.db.unit_of_work() as uow:
                # The row (locked) and, in the same round trip, its conversation: the one it
                # names, or the person's latest 1:1 chat.
                personal = (
                    select(ConversationRef.id)
                    .where(
                        ConversationRef.person_id == OutboxMessage.person_id,
                        ConversationRef.kind == "personal",
                    )
                    .order_by(ConversationRef.updated_at.desc())
                    .limit(1)
                    .correlate(OutboxMessage)
                    .scalar_subquery()
                )
                target = ConversationRef.id == func.coalesce(
                    OutboxMessage.conversation_ref_id, personal
                )
                found = (
                    await uow.session.execute(
                        select(OutboxMessage, ConversationRef)
                        .outerjoin(ConversationRef, target)
                        .where(_ready(now))
                        .order_by(OutboxMessage.not_before, OutboxMessage.id)
                        .limit(1)
                        .with_for_update(skip_locked=True, of=OutboxMessage)
                    )
                ).first()
                yield None if found is None else Claim(found[0].id, uow, found[1])
            return
        async with self.db.unit_of_work() as uow:
            q = select(OutboxMessage.id).where(_ready(now))
            if self._mine:
                q = q.where(OutboxMessage.id.not_in(self._mine))
            candidates = await uow.session.scalars(
                q.order_by(OutboxMessage.not_before, OutboxMessage.id).limit(16)
            )
            # Other senders of this process may have claimed some while we read: pick and
            # mark in one step (no await between), so no two senders hold the same row.
            message_id = next((c for c in candidates if c not in self._mine), None)
            if message_id is not None:
                self._mine.add(message_id)
        if message_id is None:
            yield None
            return
        try:
            async with self.db.unit_of_work() as uow:
                yield Claim(message_id, uow)
        finally:
            self._mine.discard(message_id)

    async def ready_count(self, now: datetime) -> int:
        """Queued messages that could go now (all workers'), counted from the index."""
        async with self.db.unit_of_work() as uow:
            return int(
                await uow.session.scalar(select(func.count(OutboxMessage.id)).where(_ready(now)))
                or 0
            )

    async def lock_conversation(self, claim: Claim, conversation_id: str) -> None:
        """PostgreSQL: one sender per conversation at a time, across processes, until commit."""
        if self.db.is_postgres:
            await claim.uow.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": conversation_id}
            )


async def recent_sends(session: AsyncSession, conversation_id: str, since: float) -> list[float]:
    """When messages went to this conversation since `since` (wall-clock seconds)."""
    rows = await session.scalars(
        select(OutboxMessage.paced_at)
        .where(
            OutboxMessage.conversation_id == conversation_id,
            OutboxMessage.paced_at > since,
        )
        .order_by(OutboxMessage.paced_at.desc())
        .limit(2000)
    )
    return [float(t) for t in rows if t is not None]


async def reserve_tenant_slots(
    conn: AsyncConnection, org_id: str, now: float, interval: float, count: int = 1
) -> float:
    """Take the tenant's next `count` request slots; returns when the first starts (wall-clock
    seconds; the others follow every `interval`).

    One statement, so concurrent workers queue on the row and each gets slots of its own.
    """
    span = interval * count
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    current = TenantPacing.__table__.c.next_free
    stmt = (
        insert(TenantPacing)
        .values(org_id=org_id, next_free=now + span)
        .on_conflict_do_update(
            index_elements=[TenantPacing.org_id],
            set_={"next_free": case((current > now, current), else_=now) + span},
        )
        .returning(TenantPacing.next_free)
    )
    next_free = float((await conn.execute(stmt)).scalar_one())
    return next_free - span


async def hold_tenant(conn: AsyncConnection, org_id: str, until: float) -> None:
    """No request for this tenant before `until` (after a 429), from any worker."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    current = TenantPacing.__table__.c.next_free
    stmt = insert(TenantPacing).values(org_id=org_id, next_free=until)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TenantPacing.org_id],
        set_={"next_free": case((current > until, current), else_=until)},
    )
    await conn.execute(stmt)


class PacingBook:
    """The tenant pacing row, through one connection of its own (autocommit: no transaction to
    open or close, no pool checkout per request). Its statements queue in the process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def _run[T](self, step: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        async with self._lock:
            if self._conn is None or self._conn.closed:
                conn = await self.db.engine.connect()
                self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            try:
                return await step(self._conn)
            except Exception:
                await self.close()  # a broken connection: a fresh one next time
                raise

    async def reserve(self, org_id: str, now: float, interval: float) -> float:
        return await self._run(lambda conn: reserve_tenant_slots(conn, org_id, now, interval))

    async def hold(self, org_id: str, until: float) -> None:
        await self._run(lambda conn: hold_tenant(conn, org_id, until))

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


@dataclass(frozen=True)
class RosterEntry:
    """A member of a team's roster, as Teams lists them."""

    user_id: str  # 29:...
    aad_object_id: str | None
    email: str | None
    name: str = ""


class Reach(Repository):
    """Where the bot can reach a person: their 1:1 chat, or the teams they share with it."""

    async def team_channels(self, person_id: int) -> list[tuple[Team, ConversationRef]]:
        """Teams the person is in where the bot is installed, each with one of its channels."""
        return await self._one_channel_each(
            select(Team, ConversationRef).join(TeamMember, TeamMember.team_pk == Team.id),
            TeamMember.person_id == person_id,
        )

    async def unsynced_team_channels(
        self, org_id: str, before: datetime
    ) -> list[tuple[Team, ConversationRef]]:
        """Installed teams whose roster was not read since `before`, each with a channel."""
        return await self._one_channel_each(
            select(Team, ConversationRef).outerjoin(RosterSync, RosterSync.team_pk == Team.id),
            Team.org_id == org_id,
            or_(RosterSync.synced_at.is_(None), RosterSync.synced_at < before),
        )

    async def _one_channel_each(
        self, query: Select[Team, ConversationRef], *where: ColumnElement[bool]
    ) -> list[tuple[Team, ConversationRef]]:
        """The installed teams `query` and `where` find, each once, with the channel of theirs
        the bot saw last."""
        rows = await self.session.execute(
            query.join(ConversationRef, ConversationRef.team_pk == Team.id)
            .where(Team.installed.is_(True), ConversationRef.kind == "channel", *where)
            .order_by(Team.id, ConversationRef.updated_at.desc())
        )
        seen: dict[int, tuple[Team, ConversationRef]] = {}
        for team, ref in rows:
            seen.setdefault(team.id, (team, ref))
        return list(seen.values())

    async def link_roster(
        self,
        team: Team,
        members: Iterable[RosterEntry],
        now: datetime,
        *,
        prefer: int | None = None,
    ) -> None:
        """Note the Teams ids of people on a team's roster, and that they are in the team (rows
        that turn out to be one person are merged, keeping `prefer` if it is one of them)."""
        entries = list(members)
        by_aad = {m.aad_object_id: m for m in entries if m.aad_object_id}
        by_email = {normal_email(m.email): m for m in entries if m.email}
        people: list[Person] = []
        aads, emails = list(by_aad), list(by_email)
        for i in range(0, max(len(aads), len(emails)), 500):
            found = await self.session.scalars(
                select(Person).where(
                    Person.org_id == team.org_id,
                    or_(
                        Person.aad_object_id.in_(aads[i : i + 500]),
                        Person.email.in_(emails[i : i + 500]),
                    ),
                )
            )
            people.extend(found)
        members_of = set(
            await self.session.scalars(
                select(TeamMember.person_id).where(TeamMember.team_pk == team.id)
            )
        )
        known_aad = {p.aad_object_id: p for p in people if p.aad_object_id}
        known_email = {p.email: p for p in people if p.email}
        directory = Directory(self.session)
        before = set(members_of)
        for entry in entries:
            email = normal_email(entry.email) if entry.email else None
            aad_match = known_aad.get(entry.aad_object_id or "")
            email_match = known_email.get(email or "")
            person = aad_match or email_match
            if (
                person is None
                or (aad_match and email_match and aad_match is not email_match)
                or person.teams_user_id != entry.user_id
                or (email and person.email != email)
                or (entry.aad_object_id and person.aad_object_id != entry.aad_object_id)
            ):
                # New to TLC, or something to learn or join up: the one merge rule.
                sighting = Sighting(
                    entry.aad_object_id,
                    entry.user_id,
                    email,
                    entry.name,
                    name_is_real=False,
                    seen=False,
                )
                person = await directory.identify(team.org_id, sighting, now, prefer=prefer)
                # A merge may have moved (or dropped) memberships: ask the database again.
                await directory.add_member(team, person)  # resent below, all at once
                await self.session.flush()
                members_of.add(person.id)
            elif person.id not in members_of:
                self.session.add(TeamMember(team_pk=team.id, person_id=person.id))
                members_of.add(person.id)
        sync = await self.session.get(RosterSync, team.id)
        if sync is None:
            self.session.add(RosterSync(team_pk=team.id, synced_at=now))
        else:
            sync.synced_at = now
        await self.session.flush()
        if team.installed:
            # New members of a team TLC is in can be reached now (a 1:1 chat opened there).
            await Schedule(self.session).resend_to(members_of - before, now)

    async def remember_personal(
        self, person: Person, channel: ConversationRef, conversation_id: str, now: datetime
    ) -> ConversationRef:
        """Store a 1:1 chat the bot opened, or find the one another worker stored first."""
        dialect = self.session.bind.dialect.name if self.session.bind is not None else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(ConversationRef)
            .values(
                org_id=person.org_id,
                conversation_id=conversation_id,
                kind="personal",
                service_url=channel.service_url,
                channel_id=channel.channel_id,
                bot_id=channel.bot_id,
                bot_name=channel.bot_name,
                person_id=person.id,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["org_id", "conversation_id"])
        )
        ref = await self.one(
            ConversationRef,
            ConversationRef.org_id == person.org_id,
            ConversationRef.conversation_id == conversation_id,
        )
        assert ref is not None
        await Schedule(self.session).resend_to([person.id], now)
        return ref


@dataclass(frozen=True)
class Undelivered:
    """A message TLC gave up on, for the admin view."""

    item_id: int
    kind: str
    recipient: str
    reason: str
    at: datetime
    reachable: bool


async def undelivered(session: AsyncSession, org_id: str, limit: int = 20) -> list[Undelivered]:
    rows = await session.execute(
        select(ScheduledItem, Person, ConversationRef)
        .outerjoin(Person, Person.id == ScheduledItem.person_id)
        .outerjoin(ConversationRef, ConversationRef.id == ScheduledItem.conversation_ref_id)
        .where(ScheduledItem.org_id == org_id, ScheduledItem.state == FAILED)
        .order_by(ScheduledItem.updated_at.desc(), ScheduledItem.id.desc())
        .limit(limit)
    )
    blocked = await _blocked_people(session, org_id)
    out = []
    for item, person, ref in rows:
        if person is not None:
            recipient = person.name or person.email or f"person {person.id}"
            reachable = person.id not in blocked
        else:
            recipient = _conversation_label(ref)
            reachable = ref is not None and not ref.blocked_reason
        out.append(
            Undelivered(
                item.id, item.kind, recipient, item.last_error or "", item.updated_at, reachable
            )
        )
    return out


async def count_undelivered(session: AsyncSession, org_id: str) -> int:
    return int(
        await session.scalar(
            select(func.count(ScheduledItem.id)).where(
                ScheduledItem.org_id == org_id, ScheduledItem.state == FAILED
            )
        )
        or 0
    )


async def _blocked_people(session: AsyncSession, org_id: str) -> set[int]:
    rows = await session.scalars(
        select(ConversationRef.person_id).where(
            ConversationRef.org_id == org_id,
            ConversationRef.kind == "personal",
            ConversationRef.blocked_reason.is_not(None),
        )
    )
    return {p for p in rows if p is not None}


def _conversation_label(ref: ConversationRef | None) -> str:
    if ref is None:
        return "a conversation that no longer exists"
    return "a team channel" if ref.kind == "channel" else "a group chat"


async def retry_undelivered(
    session: AsyncSession, org_id: str, now: datetime, *, dry_run: bool = False
) -> int:
    """Put failed items whose recipient is reachable again back in the queue (or count them)."""
    blocked_people = await _blocked_people(session, org_id)
    failed = await session.scalars(
        select(ScheduledItem).where(ScheduledItem.org_id == org_id, ScheduledItem.state == FAILED)
    )
    count = 0
    for item in failed:
        if item.person_id is not None and item.person_id in blocked_people:
            continue
        if item.conversation_ref_id is not None:
            ref = await session.get(ConversationRef, item.conversation_ref_id)
            if ref is None or ref.blocked_reason:
                continue
        count += 1
        if dry_run:
            continue
        item.state, item.ready_at, item.attempts, item.updated_at = PENDING, now, 0, now
        item.resend_until = None
        item.revision = (item.revision or 0) + 1
    await session.flush()
    return count
