"""Engine, sessions and the unit of work; migrations applied with Alembic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # hide_parameters: what people typed stays out of SQL logs and database error messages.
    return create_async_engine(
        url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True
    )


class Database:
    """One per process: the engine and a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    async def migrate(self) -> None:
        """Bring the schema up to date (all heads: each capability keeps its own branch)."""
        await self.run_alembic(lambda cfg: command.upgrade(cfg, "heads"))

    async def run_alembic(self, step: Callable[[Config], None]) -> None:
        """Run an Alembic command (`step`) in one transaction.

        On SQLite, foreign keys are off while it runs and checked before it commits, as SQLite
        asks for schema changes: a migration that rebuilds a table (batch mode) drops the old
        one, and with foreign keys on that would delete every row referring to it, by cascade.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        async with self.engine.connect() as conn:
            if sqlite:
                # Outside a transaction, or SQLite ignores it.
                await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                await conn.commit()
            try:
                async with conn.begin():
                    if self.is_postgres:
                        # Several instances may start at once: one migrates, the others wait.
                        await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
                    await conn.run_sync(_run_alembic, step)
                    if sqlite:
                        broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                        if broken:
                            raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
            finally:
                if sqlite:
                    await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    await conn.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _run_alembic(connection: Connection, step: Callable[[Config], None]) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    step(cfg)


class UnitOfWork:
    """A transaction around one use case: `async with db.unit_of_work() as uow: ... commit()`.

    Leaving the block without committing rolls back, so a failure half-way saves nothing.
    """

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self.session: AsyncSession

    async def __aenter__(self) -> Self:
        self.session = self._factory()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; loaded objects stay readable, detached.
        await asyncio.shield(self.session.close())

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


@asynccontextmanager
async def database(url: str, *, migrate: bool = True) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        if migrate:
            await db.migrate()
        yield db
    finally:
        await db.dispose()
