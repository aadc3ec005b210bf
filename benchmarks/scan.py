"""The tick's due-item scan over 1,000,000 scheduled items on PostgreSQL.

Fills a fresh database with a year of scheduled items (most sent or cancelled, the rest
pending through the coming year, 1,000 due now), then times the query each tick starts with
(`storage.reminders.due_query`: pending, `ready_at <= now`, oldest first, `FOR UPDATE SKIP
LOCKED`, a batch of 100) through SQLAlchemy and asyncpg, as the worker runs it. Prints JSON.

    .venv/bin/python -m benchmarks.scan [--items 1000000] [--runs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from benchmarks.fanout import drop_pg, pg_database
from bot.clock import SystemClock
from storage.db import Database
from storage.reminders import due_query

BATCH = 100  # the worker's batch (bot.app.worker.Worker.batch)

FILL = """
INSERT INTO scheduled_items (org_id, key, kind, due_at, ready_at, revision, person_id, payload,
                             state, attempts, created_at, updated_at)
SELECT 'org-' || (g % 40), 'item:' || g, 'notice.card', at, at, 1, :person, '{}'::json,
       state, 0, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
FROM (
    SELECT g,
           CASE WHEN g <= :due_now THEN 'pending'
                WHEN g % 20 < 15 THEN 'sent'
                WHEN g % 20 = 15 THEN 'cancelled'
                ELSE 'pending' END AS state,
           CASE WHEN g <= :due_now THEN CAST(:now AS timestamptz) - (g % 300) * interval '1 second'
                WHEN g % 20 <= 15 THEN CAST(:now AS timestamptz) - (g % 525600) * interval '1 minute'
                ELSE CAST(:now AS timestamptz) + (1 + g % 525600) * interval '1 minute' END AS at
    FROM generate_series(1, :items) AS g
) AS s
"""


async def fill(db: Database, items: int, due_now: int, now: datetime) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO organisations (id, name, settings, created_at) VALUES ('org-0', '', '{}', :now)"
            ),
            {"now": now},
        )
        person = (
            await conn.execute(
                text(
                    "INSERT INTO people (org_id, name, campus, curriculum_area,"
                    " learning_in_libraries, is_tutor, created_at)"
                    " VALUES ('org-0', 'Bench', '', '', false, true, :now) RETURNING id"
                ),
                {"now": now},
            )
        ).scalar_one()
        await conn.execute(
            text(FILL), {"person": person, "now": now, "items": items, "due_now": due_now}
        )
    async with db.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text("VACUUM ANALYZE scheduled_items"))


async def time_scan(db: Database, now: datetime, runs: int) -> dict[str, Any]:
    timings = []
    found = 0
    query = due_query(now, BATCH)
    for _ in range(runs):
        async with db.engine.connect() as conn, conn.begin() as tx:
            start = time.perf_counter()
            rows = (await conn.execute(query)).all()
            timings.append((time.perf_counter() - start) * 1000)
            await tx.rollback()
        found = len(rows)
    timings.sort()
    return {
        "rows_returned": found,
        "median_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 3),
        "max_ms": round(timings[-1], 3),
    }


async def plan(url: str, now: datetime) -> list[str]:
    compiled = due_query(now, BATCH).compile(
        dialect=postgresql.asyncpg.dialect(),  # type: ignore[attr-defined]
        compile_kwargs={"literal_binds": True},
    )
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")
    finally:
        await conn.close()
    return [r[0] for r in rows]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--due-now", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    url, name = await pg_database("scan")
    db = Database(url)
    try:
        await db.migrate()
        now = SystemClock().now()
        started = time.perf_counter()
        await fill(db, args.items, args.due_now, now)
        filled_s = time.perf_counter() - started
        async with db.engine.connect() as conn:
            counts = dict(
                (
                    await conn.execute(
                        text("SELECT state, count(*) FROM scheduled_items GROUP BY state")
                    )
                ).all()
            )
        due = await time_scan(db, now, args.runs)
        quiet = await time_scan(db, now - timedelta(days=400), args.runs)  # nothing due
        lines = await plan(url, now)
        print(
            json.dumps(
                {
                    "database": "postgresql",
                    "items": args.items,
                    "states": counts,
                    "fill_s": round(filled_s, 1),
                    "batch": BATCH,
                    "due_scan": due,
                    "nothing_due_scan": quiet,
                    "target_ms": 100,
                    "index_used": next((ln.strip() for ln in lines if "Index" in ln), None),
                    "plan": [ln.rstrip() for ln in lines],
                }
            ),
            flush=True,
        )
    finally:
        await db.dispose()
        await drop_pg(name)


if __name__ == "__main__":
    asyncio.run(main())
