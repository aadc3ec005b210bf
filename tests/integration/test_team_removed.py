"""TLC taken out of a team or a chat, whole turns over real HTTP as Teams sends it: an
installationUpdate "remove" and, at the same moment, a conversationUpdate with the bot among
membersRemoved. Nothing is posted there until TLC is added back, no 1:1 chat is opened through
the team, the org admins hear it once, and adding TLC back picks everything up again."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app.reminders import CARD_NOTICE
from bot.clock import FixedClock
from bot.teams.web import BOT_KEY, Bot
from storage.db import Database
from storage.models import ConversationRef, Person, Team
from storage.people import REMOVED_FROM_TEAM, Directory
from storage.reminders import FAILED, PENDING, SENT, Schedule, ScheduledItem
from tests.conftest import ADMIN, START, TUTOR
from tests.support.teams import BOT, Place, TeamsClient, chat

ORG = "tenant-1"
MATHS = Place.channel("19:team-maths@thread.tacv2", team_name="Maths", channel_name="General")
MATHS_NEWS = Place.channel(
    "19:team-maths@thread.tacv2", "19:news@thread.tacv2", team_name="Maths", channel_name="News"
)
TAKEN_OUT = "TLC was removed from the team **Maths** by Ada Admin"


async def _taken_out(teams: TeamsClient, place: Place, sends: str) -> None:
    """What Teams sends when someone removes TLC: both activities at once (either may be lost)."""
    install = teams._base(ADMIN, place, "installationUpdate")
    install["action"] = "remove"
    member = teams._base(ADMIN, place, "conversationUpdate")
    member["membersRemoved"] = [dict(BOT)]
    member["channelData"]["eventType"] = "teamMemberRemoved"
    chosen = {"both": [install, member], "installation": [install], "membership": [member]}
    await asyncio.gather(*(teams.post(a) for a in chosen[sends]))
    assert teams.last_status in (200, 201)


async def _notice(bot: Bot, clock: FixedClock, key: str, **to: Any) -> None:
    async with bot.db.unit_of_work() as uow:
        await Schedule(uow.session).put(
            ORG, key, CARD_NOTICE, clock.now(), clock.now(),
            payload={"title": f"Notice {key}", "lines": []}, **to,
        )  # fmt: skip
        await uow.commit()


async def _item(bot: Bot, key: str) -> ScheduledItem:
    async with bot.db.unit_of_work() as uow:
        item = await Schedule(uow.session).get(ORG, key)
        assert item is not None
        return item


async def _tom(bot: Bot) -> Person:
    async with bot.db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email(ORG, TUTOR.email)
        assert tom is not None
        return tom


async def _team_and_channels(db: Database) -> tuple[bool, dict[str, str | None]]:
    async with db.unit_of_work() as uow:
        team = await Directory(uow.session).team_of(ORG, MATHS.team_id or "")
        assert team is not None
        refs = await uow.session.scalars(
            select(ConversationRef).where(ConversationRef.team_pk == team.id)
        )
        return team.installed, {r.conversation_id: r.blocked_reason for r in refs}


def _posted_in(teams: TeamsClient, place: Place, since: int) -> list[str]:
    ids = {place.conversation_id, place.conversation_id.split(";")[0]}
    return [s.conversation_id for s in teams.connector.sent[since:] if s.conversation_id in ids]


@pytest.mark.parametrize("sends", ["both", "installation", "membership"])
async def test_tlc_taken_out_of_a_team_posts_nothing_there_and_its_admins_hear_it_once(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sends: str
) -> None:
    bot = teams_app[BOT_KEY]
    teams.on_roster(ADMIN, TUTOR)
    await teams.install(ADMIN, MATHS)  # the first to add TLC: the org admin
    await teams.say(ADMIN, "hello")  # the admin's 1:1 chat
    await teams.say(ADMIN, "help", MATHS_NEWS, mention=True)  # a second channel TLC knows
    assert await _team_and_channels(bot.db) == (
        True, {MATHS.conversation_id: None, MATHS_NEWS.conversation_id: None},
    )  # fmt: skip
    tom = await _tom(bot)
    async with bot.db.unit_of_work() as uow:
        news = await Directory(uow.session).conversation(ORG, MATHS_NEWS.conversation_id)
        assert news is not None
    clock.advance(timedelta(minutes=1))
    opened, since = len(teams.connector.created), len(teams.connector.sent)

    await _taken_out(teams, MATHS, sends)

    installed, channels = await _team_and_channels(bot.db)
    assert installed is False
    assert set(channels.values()) == {REMOVED_FROM_TEAM}  # every channel, not only General
    await _notice(bot, clock, "to-news", conversation_ref_id=news.id)
    await _notice(bot, clock, "to-tom", person_id=tom.id)  # reachable only through Maths
    await bot.worker.tick(clock.now())

    assert _posted_in(teams, MATHS_NEWS, since) == [] == _posted_in(teams, MATHS, since)
    assert len(teams.connector.created) == opened  # no 1:1 chat opened through Maths
    news_item, tom_item = await _item(bot, "to-news"), await _item(bot, "to-tom")
    assert news_item.state == FAILED and REMOVED_FROM_TEAM in (news_item.last_error or "")
    assert tom_item.state == FAILED and "no team shared with TLC" in (tom_item.last_error or "")
    told = [s for s in teams.connector.messages() if TAKEN_OUT in s.text]
    assert [s.conversation_id for s in told] == [chat(ADMIN)]  # once, in the admin's 1:1 chat
    assert "add TLC to the team again" in told[0].text

    # Added back: the channels and Tom can be reached again, and the admins hear nothing more.
    clock.advance(timedelta(hours=1))
    await teams.install(ADMIN, MATHS)
    installed, channels = await _team_and_channels(bot.db)
    assert installed is True and set(channels.values()) == {None}
    assert (await _item(bot, "to-tom")).state == PENDING  # goes again, once
    await _notice(bot, clock, "to-news-again", conversation_ref_id=news.id)
    await bot.worker.tick(clock.now())
    assert (await _item(bot, "to-news-again")).state == SENT
    assert (await _item(bot, "to-tom")).state == SENT
    assert len([s for s in teams.connector.messages() if TAKEN_OUT in s.text]) == 1


async def test_tlc_taken_out_of_someones_chat_keeps_their_messages_until_they_are_back(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    await teams.say(TUTOR, "hello")
    tom = await _tom(bot)
    removed = teams._base(TUTOR, Place.personal(TUTOR), "installationUpdate")
    removed["action"] = "remove"
    await teams.post(removed)
    assert teams.last_status in (200, 201)
    before = len(teams.connector.requests)

    await _notice(bot, clock, "to-tom", person_id=tom.id)
    await bot.worker.tick(clock.now())
    assert teams.connector.requests[before:] == []  # Teams is not even asked
    item = await _item(bot, "to-tom")
    assert item.state == FAILED and "removed from this chat" in (item.last_error or "")

    await teams.install(TUTOR, Place.personal(TUTOR))  # added back: the message goes, once
    await bot.worker.tick(clock.now())
    assert (await _item(bot, "to-tom")).state == SENT
    assert len([s for s in teams.connector.messages() if s.conversation_id == chat(TUTOR)]) >= 2


async def test_a_team_taken_out_is_said_once_and_back_on_its_next_activity(db: Database) -> None:
    """Storage, on SQLite and PostgreSQL: only the first of Teams' two activities says so."""
    now = START
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(ORG, now)
        team = await directory.team(ORG, MATHS.where("https://smba.example"), now)
        assert team is not None
        await uow.commit()
        assert await directory.taken_out_of(team) is True
        assert await directory.taken_out_of(team) is False
        await uow.commit()
    async with db.unit_of_work() as uow:
        stored = await uow.session.scalar(select(Team).where(Team.team_id == MATHS.team_id))
        assert stored is not None and stored.installed is False
        again = await Directory(uow.session).team(ORG, MATHS.where("https://smba.example"), now)
        assert again is not None and again.installed is True
        await uow.commit()
    async with db.unit_of_work() as uow:
        stored = await uow.session.scalar(select(Team).where(Team.team_id == MATHS.team_id))
        assert stored is not None and stored.installed is True
