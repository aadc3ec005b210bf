"""Where learning walks and observations meet, over real HTTP with each capability's own flow.

Seed 002: a learning walk must not fall on the same day as a tutor's OTLA. Walks ask the OTLA
calendar (dates agreed through the observation flow); observations ask the walk calendar (walks
saved through the HA27). Both are questions on the app's event bus, wired in `bot.app.commands.build_events()`; these tests
go red if either wire is taken out.

The cast: Mia manages the Maths team and walks; Tom teaches in it; Olive observes Tom's OTLA,
allocated by Quinn the quality coordinator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.observations import Observations
from storage.people import Directory
from storage.walks import SAVED, StoredWalk
from tests.conftest import ADMIN, MANAGER, OLIVE, QUINN, TUTOR
from tests.support.cards import action_data, card_text, only_card
from tests.support.teams import TENANT, Place, TeamsClient, User, shared_file
from tests.support.walks import filled_walk

MATHS = Place.channel("19:team-maths@thread.tacv2", team_name="Maths", channel_name="Quality")

TUTOR_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries,"
    "start_date\n"
    "Tom Tutor,tom@college.ac.uk,North,Maths,classroom,mia@college.ac.uk,no,2019-09-01\n"
)


@dataclass
class College:
    teams: TeamsClient
    app: web.Application
    clock: FixedClock

    async def person_id(self, user: User) -> int:
        async with self.app[BOT_KEY].db.unit_of_work() as uow:
            person = await Directory(uow.session).person_by_email(TENANT, user.email)
            assert person is not None
            return person.id

    async def walks(self) -> list[StoredWalk]:
        async with self.app[BOT_KEY].db.unit_of_work() as uow:
            return list((await uow.session.scalars(select(StoredWalk))).all())

    async def press(self, user: User, verb: str, **data: Any) -> str:
        """Press a card button; returns what Teams shows (the card's text or a message)."""
        body, _ = await self.teams.execute(user, verb, data)
        assert self.teams.last_status == 200, body
        value = body.get("value")
        return card_text(value) if isinstance(value, dict) else str(value)

    async def allocate_olive_to_tom(self) -> int:
        tom = await self.person_id(TUTOR)
        shown = await self.press(
            QUINN, "otla.allocate", tutor_id=str(tom), observer_email=OLIVE.email
        )
        assert "Allocated: Olive Observer observes Tom Tutor" in shown
        async with self.app[BOT_KEY].db.unit_of_work() as uow:
            obs = await Observations(uow.session).for_tutor(TENANT, tom, "2026/27")
            assert obs is not None
            return obs.id

    async def propose(self, observation_id: int, day: str, start: str, end: str) -> str:
        return await self.press(
            OLIVE,
            "otla.propose",
            observation_id=observation_id,
            course="GCSE Maths",
            day=day,
            start=start,
            end=end,
        )

    async def open_walk_form(self) -> dict[str, Any]:
        return only_card(await self.teams.say(MANAGER, "walk", MATHS, mention=True))

    async def save_walk(self, values: dict[str, Any]) -> str:
        body, _ = await self.teams.execute(MANAGER, "walk.save", values, MATHS)
        assert isinstance(body.get("value"), dict), body
        return card_text(body["value"])


@pytest.fixture
async def college(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> AsyncIterator[College]:
    teams.on_roster(QUINN, OLIVE)
    tutor_list = shared_file(teams.connector, "tutors.csv", TUTOR_LIST)
    await teams.say(ADMIN, "hello")
    await teams.say(ADMIN, "admin import", attachments=[tutor_list])
    for user in (MANAGER, TUTOR, QUINN, OLIVE):
        await teams.say(user, "hello")
    for user in (MANAGER, TUTOR):
        await teams.say(user, "hello", MATHS, mention=True)
    await teams.say(ADMIN, f"admin grant {QUINN.email} quality_coordinator")
    teams.connector.clear()
    yield College(teams, teams_app, clock)


async def test_a_walk_on_the_day_of_an_agreed_otla_is_warned_and_another_date_offered(
    college: College,
) -> None:
    c = college
    obs_id = await c.allocate_olive_to_tom()
    assert "Date proposed" in await c.propose(obs_id, "2026-11-26", "10:00", "11:00")
    assert "Date agreed" in await c.press(TUTOR, "otla.accept", observation_id=obs_id)

    # Friday: Mia logs Thursday's walk of Tom's class, the day of his OTLA.
    c.clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    form = await c.open_walk_form()
    values = filled_walk(form, "Tom", walk_date="2026-11-26")
    warned_body, _ = await c.teams.execute(MANAGER, "walk.save", values, MATHS)
    warned = warned_body["value"]
    text = card_text(warned)
    assert "Tom Tutor has an OTLA planned on Thu 26 Nov" in text
    assert "Fri 27 Nov is free" in text
    assert await c.walks() == []  # nothing saved until Mia chooses

    other = action_data(warned, "walk.save", "Use Fri 27 Nov")
    assert "Learning walk saved" in await c.save_walk(values | other)
    [walk] = await c.walks()
    assert walk.walk_date == date(2026, 11, 27) and walk.state == SAVED


async def test_agreeing_an_otla_on_the_day_of_a_saved_walk_warns_about_the_walk(
    college: College,
) -> None:
    c = college
    # Mia walked Tom's class first thing this morning and saved it.
    form = await c.open_walk_form()
    assert "Learning walk saved" in await c.save_walk(filled_walk(form, "Tom"))
    [walk] = await c.walks()
    assert walk.walk_date == date(2026, 11, 23)

    obs_id = await c.allocate_olive_to_tom()
    proposed = await c.propose(obs_id, "2026-11-23", "14:00", "15:00")
    assert "a learning walk is already planned that day (a learning walk (saved))" in proposed
    agreed = await c.press(TUTOR, "otla.accept", observation_id=obs_id)
    assert "A learning walk is already planned that day: a learning walk (saved)" in agreed

    # Moving it to a clear day brings no note.
    moved = await c.propose(obs_id, "2026-11-24", "10:00", "11:00")
    assert "I've asked Tom Tutor to accept" in moved and "Note: a learning walk" not in moved


async def test_a_draft_walk_on_the_day_is_nobodys_record_and_never_mentioned(
    college: College,
) -> None:
    c = college
    # Mia starts an HA27 for Tom's class today and keeps it as a draft: not a walk yet.
    form = await c.open_walk_form()
    drafted = await c.teams.answer(MANAGER, "walk.draft", filled_walk(form, "Tom"), MATHS)
    assert "Draft saved" in card_text(drafted)
    [draft] = await c.walks()
    assert draft.state != SAVED and draft.walk_date == date(2026, 11, 23)

    obs_id = await c.allocate_olive_to_tom()
    c.teams.connector.clear()
    proposed = await c.propose(obs_id, "2026-11-23", "14:00", "15:00")
    assert "I've asked Tom Tutor to accept" in proposed and "learning walk" not in proposed
    agreed = await c.press(TUTOR, "otla.accept", observation_id=obs_id)
    assert "Date agreed" in agreed and "learning walk" not in agreed
    await c.app[BOT_KEY].worker.tick(c.clock.now())
    told = [card_text(card) for s in c.teams.connector.messages() for card in s.cards]
    assert told and not [t for t in told if "learning walk" in t]
    async with c.app[BOT_KEY].db.unit_of_work() as uow:
        obs = await Observations(uow.session).for_tutor(TENANT, await c.person_id(TUTOR), "2026/27")
        assert obs is not None and obs.starts_at is not None  # the date is agreed all the same
