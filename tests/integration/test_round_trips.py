"""Round trips to the database per turn (issue 17, cuts 26-28), on SQLite and PostgreSQL.

On PostgreSQL every statement, `BEGIN`, `COMMIT`, `ROLLBACK` and ping is a wait for the server
(which shares the machine's cores), so they are counted on the wire: a loopback proxy reads
what asyncpg sends (`tests.support.pg_wire`). A turn that only reads (`help`, a Teams retry of
a stored answer) sends its SELECTs and nothing else: no BEGIN, no ROLLBACK (cut 26), and no
ping for a connection used in the last few seconds (cut 28). On SQLite a round trip is a
hand-off to aiosqlite's thread: a statement was one (cut 22), a commit or rollback with nothing
to end none (cut 26); since cut 55 statements and commits run on the event loop, and a turn
hands nothing to the thread. A turn that writes still writes in one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from sqlalchemy import event, func, select, text

from storage.db import PING_AFTER, POOL_SIZE, Database, LoopConnection, reads_only
from storage.models import Organisation, ProcessedActivity
from storage.people import Directory
from storage.walks import StoredWalk
from tests.conftest import ADMIN, TUTOR
from tests.support.cards import card_text, only_card
from tests.support.databases import PG_ADMIN_DSN, truncate_all
from tests.support.pg_wire import PgWireProxy, RoundTrip
from tests.support.teams import TeamsClient

PERSON_AND_ROLES = "FROM people"  # the one statement of a known person's `help`


@pytest.fixture
def ping_after() -> float:
    return PING_AFTER


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def proxy(backend: str) -> AsyncIterator[PgWireProxy | None]:
    if backend == "sqlite":
        yield None
        return
    server = urlsplit(PG_ADMIN_DSN)
    wire = PgWireProxy(server.hostname or "127.0.0.1", server.port or 5432)
    await wire.start()
    yield wire
    await wire.close()


@pytest.fixture
async def sqlite_db(
    request: pytest.FixtureRequest, tmp_path: Path, proxy: PgWireProxy | None, ping_after: float
) -> AsyncIterator[Database]:
    """The bot's database (the `teams` fixture's): SQLite, or PostgreSQL through the proxy."""
    if proxy is None:
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}")
        await database.migrate()
    else:
        database = Database(proxy.url(request.getfixturevalue("pg_url")), ping_after=ping_after)
        await truncate_all(database)
    yield database
    await database.dispose()


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """SQLite: what every connection hands to aiosqlite's thread (by function name)."""
    handed: list[str] = []
    original = LoopConnection._hand

    async def counted(self: LoopConnection, wrapper: Any, call: Any) -> Any:
        handed.append(getattr(call.func, "__name__", repr(call.func)))
        return await original(self, wrapper, call)

    monkeypatch.setattr(LoopConnection, "_hand", counted)
    yield handed


def shown(trips: list[RoundTrip]) -> str:
    return "\n".join(map(str, trips))


def simple_queries(trips: list[RoundTrip]) -> list[str]:
    """BEGIN, COMMIT, ROLLBACK and the ping go by the simple protocol; statements do not."""
    return [t.sql for t in trips if t.kind == "query"]


async def warm(run: Any, proxy: PgWireProxy | None) -> None:
    """Caches warm and every pooled connection has prepared the turn's statements."""
    for _ in range(3):
        await run()
    if proxy is not None:
        proxy.take()


# --- turns that only read --------------------------------------------------------------------


async def test_help_is_one_round_trip_with_no_begin(
    teams: TeamsClient, sqlite_db: Database, proxy: PgWireProxy | None, hand_offs: list[str]
) -> None:
    async def run() -> Any:
        return await teams.say(TUTOR, "help")

    await warm(run, proxy)
    hand_offs.clear()
    sent = await run()
    assert "What I can do" in card_text(only_card(sent))
    if proxy is None:
        assert hand_offs == [], hand_offs  # the statement on the loop; no commit, no rollbacks
        return
    trips = proxy.take()
    assert simple_queries(trips) == [], shown(trips)  # no BEGIN, ROLLBACK or ping
    assert len(trips) == 1 and PERSON_AND_ROLES in trips[0].sql, shown(trips)
    assert trips[0].kind == "execute"


