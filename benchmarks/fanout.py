"""Proactive fan-out: one message to 10,000 people, a worker killed with SIGKILL half way.

For each database (PostgreSQL with several workers, SQLite with one): seed 10,000 people with a
1:1 chat and one due card each, start `tlc worker` process(es) against a loopback connector that
throttles like Teams (benchmarks/throttled_connector.py, 429 + Retry-After when a limit would
break), SIGKILL one worker when about half the messages are delivered, start it again, wait for
the rest, and print JSON per run:

    delivered, lost, duplicates, http_429, elapsed_s (first to last delivery),
    rate_fraction_of_50 (delivered / elapsed_s / 50), and how the run went.

    .venv/bin/python -m benchmarks.fanout [--people 10000] [--databases postgres sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from benchmarks.throttled_connector import ThrottledConnector
from bot.app.reminders import CARD_NOTICE
from bot.clock import SystemClock
from storage.db import Database
from storage.models import ConversationRef, Organisation, Person
from storage.reminders import SENT, ScheduledItem
from tests.support.databases import create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parent.parent
ORG = "bench-tenant"
PG_ADMIN = os.environ.get("TLC_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
ALWAYS_OPEN = {"start": "00:00", "end": "24:00", "weekends": True, "bank_holidays": True}


async def seed(db: Database, service_url: str, people: int) -> None:
    """People, their 1:1 chats and one card each, due a minute ago (bulk inserts)."""
    now = SystemClock().now()
    async with db.unit_of_work() as uow:
        s = uow.session
        s.add(
            Organisation(
                id=ORG,
                name="Bench College",
                settings={"sending_hours": ALWAYS_OPEN},
                created_at=now,
            )
        )
        await s.flush()
        for start in range(0, people, 2000):
            chunk = range(start, min(people, start + 2000))
            ids = list(
                await s.scalars(
                    insert(Person).returning(Person.id),
                    [
                        {
                            "org_id": ORG,
                            "aad_object_id": f"aad-{i}",
                            "teams_user_id": f"29:p{i}",
                            "name": f"Person {i}",
                            "email": f"p{i}@bench.example",
                            "campus": "",
                            "curriculum_area": "",
                            "learning_in_libraries": False,
                            "is_tutor": True,
                            "created_at": now,
                        }
                        for i in chunk
                    ],
                )
            )
            await s.execute(
                insert(ConversationRef),
                [
                    {
                        "org_id": ORG,
                        "conversation_id": f"a:personal-29:p{i}",
                        "kind": "personal",
                        "service_url": service_url,
                        "channel_id": "msteams",
                        "bot_id": "28:tlc-bench",
                        "bot_name": "TLC",
                        "person_id": pid,
                        "updated_at": now,
                    }
                    for i, pid in zip(chunk, ids, strict=True)
                ],
            )
            due = now - timedelta(minutes=1)
            await s.execute(
                insert(ScheduledItem),
                [
                    {
                        "org_id": ORG,
                        "key": f"fanout:{i}",
                        "kind": CARD_NOTICE,
                        "due_at": due,
                        "ready_at": due,
                        "revision": 1,
                        "person_id": pid,
                        "payload": {
                            "title": f"fanout:{i}",
                            "lines": ["This term's self-referral offer: support when you want it."],
                            "steps": [
                                {
                                    "label": "Tell me more",
                                    "verb": "run",
                                    "data": {"command": "support"},
                                }
                            ],
                        },
                        "state": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, pid in zip(chunk, ids, strict=True)
                ],
            )
        await uow.commit()


async def spawn(url: str, workdir: Path, rate: float, slots: int) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TLC_", "Microsoft"))}
    env.update(
        {
            "DATABASE_URL": url,
            "TLC_WORKER_INTERVAL": "0.25",
            "TLC_PROACTIVE_RATE": str(rate),
            "TLC_WORKER_SLOTS": str(slots),
            "PYTHONPATH": str(ROOT),
        }
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "worker",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def sent_in_database(db: Database) -> int:
    async with db.unit_of_work() as uow:
        return int(
            await uow.session.scalar(
                select(func.count(ScheduledItem.id)).where(ScheduledItem.state == SENT)
            )
            or 0
        )


async def run(
    kind: str, url: str, people: int, workers: int, rate: float, slots: int, kill_at: float
) -> dict[str, Any]:
    connector = ThrottledConnector()
    await connector.start()
    db = Database(url)
    await db.migrate()
    await seed(db, connector.service_url, people)
    workdir = Path(tempfile.mkdtemp(prefix="tlc-fanout-"))
    started = time.monotonic()
    processes = [await spawn(url, workdir, rate, slots) for _ in range(workers)]
    killed_at: float | None = None
    restarted_at: float | None = None
    in_flight = 0
    last_progress, last_count = time.monotonic(), 0
    try:
        while len(connector.delivered) < people:
            await asyncio.sleep(0.05)
            count = len(connector.delivered)
            if count != last_count:
                last_progress, last_count = time.monotonic(), count
            elif time.monotonic() - last_progress > 90:
                break  # stuck: report what got through
            if killed_at is None and count >= people * kill_at:
                # At a random instant, not in step with the delivery that crossed half way.
                await asyncio.sleep(random.random())
                processes[0].send_signal(signal.SIGKILL)
                await processes[0].wait()
                killed_at = time.monotonic()
                # Received by "Teams" but not recorded as sent: the messages in flight.
                in_flight = len(connector.delivered) - await sent_in_database(db)
                processes[0] = await spawn(url, workdir, rate, slots)
                restarted_at = time.monotonic()
        for p in processes:
            if p.returncode is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            await asyncio.wait_for(p.wait(), 60)
    finally:
        for p in processes:
            if p.returncode is None:
                p.kill()
        await connector.close()
    recorded = await sent_in_database(db)
    await db.dispose()
    stats = connector.stats()
    times = sorted(connector.accepted_at)
    elapsed = (times[-1] - times[0]) if len(times) > 1 else 0.0
    delivered = len(connector.delivered)
    return {
        "database": kind,
        "workers": workers,
        "senders_per_worker": slots,
        "people": people,
        "delivered": delivered,
        "lost": people - delivered,
        "duplicates": stats["duplicates"],
        "http_429": stats["http_429"],
        "elapsed_s": round(elapsed, 2),
        "rate_fraction_of_50": round(delivered / elapsed / 50, 3) if elapsed else 0.0,
        "configured_rate": rate,
        "busiest_second": stats["busiest_second"],
        "killed_after_s": round(killed_at - started, 2) if killed_at else None,
        "restart_gap_s": round(restarted_at - killed_at, 2) if killed_at and restarted_at else None,
        "in_flight_at_kill": in_flight,
        "recorded_sent": recorded,
        "wall_s": round((times[-1] if times else time.monotonic()) - started, 2),
        "per_30s": per_window(times, 30.0),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def per_window(times: list[float], seconds: float) -> list[float]:
    """Messages per second in each `seconds`-long stretch from the first delivery."""
    if not times:
        return []
    counts: dict[int, int] = {}
    for t in times:
        bucket = int((t - times[0]) // seconds)
        counts[bucket] = counts.get(bucket, 0) + 1
    return [round(counts.get(i, 0) / seconds, 1) for i in range(max(counts) + 1)]


async def pg_database(run: str = "fanout") -> tuple[str, str]:
    """A new empty PostgreSQL database for one benchmark run: (SQLAlchemy URL, name)."""
    return await create_pg_database(PG_ADMIN, f"tlc_{run}")


async def drop_pg(name: str) -> None:
    await drop_pg_database(name, PG_ADMIN)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--databases", nargs="+", default=["postgres", "sqlite"])
    parser.add_argument("--pg-workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=47.0, help="TLC_PROACTIVE_RATE")
    parser.add_argument("--slots", type=int, default=8, help="TLC_WORKER_SLOTS")
    parser.add_argument("--kill-at", type=float, default=0.5)
    args = parser.parse_args()
    for kind in args.databases:
        if kind == "postgres":
            url, name = await pg_database()
            try:
                result = await run(
                    "postgresql",
                    url,
                    args.people,
                    args.pg_workers,
                    args.rate,
                    args.slots,
                    args.kill_at,
                )
            finally:
                await drop_pg(name)
        else:
            folder = Path(tempfile.mkdtemp(prefix="tlc-fanout-db-"))
            url = f"sqlite+aiosqlite:///{folder / 'tlc.db'}"
            result = await run("sqlite", url, args.people, 1, args.rate, args.slots, args.kill_at)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
