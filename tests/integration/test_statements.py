"""SQL statements per turn, for each kind of turn the turns benchmark drives (issue 17).

A card submit's cost is mostly its statements (~1 ms of CPU each, and on SQLite four hand-offs to
aiosqlite's thread), so each kind has a ceiling: a change that adds a statement to a turn fails
here and has to raise the ceiling on purpose. Every statement of a warm turn must come from
SQLAlchemy's compiled cache (one built afresh each time costs its compilation every turn). Counted on SQLite, for a person TLC already knows
in that conversation (the benchmark's case); roles are read on every turn, by design.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from benchmarks.turns import BENCH_WALK
from storage.db import Database
from tests.conftest import ADMIN, MANAGER, TUTOR
from tests.support.cards import card_nodes, card_text, only_card
from tests.support.teams import Place, TeamsClient, User, shared_file

MATHS = Place.channel()
TUTOR_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries\n"
    "Tom Tutor,tom@college.ac.uk,North,Maths,classroom,mia@college.ac.uk,no\n"
)
WALK = {**BENCH_WALK, "course": "GCSE Maths", "walk_date": "2026-11-23"}  # the benchmark's HA27
REFERRAL = {"topics": "behaviour", "ways": "coaching", "campus": "North"}
# The most statements each kind of turn may run (what it ran when last cut).
CEILING = {"help": 1, "ha27_save": 8, "contribution": 7, "referral": 7, "retry": 1}
# The most reads a card submit may make after its first write: on SQLite the first write takes
# the one write lock (and `SQLiteWriters`' queue) until the commit, so every read after it makes
# the other writers wait. A referral with nobody to ask looks up its new waiting notice, whose
# key holds the id its INSERT gave it.
READS_AFTER_FIRST_WRITE = {"ha27_save": 0, "contribution": 0, "referral": 1}


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statement, context = args[2], args[4]
        # A statement compiled afresh on a warm turn costs its compilation every time.
        compiled = context is not None and context.cache_hit != CacheStats.CACHE_HIT
        statements.append(f"COMPILED AFRESH: {statement}" if compiled else statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


def button_data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    for node in card_nodes(card):
        if node.get("type") == "Action.Execute" and node.get("verb") == verb:
            return {k: v for k, v in node["data"].items() if k != "verb"}
    raise AssertionError(f"no {verb} button")


def first_choice(card: dict[str, Any], input_id: str) -> str:
    for node in card_nodes(card):
        if node.get("type") == "Input.ChoiceSet" and node.get("id") == input_id:
            return str(node["choices"][0]["value"])
    raise AssertionError(f"no choices for {input_id}")


@pytest.fixture
async def kinds(teams: TeamsClient) -> dict[str, Any]:
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
    walk = {**button_data(form, "walk.save"), "tutors": first_choice(form, "tutors"), **WALK}
    setup = only_card(await teams.say(TUTOR, "cards", MATHS, mention=True))
    start = button_data(setup, "cards.start")
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
            )
        ),
        "referral": referral,
        "retry": lambda: turn(
            teams.execute(MANAGER, "walk.save", walk, MATHS, activity_id="retry-1")
        ),
    }


@pytest.mark.parametrize("kind", list(CEILING))
async def test_each_kind_of_turn_runs_at_most_its_statements(
    kind: str, kinds: dict[str, Any], sqlite_db: Database, teams: TeamsClient
) -> None:
    run = kinds[kind]
    await run()  # the first: caches warm, the retry's first press stored
    with counted(sqlite_db) as statements:
        answer = await run()
    assert teams.last_status in (200, 201), teams.last_body
    assert "Sorry" not in str(answer)
    print(kind, len(statements), *statements, sep="\n  ")
    assert len(statements) <= CEILING[kind], "\n".join(statements)
    assert not [s for s in statements if s.startswith("COMPILED AFRESH")], "\n".join(statements)


@pytest.mark.parametrize("kind", list(READS_AFTER_FIRST_WRITE))
async def test_a_card_submit_reads_before_it_writes(
    kind: str, kinds: dict[str, Any], sqlite_db: Database, teams: TeamsClient
) -> None:
    run = kinds[kind]
    await run()
    with counted(sqlite_db) as statements:
        await run()
    assert teams.last_status in (200, 201), teams.last_body
    verbs = [s.split()[0].upper() for s in statements]
    first_write = next(i for i, v in enumerate(verbs) if v in ("INSERT", "UPDATE", "DELETE"))
    reads_after = [s for s, v in zip(statements, verbs, strict=True) if v == "SELECT"]
    reads_after = reads_after[len([v for v in verbs[:first_write] if v == "SELECT"]) :]
    assert len(reads_after) <= READS_AFTER_FIRST_WRITE[kind], "\n".join(statements)
