"""Messages TLC could not deliver because it could not reach the person go once it can, whole
turns over real HTTP: the worker fails a message (no 1:1 chat, or Teams says the person blocked
TLC), the person then talks to TLC or installs it, and the next tick sends it, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app.reminders import CARD_NOTICE
from bot.clock import FixedClock
from bot.teams.web import BOT_KEY, Bot
from storage.outbox import OutboxMessage
from storage.people import Directory
from storage.reminders import FAILED, PENDING, SENT, Schedule, ScheduledItem
from tests.conftest import ADMIN, TUTOR
from tests.support.cards import card_text
from tests.support.teams import Place, TeamsClient

ORG = "tenant-1"
CHAT = Place.personal(TUTOR).conversation_id
Seen = Callable[[TeamsClient], Awaitable[object]]


async def _says_hello(teams: TeamsClient) -> object:
    return await teams.say(TUTOR, "hello")


async def _installs(teams: TeamsClient) -> object:
    return await teams.install(TUTOR, Place.personal(TUTOR))


async def _stored(bot: Bot, key: str) -> tuple[ScheduledItem, list[OutboxMessage]]:
    async with bot.db.unit_of_work() as uow:
        item = await Schedule(uow.session).get(ORG, key)
        assert item is not None
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.item_id == item.id).order_by(OutboxMessage.id)
        )
        return item, list(rows)


async def _remind(bot: Bot, clock: FixedClock, person_id: int, key: str = "obs:1") -> None:
    async with bot.db.unit_of_work() as uow:
        await Schedule(uow.session).put(
            ORG, key, CARD_NOTICE, clock.now(), clock.now(), person_id=person_id,
            payload={"title": "Your observation is next week", "lines": ["Tuesday 10:00"]},
        )  # fmt: skip
        await uow.commit()


async def _on_the_tutor_list(bot: Bot, clock: FixedClock) -> int:
    """Tom, known by his email (the tutor list), who has never talked to TLC."""
    async with bot.db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(ORG, clock.now())
        tom = await directory.by_email(ORG, TUTOR.email, clock.now())
        await uow.commit()
        return tom.id


def _reminders_in_chat(teams: TeamsClient) -> list[str]:
    return [
        card_text(c)
        for s in teams.connector.messages()
        if s.conversation_id == CHAT
        for c in s.cards
        if "Your observation is next week" in card_text(c)
    ]


@pytest.mark.parametrize("seen", [_says_hello, _installs], ids=["says-hello", "installs"])
async def test_a_message_that_found_no_chat_goes_once_the_person_is_seen(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, seen: Seen
) -> None:
    bot = teams_app[BOT_KEY]
    tom = await _on_the_tutor_list(bot, clock)
    await _remind(bot, clock, tom)
    assert await bot.worker.tick(clock.now()) == 0
    item, rows = await _stored(bot, "obs:1")
    assert item.state == FAILED and "no 1:1 chat" in (item.last_error or "")
    assert [r.state for r in rows] == [FAILED]

    clock.advance(timedelta(hours=2))
    await seen(teams)
    assert teams.last_status in (200, 201)
    item, _ = await _stored(bot, "obs:1")
    assert item.state == PENDING and item.last_error is None  # back in the queue

    assert await bot.worker.tick(clock.now()) == 1
    item, rows = await _stored(bot, "obs:1")
    assert item.state == SENT and item.activity_id
    assert [r.state for r in rows] == [FAILED, SENT]
    assert rows[1].conversation_id == CHAT
    assert len(_reminders_in_chat(teams)) == 1

    # Seen again, ticked again: nothing goes twice.
    await seen(teams)
    assert await bot.worker.tick(clock.now()) == 0
    item, rows = await _stored(bot, "obs:1")
    assert item.state == SENT and len(rows) == 2
    assert len(_reminders_in_chat(teams)) == 1


async def test_a_message_to_someone_who_blocked_tlc_goes_when_they_come_back(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    await teams.say(TUTOR, "hello")
    async with bot.db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email(ORG, TUTOR.email)
        assert tom is not None
    await _remind(bot, clock, tom.id)
    teams.connector.fail_with[CHAT] = 403  # Tom blocked TLC
    assert await bot.worker.tick(clock.now()) == 0
    item, _ = await _stored(bot, "obs:1")
    assert item.state == FAILED and "blocked TLC" in (item.last_error or "")

    del teams.connector.fail_with[CHAT]  # ...and unblocks it, and says hello
    clock.advance(timedelta(days=1))
    await teams.say(TUTOR, "hello")
    assert await bot.worker.tick(clock.now()) == 1
    item, rows = await _stored(bot, "obs:1")
    assert item.state == SENT and [r.state for r in rows] == [FAILED, SENT]
    assert len(_reminders_in_chat(teams)) == 1


async def test_a_message_too_old_to_matter_stays_with_the_admin(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Past its kind's `resend_within` (a week after it fell due), a message that found no chat
    is not sent when the person turns up: it stays in `undelivered` for an admin to decide."""
    bot = teams_app[BOT_KEY]
    tom = await _on_the_tutor_list(bot, clock)
    await _remind(bot, clock, tom)
    assert await bot.worker.tick(clock.now()) == 0
    clock.advance(timedelta(days=8))
    await teams.say(TUTOR, "hello")
    assert await bot.worker.tick(clock.now()) == 0
    item, _ = await _stored(bot, "obs:1")
    assert item.state == FAILED
    assert _reminders_in_chat(teams) == []


async def test_a_message_that_found_no_chat_goes_once_tlc_is_in_a_team_of_theirs(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom never talked to TLC and shares no team with it; then TLC is added to his team (its
    roster names him): his message goes back to the queue, and the tick opens a 1:1 chat with
    him there and sends it."""
    bot = teams_app[BOT_KEY]
    tom = await _on_the_tutor_list(bot, clock)
    await _remind(bot, clock, tom)
    assert await bot.worker.tick(clock.now()) == 0
    assert (await _stored(bot, "obs:1"))[0].state == FAILED

    clock.advance(timedelta(hours=1))
    await teams.install(ADMIN, Place.channel())
    assert teams.last_status in (200, 201)
    assert (await _stored(bot, "obs:1"))[0].state == PENDING
    assert await bot.worker.tick(clock.now()) == 1
    item, rows = await _stored(bot, "obs:1")
    assert item.state == SENT and [r.state for r in rows] == [FAILED, SENT]
    assert [c["members"][0]["id"] for c in teams.connector.created] == [TUTOR.teams_id]
    assert len(_reminders_in_chat(teams)) == 1
