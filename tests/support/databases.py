"""Test databases: a fresh SQLite file per test, and a PostgreSQL database per test session.

A test that needs PostgreSQL and finds none fails in CI (CI=true) and skips on a laptop.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select, text

from storage.db import Database
from storage.models import Base, NumberedRow
from storage.tables import __all__ as _all_tables  # noqa: F401 - load every table

PG_ADMIN_DSN = os.environ.get("TLC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


async def pg_available() -> str | None:
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


def no_postgres(reason: str) -> None:
    message = f"PostgreSQL is needed at {PG_ADMIN_DSN} ({reason})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " — CI must run the PostgreSQL tests, not skip them.", pytrace=False)
    pytest.skip(message)


async def create_pg_database(
    admin_dsn: str = PG_ADMIN_DSN, prefix: str = "tlc_test"
) -> tuple[str, str]:
    """A new empty database on the server of `admin_dsn` (the benchmarks use their own); returns
    (SQLAlchemy URL, name)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}", name


async def drop_pg_database(name: str, admin_dsn: str = PG_ADMIN_DSN) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def truncate_all(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.is_postgres:
            await conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for table in tables:
                await conn.execute(text(f'DELETE FROM "{table}"'))


async def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (what a submission must not change when it is refused)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with db.unit_of_work() as uow:
        for table in Base.metadata.sorted_tables:
            rows = (await uow.session.execute(select(table))).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out


async def stored_rows[Row: NumberedRow](db: Database, model: type[Row]) -> list[Row]:
    """Every row of `model`, in id order."""
    async with db.unit_of_work() as uow:
        return list(await uow.session.scalars(select(model).order_by(model.id)))
