"""The progression card activity over real HTTP: a coaching team in a channel, one live card.

Teams sends Action.Execute as `adaptiveCard/action` invokes; the bot answers each with the card
as it now is (the invoke response), so the group shares one card instead of a stream of copies.
"""

from __future__ import annotations

import asyncio
import io
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app.progression.session import NOT_IN_GROUP
from bot.clock import FixedClock
from bot.teams.web import BOT_KEY, create_app
from storage.db import Database
from storage.documents import PendingDocument
from storage.models import TeamMember
from storage.progression import (
    CardAction,
    CardContribution,
    CardSession,
    OwnLeadQuestion,
    OwnStrategicIssue,
)
from storage.reminders import CANCELLED, PENDING, ScheduledItem
from tests.conftest import ADMIN, MANAGER, TUTOR, local_settings
from tests.support.bot import person_id
from tests.support.cards import EVIL, card_nodes, card_text, live_markdown, only_card
from tests.support.databases import truncate_all
from tests.support.loopback import LoopbackConnector, RosterMember, Sent
from tests.support.teams import Place, TeamsClient, User

COACH = User("coach", "Cara Coach", "cara@college.ac.uk")
MATHS = Place.channel()
ENGLISH = Place.channel(
    team="19:team-english@thread.tacv2", team_name="English", channel_name="General"
)


def _roster(connector: LoopbackConnector) -> None:
    connector.add_member(RosterMember(COACH.teams_id, COACH.name, COACH.aad, COACH.email))


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in card_nodes(card) if n.get("type") in ("Action.Execute", "Action.OpenUrl")]


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    for action in buttons(card):
        if action.get("title") == title:
            return action
    raise AssertionError(f"no button {title!r} on the card: {card_text(card)}")


async def save_action(
    teams: TeamsClient, form: dict[str, Any], what: str, owner: str, by_when: str = "2026-12-11"
) -> dict[str, Any]:
    """The coach saves an action on the maths group's "Agree an action" form: `what`, owned by
    `owner` (a name on the form's list), due `by_when`."""
    who = choices(form, "who")[owner]
    return await press(
        teams, COACH, form, "Save action", MATHS, what=what, who=who, by_when=by_when
    )


def choices(card: dict[str, Any], input_id: str) -> dict[str, str]:
    sets = [
        n
        for n in card_nodes(card)
        if n.get("type") == "Input.ChoiceSet" and n.get("id") == input_id
    ]
    assert sets, f"no choice set {input_id!r}"
    return {c["title"]: c["value"] for c in sets[0]["choices"]}


async def press(
    teams: TeamsClient,
    user: User,
    card: dict[str, Any],
    title: str,
    place: Place,
    /,
    **inputs: Any,
) -> dict[str, Any]:
    """Press a button on a card as `user` would: an invoke carrying the button's data and inputs.
    Returns the card the bot answered with; the invoke must not post new messages."""
    action = button(card, title)
    # Teams sends what was typed only with a button that saves; any other button sends its data.
    assert not inputs or action.get("associatedInputs") != "None", f"{title!r} sends no inputs"
    data = {k: v for k, v in action["data"].items() if k != "verb"}
    body, sent = await teams.execute(user, action["verb"], {**data, **inputs}, place)
    assert teams.last_status == 200
    assert sent == [], "a button press updates the live card; it must not post copies"
    assert body.get("type") == "application/vnd.microsoft.card.adaptive", body
    card_: dict[str, Any] = body["value"]
    return card_


async def refresh(
    teams: TeamsClient, user: User, card: dict[str, Any], place: Place
) -> dict[str, Any]:
    """What Teams does when someone looks at the card: run its `refresh` action."""
    action = card["refresh"]["action"]
    data = {k: v for k, v in action["data"].items() if k != "verb"}
    card_: dict[str, Any] = await teams.answer(user, action["verb"], data, place)
    return card_


async def export(
    teams: TeamsClient, user: User, card: dict[str, Any], title: str, place: Place
) -> tuple[dict[str, Any], list[Sent]]:
    """Press an Export button: the invoke answers with the card; what was posted comes back."""
    action = button(card, title)
    data = {k: v for k, v in action["data"].items() if k != "verb"}
    body, sent = await teams.execute(user, action["verb"], data, place)
    assert teams.last_status == 200
    return body, sent


async def session_row(db: Database, session_id: int) -> CardSession:
    async with db.unit_of_work() as uow:
        row = await uow.session.get(CardSession, session_id)
        assert row is not None
        return row


async def start_session(
    teams: TeamsClient, user: User, place: Place, issues: str, group: str
) -> tuple[int, dict[str, Any]]:
    sent = await teams.say(user, "cards", place, mention=place.kind != "personal")
    setup = only_card(sent)
    session_id = int(button(setup, "Start")["data"]["session"])
    card = await press(teams, user, setup, "Start", place, issues=issues, group=group)
    return session_id, card


async def coach_starts(teams: TeamsClient) -> tuple[int, dict[str, Any]]:
    """Cara the coach, on the maths team's roster, starts a session on issue 1 in the channel."""
    teams.on_roster(COACH)
    return await start_session(teams, COACH, MATHS, "1", "Maths")


