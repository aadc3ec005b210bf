"""The support college (issue 6) and the steps its stories share: test_support and the modules
about consent, disclosure, privacy and the access matrix build on it.

Tom (tutor, Hitchin, practical), his line manager Mia, two APs (Amy at Hitchin, practical; Ben at
Stevenage, classroom), Hal the head of teaching & learning, Quinn the quality coordinator, Nia (a
new tutor) and Olly. `college` makes everyone known to the bot in a 1:1 chat.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.clock import FixedClock
from tests.conftest import ADMIN, MANAGER, QUINN, START, TUTOR
from tests.support.bot import tick
from tests.support.cards import button_data
from tests.support.loopback import Sent
from tests.support.teams import TeamsClient, User, cards_to, set_up_college

AMY = User("amy", "Amy Advanced", "amy@college.ac.uk")
BEN = User("ben", "Ben Bright", "ben@college.ac.uk")
HAL = User("hal", "Hal Head", "hal@college.ac.uk")
NIA = User("nia", "Nia New", "nia@college.ac.uk")
OLLY = User("olly", "Olly Other", "olly@college.ac.uk")
EVERYONE = (ADMIN, TUTOR, MANAGER, AMY, BEN, HAL, QUINN, NIA, OLLY)

TUTOR_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,"
    "learning_in_libraries,start_date\n"
    """Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk,no,2019-09-01
Amy Advanced,amy@college.ac.uk,Hitchin,Engineering,practical,,no,2015-09-01
Ben Bright,ben@college.ac.uk,Stevenage,English,classroom,,no,2016-09-01
Nia New,nia@college.ac.uk,Hitchin,Hair and beauty,practical,mia@college.ac.uk,no,2026-11-30
Olly Other,olly@college.ac.uk,Stevenage,Maths,classroom,mia@college.ac.uk,no,2018-09-01
"""
)

SCORES = {
    "planning": "4",
    "activity_design": "3",
    "differentiation": "3",
    "questioning": "5",
    "assessment": "4",
    "behaviour": "2",
    "maths_english": "5",
    "digital": "6",
    "inclusion": "6",
    "work_links": "5",
}


async def college(
    teams: TeamsClient, tutor_list: str = TUTOR_LIST, people: tuple[User, ...] = EVERYONE
) -> None:
    """The tutor list imported, roles given, everyone known to the bot in a 1:1 chat."""
    roles = (
        ("amy@college.ac.uk", "advanced_practitioner"),
        ("ben@college.ac.uk", "advanced_practitioner"),
        ("hal@college.ac.uk", "head_of_teaching_and_learning"),
        ("quinn@college.ac.uk", "quality_coordinator"),
    )
    await set_up_college(teams, ADMIN, people, tutor_list, roles)
    teams.connector.clear()


async def refer(teams: TeamsClient, user: User = TUTOR, **extra: str) -> dict[str, Any]:
    values = {
        "topics": "behaviour",
        "other_topic": "",
        "ways": "coaching,developmental_observation",
        "campus": "Hitchin",
        "times": "mornings",
        "similar_style": "yes",
        "delivery_style": "practical",
        **extra,
    }
    card: dict[str, Any] = await teams.answer(user, "support.refer", values)
    return card


async def ask_amy(teams: TeamsClient, app: web.Application, clock: FixedClock) -> dict[str, Any]:
    """Tom refers himself; returns the ask that reaches Amy (an AP) once the worker has run."""
    await refer(teams)
    await tick(app, clock)
    return cards_to(teams.connector, AMY)[-1]


async def amy_logs_session(
    teams: TeamsClient, programme_id: int, kind: str, held_on: str, **fields: str
) -> tuple[dict[str, Any], list[Sent]]:
    """Amy logs a session of the programme (`fields`: notes, actions, sign_off, reviews…)."""
    data = {"programme_id": programme_id, "kind": kind, "held_on": held_on, **fields}
    return await teams.execute(AMY, "programme.session", data)


async def amy_takes_tom_on(
    teams: TeamsClient, app: web.Application, clock: FixedClock, kind: str
) -> int:
    """In the college set up: Tom refers himself and Amy takes him on as a programme of `kind`
    (Support to good: with Tom's yes); its id, with nothing left to send."""
    data = button_data(await ask_amy(teams, app, clock), "support.accept")
    answer = await teams.answer(AMY, "support.accept", {**data, "kind": kind})
    if kind == "support_to_good":
        answer = await teams.answer(TUTOR, "support.consent", data)
    programme_id = int(button_data(answer, "programme.open")["programme_id"])
    await tick(app, clock)
    teams.connector.clear()
    return programme_id


async def amy_escalates_toms_case(
    teams: TeamsClient, app: web.Application, clock: FixedClock, programme_id: int
) -> None:
    """The sign-off standard not met at week 7, the programme extended, and not met again at
    week 11: the case goes to the week-12 review. The connector keeps what that last step sent."""
    clock.set(START + timedelta(weeks=7, days=1))
    await amy_logs_session(
        teams, programme_id, "sign_off_observation", "2027-01-12", sign_off="not_met"
    )
    await teams.execute(AMY, "programme.extend", {"programme_id": programme_id})
    clock.set(START + timedelta(weeks=11, days=1))
    teams.connector.clear()
    await amy_logs_session(
        teams, programme_id, "sign_off_observation", "2027-02-09", sign_off="not_met"
    )
    await tick(app, clock)
