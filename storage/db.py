"""Engine, sessions and the unit of work; migrations applied with Alembic."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import fcntl
import functools
import importlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import Select, event
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import Connection, Dialect, ExceptionContext
from sqlalchemy.exc import DisconnectionError, InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import EMPTY_DICT, await_only

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")  # where pysqlite begins a transaction
# ...and where SQLite begins one itself: a SAVEPOINT outside a transaction (`begin_nested`).
# Its reads see the database as it was at the first of them; another connection's commit
# after that makes its first write fail at once (SQLITE_BUSY_SNAPSHOT, "database is locked",
# no busy wait), so a writer queues before it (`SQLiteWriters`).
BEGINS = (*WRITES, "SAVEPOINT")
WRITER_WAIT = 30.0  # seconds a writer queues in the process; SQLite's own busy timeout too
PING_AFTER = 5.0  # seconds a PostgreSQL connection may sit in the pool before it is pinged
# Connections a pool keeps, and the most it opens (either database): the 32 turns at once the
# targets name, each with its own, and room for the in-process worker and the health probe.
# Per instance: on PostgreSQL, instances x POOL_SIZE must stay under the server's
# max_connections (100 by default), so several instances set TLC_DB_POOL_SIZE lower.
POOL_SIZE = 40
CHECKPOINT_EVERY = 100  # SQLite commits between two WAL checkpoints, run on aiosqlite's thread
WAL_PAGES = 10_000  # pages past which SQLite checkpoints the WAL itself, wherever it commits


IN_LOOP = ("SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH")  # run on the event loop
ROWS_IN_LOOP = 500  # rows a statement reads on the event loop; any more, on the thread
YIELD_EVERY = 16  # statements a connection runs on the event loop before letting others run


# What SQLAlchemy reads of a statement once it ran: description, row count, last row id, rows.
type Statement = tuple[Any, int, int | None, list[Any] | None]


def _run_statement(
    conn: sqlite3.Connection, operation: str, parameters: Any, many: bool, first: int = 0
) -> tuple[Statement, sqlite3.Cursor | None]:
    """One statement: a cursor, the statement, its rows, and the cursor closed; or, given
    `first`, only its first rows and the cursor still open on the rest, if any."""
    cursor = conn.cursor()
    rest = None
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = None
        if description:
            rows = cursor.fetchmany(first) if first else cursor.fetchall()
            rest = cursor if first and len(rows) == first else None
        return (description, cursor.rowcount, cursor.lastrowid, rows), rest
    finally:
        if rest is None:
            cursor.close()


def _run_on_sqlite_thread(
    conn: aiosqlite.Connection, operation: str, parameters: Any, many: bool
) -> Statement:
    """One statement, start to end, on aiosqlite's thread."""
    return _run_statement(conn._conn, operation, parameters, many)[0]


def _rest_on_sqlite_thread(cursor: sqlite3.Cursor) -> list[Any]:
    """The rows of a statement past its first `ROWS_IN_LOOP`, on aiosqlite's thread."""
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY, or one of its extended codes: another connection holds the lock."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


