"""Teams' rate limits for bots, and what to do when Teams says no. Pure arithmetic on times.

Teams allows a bot, per conversation, 7 messages a second, 8 in 2 s, 60 in 30 s and 1,800 an
hour; and each app 50 requests a second per tenant. A 429 carries `Retry-After` (or not: then
back off exponentially with jitter); 412, 502, 503 and 504 are retried the same way a bounded
number of times; 403 (blocked, or not in the roster) and 404 (conversation gone) are permanent.

Times here are seconds since the epoch (floats), from whatever clock the caller trusts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Window:
    """At most `count` messages in any `seconds`-long stretch."""

    count: int
    seconds: float


CONVERSATION_WINDOWS = (Window(7, 1), Window(8, 2), Window(60, 30), Window(1800, 3600))
TENANT_REQUESTS_PER_SECOND = 50.0
LONGEST_WINDOW = max(w.seconds for w in CONVERSATION_WINDOWS)


def conversation_wait(
    sent: Iterable[float],
    now: float,
    windows: Iterable[Window] = CONVERSATION_WINDOWS,
    margin: float = 0.05,
) -> float:
    """Seconds to wait before one more message to a conversation keeps every window in bounds.

    `sent` are the times of earlier messages to it. A message at `x` is allowed by a window when
    fewer than `count` earlier ones fall in `(x - seconds, x]`, i.e. the count-th newest is at
    least `seconds` old. `margin` absorbs the difference between our clock and Teams'.
    """
    newest_first = sorted(sent, reverse=True)
    wait = 0.0
    for window in windows:
        if len(newest_first) < window.count:
            continue
        nth = newest_first[window.count - 1]
        if nth > now - window.seconds - margin:
            wait = max(wait, nth + window.seconds + margin - now)
    return wait


def tenant_interval(rate: float) -> float:
    """Seconds between requests at `rate` per second (never above Teams' tenant limit)."""
    if rate <= 0:
        raise ValueError("the sending rate must be positive")
    return 1.0 / min(rate, TENANT_REQUESTS_PER_SECOND)


def reserve_slot(
    next_free: float | None, now: float, interval: float, count: int = 1
) -> tuple[float, float]:
    """`count` request slots on an evenly spaced schedule (a cell-rate algorithm, no burst).

    Returns (start, new next_free): the caller may send at `start`, `start + interval`, ...;
    the next caller not before `start + count * interval`. Spacing every request by `interval`
    keeps any one-second stretch near `1 / interval` requests, whoever takes the slots.
    """
    start = now if next_free is None else max(next_free, now)
    return start, start + count * interval


class Outcome(StrEnum):
    RETRY = "retry"  # try again later
    BLOCKED = "blocked"  # the conversation is unreachable until the person is seen again
    FAILED = "failed"  # this message can never be delivered as it is


# 401 and 408 too: a token that lapsed early, a request Teams timed out; neither is about the
# message, and failing it at once would fail a whole fan-out in one tick.
RETRIED_STATUSES = frozenset({401, 408, 412, 429, 500, 502, 503, 504})
BLOCKING_STATUSES = frozenset({403, 404})


def classify(status: int | None) -> Outcome:
    """What an HTTP status from the Bot Connector means for a proactive message."""
    if status is None or status in RETRIED_STATUSES:
        return Outcome.RETRY  # None: the network failed; the request may not have arrived
    if status in BLOCKING_STATUSES:
        return Outcome.BLOCKED
    if status >= 500:
        return Outcome.RETRY
    return Outcome.FAILED


def reason_for(status: int | None, detail: str = "") -> str:
    known = {
        403: "Teams refused (403): the person blocked TLC or is not in the conversation",
        404: "Teams says the conversation no longer exists (404)",
        412: "Teams was busy with this conversation (412)",
        429: "Teams asked TLC to slow down (429)",
    }
    if status in known:
        return known[status]
    if status is None:
        return f"Teams could not be reached: {detail}"[:300]
    return f"Teams answered {status}: {detail}"[:300]


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries. A 429 has its own, larger bound: Teams is telling us when, not failing."""

    max_attempts: int = 8
    max_throttled: int = 40
    base: float = 2.0
    cap: float = 600.0

    def delay(
        self,
        status: int | None,
        retry_after: float | None,
        failures: int,
        rand: Callable[[], float],
    ) -> float | None:
        """Seconds before the next try after `failures` failed tries of this kind, or None to
        give up. `rand()` is uniform in [0, 1): the jitter that keeps retries from marching."""
        bound = self.max_throttled if status == 429 else self.max_attempts
        if failures >= bound:
            return None
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap)
        backoff = min(self.cap, self.base * 2.0 ** (failures - 1))
        return backoff / 2 + rand() * backoff / 2
