"""Turns per second: TLC's `help` turn against the stock botbuilder echo bot, same connector.

Starts a loopback connector, the stock echo bot and TLC (each its own process, SQLite file for
TLC), then drives each with Teams-shaped message activities at 1 and 32 concurrent
conversations and prints JSON: turns/s, p50 and p99 latency in ms, and the TLC/echo ratio.

    .venv/bin/python -m benchmarks.turns [--seconds 8] [--concurrency 1 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_listening(port: int, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


def activity(service_url: str, conv: int, n: int) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"bench-{conv}-{n}",
        "text": "help",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:user{conv}", "name": f"User {conv}", "aadObjectId": f"aad-{conv}"},
        "recipient": {"id": "28:bot", "name": "TLC"},
        "conversation": {
            "id": f"a:conv-{conv}",
            "conversationType": "personal",
            "tenantId": "bench",
        },
        "channelData": {"tenant": {"id": "bench"}},
    }


async def drive(url: str, service_url: str, concurrency: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency + 4)) as http:
        # Warm up: every conversation once (first sight of a person is a different path).
        await asyncio.gather(
            *(http.post(url, json=activity(service_url, c, 0)) for c in range(concurrency))
        )

        async def one(conv: int) -> None:
            nonlocal errors
            n = 1
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                async with http.post(url, json=activity(service_url, conv, n)) as resp:
                    await resp.read()
                    if resp.status >= 300:
                        errors += 1
                latencies.append(time.perf_counter() - t0)
                n += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(c) for c in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "turns": len(latencies),
        "errors": errors,
        "turns_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    args = parser.parse_args()
    connector_port, echo_port, tlc_port = free_port(), free_port(), free_port()
    service_url = f"http://127.0.0.1:{connector_port}/"
    results: dict[str, Any] = {"machine_cores": os.cpu_count(), "seconds_per_run": args.seconds}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        procs = [
            start(["-m", "benchmarks.loopback_connector", str(connector_port)]),
            start(["-m", "benchmarks.stock_echo", str(echo_port)]),
            start(
                ["-m", "bot.cli", "start"],
                {
                    "PORT": str(tlc_port),
                    "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
                    "TLC_RUN_WORKER": "false",
                },
            ),
        ]
        for p in procs:
            stack.callback(p.kill)
        for port in (connector_port, echo_port, tlc_port):
            await wait_listening(port)
        for concurrency in args.concurrency:
            echo = await drive(
                f"http://127.0.0.1:{echo_port}/api/messages", service_url, concurrency, args.seconds
            )
            tlc = await drive(
                f"http://127.0.0.1:{tlc_port}/api/messages", service_url, concurrency, args.seconds
            )
            results[f"c{concurrency}"] = {
                "stock_echo": echo,
                "tlc_help": tlc,
                "ratio_tlc_to_echo": round(tlc["turns_per_s"] / max(echo["turns_per_s"], 0.1), 2),
            }
    results["target"] = "tlc_help >= 4x stock_echo turns/s at c32"
    results["met"] = results.get("c32", {}).get("ratio_tlc_to_echo", 0) >= 4
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