class LoopConnection(aiosqlite.Connection):
    """aiosqlite's connection (its thread and queue), which knows when its thread is idle and
    lets SQLite's busy handler wait only on that thread.

    The event loop runs statements itself (`OneHandOffCursor`), so SQLite's busy timeout is 0
    there: a statement that meets another connection's lock fails at once, with nothing
    written, and runs again on the thread. Whatever the thread runs (those statements, the
    commit, PRAGMAs and DDL, aiosqlite's own calls) waits the connection's busy timeout as
    before (`busy_wait`: the `timeout` it was opened with, or what a `PRAGMA busy_timeout`
    run since set)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.busy_wait = 0  # ms SQLite's busy handler waits on the thread
        self.handed = 0  # calls handed to the thread (counted on the event loop)
        self.finished = 0  # ... and finished there (counted on the thread)
        self.ran_here = 0  # statements run on the event loop

    @property
    def idle(self) -> bool:
        """Open, and nothing of it on the thread (not even a call whose waiter was cancelled):
        the event loop may use the `sqlite3` connection itself."""
        return self._running and self._connection is not None and self.handed == self.finished

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self._hand(self._waiting, functools.partial(fn, *args, **kwargs))

    async def at_once(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn` on the thread with no busy wait (the rest of a read's rows meets no lock)."""
        return await self._hand(self._counted, functools.partial(fn, *args))

    async def _hand(self, wrapper: Callable[[Callable[[], Any]], Any], call: Any) -> Any:
        self.handed += 1
        return await super()._execute(wrapper, call)  # type: ignore[no-untyped-call]

    def _counted(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        finally:
            self.finished += 1

    def _waiting(self, call: Callable[[], Any]) -> Any:
        """On the thread: `call` with SQLite's busy handler waiting `busy_wait`, then 0 again."""
        conn = self._connection
        try:
            if conn is not None:
                conn.execute(f"PRAGMA busy_timeout={int(self.busy_wait)}")
            return call()
        finally:
            with contextlib.suppress(sqlite3.ProgrammingError):  # `call` closed it
                if conn is not None:
                    self.busy_wait = conn.execute("PRAGMA busy_timeout").fetchone()[0]
                    conn.execute("PRAGMA busy_timeout=0")
            self.finished += 1


class OneHandOffCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor hands each statement to aiosqlite's thread four times
    (make a cursor, execute, fetch the rows, close it), and each hand-off waits for the event
    loop and, on a busy machine, for the GIL. This one runs a query or a write (`IN_LOOP`) on
    the event loop itself, with no hand-off, when the connection's thread is idle; it runs
    anything else (PRAGMAs, DDL, savepoints), a statement that met another connection's lock
    (SQLITE_BUSY: see `LoopConnection`) and `executemany` outside a transaction in one hand-off
    (`_run_on_sqlite_thread`). It keeps what SQLAlchemy reads afterwards: the description,
    row count, last row id and the rows. Server-side cursors (`stream`) keep SQLAlchemy's own."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")

    def __init__(self, adapt_connection: Any) -> None:  # no aiosqlite cursor, no hand-off
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return  # nothing open on the thread: the statement closed its cursor there

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: str, parameters: Any, many: bool) -> None:
        driver = cast(LoopConnection, self._connection)
        async with self._adapt_connection._execute_mutex:
            ran = self._in_loop(operation, parameters, many)
            if ran is None:
                result = await driver._execute(
                    _run_on_sqlite_thread, driver, operation, parameters, many
                )
            else:
                result, rest = ran
                if rest is not None and result[3] is not None:
                    result[3].extend(await driver.at_once(_rest_on_sqlite_thread, rest))
                driver.ran_here += 1
                if driver.ran_here % YIELD_EVERY == 0:
                    # A statement on the loop is no await: a job that only runs statements
                    # (the worker's batches, a purge) lets the turns in now and then.
                    await asyncio.sleep(0)
        self._keep(result)

    def _in_loop(
        self, operation: str, parameters: Any, many: bool
    ) -> tuple[Statement, sqlite3.Cursor | None] | None:
        """The statement, run here on the event loop, and its cursor if it has more than
        `ROWS_IN_LOOP` rows (read on the thread); None if it is for the thread."""
        driver = cast(LoopConnection, self._connection)
        if not driver.idle or not operation.lstrip()[:7].upper().startswith(IN_LOOP):
            return None
        conn = driver._conn
        if many and conn.isolation_level is None:
            return None  # each row its own transaction: a lock met half-way is no retry
        changed = conn.total_changes
        try:
            return _run_statement(conn, operation, parameters, many, ROWS_IN_LOOP)
        except sqlite3.OperationalError as error:
            if _busy(error) and conn.total_changes == changed:
                return None  # nothing written: again on the thread, where SQLite waits
            raise

    def _keep(self, result: Statement) -> None:
        description, rowcount, lastrowid, rows = result
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows) if rows is not None else collections.deque()


