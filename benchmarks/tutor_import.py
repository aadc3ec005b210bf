"""Tutor-list import benchmark: a college's whole list sent in chat is one Teams turn, and Teams
gives a turn 15 seconds. Imports 3,000 rows (with line managers) into an empty organisation,
then the same list again, on SQLite and (if it answers) PostgreSQL.

Run: .venv/bin/python -m benchmarks.tutor_import  (prints one JSON object; no assertions)
Target: each import of 3,000 rows in < 5 s, a third of Teams' turn limit.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot.app.commands import build_events
from bot.app.tutor_import import import_tutor_text
from storage.db import Database
from storage.people import Directory
from tests.support.databases import create_pg_database, drop_pg_database

ROWS = 3_000
TARGET_S = 5.0
LIST = "name,email,campus,curriculum_area,line_manager_email\n" + "".join(
    f"Tutor {n:04},tutor{n:04}@college.ac.uk,North {n % 7},Construction,boss{n % 150}@college.ac.uk\n"
    for n in range(ROWS)
)


async def _one(db: Database, org: str) -> dict[str, Any]:
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        start = time.perf_counter()
        async with db.unit_of_work() as uow:
            result = await import_tutor_text(
                Directory(uow.session), org, LIST, None, datetime.now(UTC), build_events()
            )
            await uow.commit()
        seconds = time.perf_counter() - start
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    return {
        "seconds": round(seconds, 2),
        "statements": statements[0],
        "created": result.created,
        "updated": result.updated,
        "under_target": seconds < TARGET_S,
    }


async def _database(url: str) -> dict[str, Any]:
    db = Database(url)
    try:
        await db.migrate()
        org = "bench-import"
        return {"first": await _one(db, org), "again": await _one(db, org)}
    finally:
        await db.dispose()


async def main() -> None:
    out: dict[str, Any] = {"rows": ROWS, "target_s": TARGET_S, "load": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = await _database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
    try:
        url, name = await create_pg_database()
    except OSError as exc:
        out["postgres"] = f"not measured: {exc}"
    else:
        try:
            out["postgres"] = await _database(url)
        finally:
            await drop_pg_database(name)
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