async def test_a_retry_of_a_stored_answer_is_one_round_trip_with_no_begin(
    kinds: dict[str, Any],
    sqlite_db: Database,
    proxy: PgWireProxy | None,
    hand_offs: list[str],
) -> None:
    run = kinds["retry"]
    first = await run()
    await warm(run, proxy)
    hand_offs.clear()
    assert await run() == first
    if proxy is None:
        assert hand_offs == [], hand_offs
        return
    trips = proxy.take()
    assert simple_queries(trips) == [], shown(trips)
    # The stored answer comes with the person and their roles: one statement (cut 33).
    assert [t.kind for t in trips] == ["execute"], shown(trips)
    assert PERSON_AND_ROLES in trips[0].sql and "processed_activities" in trips[0].sql
    async with sqlite_db.unit_of_work() as uow:  # stored once, answered from the store since
        assert await uow.session.scalar(select(func.count()).select_from(StoredWalk)) == 1


@pytest.mark.parametrize("backend", ["postgres"])
async def test_on_postgresql_a_turns_person_is_read_by_asyncpg_itself(
    kinds: dict[str, Any], sqlite_db: Database, proxy: PgWireProxy | None
) -> None:
    """The read every turn makes (the person and their roles; for a card submission, its stored
    answer too) goes from asyncpg to the server without SQLAlchemy's execution around it
    (`DriverSelects`): a `help` runs nothing through SQLAlchemy, and a retry of a stored
    answer nothing either. The server still sees the one statement, with the person's id."""
    through_sqlalchemy: list[str] = []

    def seen(*args: Any) -> None:
        through_sqlalchemy.append(args[2])

    for kind in ("help", "retry"):
        await warm(kinds[kind], proxy)
        event.listen(sqlite_db.engine.sync_engine, "before_cursor_execute", seen)
        try:
            await kinds[kind]()
        finally:
            event.remove(sqlite_db.engine.sync_engine, "before_cursor_execute", seen)
        assert through_sqlalchemy == [], (kind, through_sqlalchemy)
        assert proxy is not None
        trips = proxy.take()
        assert [t.kind for t in trips] == ["execute"], shown(trips)
        assert PERSON_AND_ROLES in trips[0].sql


# --- turns that write ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_card_submit_on_sqlite_hands_nothing_to_the_thread(
    kinds: dict[str, Any],  # noqa: F811
    sqlite_db: Database,
    hand_offs: list[str],
) -> None:
    run = kinds["ha27_save"]
    await warm(run, None)
    hand_offs.clear()
    await run()
    assert hand_offs == [], hand_offs  # its reads, writes and commit ran on the event loop
    async with sqlite_db.unit_of_work() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(StoredWalk)) == 4


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_card_submit_begins_at_its_first_write_and_commits_every_write_at_once(
    kinds: dict[str, Any],
    sqlite_db: Database,
    proxy: PgWireProxy,
) -> None:
    run = kinds["ha27_save"]
    await warm(run, proxy)
    await run()
    trips = proxy.take()
    queries = simple_queries(trips)
    assert queries == ["BEGIN ISOLATION LEVEL READ COMMITTED;", "COMMIT;"], shown(trips)
    begin = next(i for i, t in enumerate(trips) if t.kind == "query")
    assert all(t.sql.lstrip().startswith("SELECT") for t in trips[:begin]), shown(trips)
    assert trips[begin + 1].sql.startswith("INSERT"), shown(trips)
    assert trips[-1].sql == "COMMIT;"
    async with sqlite_db.unit_of_work() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(StoredWalk)) == 4


