"""Proactive delivery to Teams: a person's 1:1 chat (opened from a team roster if need be), or a
stored channel conversation; every request paced under the tenant limit, every answer translated
into what the worker should do next (sent, try later, or never)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

import aiohttp

from bot.app.events import Events
from bot.app.notices import NoticeKinds
from bot.app.pacing import TenantPacer
from bot.app.roster import follow_merges
from bot.app.turn import Message
from bot.app.worker import TryLater, Undeliverable, Worker
from bot.clock import Clock, SystemClock
from bot.domain.throttle import Outcome, classify, reason_for
from bot.logs import kind, short
from bot.settings import Settings
from bot.teams.activities import message_activity
from bot.teams.connector import Connector, ConnectorError
from storage.db import Database
from storage.models import ConversationRef, Person, Team
from storage.outbox import Reach, RosterEntry
from storage.people import Directory, retry_identity

log = logging.getLogger(__name__)

ROSTER_PAGE = 500
UPDATE_GONE = "Teams says the message to update no longer exists (404): it was deleted"


class TeamsSender:
    def __init__(
        self,
        db: Database,
        connector: Connector,
        pacer: TenantPacer | None = None,
        *,
        clock: Clock | None = None,
        roster_ttl: timedelta = timedelta(hours=12),
        events: Events | None = None,
    ) -> None:
        self.db = db
        self.events = events or Events()  # the app's: who a roster merges may change a line
        self.connector = connector
        self.pacer = pacer or TenantPacer(db)
        self.clock = clock or SystemClock()
        self.roster_ttl = roster_ttl
        self._roster_locks: dict[str, asyncio.Lock] = {}

    async def _call[T](self, org_id: str, call: Callable[[], Awaitable[T]]) -> T:
        """One paced request to the Bot Connector, its failure translated for the worker."""
        await self.pacer.wait_turn(org_id)
        try:
            return await call()
        except ConnectorError as exc:
            outcome = classify(exc.status)
            reason = reason_for(exc.status, exc.body[:120])
            if outcome is Outcome.RETRY:
                if exc.status == 429:
                    await self.pacer.hold(org_id, exc.retry_after or 1.0)
                raise TryLater(reason, status=exc.status, retry_after=exc.retry_after) from exc
            raise Undeliverable(
                reason, status=exc.status, block=outcome is Outcome.BLOCKED
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TryLater(reason_for(None, str(exc) or type(exc).__name__)) from exc

    async def post(self, ref: ConversationRef, message: Message) -> str:
        if ref.blocked_reason:
            raise Undeliverable(f"not sent: {ref.blocked_reason}", unreachable=True)
        activity = message_activity(message)
        if message.update_id:
            update_id = message.update_id
            try:
                await self._call(
                    ref.org_id,
                    lambda: self.connector.update(
                        ref.service_url, ref.conversation_id, update_id, activity
                    ),
                )
            except Undeliverable as exc:
                if exc.status != 404:
                    raise
                # The message is gone (someone deleted it), not the conversation: only this
                # update fails; the conversation stays reachable for everything else.
                raise Undeliverable(UPDATE_GONE, status=404) from exc
            return update_id
        return await self._call(
            ref.org_id,
            lambda: self.connector.send(ref.service_url, ref.conversation_id, activity),
        )

    async def reach(self, person: Person) -> ConversationRef:
        """The person's 1:1 chat; if there is none, open it through a team they share with TLC."""
        now = self.clock.now()
        async with self.db.unit_of_work() as uow:
            ref = await Directory(uow.session).personal_conversation(person.id)
            if ref is not None:
                return ref
            teams = await Reach(uow.session).team_channels(person.id)
        user_id = person.teams_user_id
        if not teams or not user_id:
            await self._read_rosters(person.org_id, prefer=person.id)
            async with self.db.unit_of_work() as uow:
                # The roster may have shown two rows to be one person: follow the merge.
                fresh = await Directory(uow.session).current(person)
                if fresh is not None:
                    person = fresh
                user_id = fresh.teams_user_id if fresh else None
                teams = await Reach(uow.session).team_channels(person.id)
                ref = await Directory(uow.session).personal_conversation(person.id)
            if ref is not None:
                return ref
        who = person.name or person.email or "this person"
        if not teams:
            raise Undeliverable(
                f"no 1:1 chat with {who} yet, and no team shared with TLC", unreachable=True
            )
        if not user_id:
            raise Undeliverable(
                f"{who} is not on the roster of any team TLC is in", unreachable=True
            )
        _, channel = teams[0]
        conversation_id = await self._call(
            person.org_id,
            lambda: self.connector.create_personal_conversation(
                channel.service_url,
                bot_id=channel.bot_id,
                user_id=user_id,
                tenant_id=person.org_id,
            ),
        )
        async with self.db.unit_of_work() as uow:
            ref = await Reach(uow.session).remember_personal(person, channel, conversation_id, now)
            await uow.commit()
        return ref

    async def _read_rosters(self, org_id: str, *, prefer: int | None = None) -> None:
        """Read the rosters of the organisation's teams not read lately (one reader at a time)."""
        lock = self._roster_locks.setdefault(org_id, asyncio.Lock())
        async with lock:
            now = self.clock.now()
            async with self.db.unit_of_work() as uow:
                stale = await Reach(uow.session).unsynced_team_channels(
                    org_id, now - self.roster_ttl
                )
            for team, channel in stale:
                try:
                    entries = await self._roster(org_id, channel, team.team_id)
                except Undeliverable as exc:
                    # Teams will not give this roster (the bot was removed, say): noted as read,
                    # so it is asked again only after `roster_ttl`.
                    log.warning(
                        "could not read the roster of team %s: %s", short(team.team_id), kind(exc)
                    )
                    entries = []
                try:
                    await retry_identity(
                        partial(self._link_roster, team.id, entries, now, prefer), what="a roster"
                    )
                except Exception:
                    # Not noted as read: the next send to this organisation reads it again.
                    log.warning(
                        "could not store the roster of team %s", team.team_id, exc_info=True
                    )

    async def _link_roster(
        self, team_pk: int, entries: list[RosterEntry], now: datetime, prefer: int | None
    ) -> None:
        async with self.db.unit_of_work() as uow:
            stored = await uow.session.get(Team, team_pk)
            if stored is None:
                return
            await Reach(uow.session).link_roster(stored, entries, now, prefer=prefer)
            await follow_merges(uow.session, self.events, stored.org_id, now)
            await uow.commit()

    async def _roster(
        self, org_id: str, channel: ConversationRef, team_id: str
    ) -> list[RosterEntry]:
        entries: list[RosterEntry] = []
        token: str | None = None
        while True:
            page, token = await self._call(
                org_id,
                partial(
                    self.connector.members_page, channel.service_url, team_id, ROSTER_PAGE, token
                ),
            )
            entries.extend(RosterEntry(m.id, m.aad_object_id, m.address, m.name) for m in page)
            if not token:
                return entries

    async def close(self) -> None:
        await self.pacer.close()

    # The contract's first shape, kept for callers that send one message directly.
    async def to_person(self, person: Person, message: Message) -> str:
        return await self.post(await self.reach(person), message)

    async def to_conversation(self, ref: ConversationRef, message: Message) -> str:
        return await self.post(ref, message)


def teams_worker(
    settings: Settings,
    db: Database,
    kinds: NoticeKinds,
    connector: Connector,
    clock: Clock,
) -> Worker:
    """The outbox worker sending through Teams, paced as the settings say."""
    pacer = TenantPacer(db, settings.proactive_rate)
    sender = TeamsSender(db, connector, pacer, clock=clock, events=kinds.events)
    return Worker(
        db,
        kinds,
        sender,
        clock=clock,
        slots=settings.worker_slots,
        retention=timedelta(days=settings.retention_days),
    )