class OneHandOffConnection(AsyncAdapt_aiosqlite_connection):
    """...and a commit or rollback with no transaction open is no hand-off at all: pysqlite
    does nothing then either (a read-only turn's unit of work rolls back twice as it closes:
    the session's rollback, then the pool's reset on return). A rollback and a commit run on
    the event loop too. In WAL mode a commit meets no lock (one that does, in rollback-journal
    mode, is tried again on the thread, which waits); it appends the transaction to the WAL
    (no fsync with `synchronous=NORMAL`). A first version committed on the thread: with a
    commit always in flight at 32 turns at once, every statement on the loop gave up the GIL to
    a committing thread and waited to get it back: HA27 saves ran at a third to a half of the
    turns per second.

    The WAL checkpoint (copying the WAL into the database file, fsyncs included: 1-35 ms) is
    no longer SQLite's automatic one, which ran inside the commit that took the WAL past 1,000
    pages, on the event loop, and held every turn up meanwhile: every `CHECKPOINT_EVERY`th
    commit, its connection checkpoints on its thread (PASSIVE), and only that turn waits.
    SQLite's own still runs past `WAL_PAGES` (a bulk import's large commits): the WAL stays
    bounded either way (cut 62)."""

    __slots__ = ()
    _cursor_cls = OneHandOffCursor

    @property
    def driver(self) -> LoopConnection:
        return cast(LoopConnection, self._connection)

    def _open(self) -> bool:
        conn = self._connection._connection
        return conn is not None and conn.in_transaction

    def rollback(self) -> None:
        if not self._open():
            return
        if self._execute_mutex.locked() or not self.driver.idle:
            super().rollback()
            return
        try:
            self.driver._conn.rollback()
        except Exception as error:
            self._handle_exception(error)

    def commit(self) -> None:
        if not self._open():
            return
        driver = self.driver
        try:
            if self._execute_mutex.locked() or not driver.idle or not _commit_here(driver._conn):
                await_only(driver._execute(driver._conn.commit))  # SQLite's busy wait: thread
        except Exception as error:
            self._handle_exception(error)
        if cast(OneHandOffDBAPI, self.dbapi).committed():
            try:
                await_only(driver._execute(_checkpoint, driver._conn))
            except Exception as error:  # committed all the same; the next checkpoint catches up
                log.warning("a WAL checkpoint failed: %s", error)


def _checkpoint(conn: sqlite3.Connection) -> None:
    """On aiosqlite's thread: copy the WAL into the database file as far as readers allow
    (PASSIVE: waits for nobody), so the next writers start the WAL over from its beginning."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _commit_here(conn: sqlite3.Connection) -> bool:
    """Commit on the event loop; False if it met a lock (the transaction is still open)."""
    try:
        conn.commit()
    except sqlite3.OperationalError as error:
        if _busy(error):
            return False
        raise
    return True


class OneHandOffDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI adapter, whose connections are `LoopConnection`s used
    through `OneHandOffCursor`. Made per engine (`create_async_engine(module=...)`);
    SQLAlchemy's own classes are left as they are."""

    def __init__(self, aiosqlite: Any, sqlite: Any) -> None:
        super().__init__(aiosqlite, sqlite)
        self.commits = 0  # commits on this engine's connections (see `committed`)

    def committed(self) -> bool:
        """Count a commit; True for every `CHECKPOINT_EVERY`th, whose connection then
        checkpoints the WAL on its thread."""
        self.commits += 1
        return self.commits % CHECKPOINT_EVERY == 0

    def connect(self, *arg: Any, **kw: Any) -> OneHandOffConnection:
        # What aiosqlite.connect does, with its connection class.
        driver = LoopConnection(functools.partial(self.sqlite.connect, *arg, **kw))
        driver._thread.daemon = True  # as SQLAlchemy's adapter makes it
        await_only(driver)
        conn = driver._conn  # made on the thread; `check_same_thread=False` (SQLAlchemy's)
        driver.busy_wait = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute("PRAGMA busy_timeout=0")
        return OneHandOffConnection(self, driver)  # type: ignore[arg-type]


