"""The reminders contract every capability relies on: schedule by key, tick, delivered once."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.app.notices import NoticeContext, NoticeKind
from bot.app.turn import Message
from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.people import Directory
from storage.reminders import SENT, Schedule
from tests.conftest import TUTOR
from tests.support.teams import TeamsClient


async def _hello(ctx: NoticeContext) -> Message:
    return Message(text=f"Reminder: {ctx.payload['what']}")


async def test_a_scheduled_item_reaches_the_persons_chat_once(
    teams: TeamsClient, clock: FixedClock, teams_app: web.Application
) -> None:
    await teams.say(TUTOR, "hello")  # the bot now has a 1:1 chat with the tutor
    bot = teams_app[BOT_KEY]
    bot.worker.kinds.add(NoticeKind("test.hello", _hello))
    async with bot.db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_aad("tenant-1", TUTOR.aad)
        assert person is not None
        schedule = Schedule(uow.session)
        due = clock.now() + timedelta(hours=1)
        for what in ("first", "replaced"):  # the same key twice: the second replaces the first
            await schedule.put(
                "tenant-1",
                "test:1",
                "test.hello",
                due,
                clock.now(),
                person_id=person.id,
                payload={"what": what},
            )
        await uow.commit()
    teams.connector.clear()
    assert await bot.worker.tick(clock.now()) == 0  # not due yet
    clock.advance(timedelta(hours=1))
    assert await bot.worker.tick(clock.now()) == 1
    assert await bot.worker.tick(clock.now()) == 0  # never twice
    texts = [s.text for s in teams.connector.messages()]
    assert texts == ["Reminder: replaced"]
    async with bot.db.unit_of_work() as uow:
        item = await Schedule(uow.session).get("tenant-1", "test:1")
        assert item is not None and item.state == SENT and item.activity_id
