"""The turns benchmark's five kinds of turn (`benchmarks/turns.py`), set up over HTTP as the
benchmark does, for the tests that count what each costs (`test_statements`, `test_round_trips`;
the `kinds` fixture in `tests/integration/conftest.py`)."""

from __future__ import annotations

import itertools
from typing import Any

from benchmarks.turns import BENCH_WALK
from tests.conftest import ADMIN, MANAGER, TUTOR
from tests.support.cards import action_data, card_text, choices, only_card
from tests.support.teams import Place, TeamsClient, User, shared_file

MATHS = Place.channel()
TUTOR_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries\n"
    "Tom Tutor,tom@college.ac.uk,North,Maths,classroom,mia@college.ac.uk,no\n"
)
WALK = {**BENCH_WALK, "course": "GCSE Maths", "walk_date": "2026-11-23"}  # the benchmark's HA27
REFERRAL = {"topics": "behaviour", "ways": "coaching", "campus": "North"}


async def turn_kinds(teams: TeamsClient) -> dict[str, Any]:
    """The benchmark's set-up: a line manager and a tutor in a channel, a live progression card
    there, and someone TLC knows who has no referral open. Returns each kind's turn."""
    sent = await teams.say(
        ADMIN, "admin import", attachments=[shared_file(teams.connector, "tutors.csv", TUTOR_LIST)]
    )
    assert "New tutors" in card_text(only_card(sent))
    for user in (MANAGER, TUTOR):
        await teams.say(user, "hello", MATHS, mention=True)
        await teams.say(user, "hello")
    form = only_card(await teams.say(MANAGER, "walk", MATHS, mention=True))
    walk = {
        **action_data(form, "walk.save"),
        "tutors": next(iter(choices(form, "tutors").values())),
        **WALK,
    }
    setup = only_card(await teams.say(TUTOR, "cards", MATHS, mention=True))
    start = action_data(setup, "cards.start")
    await teams.execute(TUTOR, "cards.start", {**start, "issues": "1", "group": "Maths"}, MATHS)
    session = int(start["session"])
    referrers = [User(f"ref{i}", f"Ref {i}", f"ref{i}@college.ac.uk") for i in range(2)]
    for who in referrers:  # known to TLC, each with no referral open
        teams.on_roster(who)
        await teams.say(who, "hello")
    ids = itertools.count()

    async def referral() -> dict[str, Any]:
        return await turn(teams.execute(referrers.pop(), "support.refer", REFERRAL))

    async def turn(posted: Any) -> dict[str, Any]:
        body = await posted
        return body[0] if isinstance(body, tuple) else {"sent": body}

    return {
        "help": lambda: turn(teams.say(TUTOR, "help")),
        "ha27_save": lambda: turn(teams.execute(MANAGER, "walk.save", walk, MATHS)),
        "contribution": lambda: turn(
            teams.execute(
                TUTOR,
                "cards.contribute",
                {"session": session, "position": 0, "contribution": f"Idea {next(ids)}"},
                MATHS,
                reply_to="bot-card-1",  # the card posted in the channel: its update is kept
            )
        ),
        "referral": referral,
        "retry": lambda: turn(
            teams.execute(MANAGER, "walk.save", walk, MATHS, activity_id="retry-1")
        ),
    }
