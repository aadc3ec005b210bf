"""benchmarks/turns.py's driver: the aiohttp-only ceiling answers 96 turns in ~20 ms, too short
to measure, so a measurement can be held to a least duration (`--ceiling-seconds`)."""

from __future__ import annotations

import os
import sys
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from benchmarks.turns import drive, parse_args


async def test_a_measurement_lasts_at_least_the_seconds_asked() -> None:
    app = web.Application()

    async def answer(_: web.Request) -> web.Response:
        return web.Response(status=201)

    app.router.add_post("/api/messages", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url("/api/messages"))
        started = time.perf_counter()
        short = await drive(url, lambda w, n: {"n": n}, 2, 4, os.getpid())
        assert short["turns"] == 4
        held = await drive(url, lambda w, n: {"n": n}, 2, 4, os.getpid(), seconds=0.3)
        assert time.perf_counter() - started >= 0.3
        assert held["turns"] > 4 and held["errors"] == 0
        assert held["turns"] / held["turns_per_s"] >= 0.3  # elapsed, as measured
    finally:
        await server.close()


def test_the_ceiling_runs_two_seconds_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["turns", "--quick"])
    assert parse_args().ceiling_seconds == 2.0
    monkeypatch.setattr(sys, "argv", ["turns", "--ceiling-seconds", "0.5"])
    assert parse_args().ceiling_seconds == 0.5
