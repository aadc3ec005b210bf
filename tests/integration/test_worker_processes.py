"""`tlc worker` as real OS processes: one tick from the command line, several workers at once on
PostgreSQL, and a worker killed with SIGKILL in the middle of a fan-out."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.outbox import OutboxMessage
from storage.reminders import SENT, ScheduledItem
from tests.support.databases import truncate_all
from tests.support.loopback import LoopbackConnector
from tests.support.processes import (
    delivered,
    seed_fanout,
    spawn_worker,
    wait_for_line,
    wait_until,
)


@pytest.fixture
async def pg_db(pg_url: str) -> AsyncIterator[Database]:
    database = Database(pg_url)
    await truncate_all(database)
    yield database
    await database.dispose()


async def _sent_keys(db: Database) -> set[str]:
    async with db.unit_of_work() as uow:
        rows = await uow.session.scalars(
            select(ScheduledItem.key).where(ScheduledItem.state == SENT)
        )
        return set(rows)


async def _stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(60):
        _, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_tlc_worker_once_sends_what_is_due(
    sqlite_db: Database, connector: LoopbackConnector, tmp_path: Path
) -> None:
    keys = await seed_fanout(sqlite_db, connector, 5)
    process = await spawn_worker(sqlite_db.url, tmp_path, "--once")
    async with asyncio.timeout(90):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]
    assert "sent 5 messages" in out.decode()
    assert sorted(delivered(connector)) == sorted(keys)
    assert await _sent_keys(sqlite_db) == set(keys)


@pytest.mark.postgres
async def test_several_worker_processes_never_send_the_same_item_twice(
    pg_db: Database, connector: LoopbackConnector, tmp_path: Path
) -> None:
    workers = [await spawn_worker(pg_db.url, tmp_path) for _ in range(3)]
    try:
        for process in workers:
            await wait_for_line(process, "TLC worker")  # all three are ticking
        keys = await seed_fanout(pg_db, connector, 300)
        await wait_until(lambda: len(connector.messages()) >= 300, 120, "300 messages")
    finally:
        results = [await _stop(p) for p in workers]
    for code, err in results:
        assert code == 0, err[-2000:]
    counts = delivered(connector)
    assert set(counts) == set(keys)
    assert [k for k, n in counts.items() if n > 1] == []
    assert len(connector.messages()) == 300
    per_worker = [
        int(m.group(1)) if (m := re.search(r"'sent': (\d+)", e)) else 0 for _, e in results
    ]
    assert sum(per_worker) == 300
    assert sum(1 for n in per_worker if n) >= 2, per_worker  # they really shared the work
    assert await _sent_keys(pg_db) == set(keys)


async def test_a_worker_killed_mid_fanout_resumes_and_loses_nothing(
    db: Database, connector: LoopbackConnector, tmp_path: Path
) -> None:
    """On SQLite (one worker) and on PostgreSQL, through the `db` fixture."""
    keys = await seed_fanout(db, connector, 150)
    connector.hang_at = 60  # the 60th message arrives, and its answer never leaves
    first = await spawn_worker(db.url, tmp_path)
    try:
        async with asyncio.timeout(120):
            await connector.hanging.wait()
        first.send_signal(signal.SIGKILL)
        async with asyncio.timeout(60):
            await first.wait()
    finally:
        connector.release.set()
    assert first.returncode == -signal.SIGKILL
    received_before = set(delivered(connector))
    recorded_before = await _sent_keys(db)
    # In flight at the kill: Teams had them, the database did not. Only these may come twice.
    in_flight = received_before - recorded_before
    assert 1 <= len(in_flight) <= 8  # at most one per sender of the killed worker (8)

    second = await spawn_worker(db.url, tmp_path)
    try:
        await wait_until(lambda: set(delivered(connector)) == set(keys), 120, "every key")
    finally:
        code, err = await _stop(second)
    assert code == 0, err[-2000:]
    counts = delivered(connector)
    doubled = {k for k, n in counts.items() if n > 1}
    assert set(counts) == set(keys)  # nothing lost
    assert doubled <= in_flight  # nothing doubled that the database knew was sent
    assert await _sent_keys(db) == set(keys)
    async with db.unit_of_work() as uow:
        sent_rows = await uow.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.state == SENT)
        )
    assert sent_rows == len(keys)


async def test_a_second_worker_on_one_sqlite_file_refuses_to_start(
    sqlite_db: Database, connector: LoopbackConnector, tmp_path: Path
) -> None:
    """SQLite has no row locks to share the outbox with: a second `tlc worker` on the same file
    would send the same messages again. It says why and exits; the first sends each message
    exactly once."""
    first = await spawn_worker(sqlite_db.url, tmp_path)
    try:
        await wait_for_line(first, "TLC worker")
        second = await spawn_worker(sqlite_db.url, tmp_path)
        try:
            async with asyncio.timeout(60):  # before: it ran, and sent beside the first
                _, err = await second.communicate()
        finally:
            if second.returncode is None:
                second.kill()
                await second.wait()
        assert second.returncode == 2
        assert "another TLC worker is already sending" in err.decode()
        keys = await seed_fanout(sqlite_db, connector, 100)
        await wait_until(lambda: len(connector.messages()) >= 100, 120, "100 messages")
    finally:
        code, err_first = await _stop(first)
    assert code == 0, err_first[-2000:]
    counts = delivered(connector)
    assert set(counts) == set(keys) and [k for k, n in counts.items() if n > 1] == []
    assert await _sent_keys(sqlite_db) == set(keys)

    # Once the first has stopped, a worker starts again at once.
    again = await spawn_worker(sqlite_db.url, tmp_path, "--once")
    async with asyncio.timeout(90):
        out, err = await again.communicate()
    assert again.returncode == 0, err.decode()[-2000:]
    assert "sent 0 messages" in out.decode()


async def test_the_bot_does_not_run_its_worker_beside_another_on_sqlite(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """TLC_RUN_WORKER=true in the bot while a worker already sends from the SQLite file: the
    bot does not start, and says why."""
    from aiohttp.test_utils import TestServer

    from bot.app.worker import Worker
    from bot.teams.web import create_app
    from storage.db import AnotherWorker
    from tests.conftest import local_settings
    from tests.support.reminders import sample_kinds

    class Nowhere:
        async def to_person(self, *_: object) -> str:
            raise AssertionError("not sent")

        async def to_conversation(self, *_: object) -> str:
            raise AssertionError("not sent")

    holder = Worker(sqlite_db, sample_kinds(), Nowhere())
    holder.begin()
    try:
        app = create_app(local_settings(sqlite_db.url, run_worker="true"), db=sqlite_db)
        server = TestServer(app, host="127.0.0.1")
        with pytest.raises(AnotherWorker, match="another TLC worker is already sending"):
            await server.start_server()
        await server.close()
    finally:
        await holder.close()
    # Let go: the next worker may start.
    other = Worker(sqlite_db, sample_kinds(), Nowhere())
    other.begin()
    await other.close()
