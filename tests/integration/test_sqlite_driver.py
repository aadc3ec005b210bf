"""SQLite statements, commits and rollbacks run on the event loop itself
(`storage.db.OneHandOffCursor`), with no hand-off to aiosqlite's thread; SQLAlchemy's own
aiosqlite cursor makes four hand-offs a statement (cursor, execute, fetch, close). A statement
or commit that meets another connection's lock, a PRAGMA and DDL go to the thread in one
hand-off, where SQLite's busy handler waits as before. What
SQLAlchemy reads after a statement (rows, description, row count, last row id, errors) stays as
it was."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import (
    CHECKPOINT_EVERY,
    ROWS_IN_LOOP,
    WAL_PAGES,
    YIELD_EVERY,
    Database,
    LoopConnection,
    OneHandOffCursor,
    _run_on_sqlite_thread,
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}")
    async with database.engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    yield database
    await database.dispose()


def counting_hand_offs(driver: Any) -> list[Any]:
    """Count what this connection hands to aiosqlite's thread (its `_hand`)."""
    handed: list[Any] = []
    original = driver._hand

    async def counted(wrapper: Any, call: Any) -> Any:
        handed.append(call.func)
        return await original(wrapper, call)

    driver._hand = counted
    return handed


def tracing_threads(driver: LoopConnection) -> list[tuple[str, int]]:
    """Each statement SQLite runs on this connection, with the thread that ran it."""
    traced: list[tuple[str, int]] = []
    driver._conn.set_trace_callback(lambda sql: traced.append((sql, threading.get_ident())))
    return traced


def on(traced: list[tuple[str, int]], thread: int) -> list[str]:
    """What ran on `thread`, without the busy timeout the thread sets around its work."""
    return [sql for sql, ran_on in traced if ran_on == thread and "busy_timeout" not in sql]


async def test_statements_and_the_commit_run_on_the_event_loop(
    db: Database,
) -> None:
    loop_thread = threading.get_ident()
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneHandOffCursor)
        driver = raw.driver_connection
        assert isinstance(driver, LoopConnection)
        handed = counting_hand_offs(driver)
        traced = tracing_threads(driver)
        rows = (await conn.execute(text("SELECT 1 AS a, 'x' AS b"))).all()
        assert rows == [(1, "x")]
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        await conn.execute(text("UPDATE t SET v = 'b' WHERE id = 1"))
        assert handed == []  # no hand-off for the statements
        assert on(traced, loop_thread) == [
            "SELECT 1 AS a, 'x' AS b",
            "BEGIN ",  # pysqlite's, before the first write
            "INSERT INTO t (v) VALUES ('a')",
            "UPDATE t SET v = 'b' WHERE id = 1",
        ]
        await conn.commit()
        await conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
        await conn.rollback()
        assert handed == []
        assert on(traced, loop_thread)[-4:] == [
            "COMMIT",
            "BEGIN ",
            "INSERT INTO t (v) VALUES ('c')",
            "ROLLBACK",
        ]
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT v FROM t"))).all() == [("b",)]


async def test_the_busy_timeout_waits_on_the_thread_only(db: Database) -> None:
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver._conn.execute("PRAGMA busy_timeout").fetchone() == (0,)  # on the loop
        # A PRAGMA runs on the thread, which waits the engine's 30 s, as before.
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).all() == [(30000,)]
        await conn.exec_driver_sql("PRAGMA busy_timeout=5000")  # kept for the thread
        assert driver.busy_wait == 5000
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).all() == [(5000,)]
        assert driver._conn.execute("PRAGMA busy_timeout").fetchone() == (0,)


async def test_a_write_that_meets_another_process_lock_waits_on_the_thread(
    db: Database, tmp_path: Path
) -> None:
    """Another process (a CLI import, a second bot) holds SQLite's write lock. A read still runs
    on the loop at once (WAL); a write waits for the lock on aiosqlite's thread, not on the
    event loop, whose other tasks keep running, and commits once the other process has."""
    other = sqlite3.connect(tmp_path / "tlc.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (v) VALUES ('other')")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('mine')"))

    ticker = asyncio.create_task(ticking())
    try:
        async with db.engine.connect() as conn:
            started = time.monotonic()
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
            assert time.monotonic() - started < 0.2
        writer = asyncio.create_task(write())
        await asyncio.sleep(0.5)
        assert not writer.done()  # waiting for the other process's lock
        assert ticks >= 20  # ... and the loop kept running meanwhile (50 ticks if idle)
        other.execute("COMMIT")
        await asyncio.wait_for(writer, 10)
    finally:
        ticker.cancel()
        other.close()
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).all()
    assert rows == [("other",), ("mine",)]


