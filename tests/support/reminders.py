"""A worker wired to the loopback connector, with time that moves only when the worker waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.app.notices import NoticeContext, NoticeKind, NoticeKinds
from bot.app.pacing import TenantPacer
from bot.app.turn import Message, Where
from bot.app.worker import Worker
from bot.clock import FixedClock
from bot.domain.throttle import RetryPolicy
from bot.teams.connector import Connector
from bot.teams.notifier import TeamsSender
from cards.reminders import NextStep, reminder_card
from storage.db import Database
from storage.models import ConversationRef, Person
from storage.people import Directory
from storage.reminders import Schedule, ScheduledItem
from tests.support.loopback import LoopbackConnector

ORG = "tenant-1"
BOT_ID = "28:tlc-bot"


@dataclass
class PaceTime:
    """Wall-clock seconds for pacing: the test's clock plus however long the worker waited.

    The worker's waits (a tenant slot, a conversation's limit) add to it instead of sleeping.
    """

    clock: FixedClock
    waited: float = 0.0
    waits: list[float] = field(default_factory=list)

    def wall(self) -> float:
        return self.clock.now().timestamp() + self.waited

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.waited += max(0.0, seconds)
        await asyncio.sleep(0)


async def _render(ctx: NoticeContext) -> Message:
    card = reminder_card(str(ctx.payload.get("what", "Reminder")), [], [NextStep("Open", "x")])
    return Message(text=str(ctx.payload.get("what", "")), card=card)


def sample_kinds(*extra: NoticeKind) -> NoticeKinds:
    kinds = NoticeKinds()
    kinds.add(
        NoticeKind("test.deadline", _render, description="Test deadlines"),
        NoticeKind("test.offer", _render, opt_out="offers", description="Test offers"),
        *extra,
    )
    return kinds


@asynccontextmanager
async def loopback_worker(
    db: Database,
    clock: FixedClock,
    kinds: NoticeKinds | None = None,
    *,
    slots: int = 1,
    policy: RetryPolicy | None = None,
    rate: float = 47.0,
) -> AsyncIterator[tuple[Worker, PaceTime]]:
    pace = PaceTime(clock)
    http = Connector()
    pacer = TenantPacer(db, rate, wall=pace.wall, sleep=pace.sleep)
    sender = TeamsSender(db, http, pacer, clock=clock)
    worker = Worker(
        db,
        kinds or sample_kinds(),
        sender,
        clock=clock,
        slots=slots,
        policy=policy,
        wall=pace.wall,
        sleep=pace.sleep,
        rand=lambda: 0.5,
    )
    try:
        yield worker, pace
    finally:
        await worker.close()
        await http.close()


async def person_with_chat(
    db: Database, loop: LoopbackConnector, key: str, clock: FixedClock
) -> int:
    """A person who has talked to the bot in a 1:1 chat (so it has their conversation)."""
    from bot.app.turn import UserRef

    now = clock.now()
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(ORG, now)
        person = await directory.seen(
            ORG, UserRef(f"29:{key}", f"aad-{key}", key.title(), f"{key}@college.ac.uk"), now
        )
        await directory.remember_conversation(ORG, personal_where(loop, key), person, None, now)
        await uow.commit()
        return person.id


def personal_where(loop: LoopbackConnector, key: str) -> Where:
    return Where(
        conversation_id=f"a:personal-29:{key}",
        kind="personal",
        service_url=loop.service_url,
        bot_id=BOT_ID,
    )


async def channel(db: Database, loop: LoopbackConnector, clock: FixedClock) -> int:
    """The Maths team's General channel, where the bot is installed; returns its reference id."""
    now = clock.now()
    where = Where(
        conversation_id="19:maths-general@thread.tacv2",
        kind="channel",
        service_url=loop.service_url,
        bot_id=BOT_ID,
        team_id="19:maths@thread.tacv2",
        team_name="Maths",
        teams_channel_id="19:maths-general@thread.tacv2",
        teams_channel_name="General",
    )
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(ORG, now)
        team = await directory.team(ORG, where, now)
        ref = await directory.remember_conversation(ORG, where, None, team, now)
        await uow.commit()
        return ref.id


async def schedule(
    db: Database,
    clock: FixedClock,
    key: str,
    *,
    person_id: int | None = None,
    conversation_ref_id: int | None = None,
    kind: str = "test.deadline",
    what: str | None = None,
    due_in_seconds: float = 0,
) -> None:
    from datetime import timedelta

    async with db.unit_of_work() as uow:
        await Schedule(uow.session).put(
            ORG,
            key,
            kind,
            clock.now() + timedelta(seconds=due_in_seconds),
            clock.now(),
            person_id=person_id,
            conversation_ref_id=conversation_ref_id,
            payload={"what": what or key},
        )
        await uow.commit()


async def item(db: Database, key: str) -> ScheduledItem:
    async with db.unit_of_work() as uow:
        found = await Schedule(uow.session).get(ORG, key)
        assert found is not None
        return found


async def conversation_ref(db: Database, ref_id: int) -> ConversationRef:
    async with db.unit_of_work() as uow:
        ref = await uow.session.get(ConversationRef, ref_id)
        assert ref is not None
        return ref


async def personal_ref(db: Database, person_id: int) -> ConversationRef | None:
    async with db.unit_of_work() as uow:
        return await Directory(uow.session).personal_conversation(person_id)


async def person(db: Database, person_id: int) -> Person:
    async with db.unit_of_work() as uow:
        found = await uow.session.get(Person, person_id)
        assert found is not None
        return found
