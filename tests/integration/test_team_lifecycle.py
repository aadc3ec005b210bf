"""What happens to a team TLC is in, and to its channels, whole turns over real HTTP as Teams
sends it: a conversationUpdate in the team whose channelData names the team (and the channel)
and says what happened (`eventType`). Renamed, the new name is TLC's at once; a channel deleted,
a team deleted or archived, nothing is posted there until it is back. None of these adds anyone,
gives a role or greets; for a team TLC never knew, none changes anything."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FixedClock
from bot.teams.web import BOT_KEY, Bot
from storage.db import Database
from storage.models import Channel, ConversationRef, Person, RoleGrant, Team
from storage.people import CHANNEL_DELETED, TEAM_ARCHIVED, TEAM_DELETED, Directory
from storage.reminders import FAILED, PENDING, SENT
from tests.conftest import ADMIN, START, TUTOR
from tests.integration.test_team_removed import (
    MATHS,
    MATHS_NEWS,
    ORG,
    _item,
    _notice,
    _posted_in,
    _team_and_channels,
    _tom,
)
from tests.support.cards import card_text, only_card
from tests.support.teams import Place, TeamsClient, User, chat

TEAM_ID = MATHS.team_id or ""
NEWS_ID = MATHS_NEWS.channel_id or ""
STRANGER = User("owner", "Olga Owner", "olga@college.ac.uk")  # a team owner TLC never met


def _event(
    teams: TeamsClient,
    event: str,
    *,
    team: dict[str, Any] | None = None,
    channel: dict[str, Any] | None = None,
    by: User = STRANGER,
) -> dict[str, Any]:
    """Teams' conversationUpdate for `event`, in the team's own conversation (its id, no
    message id), as the docs show it: a team event names the team (id, name, aadGroupId), a
    channel event the channel (id, name) and the team by its id alone."""
    activity = teams._base(by, MATHS, "conversationUpdate")
    activity["conversation"]["id"] = (team or {}).get("id", TEAM_ID)
    data = activity["channelData"]
    data["eventType"] = event
    data["team"] = team or {"id": TEAM_ID}
    if channel is None:
        data.pop("channel")
    else:
        data["channel"] = channel
    return activity


async def _team_event(
    teams: TeamsClient, event: str, name: str = "Maths", by: User = STRANGER
) -> None:
    """`event` happened to Maths (called `name`), done by `by`; TLC takes it (no 5xx)."""
    team = {"id": TEAM_ID, "name": name, "aadGroupId": "group-maths"}
    await teams.post(_event(teams, event, team=team, by=by))
    assert teams.last_status == 200, event


async def _channel_event(teams: TeamsClient, event: str, channel_id: str, name: str) -> None:
    """`event` happened to Maths' channel `channel_id` (called `name`); TLC takes it."""
    await teams.post(_event(teams, event, channel={"id": channel_id, "name": name}))
    assert teams.last_status == 200, event


async def _in_maths(teams: TeamsClient) -> None:
    """Maths with TLC in it (Ada installed it: the org admin), Tom on its roster, and the News
    channel known too (Ada spoke there)."""
    teams.on_roster(ADMIN, TUTOR)
    await teams.install(ADMIN, MATHS)
    await teams.say(ADMIN, "hello")  # the admin's 1:1 chat
    await teams.say(ADMIN, "help", MATHS_NEWS, mention=True)


async def _counts(db: Database) -> tuple[int, int, int, int]:
    """How many people, role grants, teams and conversations TLC has."""
    async with db.unit_of_work() as uow:
        return tuple(  # type: ignore[return-value]
            [
                int(await uow.session.scalar(select(func.count()).select_from(t)) or 0)
                for t in (Person, RoleGrant, Team, ConversationRef)
            ]
        )


async def _names(db: Database) -> tuple[str, dict[str, str]]:
    async with db.unit_of_work() as uow:
        team = await Directory(uow.session).team_of(ORG, TEAM_ID)
        assert team is not None
        channels = await uow.session.scalars(select(Channel).where(Channel.team_pk == team.id))
        return team.name, {c.channel_id: c.name for c in channels}


async def _ref_id(bot: Bot, place: Place) -> int:
    async with bot.db.unit_of_work() as uow:
        ref = await Directory(uow.session).conversation(ORG, place.conversation_id)
        assert ref is not None
        return ref.id