# A row lock (`SELECT ... FOR UPDATE`, `FOR SHARE`, ...) or a transaction-scoped advisory lock
# lasts until the transaction ends, so such a read needs one.
LOCKS = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|pg_advisory_xact", re.IGNORECASE
)


def reads_only(statement: str) -> bool:
    """A plain SELECT: no lock to hold, nothing written (anything else, `WITH` too, begins).

    `LOCKS` is looked for only in a statement that has its words at all: the search tries every
    position of the SQL (8–12 µs for a turn's reads, on every statement on PostgreSQL), the
    look for the words about 1 µs."""
    if statement.lstrip()[:6].upper() != "SELECT":
        return False
    words = statement.upper()
    if "FOR" not in words and "PG_ADVISORY_XACT" not in words:
        return True
    return LOCKS.search(statement) is None


class DeferredBeginCursor(AsyncAdapt_asyncpg_cursor):
    """Tells its connection whether the statement it is about to run only reads."""

    __slots__ = ()
    _adapt_connection: DeferredBeginConnection

    async def _prepare_and_execute(self, operation: Any, parameters: Any) -> None:
        adapted = self._adapt_connection
        adapted.next_reads_only = reads_only(operation)
        try:
            await super()._prepare_and_execute(operation, parameters)  # type: ignore[no-untyped-call]
        finally:
            adapted.next_reads_only = False


class DeferredBeginConnection(AsyncAdapt_asyncpg_connection):
    """SQLAlchemy's asyncpg connection sends `BEGIN` (a round trip of its own) before the first
    statement of every transaction, and `ROLLBACK` (another) when a unit of work that only read
    closes. Here, at READ COMMITTED, a plain SELECT before the first write or lock runs on its
    own (autocommit), and `BEGIN ISOLATION LEVEL READ COMMITTED` goes out just before the first
    statement that writes, locks (`FOR UPDATE`, an advisory xact lock) or is anything but a
    SELECT. A turn that only reads (`help`) sends no BEGIN and no ROLLBACK: one round trip.

    The same at READ COMMITTED: there every statement of a transaction reads its own fresh
    snapshot and a plain SELECT keeps no lock, so a SELECT before the first write sees and holds
    what it would inside the transaction. Every write is still in one transaction, committed
    or rolled back as one. At any other isolation level (a connection's `execution_options`),
    the transaction begins at the first statement, as SQLAlchemy does; server-side cursors and
    `executemany` begin as before too.

    Not for pgbouncer in transaction pooling mode: outside a transaction each statement may
    reach a different server, and asyncpg prepares a statement in one round trip and runs it in
    the next (session pooling, or none, is fine)."""

    __slots__ = ("next_reads_only",)
    _cursor_cls = DeferredBeginCursor

    def __init__(self, dbapi: Any, connection: Any, **kw: Any) -> None:
        super().__init__(dbapi, connection, **kw)  # type: ignore[no-untyped-call]
        self.next_reads_only = False

    async def _start_transaction(self) -> None:
        if self.next_reads_only and self.isolation_level == "read_committed":
            return  # this SELECT runs on its own; the next statement asks again
        await super()._start_transaction()  # type: ignore[no-untyped-call]

    async def _async_ping(self) -> None:
        # SQLAlchemy's wraps the ping in BEGIN ... ROLLBACK (for pgbouncer's transaction
        # pooling, unsupported here, see above): three round trips. One does.
        await self._connection.execute("SELECT 1")  # type: ignore[attr-defined]

    @property
    def closed(self) -> bool:
        """The server closed it (restarted, or ended the backend) and asyncpg has noticed."""
        return bool(self._connection.is_closed())


