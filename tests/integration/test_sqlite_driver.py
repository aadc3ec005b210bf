"""SQLite statements run in one hand-off to aiosqlite's thread (`storage.db.OneHandOffCursor`):
SQLAlchemy's own aiosqlite cursor makes four (cursor, execute, fetch, close). What SQLAlchemy
reads after a statement (rows, description, row count, last row id, errors) stays as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import Database, OneHandOffCursor


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}")
    async with database.engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    yield database
    await database.dispose()


def counting_hand_offs(driver: Any) -> list[Any]:
    """Count what this connection hands to aiosqlite's thread (its `_execute`)."""
    handed: list[Any] = []
    original = driver._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(fn)
        return await original(fn, *args, **kwargs)

    driver._execute = counted
    return handed


async def test_a_statement_is_one_hand_off_to_the_thread(db: Database) -> None:
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneHandOffCursor)
        handed = counting_hand_offs(raw.driver_connection)
        rows = (await conn.execute(text("SELECT 1 AS a, 'x' AS b"))).all()
        assert rows == [(1, "x")]
        assert len(handed) == 1
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        assert len(handed) == 2
        await conn.commit()  # the commit itself is one more


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
