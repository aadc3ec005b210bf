"""SQL statements per turn, for each kind of turn the turns benchmark drives (issue 17).

A card submit's cost is mostly its statements (~0.1 ms of CPU each, more for ORM-loaded rows), so
each kind has a ceiling: a change that adds a statement to a turn fails here and has to raise
the ceiling on purpose. Every statement of a warm turn must come from SQLAlchemy's compiled cache
(one built afresh each time costs its compilation every turn). Counted on SQLite, for a person
TLC already knows in that conversation (the benchmark's case); roles are read on every turn, by
design. (Hand-offs to aiosqlite's thread are counted in `test_round_trips`: none since cut 55.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from storage.db import Database
from tests.support.teams import TeamsClient

# The most statements each kind of turn may run (what it ran when last cut).
CEILING = {"help": 1, "ha27_save": 8, "contribution": 5, "referral": 7, "retry": 1}
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
