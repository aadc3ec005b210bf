"""Pacing requests to Teams so that every worker together stays under the tenant limit.

How several workers share Teams' 50 requests/s per tenant: the tenant's next free request slot
is one row in the database (`tenant_pacing`). Each request takes the next slot with a single
upsert (`next_free = max(next_free, now) + 1/rate`) and waits until its slot starts, so requests
from all processes are spaced evenly, `rate` a second (one more if a second's edges both hold a
slot), however many workers run. The default rate is below 50 (`TLC_PROACTIVE_RATE`, 47) to
leave room for replies on turns and for scheduling jitter. A 429 pushes the tenant's next slot
back for every worker.

Per-conversation limits are kept by the worker from the outbox itself (see `bot.app.worker`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.clock import SystemClock
from bot.domain.throttle import tenant_interval
from storage.db import Database
from storage.outbox import PacingBook

Sleep = Callable[[float], Awaitable[None]]
WallClock = Callable[[], float]
DEFAULT_RATE = 47.0
LONGEST_HOLD = 1.0  # the tenant limit is per second: a longer Retry-After is the conversation's


def wall_clock() -> float:
    """Seconds since the epoch, shared by every process on every machine (NTP, not monotonic)."""
    return SystemClock().now().timestamp()


class TenantPacer:
    def __init__(
        self,
        db: Database,
        rate: float = DEFAULT_RATE,
        *,
        wall: WallClock = wall_clock,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.book = PacingBook(db)
        self.interval = tenant_interval(rate)
        self.wall = wall
        self.sleep = sleep

    async def wait_turn(self, org_id: str) -> None:
        """Return when this process may make one request to Teams for `org_id`.

        A process that wakes too late for its slot (a busy machine) takes another rather than
        crowd the next one: late requests bunch up, and Teams counts them as they arrive.
        """
        for _ in range(3):
            start = await self.book.reserve(org_id, self.wall(), self.interval)
            delay = start - self.wall()
            if delay > 0:
                await self.sleep(delay)
            if self.wall() - start <= self.interval:
                return

    async def hold(self, org_id: str, seconds: float) -> None:
        """After a 429: nobody sends for this tenant for a moment (at most a second)."""
        await self.book.hold(org_id, self.wall() + min(max(seconds, 0.0), LONGEST_HOLD))

    async def close(self) -> None:
        await self.book.close()
