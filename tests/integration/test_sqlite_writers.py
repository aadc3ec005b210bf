"""SQLite's one writer: this process's writers queue in turn (`storage.db.SQLiteWriters`)
instead of sleeping in SQLite's busy handler. Each test turns SQLite's own waiting off
(`busy_timeout=0`), so any writer that meets another's lock fails at once with `database is
locked`: only the queue keeps them apart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import Database
from storage.models import Organisation

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}")
    await database.migrate()
    await database.engine.dispose()  # every connection from here on is made below

    @event.listens_for(database.engine.sync_engine, "connect")
    def _no_busy_wait(dbapi_conn: Any, _: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=0")
        cur.close()

    yield database
    await database.dispose()


async def organisations(db: Database) -> int:
    async with db.unit_of_work() as uow:
        return int(await uow.session.scalar(select(func.count(Organisation.id))) or 0)


async def write(db: Database, name: str, pause: float = 0.01) -> None:
    """A unit of work that reads, writes, then works a little before it commits."""
    async with db.unit_of_work() as uow:
        await uow.session.scalar(select(func.count(Organisation.id)))
        uow.session.add(Organisation(id=name, name=name, created_at=NOW))
        await uow.session.flush()
        await asyncio.sleep(pause)  # e.g. drawing the reply card, while holding the write lock
        uow.session.add(Organisation(id=f"{name}-2", name=name, created_at=NOW))
        await uow.commit()


async def test_concurrent_writers_all_commit_without_database_is_locked(db: Database) -> None:
    await asyncio.gather(*(write(db, f"org{i}") for i in range(24)))
    assert await organisations(db) == 48
    assert db.writers is not None and not db.writers.held


async def test_a_failed_write_or_a_rollback_lets_the_next_writer_in(db: Database) -> None:
    await write(db, "taken")
    with pytest.raises(IntegrityError):
        async with db.unit_of_work() as uow:
            uow.session.add(Organisation(id="taken", name="again", created_at=NOW))
            await uow.commit()
    async with db.unit_of_work() as uow:
        uow.session.add(Organisation(id="rolled-back", created_at=NOW))
        await uow.session.flush()
        await uow.rollback()
    async with db.unit_of_work() as uow:
        uow.session.add(Organisation(id="left", created_at=NOW))
        await uow.session.flush()  # never committed: closing the unit of work rolls back
    await asyncio.wait_for(write(db, "next"), 5)
    assert await organisations(db) == 4


async def test_a_writer_cancelled_while_queued_holds_nothing(db: Database) -> None:
    first = asyncio.create_task(write(db, "first", pause=0.3))
    await asyncio.sleep(0.1)
    queued = asyncio.create_task(write(db, "queued"))
    await asyncio.sleep(0.05)
    queued.cancel()
    await first
    with pytest.raises(asyncio.CancelledError):
        await queued
    await asyncio.wait_for(write(db, "after"), 5)
    assert await organisations(db) == 4


async def test_an_autocommit_statement_gives_the_lock_back_when_it_ran(db: Database) -> None:
    async with db.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(insert(Organisation).values(id="auto", name="", created_at=NOW))
        assert db.writers is not None and not db.writers.held
        await asyncio.wait_for(write(db, "next"), 5)
    assert await organisations(db) == 3


async def test_a_task_writing_on_two_connections_fails_as_sqlite_does_and_never_hangs(
    db: Database,
) -> None:
    """Queueing behind itself would wait forever: SQLite answers instead, as before."""

    async def both() -> None:
        async with db.unit_of_work() as outer:
            outer.session.add(Organisation(id="outer", created_at=NOW))
            await outer.session.flush()
            async with db.unit_of_work() as inner:
                inner.session.add(Organisation(id="inner", created_at=NOW))
                await inner.commit()

    with pytest.raises(OperationalError, match="database is locked"):
        await asyncio.wait_for(both(), 5)
    await asyncio.wait_for(write(db, "next"), 5)