async def test_the_same_submission_twice_at_once_is_stored_once(
    teams: TeamsClient, sqlite_db: Database
) -> None:
    """Each copy reads `processed_activities` before its transaction (PostgreSQL: outside it);
    the second to write meets the unique key, rolls back, and answers from the store."""
    await teams.say(ADMIN, "hello")
    await teams.say(TUTOR, "hello")
    data = {"email": TUTOR.email, "role": "observer", "action": "grant"}
    answers = await asyncio.gather(
        *(teams.execute(ADMIN, "admin.role", data, activity_id="twice-1") for _ in range(4))
    )
    assert len({str(body) for body, _ in answers}) == 1
    async with sqlite_db.unit_of_work() as uow:
        stored = await uow.session.scalar(select(func.count()).select_from(ProcessedActivity))
        trail = await Directory(uow.session).audit_trail("tenant-1")
    assert stored == 1
    assert [e.action for e in trail].count("grant observer") == 1


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_failed_write_rolls_back_what_the_unit_of_work_wrote(
    sqlite_db: Database, proxy: PgWireProxy
) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 23, tzinfo=UTC)
    async with sqlite_db.unit_of_work() as uow:
        uow.session.add(Organisation(id="t1", name="One", created_at=now))
        await uow.commit()
    proxy.take()
    with pytest.raises(Exception, match="duplicate key"):
        async with sqlite_db.unit_of_work() as uow:
            await uow.session.scalar(select(func.count()).select_from(Organisation))
            uow.session.add(Organisation(id="t2", name="Two", created_at=now))
            await uow.session.flush()
            uow.session.add(Organisation(id="t1", name="Again", created_at=now))
            await uow.commit()
    assert simple_queries(proxy.take())[-1] == "ROLLBACK;"
    async with sqlite_db.unit_of_work() as uow:
        names = (await uow.session.scalars(select(Organisation.name))).all()
    assert names == ["One"]


# --- what begins a transaction on PostgreSQL -----------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "alone"),
    [
        ("SELECT people.id FROM people WHERE people.id = $1", True),
        ("  select 1", True),
        ("SELECT organisations.id FROM organisations WHERE id = $1 FOR UPDATE", False),
        ("SELECT o.id FROM outbox o LIMIT 1 FOR UPDATE OF o SKIP LOCKED", False),
        ("SELECT 1 FROM t FOR NO KEY UPDATE", False),
        ("SELECT 1 FROM t FOR SHARE", False),
        ("select 1 from t for update", False),
        ("SELECT forms.id FROM forms WHERE forms.platform = $1", True),
        ("SELECT 1 FROM t\nFOR KEY SHARE NOWAIT", False),
        ("SELECT pg_advisory_xact_lock(hashtext($1))", False),
        ("INSERT INTO t VALUES ($1)", False),
        ("UPDATE t SET a = 1", False),
        ("WITH x AS (DELETE FROM t RETURNING id) SELECT id FROM x", False),
        ("SET LOCAL statement_timeout = 5", False),
    ],
)
def test_only_a_plain_select_runs_before_the_transaction(statement: str, alone: bool) -> None:
    assert reads_only(statement) is alone


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_lock_or_another_isolation_level_begins_at_once(
    sqlite_db: Database, proxy: PgWireProxy
) -> None:
    proxy.take()  # the truncation before the test
    async with sqlite_db.unit_of_work() as uow:
        await uow.session.execute(select(Organisation.id).with_for_update())
        await uow.session.execute(text("SELECT pg_advisory_xact_lock(1)"))
    trips = proxy.take()
    assert trips[0].sql == "BEGIN ISOLATION LEVEL READ COMMITTED;", shown(trips)
    assert simple_queries(trips) == ["BEGIN ISOLATION LEVEL READ COMMITTED;", "ROLLBACK;"]
    async with sqlite_db.engine.connect() as conn:
        serial = await conn.execution_options(isolation_level="REPEATABLE READ")
        await serial.execute(select(Organisation.id))
        await serial.rollback()
    trips = proxy.take()
    assert simple_queries(trips) == ["BEGIN ISOLATION LEVEL REPEATABLE READ;", "ROLLBACK;"]
    async with sqlite_db.unit_of_work() as uow:  # and back to READ COMMITTED after that
        await uow.session.execute(select(Organisation.id))
    assert simple_queries(proxy.take()) == []


# --- connections that went away -----------------------------------------------------------------


