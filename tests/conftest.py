"""Shared fixtures: databases (SQLite and PostgreSQL), a fixed clock, the bot over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.clock import FixedClock
from bot.settings import Settings
from bot.teams.web import create_app
from storage.db import Database
from storage.models import OrganisationRow
from tests.support.databases import (
    create_pg_database,
    drop_pg_database,
    no_postgres,
    pg_available,
    truncate_all,
)
from tests.support.loopback import LoopbackConnector
from tests.support.teams import TENANT, TeamsClient, User

# Monday of the second week of the autumn half-term, mid-morning in London.
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def made_at_start[Row: OrganisationRow](table: type[Row], /, **fields: Any) -> Row:
    """A row of the test organisation's (TENANT), created and last changed at START."""
    return table(org_id=TENANT, created_at=START, updated_at=START, **fields)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def _run_apart[T](coro: Coroutine[Any, Any, T]) -> T:
    """Run a session fixture's async set-up on its own loop in a thread: `db` asks for `pg_url`
    from inside a test's running loop, where no other loop may run."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _migrated(url: str) -> None:
    db = Database(url)
    await db.migrate()
    await db.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One PostgreSQL database for the whole session; tests truncate it."""
    problem = _run_apart(pg_available())
    if problem:
        no_postgres(problem)
    url, name = _run_apart(create_pg_database())
    _run_apart(_migrated(url))
    yield url
    _run_apart(drop_pg_database(name))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}")
        await database.migrate()
    else:
        database = Database(request.getfixturevalue("pg_url"))
        await truncate_all(database)
    yield database
    await database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no schema yet, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}")
        yield database
        await database.dispose()
        return
    problem = await pg_available()
    if problem:
        no_postgres(problem)
    url, name = await create_pg_database()
    database = Database(url)
    yield database
    await database.dispose()
    await drop_pg_database(name)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}")
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
async def connector() -> AsyncIterator[LoopbackConnector]:
    loop = LoopbackConnector()
    await loop.start()
    yield loop
    await loop.close()
    assert not loop.bad_cards, f"the bot sent cards Teams would not draw: {loop.bad_cards}"


def local_settings(database_url: str, **extra: str) -> Settings:
    return Settings.model_validate(
        {"database_url": database_url, "admins": "", "run_worker": False, **extra}
    )


@pytest.fixture
def settings(sqlite_db: Database) -> Settings:
    return local_settings(sqlite_db.url, admins="admin@college.ac.uk")


@pytest.fixture
def teams_app(settings: Settings, sqlite_db: Database, clock: FixedClock) -> web.Application:
    """The bot's aiohttp application (started by `teams`); `app[BOT_KEY]` is the running bot."""
    return create_app(settings, clock=clock, db=sqlite_db)


@pytest.fixture
async def teams(
    teams_app: web.Application, connector: LoopbackConnector
) -> AsyncIterator[TeamsClient]:
    """The bot served over real HTTP on loopback, and a client that speaks Teams to it."""
    server = TestServer(teams_app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield TeamsClient(str(server.make_url("/api/messages")), connector, http)
    await server.close()


ADMIN = User("admin", "Ada Admin", "admin@college.ac.uk")
TUTOR = User("tutor", "Tom Tutor", "tom@college.ac.uk")
MANAGER = User("manager", "Mia Manager", "mia@college.ac.uk")
# Quinn, in many modules' colleges, is not on the roster below unless a test puts him there.
QUINN = User("quinn", "Quinn Quality", "quinn@college.ac.uk")
# Others who turn up in several modules' colleges, on the roster only where a test puts them.
QC = User("qc", "Quinn Coordinator", "quinn@college.ac.uk")  # quality coordinator
OLIVE = User("olive", "Olive Observer", "olive@college.ac.uk")
DOT = User("dot", "Dot Officer", "dot@college.ac.uk")  # development officer
LEO = User("leo", "Leo Lead", "leo@college.ac.uk")  # a line manager, not Tom's
TIA = User("tia", "Tia Tutor", "tia@college.ac.uk")
LEE = User("lee", "Lee Librarian", "lee@college.ac.uk")

# A college's own term dates for 2026/27, as the setup and settings forms send them.
YEAR_2026 = {
    "autumn_start": "2026-09-07",
    "autumn_end": "2026-12-18",
    "spring_start": "2027-01-05",
    "spring_end": "2027-03-26",
    "summer_start": "2027-04-12",
    "summer_end": "2027-07-09",
}


@pytest.fixture(autouse=True)
def _roster(request: pytest.FixtureRequest) -> None:
    """Everyone in the standard cast is known to the loopback roster (their emails)."""
    if "connector" in request.fixturenames:
        from tests.support.loopback import RosterMember

        loop: LoopbackConnector = request.getfixturevalue("connector")
        for user in (ADMIN, TUTOR, MANAGER):
            loop.add_member(RosterMember(user.teams_id, user.name, user.aad, user.email))