@dataclasses.dataclass(frozen=True)
class DriverSelect:
    """A Core SELECT compiled once for asyncpg, run on asyncpg's own connection: its SQL, its
    parameters' names in `$n` order, and each result column's type conversion (SQLAlchemy's, for
    this dialect: `None` where the value is already right)."""

    sql: str
    names: tuple[str, ...]
    conversions: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def of(cls, statement: Select[*tuple[Any, ...]], dialect: Dialect) -> DriverSelect:
        compiled = statement.compile(dialect=dialect)
        return cls(
            str(compiled),
            tuple(compiled.positiontup or ()),
            tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.selected_columns
            ),
        )

    async def rows(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows, converted as SQLAlchemy would, read in the unit of work's transaction if it
        has begun one (else on their own, as `DeferredBeginConnection` runs a plain SELECT)."""
        connection = await (await session.connection()).get_raw_connection()
        records = await connection.driver_connection.fetch(  # type: ignore[union-attr]
            self.sql, *(params[name] for name in self.names)
        )
        conversions = self.conversions
        return [
            tuple(
                v if convert is None else convert(v)
                for v, convert in zip(r, conversions, strict=True)
            )
            for r in records
        ]


class DriverSelects:
    """The hot reads that every turn runs, run on PostgreSQL by asyncpg itself (one per
    `Database`, in each of its sessions' `info` under `DRIVER_SELECTS`; none on SQLite).

    Through SQLAlchemy's session, one such read cost ~180 µs of CPU against ~60 µs on asyncpg
    alone (the execution context, the cursor adapter, the result and ORM loading around one
    round trip): on a `help` turn, a sixth of its CPU. What is given up for these reads only:
    SQLAlchemy's statement events and logging, and its wrapping of driver errors (an asyncpg
    error propagates as it is; a connection that died is replaced at its next checkout,
    `IdlePing`). Each statement is compiled the first time it is asked for."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[Select[*tuple[Any, ...]], DriverSelect] = {}

    def __getitem__(self, statement: Select[*tuple[Any, ...]]) -> DriverSelect:
        found = self._compiled.get(statement)
        if found is None:
            found = self._compiled[statement] = DriverSelect.of(statement, self._dialect)
        return found


DRIVER_SELECTS = "tlc.driver_selects"  # the session `info` key of the database's DriverSelects


def driver_selects(session: AsyncSession) -> DriverSelects | None:
    """The database's `DriverSelects`, where it has them (PostgreSQL)."""
    found = session.info.get(DRIVER_SELECTS)
    return found if isinstance(found, DriverSelects) else None


class IdlePing:
    """Checks a pooled PostgreSQL connection on checkout, as `pool_pre_ping` did, but only when
    it may have gone stale: `pool_pre_ping` cost every turn a round trip (three, as SQLAlchemy's
    asyncpg adapter wraps it in BEGIN ... ROLLBACK; one here). A connection asyncpg already
    knows is closed (a restart or `pg_terminate_backend` closes the socket, and the event loop
    reads that while the connection waits in the pool) is replaced without asking the server;
    one idle for `after` seconds or more is pinged first, and replaced, with every other pooled
    connection as old, if the ping fails (what a server gone without a word looks like).
    A connection used in the last `after` seconds goes out unchecked: if its server vanished
    without closing the socket in those seconds, that one turn fails, as any turn would whose
    server vanished mid-way."""

    USED = "tlc_last_used"

    def __init__(self, engine: AsyncEngine, after: float) -> None:
        self.after = after
        pool = engine.sync_engine.pool
        event.listen(pool, "connect", self._used)
        event.listen(pool, "checkin", self._used)
        event.listen(pool, "checkout", self._checkout)

    def _used(self, _dbapi: Any, record: Any) -> None:
        if record is not None:
            record.info[self.USED] = time.monotonic()

    def _checkout(self, dbapi: Any, record: Any, _proxy: Any) -> None:
        if dbapi.closed:
            raise DisconnectionError("the server closed this connection")
        if time.monotonic() - record.info.get(self.USED, 0.0) < self.after:
            return
        try:
            dbapi.ping()
        except Exception as error:
            # What pool_pre_ping does: the others are likely gone too (a restart).
            raise InvalidatePoolError(f"no answer to a ping: {error}") from error


class DeferredBeginDBAPI(AsyncAdapt_asyncpg_dbapi):
    """SQLAlchemy's asyncpg DBAPI adapter, whose connections are `DeferredBeginConnection`s.
    Made per engine (`create_async_engine(module=...)`); SQLAlchemy's classes stay as they are."""

    def connect(self, *arg: Any, **kw: Any) -> DeferredBeginConnection:
        creator = kw.pop("async_creator_fn", self.asyncpg.connect)
        options = {
            "prepared_statement_cache_size": kw.pop("prepared_statement_cache_size", 100),
            "prepared_statement_name_func": kw.pop("prepared_statement_name_func", None),
        }
        return await_only(DeferredBeginConnection.create(self, creator(*arg, **kw), **options))


def make_engine(url: str, pool_size: int = POOL_SIZE) -> AsyncEngine:
    if url.startswith("sqlite"):
        # `POOL_SIZE` kept, none opened beyond them, as on PostgreSQL (cut 27; SQLAlchemy's
        # default was 5 kept and 10 overflow): an overflow connection was closed when given
        # back and opened again for the next busy moment, and each open starts aiosqlite's
        # thread, runs the PRAGMAs below and, on its first statement, reads the schema and
        # prepares every statement afresh (pysqlite's statement cache is per connection).
        # At 32 turns at once that was a connect every four or five turns (cut 60).
        engine = create_async_engine(
            url,
            connect_args={"timeout": WRITER_WAIT},
            pool_size=pool_size,
            max_overflow=0,
            hide_parameters=True,
            module=OneHandOffDBAPI(aiosqlite, sqlite3),
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
            cur.close()

        return engine
    # hide_parameters: what people typed stays out of SQL logs and database error messages.
    # READ COMMITTED said, not left to the server's default: `DeferredBeginConnection` runs
    # the reads before a unit of work's first write outside its transaction, which is the same
    # only at READ COMMITTED.
    # `POOL_SIZE` connections kept, none opened beyond them. 10 kept and 20 overflow closed an
    # overflow connection when given back and opened it again for the next busy moment (a
    # connect is several round trips, and asyncpg's and SQLAlchemy's set-up queries, and a
    # cold statement cache), so at 32 turns at once the pool opened a connection every other
    # turn (cut 27). With 30 kept, the 31st and 32nd turn at once waited for another's whole
    # turn: p99 twice p50 (cut 63). A turn past the `POOL_SIZE`th waits for a free one.
    # No `pool_pre_ping`: see `IdlePing`.
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        hide_parameters=True,
        isolation_level="READ COMMITTED",
        module=DeferredBeginDBAPI(importlib.import_module("asyncpg")),  # type: ignore[no-untyped-call]
    )


class SQLiteWriters:
    """SQLite has one writer at a time. A second writer used to wait in SQLite's busy handler,
    which sleeps in growing steps (1 ms ... 100 ms) and tries again, so under load writers slept
    long after the lock was free and p99 ran into seconds. Instead, writers of this process
    queue here, in turn: a transaction takes this lock before its first write (where pysqlite
    begins it), or before a SAVEPOINT that begins it (`BEGINS`), and gives it back when it ends
    (commit, rollback, or its connection closes).

    The transaction is SQLite's as before (what is committed is on disk, kill -9 or not); the
    lock only orders this process's writers. Another process still meets SQLite's busy handler.
    A task that already writes on another connection does not queue (it would wait for itself):
    SQLite decides, as it did. A writer that waits `wait` seconds stops queueing likewise.
    """

    def __init__(self, engine: AsyncEngine, wait: float = WRITER_WAIT) -> None:
        self.wait = wait
        self._lock = asyncio.Lock()
        self._holder: object = None  # the DBAPI connection whose transaction holds the lock
        self._task: asyncio.Task[Any] | None = None
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync, "after_cursor_execute", self._after)
        event.listen(sync, "handle_error", self._failed)
        for name in ("checkin", "close", "invalidate"):
            event.listen(sync.pool, name, self._ended)

    @property
    def held(self) -> bool:
        return self._lock.locked()

    def _before(self, conn: Connection, _c: Any, statement: str, *_: Any) -> None:
        dbapi = conn.connection.dbapi_connection
        if self._holder is dbapi or not statement.lstrip()[:9].upper().startswith(BEGINS):
            return
        task = asyncio.current_task()
        if self._lock.locked() and self._task is task:
            return  # this task writes on another connection already: SQLite decides
        if await_only(self._acquire()):
            self._holder, self._task = dbapi, task

    async def _acquire(self) -> bool:
        if not self._lock.locked():
            return await self._lock.acquire()  # no timer when nobody holds it
        try:
            await asyncio.wait_for(self._lock.acquire(), self.wait)
        except TimeoutError:
            log.warning("a writer waited %.0f s in the process; SQLite decides now", self.wait)
            return False
        return True

    def _after(self, conn: Connection | None, *_: Any) -> None:
        # A statement on an autocommit connection is its own transaction: over once it ran
        # (or failed).
        if self._holder is None or conn is None or conn.closed or conn.invalidated:
            return
        proxied = conn.connection
        driver = proxied.driver_connection
        if self._holder is proxied.dbapi_connection and not (driver and driver.in_transaction):
            self._release()

    def _failed(self, context: ExceptionContext) -> None:
        self._after(context.connection)

    def _ended(self, dbapi: Any, *_: Any) -> None:
        # Returned to the pool (after its commit or rollback), closed or invalidated.
        if dbapi is not None and self._holder is dbapi:
            self._release()

    def _release(self) -> None:
        self._holder = self._task = None
        self._lock.release()