def through_proxy_with_a_short_idle_window[T](test: T) -> T:
    """The bot on PostgreSQL through the wire proxy, pinging a connection idle past 0.3 s."""
    for mark in (
        pytest.mark.parametrize("ping_after", [0.3]),
        pytest.mark.parametrize("backend", ["postgres"]),
        pytest.mark.postgres,
    ):
        test = mark(test)
    return test


@through_proxy_with_a_short_idle_window
async def test_a_connection_idle_past_the_window_is_pinged_once(
    teams: TeamsClient, sqlite_db: Database, proxy: PgWireProxy
) -> None:
    await teams.say(TUTOR, "hello")
    await teams.say(TUTOR, "help")
    proxy.take()
    await asyncio.sleep(0.4)
    await teams.say(TUTOR, "help")
    trips = proxy.take()
    assert simple_queries(trips) == ["SELECT 1"], shown(trips)  # one round trip, no BEGIN
    assert len(trips) == 2


async def terminate_backends(proxy: PgWireProxy) -> int:
    """`pg_terminate_backend` for every server connection the proxy carries (the bot's pool)."""
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        ended = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY($1)",
            proxy.upstream_ports,
        )
    finally:
        await admin.close()
    return sum(1 for row in ended if row[0])


@through_proxy_with_a_short_idle_window
async def test_terminated_backends_cost_no_turn(
    teams: TeamsClient, sqlite_db: Database, proxy: PgWireProxy
) -> None:
    """A database restart ends every backend; the pool's connections are replaced at checkout
    (asyncpg saw the socket close; had it not, the ping after the idle window would fail)."""
    await teams.say(TUTOR, "hello")
    for wait in (0.4, 0.05):  # past the idle window, and well within it
        await teams.say(TUTOR, "help")
        before = proxy.connections
        assert await terminate_backends(proxy) >= 1
        await asyncio.sleep(wait)
        sent = await teams.say(TUTOR, "help")
        assert teams.last_status in (200, 201) and "What I can do" in card_text(only_card(sent))
        assert proxy.connections > before  # a new connection


@through_proxy_with_a_short_idle_window
async def test_a_connection_whose_server_vanished_is_found_by_the_ping(
    teams: TeamsClient, sqlite_db: Database, proxy: PgWireProxy
) -> None:
    """A server gone without closing the socket (a network cut, a host gone): nothing tells
    asyncpg until it sends. After the idle window the ping does, and the turn gets a new
    connection; without the ping, this turn would fail."""
    await teams.say(TUTOR, "hello")
    await teams.say(TUTOR, "help")
    before = proxy.connections
    proxy.sever()
    await asyncio.sleep(0.4)
    sent = await teams.say(TUTOR, "help")
    assert teams.last_status in (200, 201) and "What I can do" in card_text(only_card(sent))
    assert proxy.connections > before


async def test_32_turns_at_once_each_get_a_connection_the_pool_keeps(sqlite_db: Database) -> None:
    """32 units of work at once (the issue's busy moment), three times: each gets a connection
    at once, and the pool keeps them for the next. SQLite's pool was SQLAlchemy's default
    (5 kept, 10 overflow: the overflow closed as it came back and opened again each time, a
    thread, PRAGMAs, the schema read and statements prepared afresh), PostgreSQL's 30 kept:
    the 31st and 32nd turn waited for a whole turn, twice the median (cuts 60, 63)."""
    db = sqlite_db
    await db.engine.dispose()
    pool = db.engine.sync_engine.pool
    opened: list[object] = []
    event.listen(pool, "connect", lambda dbapi, _: opened.append(dbapi))
    most = 0

    async def unit() -> None:
        nonlocal most
        async with db.unit_of_work() as uow:
            await uow.session.execute(select(func.count(Organisation.id)))
            most = max(most, pool.checkedout())  # type: ignore[attr-defined]
            await asyncio.sleep(0.02)  # e.g. waiting for Teams, holding the connection

    await asyncio.gather(*(unit() for _ in range(32)))
    assert (len(opened), most) == (32, 32)  # nobody waited for a connection
    for _ in range(2):
        await asyncio.gather(*(unit() for _ in range(32)))
    assert len(opened) == 32 <= POOL_SIZE  # none opened again
