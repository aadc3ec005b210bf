"""A loopback Bot Connector that throttles like Teams, for benchmarks (and anyone else).

It enforces Teams' published limits with exact sliding windows and answers 429 with a
`Retry-After` (whole seconds, as HTTP has them) when a request would break one:
- per app per tenant: 50 requests in any second (every request: sends, roster pages, new chats);
- per conversation: 7 messages in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour.
A rejected request does not count against the limits. Everything sent here is one tenant.

It records every accepted message by a key (the first text of its card, or its text), so a run
can count what was delivered, lost and doubled. Use it in-process:

    connector = ThrottledConnector()
    await connector.start()          # connector.service_url for conversation references
    ...
    connector.stats()                # {"accepted": .., "http_429": .., ...}

or on its own: `python -m benchmarks.throttled_connector PORT`.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TENANT = ((50, 1.0),)
CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))


@dataclass
class SlidingLimit:
    """At most `count` events in any `seconds`-long stretch, for each of several windows."""

    windows: Sequence[tuple[int, float]]
    times: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """0 when one more event at `now` is allowed; else seconds until it would be."""
        longest = max(seconds for _, seconds in self.windows)
        while self.times and self.times[0] <= now - longest:
            self.times.popleft()
        wait = 0.0
        for count, seconds in self.windows:
            if len(self.times) >= count:
                nth_newest = self.times[-count]
                if nth_newest > now - seconds:
                    wait = max(wait, nth_newest + seconds - now)
        return wait

    def take(self, now: float) -> None:
        self.times.append(now)


def card_key(activity: dict[str, Any]) -> str:
    for attachment in activity.get("attachments") or []:
        body = (attachment.get("content") or {}).get("body") or []
        if body and isinstance(body[0], dict) and body[0].get("text"):
            return str(body[0]["text"])
    return str(activity.get("text") or "")


@dataclass
class ThrottledConnector:
    key_of: Callable[[dict[str, Any]], str] = card_key
    clock: Callable[[], float] = time.monotonic
    delivered: Counter[str] = field(default_factory=Counter)
    accepted_at: list[float] = field(default_factory=list)  # `clock` seconds, as limited
    http_429: int = 0
    requests: int = 0
    members: list[dict[str, Any]] = field(default_factory=list)
    _tenant: SlidingLimit = field(default_factory=lambda: SlidingLimit(TENANT))
    _conversations: dict[str, SlidingLimit] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    port: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.post("/v3/conversations", self._create),
                web.post("/v3/conversations/{conv}/activities", self._send),
                web.post("/v3/conversations/{conv}/activities/{reply}", self._send),
                web.get("/v3/conversations/{conv}/pagedmembers", self._paged),
                web.get("/_stats", self._stats),
            ]
        )
        return app

    async def start(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _throttled(self, conversation: str | None, now: float) -> web.Response | None:
        """A 429 if this request would break a limit; else count it and return None."""
        self.requests += 1
        limits = [self._tenant]
        if conversation is not None:
            limits.append(self._conversations.setdefault(conversation, SlidingLimit(CONVERSATION)))
        wait = max(limit.wait(now) for limit in limits)
        if wait > 0:
            self.http_429 += 1
            retry_after = str(max(1, math.ceil(wait)))
            return web.json_response(
                {"error": {"code": "TooManyRequests"}},
                status=429,
                headers={"Retry-After": retry_after},
            )
        for limit in limits:
            limit.take(now)
        return None

    async def _send(self, request: web.Request) -> web.Response:
        activity = await request.json()
        now = self.clock()
        refused = self._throttled(request.match_info["conv"], now)
        if refused is not None:
            return refused
        self.delivered[self.key_of(activity)] += 1
        self.accepted_at.append(now)
        return web.json_response({"id": f"activity-{next(self._ids)}"}, status=201)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        refused = self._throttled(None, self.clock())
        if refused is not None:
            return refused
        return web.json_response({"id": f"a:personal-{body['members'][0]['id']}"}, status=201)

    async def _paged(self, request: web.Request) -> web.Response:
        refused = self._throttled(None, self.clock())
        if refused is not None:
            return refused
        size = int(request.query.get("pageSize", "500"))
        start = int(request.query.get("continuationToken", "0") or 0)
        body: dict[str, Any] = {"members": self.members[start : start + size]}
        if start + size < len(self.members):
            body["continuationToken"] = str(start + size)
        return web.json_response(body)

    def stats(self) -> dict[str, Any]:
        keys = len(self.delivered)
        accepted = sum(self.delivered.values())
        return {
            "requests": self.requests,
            "accepted": accepted,
            "distinct": keys,
            "duplicates": accepted - keys,
            "http_429": self.http_429,
            "busiest_second": busiest(self.accepted_at, 1.0),
        }

    async def _stats(self, _: web.Request) -> web.Response:
        return web.json_response(self.stats())


def busiest(times: Sequence[float], seconds: float) -> int:
    """The most events in any `seconds`-long stretch."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


if __name__ == "__main__":
    web.run_app(
        ThrottledConnector().app(),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        print=None,
        access_log=None,
    )