async def test_a_commit_that_meets_a_lock_waits_for_it_on_the_thread(
    db: Database, tmp_path: Path
) -> None:
    """In WAL mode a commit meets no lock; in rollback-journal mode it waits for readers to
    finish. The commit first runs on the loop with no busy wait, then again on the thread."""
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA journal_mode=DELETE")  # the only connection
        other = sqlite3.connect(tmp_path / "tlc.db", isolation_level=None)
        other.execute("BEGIN")
        assert other.execute("SELECT count(*) FROM t").fetchone() == (0,)  # holds SHARED
        try:
            await conn.execute(text("INSERT INTO t (v) VALUES ('mine')"))
            committing = asyncio.create_task(conn.commit())
            await asyncio.sleep(0.3)
            assert not committing.done()
            other.execute("COMMIT")
            await asyncio.wait_for(committing, 10)
        finally:
            other.close()
        assert (await conn.execute(text("SELECT v FROM t"))).all() == [("mine",)]


async def test_nothing_runs_on_the_loop_while_the_thread_still_works_for_the_connection(
    db: Database,
) -> None:
    """A call handed to the thread whose waiter was cancelled still runs there: until it ends,
    the connection's statements queue behind it on the thread, in order, as before."""
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver.idle
        slow = asyncio.create_task(driver._execute(time.sleep, 0.3))
        await asyncio.sleep(0.05)
        slow.cancel()
        assert not driver.idle
        handed = counting_hand_offs(driver)
        assert (await conn.execute(text("SELECT 2"))).scalar() == 2
        assert len(handed) == 1  # on the thread, after the sleep
        assert driver.idle


async def test_a_long_read_reads_its_first_rows_on_the_loop_and_the_rest_on_the_thread(
    db: Database,
) -> None:
    """An export's thousands of rows would hold the event loop for their whole read: past
    `ROWS_IN_LOOP` the statement's rows are read on the thread, in one hand-off."""
    count = ROWS_IN_LOOP * 2 + 7
    async with db.engine.connect() as conn:
        values = [{"v": f"row {i:05d}"} for i in range(count)]
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), values)
        await conn.commit()
        raw = await conn.get_raw_connection()
        handed = counting_hand_offs(raw.driver_connection)
        rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
        assert rows == [v["v"] for v in values]
        assert len(handed) == 1
        exactly = f"SELECT v FROM t WHERE id <= {ROWS_IN_LOOP} ORDER BY id"
        assert len((await conn.execute(text(exactly))).all()) == ROWS_IN_LOOP
        assert len(handed) == 2  # exactly as many: the thread finds none left
        assert len((await conn.execute(text("SELECT v FROM t WHERE id < 9"))).all()) == 8
        assert len(handed) == 2
        assert raw.driver_connection.idle


async def test_a_job_that_only_runs_statements_lets_other_tasks_in(db: Database) -> None:
    """A statement on the loop suspends nothing, so a loop of statements (the worker's
    batches, a purge) would hold the event loop throughout; every `YIELD_EVERY` statements a
    connection lets other tasks run."""
    done: list[int] = []
    statements = 0

    async def other() -> None:
        done.append(statements)

    async with db.engine.connect() as conn:
        waiting = asyncio.create_task(other())
        while not done and statements < YIELD_EVERY * 2:
            await conn.execute(text("SELECT 1"))
            statements += 1
    await waiting
    assert 0 < done[0] <= YIELD_EVERY


async def test_many_rows_in_one_transaction_run_on_the_loop(db: Database) -> None:
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        handed = counting_hand_offs(raw.driver_connection)
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}])
        assert handed == []
        await conn.commit()
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "c"}, {"v": "d"}])
        assert handed == [_run_on_sqlite_thread]  # each row its own transaction: on the thread
        assert (await auto.execute(text("SELECT count(*) FROM t"))).scalar() == 4


async def test_rows_counts_many_and_errors_read_as_before(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}])
        updated = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 0"))
        assert updated.rowcount == 2
        result = await conn.execute(text("SELECT id, v FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "v"]
        assert result.fetchone() == (1, "a!")
        assert result.fetchall() == [(2, "b!")]
        assert (await conn.execute(text("SELECT v FROM t WHERE id = 9"))).first() is None
    async with db.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (v) VALUES ('a!')"))
        await conn.rollback()
        streamed = await conn.stream(text("SELECT v FROM t ORDER BY id"))  # SQLAlchemy's own
        assert [row async for row in streamed] == [("a!",), ("b!",)]


async def test_the_wal_is_checkpointed_on_the_thread_not_in_a_commit_on_the_loop(
    db: Database,
) -> None:
    """SQLite's own checkpoint ran inside the commit that took the WAL past 1,000 pages, on the
    event loop (1-35 ms with its fsyncs, every turn held up); now every `CHECKPOINT_EVERY`th
    commit checkpoints on its connection's thread, and SQLite's own waits for `WAL_PAGES`."""
    loop_thread = threading.get_ident()
    async with db.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert isinstance(driver, LoopConnection)
        assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar() == WAL_PAGES
        traced = tracing_threads(driver)
        for i in range(CHECKPOINT_EVERY * 2):
            await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"v{i}"})
            await conn.commit()
        checkpoints = [ran_on for sql, ran_on in traced if "wal_checkpoint" in sql]
        assert len(checkpoints) == 2  # the fixture's CREATE TABLE was the engine's first commit
        assert loop_thread not in checkpoints
        commits = [ran_on for sql, ran_on in traced if sql == "COMMIT"]
        assert set(commits) == {loop_thread}  # the commits themselves stay on the loop
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 200
