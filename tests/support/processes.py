"""Worker processes for tests: `tlc worker` as a real OS process against a test database."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.app.reminders import CARD_NOTICE
from bot.app.turn import UserRef
from bot.clock import SystemClock
from storage.db import Database
from storage.people import Directory
from storage.reminders import Schedule
from tests.support.loopback import LoopbackConnector
from tests.support.reminders import ORG, personal_where

ALWAYS_OPEN = {"start": "00:00", "end": "24:00", "weekends": True, "bank_holidays": True}


def worker_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TLC_", "Microsoft", "DATABASE_URL"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "TLC_WORKER_INTERVAL": "0.2",
            "TLC_PROACTIVE_RATE": "50",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


async def spawn_worker(
    database_url: str, cwd: Path, *args: str, **env: str
) -> asyncio.subprocess.Process:
    """`tlc worker` in its own process (cwd: a folder without a developer's .env)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "worker",
        *args,
        cwd=cwd,
        env=worker_env(database_url, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_until(check: Callable[[], bool], within: float, what: str) -> None:
    """A bounded wait for other processes to get somewhere."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


async def wait_for_line(process: asyncio.subprocess.Process, text: str, within: float = 60) -> None:
    assert process.stdout is not None
    async with asyncio.timeout(within):
        while True:
            line = await process.stdout.readline()
            if not line:
                raise AssertionError(f"worker exited before printing {text!r}")
            if text in line.decode():
                return


async def seed_fanout(db: Database, loop: LoopbackConnector, count: int) -> list[str]:
    """`count` people with a 1:1 chat, each with a card due now (real time); returns the keys."""
    now = SystemClock().now()
    keys = []
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        org = await directory.organisation(ORG, now)
        org.settings = {"sending_hours": ALWAYS_OPEN}  # whatever the time of the test run
        schedule = Schedule(uow.session)
        for i in range(count):
            key = f"p{i:05d}"
            person = await directory.seen(ORG, UserRef(f"29:{key}", f"aad-{key}", key), now)
            await directory.remember_conversation(ORG, personal_where(loop, key), person, None, now)
            await schedule.put(
                ORG,
                f"fanout:{key}",
                CARD_NOTICE,
                now - timedelta(minutes=1),
                now,
                person_id=person.id,
                payload={"title": f"fanout:{key}", "lines": ["Hello"]},
            )
            keys.append(f"fanout:{key}")
        await uow.commit()
    return keys


def delivered(loop: LoopbackConnector) -> Counter[str]:
    """How many times each card title (the item's key) reached Teams."""
    return Counter(c["body"][0]["text"] for s in loop.messages() for c in s.cards)