async def test_a_renamed_channel_or_team_and_a_new_channel_take_their_names_at_once(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    bot = teams_app[BOT_KEY]
    await _in_maths(teams)
    assert await _names(bot.db) == ("Maths", {TEAM_ID: "General", NEWS_ID: "News"})
    before, since = await _counts(bot.db), len(teams.connector.sent)

    await _channel_event(teams, "channelRenamed", NEWS_ID, "Announcements")
    await _channel_event(teams, "channelCreated", "19:exams@thread.tacv2", "Exams")
    await _team_event(teams, "teamRenamed", "Mathematics")

    assert await _names(bot.db) == (
        "Mathematics",
        {TEAM_ID: "General", NEWS_ID: "Announcements", "19:exams@thread.tacv2": "Exams"},
    )
    assert await _counts(bot.db) == before  # the owner who renamed is not added, nor greeted
    assert teams.connector.sent[since:] == []
    setup = card_text(only_card(await teams.say(ADMIN, "admin setup")))
    assert "Mathematics" in setup  # the setup card names the team by its new name


async def test_a_deleted_channel_is_not_posted_to_until_it_is_restored(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    await _in_maths(teams)
    news, general = await _ref_id(bot, MATHS_NEWS), await _ref_id(bot, MATHS)
    before, since = await _counts(bot.db), len(teams.connector.sent)

    await _channel_event(teams, "channelDeleted", NEWS_ID, "News")

    assert await _team_and_channels(bot.db) == (
        True, {MATHS.conversation_id: None, MATHS_NEWS.conversation_id: CHANNEL_DELETED},
    )  # fmt: skip
    await _notice(bot, clock, "to-news", conversation_ref_id=news)
    await _notice(bot, clock, "to-general", conversation_ref_id=general)
    await bot.worker.tick(clock.now())
    item = await _item(bot, "to-news")
    assert item.state == FAILED and CHANNEL_DELETED in (item.last_error or "")
    assert _posted_in(teams, MATHS_NEWS, since) == []  # Teams is not asked
    assert (await _item(bot, "to-general")).state == SENT  # the team's other channels are
    assert await _counts(bot.db) == before

    # The team archived and back meanwhile: the deleted channel stays deleted.
    await _team_event(teams, "teamArchived")
    await _team_event(teams, "teamUnarchived")
    assert (await _team_and_channels(bot.db))[1][MATHS_NEWS.conversation_id] == CHANNEL_DELETED

    clock.advance(timedelta(minutes=5))
    await _channel_event(teams, "channelRestored", NEWS_ID, "News")
    assert await _team_and_channels(bot.db) == (
        True, {MATHS.conversation_id: None, MATHS_NEWS.conversation_id: None},
    )  # fmt: skip
    await _notice(bot, clock, "to-news-again", conversation_ref_id=news)
    await bot.worker.tick(clock.now())
    assert (await _item(bot, "to-news-again")).state == SENT
    assert len(_posted_in(teams, MATHS_NEWS, since)) == 1


@pytest.mark.parametrize(
    ("event", "told"),
    [("teamDeleted", "was deleted by Ada Admin"), ("teamHardDeleted", "was deleted for good")],
)
async def test_a_deleted_team_is_not_posted_to_its_admins_hear_it_once_and_restored_it_is_back(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, event: str, told: str
) -> None:
    bot = teams_app[BOT_KEY]
    await _in_maths(teams)
    tom, news = await _tom(bot), await _ref_id(bot, MATHS_NEWS)
    clock.advance(timedelta(minutes=1))
    opened, since = len(teams.connector.created), len(teams.connector.sent)

    await _team_event(teams, event, by=ADMIN)
    await _team_event(teams, event, by=ADMIN)  # said again (a retry): told once

    installed, channels = await _team_and_channels(bot.db)
    assert installed is False and set(channels.values()) == {TEAM_DELETED}
    await _notice(bot, clock, "to-news", conversation_ref_id=news)
    await _notice(bot, clock, "to-tom", person_id=tom.id)  # reachable only through Maths
    await bot.worker.tick(clock.now())
    assert _posted_in(teams, MATHS_NEWS, since) == [] == _posted_in(teams, MATHS, since)
    assert len(teams.connector.created) == opened  # no 1:1 chat opened through Maths
    news_item = await _item(bot, "to-news")
    assert news_item.state == FAILED and TEAM_DELETED in (news_item.last_error or "")
    assert (await _item(bot, "to-tom")).state == FAILED
    heard = [s for s in teams.connector.messages() if "The team **Maths**" in s.text]
    assert [s.conversation_id for s in heard] == [chat(ADMIN)]
    assert told in heard[0].text and "TLC was removed" not in heard[0].text

    clock.advance(timedelta(hours=1))
    await _team_event(teams, "teamRestored", by=ADMIN)
    installed, channels = await _team_and_channels(bot.db)
    assert installed is True and set(channels.values()) == {None}
    assert (await _item(bot, "to-tom")).state == PENDING  # goes again, once
    await bot.worker.tick(clock.now())
    assert (await _item(bot, "to-tom")).state == SENT
    assert len([s for s in teams.connector.messages() if "The team **Maths**" in s.text]) == 1


async def test_an_archived_team_is_not_posted_to_until_it_is_unarchived(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    await _in_maths(teams)
    news = await _ref_id(bot, MATHS_NEWS)
    before, since = await _counts(bot.db), len(teams.connector.sent)

    await _team_event(teams, "teamArchived")

    installed, channels = await _team_and_channels(bot.db)
    assert installed is False and set(channels.values()) == {TEAM_ARCHIVED}
    await _notice(bot, clock, "to-news", conversation_ref_id=news)
    await bot.worker.tick(clock.now())
    item = await _item(bot, "to-news")
    assert item.state == FAILED and TEAM_ARCHIVED in (item.last_error or "")
    assert _posted_in(teams, MATHS_NEWS, since) == []
    # The admins are told (once), as for a team TLC was taken out of: what it posted there
    # (walk summaries, progression cards) stops until the team is unarchived.
    heard = [s for s in teams.connector.messages()[since:] if "The team **Maths**" in s.text]
    assert [s.conversation_id for s in heard] == [chat(ADMIN)]
    assert "was archived by Olga Owner" not in heard[0].text  # Olga is nobody TLC knows
    assert "was archived" in heard[0].text and "unarchive" in heard[0].text
    assert await _counts(bot.db) == before

    await _team_event(teams, "teamUnarchived")
    installed, channels = await _team_and_channels(bot.db)
    assert installed is True and set(channels.values()) == {None}
    await _notice(bot, clock, "to-news-again", conversation_ref_id=news)
    await bot.worker.tick(clock.now())
    assert (await _item(bot, "to-news-again")).state == SENT


EVENTS = (
    "channelCreated",
    "channelRenamed",
    "channelDeleted",
    "channelRestored",
    "teamRenamed",
    "teamArchived",
    "teamUnarchived",
    "teamDeleted",
    "teamHardDeleted",
    "teamRestored",
)


async def test_team_and_channel_events_of_a_team_tlc_never_knew_change_nothing(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    bot = teams_app[BOT_KEY]
    await teams.say(ADMIN, "hello")
    before, since = await _counts(bot.db), len(teams.connector.sent)
    other = {"id": "19:team-art@thread.tacv2", "name": "Art", "aadGroupId": "group-art"}
    channel = {"id": "19:art-news@thread.tacv2", "name": "News"}
    for event in EVENTS:
        on_channel = event.startswith("channel")
        await teams.post(
            _event(
                teams,
                event,
                team={"id": other["id"]} if on_channel else other,
                channel=channel if on_channel else None,
            )
        )
        assert teams.last_status == 200, event
        missing = _event(teams, event)  # and one that names no team at all
        missing["channelData"].pop("team")
        await teams.post(missing)
        assert teams.last_status == 200, event
    assert await _counts(bot.db) == before
    assert teams.connector.sent[since:] == []


async def test_a_deleted_channel_stays_so_through_its_team_going_and_coming_back(
    db: Database,
) -> None:
    """Storage, on SQLite and PostgreSQL: a channel's conversations (each thread of it) are
    blocked and unblocked together, and the team's coming back leaves a deleted one blocked."""
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(ORG, START)
        team = await directory.team(ORG, MATHS.where("https://smba.example"), START)
        assert team is not None
        for place in (MATHS, MATHS_NEWS, replace(MATHS_NEWS, conversation_id=f"{NEWS_ID};m=2")):
            await directory.remember_conversation(
                ORG, place.where("https://smba.example"), None, team, START
            )
        await uow.commit()

        await directory.channel_deleted(team, NEWS_ID)
        assert await directory.taken_out_of(team, TEAM_ARCHIVED) is True
        await uow.commit()
        assert await _reasons(uow.session) == [TEAM_ARCHIVED, CHANNEL_DELETED, CHANNEL_DELETED]
        await directory.back_in(team, START)
        await uow.commit()
        assert await _reasons(uow.session) == [None, CHANNEL_DELETED, CHANNEL_DELETED]
        await directory.channel_restored(team, NEWS_ID)
        await uow.commit()
        assert await _reasons(uow.session) == [None, None, None]


async def _reasons(session: AsyncSession) -> list[str | None]:
    refs = await session.scalars(select(ConversationRef).order_by(ConversationRef.id))
    return [r.blocked_reason for r in refs]