@asynccontextmanager
async def bot_running(
    url: str, clock: FixedClock, connector: LoopbackConnector, first_id: int
) -> AsyncIterator[tuple[TeamsClient, web.Application, TestServer]]:
    """A whole bot process: its own app, database engine and HTTP server."""
    app = create_app(local_settings(url), clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        client = TeamsClient(
            str(server.make_url("/api/messages")), connector, http, _ids=itertools.count(first_id)
        )
        yield client, app, server
    await server.close()


# --------------------------------------------------------------------------------- the journey


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database the bot processes in a test share: a SQLite file, or PostgreSQL emptied."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}"
    url: str = request.getfixturevalue("pg_url")
    db = Database(url)
    await truncate_all(db)
    await db.dispose()
    return url


async def test_a_team_works_through_the_deck_in_a_channel_across_a_restart(
    database_url: str, clock: FixedClock, connector: LoopbackConnector
) -> None:
    _roster(connector)
    url = database_url

    async with bot_running(url, clock, connector, 1) as (teams, app, _):
        db = app[BOT_KEY].db
        # The facilitator starts a session; everyone in the channel sees the setup card.
        sent = await teams.say(COACH, "cards", MATHS, mention=True)
        setup = only_card(sent)
        assert "With your team" in card_text(setup)
        assert "facilitated by Cara Coach" in card_text(setup)
        assert set(choices(setup, "issues").values()) == {"1", "2", "3", "4", "5", "6"}
        session_id = int(button(setup, "Start")["data"]["session"])

        # Only the facilitator chooses the issues.
        refused = await press(teams, TUTOR, setup, "Start", MATHS, issues="1", group="Tutors")
        assert "Only Cara Coach, who started this session" in card_text(refused)
        assert (await session_row(db, session_id)).state == "choosing"

        card = await press(teams, COACH, setup, "Start", MATHS, issues="1,6", group="Maths team")
        text = card_text(card)
        assert "1.1 What does the term 'progression' mean to you?" in text
        assert "card 1 of 6" in text
        assert card["refresh"]["action"]["verb"] == "cards.card"

        # Several people contribute from the card.
        card = await press(
            teams, TUTOR, card, "Add", MATHS, contribution="Moving on to level 3 maths"
        )
        assert "Tom Tutor:** Moving on to level 3 maths" in card_text(card)
        card = await press(
            teams, MANAGER, card, "Add", MATHS, contribution="Getting a job that uses it"
        )
        assert "Contributions (2)" in card_text(card)
        empty = await press(teams, MANAGER, card, "Add", MATHS, contribution="   ")
        assert "Write your contribution first" in card_text(empty)

        # Someone else looking at the card gets it as it is now (the refresh), for everyone.
        seen = await refresh(teams, ADMIN, setup, MATHS)
        assert "Moving on to level 3 maths" in card_text(seen)
        assert "Getting a job that uses it" in card_text(seen)
        assert {COACH.teams_id, TUTOR.teams_id, MANAGER.teams_id} <= set(seen["refresh"]["userIds"])

        # "See over" turns the card in place to its discussion prompts, and back.
        back = await press(teams, TUTOR, card, "See over", MATHS)
        assert "Discussion prompts 1.1" in card_text(back)
        assert (
            "Progression is not time-limited; learners' aspirations will change over time."
            in card_text(back)
        )
        assert "Your contribution" not in card_text(back)
        front = await press(teams, TUTOR, back, "Back to the question", MATHS)
        assert "Your contribution" in card_text(front)

        # The group agrees an action: what, who, by when.
        form = await press(teams, COACH, front, "Agree an action", MATHS)
        owners = choices(form, "who")
        assert {"Cara Coach", "Tom Tutor", "Mia Manager"} <= set(owners)
        bad = await save_action(teams, form, "", "Mia Manager")
        assert "Say what will be done" in card_text(bad)
        past = await save_action(teams, form, "Map routes", "Mia Manager", "2026-11-01")
        assert "Choose today or a later date." in card_text(past)
        card = await save_action(teams, form, "Map our progression routes", "Mia Manager")
        assert "Map our progression routes \u2014 **Mia Manager**, by Fri 11 Dec" in card_text(card)

        # "Next" moves the group on once, even if two people press it together.
        stale = card
        card = await press(teams, TUTOR, card, "Next card", MATHS)
        assert "1.2 Why is progression important:" in card_text(card)
        again = await press(teams, MANAGER, stale, "Next card", MATHS)
        assert "The group has already moved on." in card_text(again)
        assert "card 2 of 6" in card_text(again)

        # Pause for today.
        paused = await press(teams, COACH, card, "Pause", MATHS)
        assert "Paused at card 2 of 6" in card_text(paused)
        assert (await session_row(db, session_id)).state == "paused"

    # The bot restarts (a new process on the same database) three days later.
    clock.advance(timedelta(days=3))
    async with bot_running(url, clock, connector, 1000) as (teams, app, server):
        db = app[BOT_KEY].db
        await teams.say(MANAGER, "hello")  # the manager's 1:1 chat, for reminders later
        offer = only_card(await teams.say(MANAGER, "cards", MATHS, mention=True))
        assert "Pick up where you left off?" in card_text(offer)
        assert "card 2 of 6" in card_text(offer)
        card = await press(teams, MANAGER, offer, "Resume", MATHS)
        assert "1.2 Why is progression important:" in card_text(card)
        assert (await session_row(db, session_id)).state == "running"

        card = await press(teams, TUTOR, card, "Add", MATHS, contribution="Confidence")
        for _ in range(4):
            card = await press(teams, COACH, card, "Next card", MATHS)
        assert "6.3 What resources do we need?" in card_text(card)
        done = await press(teams, COACH, card, "Finish", MATHS)

        # The summary: contributions and actions per card, and who owns what.
        text = card_text(done)
        assert "Summary: Maths team" in text
        assert "**Tom Tutor:** Moving on to level 3 maths" in text
        assert "**Tom Tutor:** Confidence" in text
        assert "Who owns what" in text
        assert "**Mia Manager**: Map our progression routes (by Fri 11 Dec)" in text
        row = await session_row(db, session_id)
        assert row.state == "finished" and row.position == 5

        # Export: the document comes to the presser's 1:1 chat, never to the channel. Cara has
        # no 1:1 chat with the bot yet, so she is asked to say hello there first.
        name = "progression-cards-Maths-team-2026-11-23.docx"
        body, sent = await export(teams, COACH, done, "Export (Word)", MATHS)
        assert "Summary: Maths team" in card_text(body["value"])  # the card stays as it was
        assert [s.text for s in sent] == [
            "Files only come to our 1:1 chat, so they reach nobody else. Say hello to me there "
            "first, then ask again."
        ]
        await teams.say(COACH, "hello")
        body, sent = await export(teams, COACH, done, "Export (Word)", MATHS)
        assert [(s.conversation_id, s.text) for s in sent] == [
            (
                MATHS.conversation_id,
                f"I'm sending {name} to our 1:1 chat, where only you will see it.",
            )
        ]
        worker = app[BOT_KEY].worker
        before = len(connector.sent)
        assert await worker.tick(clock.now()) == 1
        offer = connector.sent[before:]
        assert [s.conversation_id for s in offer] == [Place.personal(COACH).conversation_id]
        word = Document(io.BytesIO(await teams.accept_file(COACH, offer, "summary.docx")))
        paragraphs = [p.text for p in word.paragraphs]
        assert "Tom Tutor: Moving on to level 3 maths" in paragraphs
        assert "Mia Manager: Getting a job that uses it" in paragraphs

        # Mia took part too: the workbook, with the action she owns.
        await export(teams, MANAGER, done, "Export (Excel)", MATHS)
        before = len(connector.sent)
        assert await worker.tick(clock.now()) == 1
        excel = await teams.accept_file(MANAGER, connector.sent[before:], "summary.xlsx")
        actions = list(load_workbook(io.BytesIO(excel))["Actions"].iter_rows(values_only=True))
        assert actions[1][2:4] == ("Map our progression routes", "Mia Manager")
        assert actions[1][4].date() == date(2026, 12, 11)

        # Two days before the action is due, its owner hears about it in their 1:1 chat.
        connector.clear()
        assert await worker.tick(clock.now()) == 0
        clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
        assert await worker.tick(clock.now()) == 1
        reminder = only_card(connector.messages())
        assert connector.messages()[0].conversation_id == f"a:personal-{MANAGER.teams_id}"
        assert "Action due Fri 11 Dec" in card_text(reminder)
        assert "Map our progression routes" in card_text(reminder)
        done_card = await press(teams, MANAGER, reminder, "Done", Place.personal(MANAGER))
        assert "\u2611 Map our progression routes" in card_text(done_card)
        async with db.unit_of_work() as uow:
            action = (await uow.session.scalars(select(CardAction))).one()
            assert action.done_at is not None


# -------------------------------------------------------------------------- ways of working


async def test_on_your_own_in_a_personal_chat(teams: TeamsClient) -> None:
    session_id, card = await start_session(teams, TUTOR, Place.personal(TUTOR), "6", "")
    assert "On your own \u00b7 Tom Tutor \u00b7 card 1 of 3" in card_text(card)
    form = await press(teams, TUTOR, card, "Agree an action", Place.personal(TUTOR))
    assert list(choices(form, "who")) == ["Tom Tutor"]

    # In a 1:1 chat the file is offered straight after the summary, which stays as it was.
    card = await press(teams, TUTOR, card, "Add", Place.personal(TUTOR), contribution="Ladders")
    for _ in range(2):
        card = await press(teams, TUTOR, card, "Next card", Place.personal(TUTOR))
    done = await press(teams, TUTOR, card, "Finish", Place.personal(TUTOR))
    body, sent = await export(teams, TUTOR, done, "Export (Word)", Place.personal(TUTOR))
    assert body["value"] == done
    word = Document(io.BytesIO(await teams.accept_file(TUTOR, sent, "mine.docx")))
    assert "Tom Tutor: Ladders" in [p.text for p in word.paragraphs]


async def test_with_a_senior_colleague_in_a_group_chat(teams: TeamsClient) -> None:
    chat = Place("19:chat-tom-mia@unq.gbl.spaces", "groupChat")
    _, card = await start_session(teams, TUTOR, chat, "2", "Tom and Mia")
    assert "With a senior colleague \u00b7 Tom and Mia \u00b7 card 1 of 3" in card_text(card)
    card = await press(teams, MANAGER, card, "Add", chat, contribution="Coaching conversations")
    assert "Mia Manager:** Coaching conversations" in card_text(card)


async def test_another_group_cannot_read_or_change_a_session(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    session_id, card = await start_session(teams, TUTOR, MATHS, "1", "Maths")
    body, _ = await teams.execute(
        ADMIN,
        "cards.contribute",
        {"session": session_id, "position": 0, "contribution": "sneaky"},
        ENGLISH,
    )
    assert "belongs to another group" in str(body.get("value"))
    body, _ = await teams.execute(ADMIN, "cards.card", {"session": session_id}, ENGLISH)
    assert "belongs to another group" in str(body.get("value"))
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert (await uow.session.scalars(select(CardContribution))).all() == []


async def test_only_people_who_may_read_a_session_can_export_it(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    session_id, card = await start_session(teams, TUTOR, MATHS, "1", "Maths")
    await press(teams, TUTOR, card, "Add", MATHS, contribution="Level 3 next year")
    await teams.say(ADMIN, "hello")  # a 1:1 chat, so only the rules can stop the file
    for place in (ENGLISH, Place.personal(ADMIN)):
        for fmt in ("docx", "xlsx"):
            body, sent = await teams.execute(
                ADMIN, "cards.export", {"session": session_id, "format": fmt}, place
            )
            assert body["value"] == NOT_IN_GROUP
            assert sent == []
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:  # nothing waits to be offered
        assert (await uow.session.scalars(select(PendingDocument))).all() == []
        assert (await uow.session.scalars(select(ScheduledItem))).all() == []

    # Tom, whose group it is, gets it.
    await teams.say(TUTOR, "hello")
    data = {"session": session_id, "format": "xlsx"}
    body, sent = await teams.execute(TUTOR, "cards.export", data, MATHS)
    assert "I'm sending progression-cards-Maths-2026-11-23.xlsx to our 1:1 chat" in sent[0].text
    before = len(teams.connector.sent)
    await teams_app[BOT_KEY].worker.tick(clock.now())
    book = load_workbook(
        io.BytesIO(await teams.accept_file(TUTOR, teams.connector.sent[before:], "t.xlsx"))
    )
    rows = list(book["Contributions"].iter_rows(values_only=True))
    assert rows[1][3:] == ("Tom Tutor", "Level 3 next year")


async def test_several_groups_run_the_same_issues_and_the_facilitator_compares(
    teams: TeamsClient,
) -> None:
    _, maths = await coach_starts(teams)
    _, english = await start_session(teams, COACH, ENGLISH, "1", "English")
    await press(teams, TUTOR, maths, "Add", MATHS, contribution="Level 3 next year")
    await press(teams, MANAGER, english, "Add", ENGLISH, contribution="Reading for pleasure")
    english = await press(teams, COACH, english, "Next card", ENGLISH)
    await press(teams, MANAGER, english, "Add", ENGLISH, contribution="Self-worth")

    chooser = only_card(await teams.say(COACH, "cards compare"))
    sessions = choices(chooser, "sessions")
    assert len(sessions) == 2
    both = ",".join(sessions.values())
    compared = await press(teams, COACH, chooser, "Compare", Place.personal(COACH), sessions=both)
    text = card_text(compared)
    assert "Side by side" in text
    assert "Level 3 next year" in text and "Reading for pleasure" in text
    assert "Not covered" in text  # Maths has not reached 1.2 yet
    column_sets = [b for b in compared["body"] if b.get("type") == "ColumnSet"]
    assert len(column_sets) == 2 and all(len(cs["columns"]) == 2 for cs in column_sets)

    one = await press(teams, COACH, chooser, "Compare", Place.personal(COACH), sessions="1")
    assert "Pick between 2 and 4 sessions" in card_text(one)
    # A tutor who took part in Maths only may not compare it with English.
    body, _ = await teams.execute(TUTOR, "cards.compare", {"sessions": both}, Place.personal(TUTOR))
    assert "belongs to another group" in str(body.get("value"))


async def test_someone_who_leaves_the_team_or_chat_no_longer_reads_its_sessions(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Taking part lasts as long as being in the group: Tom, who added to the Maths channel's
    session, and Mia, who added to a group chat's, read neither once they have left."""
    maths_id, card = await start_session(teams, COACH, MATHS, "1", "Maths")
    await press(teams, TUTOR, card, "Add", MATHS, contribution="Level 3 next year")
    chat = Place("19:chat-cara-mia@unq.gbl.spaces", "groupChat")
    chat_id, chat_card = await start_session(teams, COACH, chat, "2", "Cara and Mia")
    await press(teams, MANAGER, chat_card, "Add", chat, contribution="Coaching conversations")
    for user, session_id in ((TUTOR, maths_id), (MANAGER, chat_id)):
        body, _ = await teams.execute(
            user, "cards.card", {"session": session_id}, Place.personal(user)
        )
        assert "Level 3" in str(body["value"]) or "Coaching" in str(body["value"])

    await teams.members_removed(COACH, MATHS, [TUTOR])
    await teams.members_removed(COACH, chat, [MANAGER])

    for user, session_id in ((TUTOR, maths_id), (MANAGER, chat_id)):
        body, _ = await teams.execute(
            user, "cards.card", {"session": session_id}, Place.personal(user)
        )
        assert body["value"] == NOT_IN_GROUP, user.name
        body, sent = await teams.execute(
            user, "cards.export", {"session": session_id, "format": "docx"}, Place.personal(user)
        )
        assert body["value"] == NOT_IN_GROUP and sent == [], user.name
    db = teams_app[BOT_KEY].db
    assert (await session_row(db, maths_id)).participant_ids == []
    assert (await session_row(db, chat_id)).participant_ids == []


async def test_a_roster_read_ends_the_membership_of_someone_teams_no_longer_lists(
    teams: TeamsClient, teams_app: web.Application, connector: LoopbackConnector, clock: FixedClock
) -> None:
    """Tom left the Maths team while TLC was down, so no membersRemoved came: roster reads only
    ever added people, and he kept reading the channel's session for good. Now a whole roster
    read that no longer lists him ends his membership as membersRemoved does; a roster that
    cannot be read, or one that comes back empty, removes nobody."""
    teams.on_roster(COACH, TUTOR)
    maths_id, card = await start_session(teams, COACH, MATHS, "1", "Maths")
    await press(teams, TUTOR, card, "Add", MATHS, contribution="Level 3 next year")
    db = teams_app[BOT_KEY].db
    tom = (await session_row(db, maths_id)).participant_ids
    assert tom

    del connector.members[TUTOR.teams_id]  # he left; the bot never heard
    saved = dict(connector.members)
    connector.fail_with[MATHS.team_id] = 503  # the roster cannot be read
    clock.advance(timedelta(hours=7))
    await teams.say(COACH, "cards", MATHS, mention=True)
    connector.fail_with.clear()
    connector.members.clear()  # Teams answers with nobody at all
    clock.advance(timedelta(hours=7))
    await teams.say(COACH, "cards", MATHS, mention=True)
    body, _ = await teams.execute(TUTOR, "cards.card", {"session": maths_id}, Place.personal(TUTOR))
    assert body["value"] != NOT_IN_GROUP
    assert (await session_row(db, maths_id)).participant_ids == tom

    connector.members.update(saved)  # a whole roster, without Tom
    clock.advance(timedelta(hours=7))
    await teams.say(COACH, "cards", MATHS, mention=True)
    body, _ = await teams.execute(TUTOR, "cards.card", {"session": maths_id}, Place.personal(TUTOR))
    assert body["value"] == NOT_IN_GROUP
    assert (await session_row(db, maths_id)).participant_ids == []
    async with db.unit_of_work() as uow:
        members = await uow.session.scalars(select(TeamMember.person_id))
        assert set(tom).isdisjoint(members.all())


async def test_a_facilitator_who_leaves_no_longer_runs_or_reads_and_a_member_takes_over(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Cara, who started the Maths channel's session, leaves the team: she still opened and ran
    it from our 1:1 chat. Now she reads and runs it no more (nor hears of its overdue
    actions), and anyone still in the team may run it: Tom pauses it and is its facilitator
    from then on (README: the progression card activity)."""
    db = teams_app[BOT_KEY].db
    session_id, card = await coach_starts(teams)
    card = await press(teams, TUTOR, card, "Add", MATHS, contribution="Level 3 next year")
    [tom] = (await session_row(db, session_id)).participant_ids

    await teams.members_removed(ADMIN, MATHS, [COACH])

    assert (await session_row(db, session_id)).facilitator_left
    me = Place.personal(COACH)
    body, _ = await teams.execute(COACH, "cards.card", {"session": session_id}, me)
    assert body["value"] == NOT_IN_GROUP
    pause = button(card, "Pause")
    data = {k: v for k, v in pause["data"].items() if k != "verb"}
    body, _ = await teams.execute(COACH, pause["verb"], data, me)
    assert body["value"] == NOT_IN_GROUP
    assert (await session_row(db, session_id)).state == "running"

    paused = await press(teams, TUTOR, card, "Pause", MATHS)
    assert "Paused at card 1" in card_text(paused)
    row = await session_row(db, session_id)
    assert row.state == "paused" and row.facilitator_id == tom and not row.facilitator_left
    assert tom not in row.participant_ids
    body, _ = await teams.execute(
        TUTOR, "cards.card", {"session": session_id}, Place.personal(TUTOR)
    )
    assert body["value"] != NOT_IN_GROUP


async def test_a_facilitator_who_left_is_not_given_the_groups_actions(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Cara left the Maths team after starting its session. Tom could still choose her on the
    "Who" list and save an action for her: she would then be reminded, in her 1:1 chat, of the
    group's card and action, and could close it for the group, though she takes no part in it
    any more. Now she is not on the list, and an action sent for her anyway is refused."""
    teams.on_roster(COACH, TUTOR)
    session_id, card = await coach_starts(teams)
    cara = (await session_row(teams_app[BOT_KEY].db, session_id)).facilitator_id
    await teams.members_removed(ADMIN, MATHS, [COACH])

    form = await press(teams, TUTOR, card, "Agree an action", MATHS)
    assert "Cara Coach" not in choices(form, "who")
    assert "Tom Tutor" in choices(form, "who")
    data = {"what": "Map the routes", "who": cara, "by_when": "2026-12-11"}
    answer = await press(teams, TUTOR, form, "Save action", MATHS, **data)
    assert "Choose someone from the list." in card_text(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert (await uow.session.scalars(select(CardAction))).all() == []
        assert (await uow.session.scalars(select(ScheduledItem))).all() == []


# ------------------------------------------------------------------------ the organisation's deck


async def test_an_issue_title_written_as_a_link_is_shown_as_written_when_it_is_added(
    teams: TeamsClient, teams_app: web.Application, connector: LoopbackConnector
) -> None:
    """Ada adds the organisation's own issue with a title written as a "Sign in again" link.
    The card that says it was added shows the title in its heading as written, never as a
    live link in the bot's voice; its notification text still reads the title."""
    _roster(connector)
    title = "[Sign in again](https://evil.example) Careers"
    form = only_card(await teams.say(ADMIN, "cards add"))
    saved = await press(
        teams,
        ADMIN,
        form,
        "Save",
        Place.personal(ADMIN),
        title=title,
        question1="Who gives careers advice here?",
    )
    assert live_markdown(saved, "Added: strategic issue") == []
    assert saved["fallbackText"] == f"Added: strategic issue 7, {title}"
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        (issue,) = (await uow.session.scalars(select(OwnStrategicIssue))).all()
    assert issue.title == title


async def test_an_own_issue_written_as_links_is_shown_as_written_on_every_card(
    teams: TeamsClient, teams_app: web.Application, connector: LoopbackConnector
) -> None:
    """Anyone who facilitates a session may add to the organisation's deck, and every group that
    picks the issue then sees its words in the bot's voice. Cara adds an issue whose title,
    lead question and prompt are written as a "Sign in again" link: the card that says it was
    added, the live card in the Maths channel, its back, and the pause card show them as
    written, never as live links; the deck stores them as typed."""
    _roster(connector)
    setup = only_card(await teams.say(COACH, "cards", MATHS, mention=True))
    form = await press(teams, COACH, setup, "Add our own issue", MATHS)
    added = await press(
        teams, COACH, form, "Save", MATHS, title=EVIL, question1=EVIL, prompts1=EVIL
    )
    assert live_markdown(added) == []
    setup = await press(teams, COACH, added, "Back to the session", MATHS)
    card = await press(teams, COACH, setup, "Start", MATHS, issues="7", group="Careers")
    assert live_markdown(card) == []
    assert live_markdown(await press(teams, TUTOR, card, "See over", MATHS)) == []
    assert live_markdown(await press(teams, COACH, card, "Pause", MATHS)) == []
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        (issue,) = (await uow.session.scalars(select(OwnStrategicIssue))).all()
        (question,) = (await uow.session.scalars(select(OwnLeadQuestion))).all()
    one_line = " ".join(EVIL.split())
    assert (issue.title, question.question) == (one_line, one_line)
    assert question.prompts == [line.strip() for line in EVIL.splitlines()]


async def test_an_admin_adds_the_organisations_own_issue_from_the_blank_template(
    teams: TeamsClient, connector: LoopbackConnector
) -> None:
    _roster(connector)
    refused = await teams.say(TUTOR, "cards add")
    assert "Only an org admin or a session's facilitator" in refused[0].text

    form = only_card(await teams.say(ADMIN, "cards add"))
    assert "Strategic issue 7" in card_text(form)
    assert "Lead question 7.3" in card_text(form)
    missing = await press(teams, ADMIN, form, "Save", Place.personal(ADMIN), title="", question1="")
    assert "This is required" in card_text(missing)
    saved = await press(
        teams,
        ADMIN,
        form,
        "Save",
        Place.personal(ADMIN),
        title="Careers guidance for adult learners",
        question1="Who gives careers advice here?",
        prompts1="- Tutors\n- The careers team\n",
        question2="How do learners hear about next steps?",
    )
    assert "Added: strategic issue 7" in card_text(saved)
    assert "7.2" in card_text(saved)

    # The facilitator adds a lead question to one of the deck's issues, from the setup card.
    setup = only_card(await teams.say(COACH, "cards", MATHS, mention=True))
    assert "7. Careers guidance for adult learners (our own)" in choices(setup, "issues")
    q_form = await press(teams, COACH, setup, "Add our own issue", MATHS)
    assert "Strategic issue 8" in card_text(q_form)
    added = await press(
        teams,
        COACH,
        q_form,
        "Save",
        MATHS,
        title="Digital skills",
        question1="Which digital skills do learners need to progress?",
    )
    q2 = await press(teams, COACH, added, "Add a lead question", MATHS)
    extra = await press(
        teams,
        COACH,
        q2,
        "Save",
        MATHS,
        issue="1",
        question="What does progression mean to our learners?",
        prompts="Ask them",
    )
    assert "Added: lead question 1.4" in card_text(extra)

    setup = await press(teams, COACH, extra, "Back to the session", MATHS)
    card = await press(teams, COACH, setup, "Start", MATHS, issues="7", group="Careers")
    assert "7.1 Who gives careers advice here?" in card_text(card)
    back = await press(teams, COACH, card, "See over", MATHS)
    assert "The careers team" in card_text(back)


async def test_an_own_issue_or_question_longer_than_its_card_allows_is_refused(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The blank template's inputs have a maximum length; data that overruns it (no Teams
    client sends it) comes back with the field to fix, and the deck is unchanged."""
    form = only_card(await teams.say(ADMIN, "cards add"))
    me = Place.personal(ADMIN)
    long_title = await press(teams, ADMIN, form, "Save", me, title="T" * 301, question1="Q?")
    assert "under 300 characters" in card_text(long_title)
    long_question = await press(
        teams, ADMIN, form, "Save", me, title="Careers", question1="Q?", question2="Q" * 501
    )
    assert "under 500 characters" in card_text(long_question)
    long_prompts = await press(
        teams, ADMIN, form, "Save", me, title="Careers", question1="Q?", prompts1="p" * 3001
    )
    assert "under 3,000 characters" in card_text(long_prompts)
    body, _ = await teams.execute(
        ADMIN, "cards.question", {"issue": "1", "question": "Q" * 501}, me
    )
    assert "under 500 characters" in card_text(body["value"])
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert (await uow.session.scalars(select(OwnStrategicIssue))).all() == []
        assert (await uow.session.scalars(select(OwnLeadQuestion))).all() == []


# ------------------------------------------------------------------------ coaching-card prompts


async def test_the_bot_posts_the_next_card_to_the_channel_every_monday(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    session_id, card = await coach_starts(teams)
    sent = await teams.say(COACH, "cards schedule monday 09:00", MATHS, mention=True)
    assert "Coaching cards every Monday at 09:00" in card_text(only_card(sent))
    bot = teams_app[BOT_KEY]
    connector.clear()
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # the next Monday, 09:00 London
    assert await bot.worker.tick(clock.now()) == 1
    prompt = only_card(connector.messages())
    assert connector.messages()[0].conversation_id == MATHS.conversation_id
    assert "This week's coaching card" in card_text(prompt)
    assert "1.1 What does the term 'progression' mean to you?" in card_text(prompt)

    # The team adds to it during the week; next Monday's card is the next lead question.
    await press(teams, TUTOR, prompt, "Add", MATHS, contribution="Lifelong learning")
    connector.clear()
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert await bot.worker.tick(clock.now()) == 1
    assert "1.2 Why is progression important:" in card_text(only_card(connector.messages()))

    async with bot.db.unit_of_work() as uow:
        pending = (
            await uow.session.scalars(select(ScheduledItem).where(ScheduledItem.state == PENDING))
        ).all()
        assert [(i.kind, i.due_at) for i in pending] == [
            ("cards.prompt", datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
        ]
        assert pending[0].conversation_ref_id is not None

    stopped = await teams.say(COACH, "cards schedule off", MATHS, mention=True)
    assert "Coaching cards stopped" in card_text(only_card(stopped))
    async with bot.db.unit_of_work() as uow:
        item = await uow.session.get(ScheduledItem, pending[0].id)
        assert item is not None and item.state == CANCELLED
    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    connector.clear()
    assert await bot.worker.tick(clock.now()) == 0


async def test_a_teams_retry_of_a_cards_command_runs_nothing_again(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Teams sends a slow message again with the same activity id, even after later ones: a
    retry of `cards` posts no second setup card, and a late retry of `cards schedule monday
    09:00` after `cards schedule off` sends nothing and leaves the schedule off."""
    teams.on_roster(COACH)
    first = await teams.say(COACH, "cards", MATHS, mention=True, activity_id="c-1")
    session_id = int(button(only_card(first), "Start")["data"]["session"])
    assert await teams.say(COACH, "cards", MATHS, mention=True, activity_id="c-1") == []
    await press(teams, COACH, only_card(first), "Start", MATHS, issues="1", group="Maths")
    weekly = "cards schedule monday 09:00"
    sent = await teams.say(COACH, weekly, MATHS, mention=True, activity_id="s-1")
    assert "Coaching cards every Monday at 09:00" in card_text(only_card(sent))
    await teams.say(COACH, "cards schedule off", MATHS, mention=True, activity_id="s-2")
    assert await teams.say(COACH, weekly, MATHS, mention=True, activity_id="s-1") == []
    row = await session_row(teams_app[BOT_KEY].db, session_id)
    assert row.prompt_schedule is None
    assert await _items(teams_app, "cards-prompt:", PENDING) == []
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert len((await uow.session.scalars(select(CardSession))).all()) == 1


async def test_a_schedule_that_makes_no_sense_is_explained(teams: TeamsClient) -> None:
    sent = await teams.say(TUTOR, "cards schedule fortnightly")
    assert "I don't understand" in sent[0].text


async def test_a_teams_retry_of_a_contribution_is_saved_once(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    session_id, card = await start_session(teams, TUTOR, MATHS, "1", "Maths")
    data = {"session": session_id, "position": 0, "contribution": "Only once"}
    for _ in range(2):
        answer = await teams.answer(TUTOR, "cards.contribute", data, MATHS, activity_id="retry-1")
        assert "Only once" in card_text(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        saved = (await uow.session.scalars(select(CardContribution))).all()
        assert [c.text for c in saved] == ["Only once"]


async def test_words_sent_after_a_pause_or_finish_are_handed_back_not_dropped(
    teams: TeamsClient, teams_app: web.Application, connector: LoopbackConnector
) -> None:
    """Tom was typing on the live card when Cara paused the session; his Add answered with the
    pause card and nothing else: his contribution was gone without a word. Likewise Mia's
    action, saved after Cara finished. Nothing is saved to a session that is not under way,
    and each is told so, with their words to add again."""
    _roster(connector)
    session_id, card = await coach_starts(teams)
    form = await press(teams, MANAGER, card, "Agree an action", MATHS)
    who = choices(form, "who")["Tom Tutor"]
    await press(teams, COACH, card, "Pause", MATHS)

    answer = await press(teams, TUTOR, card, "Add", MATHS, contribution="Ladders, not lifts")
    assert "Paused at card 1" in card_text(answer)
    assert (
        "The session was paused before your contribution arrived, so it was not saved: "
        "\u201cLadders, not lifts\u201d" in card_text(answer)
    )
    await teams.execute(COACH, "cards.finish", {"session": session_id}, MATHS)
    data = {"what": "Map the routes", "who": who, "by_when": "2026-12-11"}
    answer = await press(teams, MANAGER, form, "Save action", MATHS, **data)
    assert (
        "The session had finished before the action arrived, so it was not saved: "
        "\u201cMap the routes\u201d" in card_text(answer)
    )
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert (await uow.session.scalars(select(CardContribution))).all() == []
        assert (await uow.session.scalars(select(CardAction))).all() == []
    assert (await session_row(teams_app[BOT_KEY].db, session_id)).state == "finished"


async def test_contributions_and_actions_show_on_the_live_card_as_typed(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Issue 10: a contribution written as markdown was a live link on the channel card, for
    everyone. The card, the summary and the comparison show it as text; it is stored as typed."""
    session_id, card = await start_session(teams, TUTOR, MATHS, "1", "Maths")
    card = await press(teams, TUTOR, card, "Add", MATHS, contribution=EVIL)
    seen = await refresh(teams, MANAGER, card, MATHS)
    assert live_markdown(seen) == []
    form = await press(teams, MANAGER, seen, "Agree an action", MATHS)
    who = choices(form, "who")["Tom Tutor"]
    card = await press(
        teams, MANAGER, form, "Save action", MATHS, what=EVIL, who=who, by_when="2026-12-11"
    )
    assert live_markdown(card) == []
    for _ in range(2):
        card = await press(teams, MANAGER, card, "Next card", MATHS)
    summary = await press(teams, MANAGER, card, "Finish", MATHS)
    assert live_markdown(summary) == []
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        saved = (await uow.session.scalars(select(CardContribution))).all()
        assert [c.text for c in saved] == [EVIL]
        actions = (await uow.session.scalars(select(CardAction))).all()
        assert [a.what for a in actions] == [" ".join(EVIL.split())]  # one line, as designed


async def test_cards_compare_in_a_channel_names_only_that_channels_sessions(
    teams: TeamsClient,
) -> None:
    """Issue 10 point 8: in the Maths channel, the English group's session is not listed nor
    compared; in the facilitator's 1:1 chat, both are."""
    maths_id, maths = await coach_starts(teams)
    english_id, _ = await start_session(teams, COACH, ENGLISH, "1", "English")
    await press(teams, TUTOR, maths, "Add", MATHS, contribution="Level 3 next year")

    here = only_card(await teams.say(COACH, "cards compare", MATHS, mention=True))
    assert list(choices(here, "sessions").values()) == [str(maths_id)]
    assert "English" not in card_text(here)
    body, _ = await teams.execute(
        COACH, "cards.compare", {"sessions": f"{maths_id},{english_id}"}, MATHS
    )
    assert "1:1 chat" in str(body.get("value")) and "English" not in str(body.get("value"))
    group = Place("19:chat-cara-tom@unq.gbl.spaces", "groupChat")
    there = only_card(await teams.say(COACH, "cards compare", group))
    assert "No sessions to compare yet" in card_text(there)

    mine = only_card(await teams.say(COACH, "cards compare"))
    assert sorted(choices(mine, "sessions").values()) == sorted([str(maths_id), str(english_id)])
    answer = await teams.answer(
        COACH, "cards.compare", {"sessions": f"{maths_id},{english_id}"}, Place.personal(COACH)
    )
    assert "Side by side" in card_text(answer)


# ---------------------------------------------------------------- the facilitator runs it


async def _items(
    teams_app: web.Application, prefix: str, state: str | None = None
) -> list[ScheduledItem]:
    """The scheduled items whose key starts with `prefix` (only those in `state`, if given)."""
    query = select(ScheduledItem).where(ScheduledItem.key.startswith(prefix))
    if state is not None:
        query = query.where(ScheduledItem.state == state)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        return list(await uow.session.scalars(query))


async def test_a_facilitators_display_name_written_as_a_link_is_shown_as_written_when_refused(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Cara sets her Teams display name to a "Sign in again" link after starting a session in
    the channel. A member's Pause is refused on the card everyone there sees, naming her: as
    written, never a live link in the bot's voice; the session runs on unchanged."""
    from dataclasses import replace

    db = teams_app[BOT_KEY].db
    session_id, _ = await coach_starts(teams)
    await teams.say(replace(COACH, name="[Sign in again](https://evil.example) Cara"), "help")
    answer = await teams.answer(TUTOR, "cards.pause", {"session": session_id}, MATHS)
    assert live_markdown(answer, "who runs") == []
    assert (await session_row(db, session_id)).state == "running"


async def test_only_the_facilitator_or_an_org_admin_runs_the_session(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    db = teams_app[BOT_KEY].db
    session_id, card = await coach_starts(teams)

    # A member's Pause and Finish are refused politely, on the card; nothing changes.
    for verb in ("cards.pause", "cards.finish"):
        answer = await teams.answer(TUTOR, verb, {"session": session_id}, MATHS)
        assert "Only Cara Coach, who runs Maths's session, or an org admin can" in card_text(answer)
        assert "1.1 What does the term 'progression' mean to you?" in card_text(answer)
        assert (await session_row(db, session_id)).state == "running"

    # Nor can a member start a new session over the facilitator's.
    offer = only_card(await teams.say(TUTOR, "cards", MATHS, mention=True))
    answer = await press(teams, TUTOR, offer, "Start a new session", MATHS)
    assert "can start a new session over this one" in card_text(answer)
    async with db.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(CardSession))).all()
        assert [(r.id, r.state) for r in rows] == [(session_id, "running")]

    # Nor schedule it, nor stop its schedule.
    sent = await teams.say(TUTOR, "cards schedule monday 09:00", MATHS, mention=True)
    assert "Only Cara Coach" in sent[0].text and "can schedule it" in sent[0].text
    assert await _items(teams_app, "cards-prompt:") == []
    scheduled = only_card(
        await teams.say(COACH, "cards schedule monday 09:00", MATHS, mention=True)
    )
    sent = await teams.say(TUTOR, "cards schedule off", MATHS, mention=True)
    assert "can stop its schedule" in sent[0].text
    answer = await press(teams, TUTOR, scheduled, "Stop", MATHS)
    assert "can stop its schedule" in card_text(answer)
    assert [i.state for i in await _items(teams_app, "cards-prompt:")] == [PENDING]
    assert (await session_row(db, session_id)).prompt_schedule is not None

    # An org admin may: Ada pauses it; any member may pick it up again.
    paused = await press(teams, ADMIN, card, "Pause", MATHS)
    assert "Paused at card 1 of 3" in card_text(paused)
    assert (await session_row(db, session_id)).state == "paused"
    resumed = await press(teams, TUTOR, paused, "Resume", MATHS)
    assert "1.1 What does the term" in card_text(resumed)
    assert (await session_row(db, session_id)).state == "running"


async def test_a_finished_session_is_reopened_by_its_facilitator(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    db = teams_app[BOT_KEY].db
    session_id, card = await coach_starts(teams)
    card = await press(teams, COACH, card, "Next card", MATHS)
    paused = await press(teams, COACH, card, "Pause", MATHS)
    done = await press(teams, COACH, paused, "Finish", MATHS)
    assert "Summary: Maths" in card_text(done)
    assert (await session_row(db, session_id)).state == "finished"

    answer = await press(teams, TUTOR, done, "Reopen", MATHS)
    assert "can reopen the session" in card_text(answer)
    assert (await session_row(db, session_id)).state == "finished"

    reopened = await press(teams, COACH, done, "Reopen", MATHS)
    assert "Reopened" in card_text(reopened)
    assert "1.2 Why is progression important:" in card_text(reopened)
    row = await session_row(db, session_id)
    assert (row.state, row.position, row.finished_at) == ("running", 1, None)

    # The group carries on where it was.
    card = await press(teams, TUTOR, reopened, "Add", MATHS, contribution="After all")
    assert "After all" in card_text(card)


async def test_a_stale_offer_starts_no_session_over_the_one_open_now(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Tom said **cards** while Cara's Maths session was under way and got the offer to resume
    it or start a new one. Cara then finished it and started another. Tom's "Start a new
    session" on the old offer started a third session, his, beside Cara's running one (which
    only she may end): two open sessions in one channel. Now it starts nothing and says a
    session is open here; Cara's carries on."""
    teams.on_roster(COACH, TUTOR)
    first_id, _ = await coach_starts(teams)
    offer = only_card(await teams.say(TUTOR, "cards", MATHS, mention=True))
    assert "Start a new session" in card_text(offer)
    await teams.execute(COACH, "cards.finish", {"session": first_id}, MATHS)
    second_id, _ = await start_session(teams, COACH, MATHS, "2", "Maths again")

    answer = await press(teams, TUTOR, offer, "Start a new session", MATHS)
    assert "Maths again has a session open here now" in card_text(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(CardSession).order_by(CardSession.id))).all()
    assert [(r.id, r.state) for r in rows] == [(first_id, "finished"), (second_id, "running")]
    assert rows[1].facilitator_id == rows[0].facilitator_id


async def test_a_session_open_elsewhere_in_the_place_is_not_reopened_over(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    db = teams_app[BOT_KEY].db
    first, card = await coach_starts(teams)
    done = await press(
        teams, COACH, await press(teams, COACH, card, "Pause", MATHS), "Finish", MATHS
    )
    second, _ = await start_session(teams, COACH, MATHS, "2", "Maths again")
    answer = await press(teams, COACH, done, "Reopen", MATHS)
    assert "has a session open here: finish it before reopening this one" in card_text(answer)
    assert (await session_row(db, first)).state == "finished"
    assert (await session_row(db, second)).state == "running"


async def test_stopping_the_schedule_and_the_weekly_prompt_leave_a_paused_session_paused(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    bot = teams_app[BOT_KEY]
    session_id, card = await coach_starts(teams)
    await press(teams, TUTOR, card, "Add", MATHS, contribution="Lifelong learning")
    await teams.say(COACH, "cards schedule monday 09:00", MATHS, mention=True)
    paused = await press(teams, COACH, card, "Pause", MATHS)

    # Monday comes: no card is posted, the session stays paused on its card, the series goes on.
    connector.clear()
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert await bot.worker.tick(clock.now()) == 0
    assert connector.messages() == []
    row = await session_row(bot.db, session_id)
    assert (row.state, row.position) == ("paused", 0)
    pending = [i for i in await _items(teams_app, "cards-prompt:") if i.state == PENDING]
    assert [i.due_at for i in pending] == [datetime(2026, 12, 7, 9, 0, tzinfo=UTC)]

    # Stopping the schedule stops the posts and nothing else: paused stays paused.
    stopped = await teams.say(COACH, "cards schedule off", MATHS, mention=True)
    assert "Coaching cards stopped" in card_text(only_card(stopped))
    row = await session_row(bot.db, session_id)
    assert (row.state, row.prompt_schedule, row.finished_at) == ("paused", None, None)

    # And a running session stays running.
    await press(teams, COACH, paused, "Resume", MATHS)
    scheduled = only_card(
        await teams.say(COACH, "cards schedule monday 09:00", MATHS, mention=True)
    )
    await press(teams, COACH, scheduled, "Stop", MATHS)
    row = await session_row(bot.db, session_id)
    assert (row.state, row.prompt_schedule) == ("running", None)


# ------------------------------------------------------------------ a live card for everyone


async def test_everyone_sees_the_posted_card_change_without_pressing_anything(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    _roster(connector)
    bot = teams_app[BOT_KEY]
    clock.set(datetime(2026, 11, 28, 21, 30, tzinfo=UTC))  # Saturday night: out of hours
    sent = await teams.say(COACH, "cards", MATHS, mention=True)
    posted = sent[0].activity_id
    assert posted is not None
    setup = only_card(sent)
    session_id = int(button(setup, "Start")["data"]["session"])

    async def act(user: User, verb: str, **data: Any) -> dict[str, Any]:
        body, out = await teams.execute(
            user, verb, {"session": session_id, **data}, MATHS, reply_to=posted
        )
        assert teams.last_status == 200 and out == []
        value: dict[str, Any] = body["value"]
        return value

    await act(COACH, "cards.start", issues="1", group="Maths")
    assert await bot.worker.tick(clock.now()) == 1
    seen = connector.view(posted)
    assert (
        seen is not None and seen.method == "PUT" and seen.conversation_id == MATHS.conversation_id
    )
    assert "1.1 What does the term 'progression' mean to you?" in card_text(seen.cards[0])

    # Tom adds a thought; Cara, who pressed nothing, sees it on the message in the channel.
    await act(TUTOR, "cards.contribute", position=0, contribution="Lifelong learning")
    connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    seen = connector.view(posted)
    assert seen is not None and "Tom Tutor:** Lifelong learning" in card_text(seen.cards[0])

    # Changes close together go as one update, with everything in it.
    await act(MANAGER, "cards.contribute", position=0, contribution="A job")
    await act(TUTOR, "cards.contribute", position=0, contribution="Confidence")
    await act(COACH, "cards.card", position=0, side="back")  # the facilitator turns it over
    connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    assert len(connector.updates()) == 1 and connector.messages() == []
    seen = connector.view(posted)
    assert seen is not None
    assert "Discussion prompts 1.1" in card_text(seen.cards[0])

    # A card's own refresh (Teams asking, nobody pressing) changes nothing for the others.
    await teams.execute(
        TUTOR,
        "cards.card",
        {"session": session_id, "position": 0, "side": "front"},
        MATHS,
        reply_to=posted,
        trigger="automatic",
    )
    connector.clear()
    assert await bot.worker.tick(clock.now()) == 0

    # Moving on shows the next card to everyone; the whole group's contributions are stored.
    await act(TUTOR, "cards.next", position=0)
    assert await bot.worker.tick(clock.now()) == 1
    seen = connector.view(posted)
    assert seen is not None and "1.2 Why is progression important:" in card_text(seen.cards[0])
    async with bot.db.unit_of_work() as uow:
        texts = [c.text for c in (await uow.session.scalars(select(CardContribution))).all()]
        assert texts == ["Lifelong learning", "A job", "Confidence"]
        row = await uow.session.get(CardSession, session_id)
        assert row is not None and row.live_activity_id == posted


async def test_a_session_in_a_personal_chat_has_nothing_to_update_for_others(
    teams: TeamsClient, teams_app: web.Application, connector: LoopbackConnector
) -> None:
    me = Place.personal(TUTOR)
    sent = await teams.say(TUTOR, "cards", me)
    session_id = int(button(only_card(sent), "Start")["data"]["session"])
    await teams.execute(
        TUTOR,
        "cards.start",
        {"session": session_id, "issues": "1"},
        me,
        reply_to=sent[0].activity_id,
    )
    connector.clear()
    assert await teams_app[BOT_KEY].worker.tick(datetime(2026, 11, 23, 11, tzinfo=UTC)) == 0
    assert connector.updates() == []


# -------------------------------------------------------------- actions are followed through


async def _tick_at(
    bot: Any, clock: FixedClock, connector: LoopbackConnector, at: datetime
) -> list[Sent]:
    clock.set(at)
    connector.clear()
    await bot.worker.tick(clock.now())
    return connector.messages()


async def an_action_for_mia(
    teams: TeamsClient, connector: LoopbackConnector
) -> tuple[int, dict[str, Any]]:
    """Cara starts a Maths session, Mia adds to it, and Cara agrees "Map our progression routes"
    with Mia as its owner: the session's id and its live card."""
    _roster(connector)
    await teams.say(MANAGER, "hello")
    await teams.say(COACH, "hello")
    session_id, card = await start_session(teams, COACH, MATHS, "1", "Maths")
    await press(teams, MANAGER, card, "Add", MATHS, contribution="Routes matter")
    form = await press(teams, COACH, card, "Agree an action", MATHS)
    await save_action(teams, form, "Map our progression routes", "Mia Manager")
    return session_id, card


async def test_an_agreed_action_is_followed_through_until_its_owner_closes_it(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    bot = teams_app[BOT_KEY]
    session_id, card = await an_action_for_mia(teams, connector)
    async with bot.db.unit_of_work() as uow:
        action = (await uow.session.scalars(select(CardAction))).one()
        pending = (
            await uow.session.scalars(
                select(ScheduledItem)
                .where(ScheduledItem.state == PENDING)
                .order_by(ScheduledItem.due_at)
            )
        ).all()
        assert [(i.key, i.due_at) for i in pending] == [
            (
                "cards-digest:" + str((await session_row(bot.db, session_id)).facilitator_id),
                datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
            ),
            (f"cards-action:{action.id}", datetime(2026, 12, 9, 9, 0, tzinfo=UTC)),
            (f"cards-action:{action.id}:due", datetime(2026, 12, 11, 9, 0, tzinfo=UTC)),
            (f"cards-action:{action.id}:overdue", datetime(2026, 12, 12, 9, 0, tzinfo=UTC)),
        ]
    mia = Place.personal(MANAGER).conversation_id
    cara = Place.personal(COACH).conversation_id

    # Nothing overdue yet: the Monday digests say nothing.
    assert await _tick_at(bot, clock, connector, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)) == []
    assert await _tick_at(bot, clock, connector, datetime(2026, 12, 7, 9, 0, tzinfo=UTC)) == []
    # Two days before, and on the day.
    sent = await _tick_at(bot, clock, connector, datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    assert [s.conversation_id for s in sent] == [mia]
    before = only_card(sent)
    assert "Action due Fri 11 Dec" in card_text(before)
    assert {b["title"] for b in buttons(before)} == {
        "Done",
        "More time",
        "Not doing it",
    }
    sent = await _tick_at(bot, clock, connector, datetime(2026, 12, 11, 9, 0, tzinfo=UTC))
    assert "Action due today" in card_text(only_card(sent))
    # Saturday is out of hours: the overdue nudge comes on Monday, with Cara's digest.
    assert await _tick_at(bot, clock, connector, datetime(2026, 12, 12, 9, 0, tzinfo=UTC)) == []
    sent = await _tick_at(bot, clock, connector, datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    by_chat = {s.conversation_id: card_text(s.cards[0]) for s in sent}
    assert set(by_chat) == {mia, cara}
    assert "Action overdue: it was due Fri 11 Dec" in by_chat[mia]
    assert "Overdue actions from your sessions (1)" in by_chat[cara]
    assert "Map our progression routes" in by_chat[cara] and "Mia Manager" in by_chat[cara]
    overdue = next(s.cards[0] for s in sent if s.conversation_id == mia)

    async def mia_presses(card: dict[str, Any], title: str, **inputs: Any) -> dict[str, Any]:
        """Mia presses a button on a card in her 1:1 chat."""
        return await press(teams, MANAGER, card, title, Place.personal(MANAGER), **inputs)

    # Mia needs more time: a date before the one agreed is refused; a later one moves the
    # reminders with it.
    later = await mia_presses(overdue, "More time")
    bad = await mia_presses(later, "Save the new date", by_when="2026-12-01")
    assert "Choose today or a later date." in card_text(bad)
    saved = await mia_presses(later, "Save the new date", by_when="2027-01-15")
    assert "now by Fri 15 Jan" in card_text(saved)
    async with bot.db.unit_of_work() as uow:
        stored = await uow.session.get(CardAction, action.id)
        assert stored is not None and (stored.due_on, stored.extended) == (date(2027, 1, 15), 1)
    waiting = await _items(teams_app, f"cards-action:{action.id}", state=PENDING)
    assert sorted(i.due_at for i in waiting) == [
        datetime(2027, 1, 13, 9, 0, tzinfo=UTC),
        datetime(2027, 1, 15, 9, 0, tzinfo=UTC),
        datetime(2027, 1, 16, 9, 0, tzinfo=UTC),
    ]

    # Then she is not doing it after all, and says why; the reminders stop; the group sees it.
    drop = await mia_presses(overdue, "Not doing it")
    empty = await mia_presses(drop, "Save")
    assert "Say why, for the group" in card_text(empty)
    done = await mia_presses(drop, "Save", reason="The routes map exists")
    assert "Noted: not doing it" in card_text(done)
    async with bot.db.unit_of_work() as uow:
        stored = await uow.session.get(CardAction, action.id)
        assert stored is not None and stored.dropped_reason == "The routes map exists"
        assert stored.dropped_at is not None and stored.done_at is None
    assert await _items(teams_app, f"cards-action:{action.id}", state=PENDING) == []
    seen = await refresh(teams, COACH, card, MATHS)
    assert "(not doing it: The routes map exists)" in card_text(seen)

    # Someone else may not close Mia's action.
    body, _ = await teams.execute(TUTOR, "cards.action.done", {"action": action.id})
    assert "Only the action's owner or the session's facilitator" in str(body)


async def test_an_action_written_as_links_is_shown_as_written_to_its_owner_and_facilitator(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom, in the Maths group, agrees an action for Mia written as a "Sign in again" link. The
    live card showed it as written, but Mia's "More time", "Not doing it", new-date and
    dropped cards in her 1:1 chat, and Cara's Monday digest of overdue actions, drew it (and
    Mia's reason, and the group's name) as live links and images in the bot's voice. Each
    shows them as written; the action keeps its new date and Mia's reason as typed."""
    _roster(connector)
    bot = teams_app[BOT_KEY]
    await teams.say(MANAGER, "hello")
    await teams.say(COACH, "hello")
    one_line = " ".join(EVIL.split())
    _, card = await start_session(teams, COACH, MATHS, "1", one_line)
    form = await press(teams, TUTOR, card, "Agree an action", MATHS)
    who = choices(form, "who")["Mia Manager"]
    await press(teams, TUTOR, form, "Save action", MATHS, what=EVIL, who=who, by_when="2026-12-11")
    async with bot.db.unit_of_work() as uow:
        action_id = (await uow.session.scalars(select(CardAction))).one().id

    sent = await _tick_at(bot, clock, connector, datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    cara = Place.personal(COACH).conversation_id
    digest = next(s.cards[0] for s in sent if s.conversation_id == cara)
    assert "Overdue actions from your sessions (1)" in card_text(digest)
    assert live_markdown(digest) == []
    me = Place.personal(MANAGER)
    later = await teams.answer(MANAGER, "cards.action.later", {"action": action_id}, me)
    assert live_markdown(later) == []
    data = {"action": action_id, "by_when": "2027-01-15"}
    moved = await teams.answer(MANAGER, "cards.action.extend", data, me)
    assert "New date saved" in card_text(moved)
    assert live_markdown(moved) == []
    drop = await teams.answer(MANAGER, "cards.action.drop", {"action": action_id}, me)
    assert live_markdown(drop) == []
    data = {"action": action_id, "reason": EVIL}
    dropped = await teams.answer(MANAGER, "cards.action.dropped", data, me)
    assert "Noted: not doing it" in card_text(dropped)
    assert live_markdown(dropped) == []
    async with bot.db.unit_of_work() as uow:
        stored = await uow.session.get(CardAction, action_id)
        assert stored is not None and stored.what == one_line
        assert (stored.due_on, stored.dropped_reason) == (date(2027, 1, 15), one_line)


async def test_not_doing_it_on_a_stale_reminder_after_done_says_it_is_done(
    teams: TeamsClient, teams_app: web.Application, connector: LoopbackConnector
) -> None:
    """Mia pressed Done on her phone; "Not doing it" on the same reminder on her desktop then
    says it is done, as it is stored, and changes nothing."""
    await an_action_for_mia(teams, connector)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        action_id = (await uow.session.scalars(select(CardAction))).one().id
    me = Place.personal(MANAGER)
    body, _ = await teams.execute(MANAGER, "cards.action.done", {"action": action_id}, me)
    assert "Done" in card_text(body["value"])
    data = {"action": action_id, "reason": "The routes map exists"}
    body, _ = await teams.execute(MANAGER, "cards.action.dropped", data, me)
    shown = card_text(body["value"])
    assert "Noted: not doing it" not in shown
    assert "Done" in shown and "Map our progression routes" in shown
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        stored = await uow.session.get(CardAction, action_id)
        assert stored is not None and stored.done_at is not None
        assert stored.dropped_at is None and stored.dropped_reason is None


async def test_the_who_list_offers_the_whole_team_and_can_be_searched(
    teams: TeamsClient, connector: LoopbackConnector
) -> None:
    _roster(connector)
    team = [User(f"member-{i}", f"Member {i:03d}", f"m{i}@college.ac.uk") for i in range(80)]
    await teams.say(COACH, "hello", MATHS, mention=True)
    await teams.members_added(COACH, MATHS, team)
    _, card = await start_session(teams, COACH, MATHS, "1", "Maths")
    form = await press(teams, COACH, card, "Agree an action", MATHS)
    owners = choices(form, "who")
    assert {f"Member {i:03d}" for i in range(80)} <= set(owners)
    who = next(
        e for e in _walk_inputs(form) if e.get("type") == "Input.ChoiceSet" and e["id"] == "who"
    )
    assert who["style"] == "filtered"


def _walk_inputs(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "id" in node:
            found.append(node)
        for value in node.values():
            found.extend(_walk_inputs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_walk_inputs(item))
    return found


async def test_an_empty_contribution_is_absent_from_the_data_and_refused(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    session_id, _ = await start_session(teams, TUTOR, MATHS, "1", "Maths")
    answer = await teams.answer(
        TUTOR, "cards.contribute", {"session": session_id, "position": 0}, MATHS
    )
    assert "Write your contribution first" in card_text(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert (await uow.session.scalars(select(CardContribution))).all() == []


async def test_actions_lists_a_persons_own_open_actions_in_their_1_1_chat(
    teams: TeamsClient, teams_app: web.Application, connector: LoopbackConnector
) -> None:
    _roster(connector)
    await teams.say(TUTOR, "hello")
    _, card = await start_session(teams, COACH, MATHS, "1", "Maths")
    await press(teams, TUTOR, card, "Add", MATHS, contribution="Me too")
    form = await press(teams, COACH, card, "Agree an action", MATHS)
    for what, owner in (("Tom's action", "Tom Tutor"), ("Cara's action", "Cara Coach")):
        await save_action(teams, form, what, owner)
    mine = only_card(await teams.say(TUTOR, "actions"))
    text = card_text(mine)
    assert "Your actions (1)" in text and "Progression cards" in text
    assert "Tom's action" in text and "Maths \u00b7 by Fri 11 Dec" in text
    assert "Cara's action" not in text
    done = await press(teams, TUTOR, mine, "Done", Place.personal(TUTOR))
    assert "\u2611 Tom's action" in card_text(done)
    assert "no open actions" in card_text(only_card(await teams.say(TUTOR, "actions")))
    # In a channel, nothing personal is listed.
    sent = await teams.say(TUTOR, "actions", MATHS, mention=True)
    assert "Cara's action" not in str([s.activity for s in sent])
    assert "Tom's action" not in str([s.activity for s in sent])


async def test_a_schedule_the_sending_hours_would_move_says_so_when_it_is_set(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    session_id, _ = await coach_starts(teams)
    asked = only_card(await teams.say(COACH, "cards schedule saturday 10:00", MATHS, mention=True))
    assert (
        "Saturdays are outside sending hours: I'll post on Mondays at 08:00 \u2014 OK?"
        in card_text(asked)
    )
    assert await _items(teams_app, "cards-prompt:") == []
    assert (await session_row(teams_app[BOT_KEY].db, session_id)).prompt_schedule is None
    early = only_card(await teams.say(COACH, "cards schedule monday 07:00", MATHS, mention=True))
    assert "07:00 is outside sending hours (08:00\u201318:00)" in card_text(early)
    late = only_card(await teams.say(COACH, "cards schedule monday 19:00", MATHS, mention=True))
    assert "I'll post on Tuesdays at 08:00" in card_text(late)

    answer = await teams.answer(COACH, "cards.schedule.set", button(asked, "OK")["data"], MATHS)
    assert "Coaching cards every Monday at 08:00" in card_text(answer)
    items = await _items(teams_app, "cards-prompt:")
    assert [(i.state, i.due_at) for i in items] == [
        (PENDING, datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    ]
    # Someone else's OK changes nothing.
    body, _ = await teams.execute(TUTOR, "cards.schedule.set", {"when": "tuesday 09:00"}, MATHS)
    assert "can schedule it" in str(body)


async def test_two_own_issues_and_questions_added_at_once_are_both_stored(
    database_url: str, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Cara adds an issue on her phone and another on her desktop at the same moment (likewise a
    lead question). Each took the next number as it read the deck, the same number: the second
    save broke the deck's unique number, which was taken for a Teams retry that had already
    run, so Cara was told "Added" while nothing of hers was stored. Both are stored now, each
    with its own number, and each answer names the number it was given."""
    _roster(connector)
    async with bot_running(database_url, clock, connector, 1) as (teams, app, _):
        setup = only_card(await teams.say(COACH, "cards", MATHS, mention=True))
        form = await press(teams, COACH, setup, "Add our own issue", MATHS)
        titles = ("Careers guidance", "Digital skills")
        saved = await asyncio.gather(
            *(press(teams, COACH, form, "Save", MATHS, title=t, question1=f"{t}?") for t in titles)
        )
        said = sorted(card_text(s) for s in saved)
        assert "Added: strategic issue 7" in said[0] and "Added: strategic issue 8" in said[1]
        q_form = await press(teams, COACH, saved[0], "Add a lead question", MATHS)
        questions = ("Who advises?", "Who listens?")
        await asyncio.gather(
            *(press(teams, COACH, q_form, "Save", MATHS, issue="1", question=q) for q in questions)
        )
        async with app[BOT_KEY].db.unit_of_work() as uow:
            issues = (await uow.session.scalars(select(OwnStrategicIssue))).all()
            assert sorted(i.number for i in issues) == [7, 8]
            assert {i.title for i in issues} == set(titles)
            asked = (await uow.session.scalars(select(OwnLeadQuestion))).all()
            mine = sorted((q.number, q.question) for q in asked if q.issue_number == 1)
            assert [n for n, _ in mine] == [4, 5] and {q for _, q in mine} == set(questions)


async def test_two_newcomers_adding_at_once_both_take_part(
    database_url: str, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom and Mia, new to the session, add their contributions at the same moment. Each turn
    wrote back the whole list of participants as it had read it, with only its own newcomer
    added: one of them was dropped from the group (no "Who" list, no refreshes of the card).
    Now each joins by appending to the stored list, so both are in it."""
    _roster(connector)
    async with bot_running(database_url, clock, connector, 1) as (teams, app, _):
        session_id, card = await start_session(teams, COACH, MATHS, "1", "Maths")
        people = (TUTOR, MANAGER, ADMIN)
        await asyncio.gather(
            *(press(teams, p, card, "Add", MATHS, contribution=f"From {p.name}") for p in people)
        )
        ids = {await person_id(app, p) for p in people}
        stored = await session_row(app[BOT_KEY].db, session_id)
        assert set(stored.participant_ids) == ids
        assert len(stored.participant_ids) == len(ids)


async def test_an_action_its_owner_is_not_doing_is_exported_as_not_doing_with_the_reason(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Mia said she is not doing her action, and why. The session's summary card and its Word
    and Excel exports showed it as not done (the workbook highlighting it as open and overdue),
    with no reason, and counted it among the open actions. Now each says she is not doing it,
    and why, and the workbook counts it apart from the open ones."""
    bot = teams_app[BOT_KEY]
    session_id, card = await an_action_for_mia(teams, connector)
    async with bot.db.unit_of_work() as uow:
        action_id = (await uow.session.scalars(select(CardAction))).one().id
    data = {"action": action_id, "reason": "The routes map exists"}
    await teams.execute(MANAGER, "cards.action.dropped", data, Place.personal(MANAGER))
    async with bot.db.unit_of_work() as uow:
        stored = await uow.session.get(CardAction, action_id)
        assert stored is not None and stored.dropped_reason == "The routes map exists"
    clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))  # past its date
    body, _ = await teams.execute(COACH, "cards.finish", {"session": session_id}, MATHS)
    done = body["value"]
    assert "Map our progression routes (not doing it: The routes map exists)" in card_text(done)

    await export(teams, COACH, done, "Export (Excel)", MATHS)
    connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    excel = await teams.accept_file(COACH, connector.sent, "summary.xlsx")
    book = load_workbook(io.BytesIO(excel))
    actions = list(book["Actions"].iter_rows(values_only=True))
    assert actions[1][2] == "Map our progression routes"
    assert actions[1][5:] == ("Not doing it", "The routes map exists")
    by_card = list(book["By card"].iter_rows(values_only=True))
    assert by_card[0][2:] == ("Actions done", "Actions open", "Not doing")
    assert by_card[1][2:] == (0, 0, 1)

    await export(teams, COACH, done, "Export (Word)", MATHS)
    connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    word = Document(io.BytesIO(await teams.accept_file(COACH, connector.sent, "summary.docx")))
    rows = [[c.text for c in r.cells] for t in word.tables for r in t.rows]
    assert ["Map our progression routes", "Mia Manager", "11 Dec 2026", "Not doing it"] in [
        r[:4] for r in rows
    ]
    assert any("The routes map exists" in p.text for p in word.paragraphs) or any(
        "The routes map exists" in " ".join(r) for r in rows
    )