class AnotherWorker(RuntimeError):
    """A worker is already sending from this SQLite file."""


class SoleWorker:
    """On SQLite, the one worker that sends from a database file: an OS lock (`flock`) on a file
    beside it, taken when the worker starts and held until it closes. SQLite has no row locks
    to share the outbox with (PostgreSQL's `FOR UPDATE SKIP LOCKED`), so a second worker would
    send the same messages again: it refuses to start instead. The kernel lets the lock go when
    the process ends however it ends (kill -9 too), so a restarted worker starts at once."""

    def __init__(self, database_path: str) -> None:
        self.database_path = database_path
        self.path = f"{database_path}.worker-lock"
        self._fd: int | None = None

    def take(self) -> None:
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AnotherWorker(
                f"another TLC worker is already sending from {self.database_path}. With SQLite"
                " run exactly one worker: the bot's own (TLC_RUN_WORKER=true), or `tlc worker`"
                " with TLC_RUN_WORKER=false in the bot. For several, use PostgreSQL."
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the file lets the lock go


class Database:
    """One per process: the engine and a session factory."""

    def __init__(
        self, url: str, *, ping_after: float = PING_AFTER, pool_size: int = POOL_SIZE
    ) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size)
        if self.is_postgres:
            IdlePing(self.engine, ping_after)
        info = {DRIVER_SELECTS: DriverSelects(self.engine.dialect)} if self.is_postgres else {}
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, info=info)
        self.writers = SQLiteWriters(self.engine) if self.engine.dialect.name == "sqlite" else None

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def sole_worker(self) -> SoleWorker | None:
        """The lock a worker holds on a SQLite file (`SoleWorker`); None where workers can
        share the outbox (PostgreSQL) or nothing else can open the database (in memory)."""
        if self.engine.dialect.name != "sqlite":
            return None
        path = self.engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        return SoleWorker(str(Path(path).resolve()))

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
