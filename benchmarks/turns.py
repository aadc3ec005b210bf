"""Turns per second for every kind of turn, beside the stock botbuilder echo bot and an
aiohttp-only echo (the ceiling), on the same loopback connector.

Starts a loopback connector, the stock echo bot, the aiohttp-only echo and one TLC process per
database (a SQLite file; a PostgreSQL database made for the run and dropped after), each its own
process. Each TLC is set up over HTTP as people would (an org admin, a line manager with a team,
a progression session in a channel), then every turn kind is driven with Teams-shaped activities:

- `help`: a message in a 1:1 chat;
- `ha27_save`: an HA27 (learning walk) Save pressed in a team channel, each press a new walk;
- `contribution`: a contribution to a live progression card in a channel (16 sessions, one per
  team channel, taken in turn);
- `referral`: a self-referral for support submitted (each by a tutor who has none open);
- `retry`: Teams sending an HA27 Save again that is already stored (answered from the store).

Rounds are interleaved (every system and kind once per round, in turn) and each figure is the
median over rounds. Prints JSON: turns/s, p50, p99, the ratio to the stock echo bot and the
fraction of the aiohttp ceiling, the load average around each round, and the targets met.

    .venv/bin/python -m benchmarks.turns [--quick] [--turns 300] [--rounds 3]
        [--concurrency 1 32] [--databases sqlite postgres] [--kinds help ha27_save ...]
        [--ceiling-seconds 2]   (the aiohttp-only echo runs at least this long each round)
        [--profile DIR]   (TLC under cProfile for the measured turns only: DIR/sqlite.prof, ...)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.fanout import drop_pg, pg_database

ROOT = Path(__file__).resolve().parent.parent
TENANT = "bench"
KINDS = ("help", "ha27_save", "contribution", "referral", "retry")
BENCH_WALK = {  # what the manager writes on each HA27 (one theme each way, no concern)
    "course": "Bench course",
    "minutes": "30",
    "focus": "Pace",
    "went_well": "questioning",
    "went_well_note": "Learners kept going.",
    "even_better_if": "stretch",
    "verbal_feedback": "yes",
}
SESSIONS = 16  # live progression cards, one per team channel; contributions go round them


def team(i: int) -> str:
    return f"19:team-bench{i}@thread.tacv2"


def channel_conversation(i: int) -> str:
    return f"{team(i)};messageid=1"


TUTOR_LIST = "tutors.csv"
TUTORS = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries\n"
    "Tutor1,tutor1@bench.example,North,Maths,classroom,manager@bench.example,no\n"
    "Tutor2,tutor2@bench.example,North,ESOL,classroom,manager@bench.example,no\n"
)


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


async def wait_listening(port: int, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


# --------------------------------------------------------------------- Teams-shaped activities


def person(key: str) -> dict[str, str]:
    """A Teams user; the loopback connector gives `29:KEY` the email KEY@bench.example."""
    return {"id": f"29:{key}", "name": key.title(), "aadObjectId": f"aad-{key}"}


def base(
    service_url: str, who: str, kind: str, activity_id: str, *, channel: int | None = None
) -> dict[str, Any]:
    """An activity in a 1:1 chat, or in the General channel of team number `channel`."""
    conversation: dict[str, Any] = {
        "id": f"a:personal-{who}" if channel is None else channel_conversation(channel),
        "conversationType": "personal" if channel is None else "channel",
        "tenantId": TENANT,
    }
    channel_data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if channel is not None:
        conversation["isGroup"] = True
        channel_data["team"] = {"id": team(channel), "name": f"Bench {channel}"}
        channel_data["channel"] = {"id": team(channel), "name": "General"}
    return {
        "type": kind,
        "id": activity_id,
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": person(who),
        "recipient": {"id": "28:bot", "name": "TLC"},
        "conversation": conversation,
        "channelData": channel_data,
        "locale": "en-GB",
    }


def say(
    service_url: str, who: str, text: str, activity_id: str, *, channel: int | None = None
) -> dict[str, Any]:
    act = base(service_url, who, "message", activity_id, channel=channel)
    if channel is not None:
        act["text"] = f"<at>TLC</at> {text}"
        act["entities"] = [
            {"type": "mention", "text": "<at>TLC</at>", "mentioned": {"id": "28:bot"}}
        ]
    else:
        act["text"] = text
    return act


def execute(
    service_url: str,
    who: str,
    verb: str,
    data: dict[str, Any],
    activity_id: str,
    *,
    channel: int | None = None,
) -> dict[str, Any]:
    """An Action.Execute (adaptiveCard/action invoke); untouched inputs absent, as Teams does."""
    act = base(service_url, who, "invoke", activity_id, channel=channel)
    sent = {k: v for k, v in data.items() if v not in ("", None)}
    act["name"] = "adaptiveCard/action"
    act["value"] = {
        "action": {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, **sent}},
        "trigger": "manual",
    }
    act["replyToId"] = "bot-card-1"
    return act


def find(node: Any, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    if isinstance(node, dict):
        if test(node):
            return node
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            got = find(item, test)
            if got is not None:
                return got
    return None


def button(card: Any, verb: str) -> dict[str, Any]:
    found = find(card, lambda n: n.get("type") == "Action.Execute" and n.get("verb") == verb)
    if found is None:
        raise RuntimeError(f"no {verb} button on the card")
    return {k: v for k, v in found["data"].items() if k != "verb"}


def first_choice(card: Any, input_id: str) -> str:
    found = find(card, lambda n: n.get("type") == "Input.ChoiceSet" and n.get("id") == input_id)
    if found is None or not found.get("choices"):
        raise RuntimeError(f"no choices for {input_id} on the card")
    return str(found["choices"][0]["value"])


# ------------------------------------------------------------------------------- the systems


@dataclass
class Tlc:
    """One TLC process, set up for every turn kind."""

    name: str
    url: str
    service_url: str
    process: subprocess.Popen[bytes]
    walk: dict[str, Any] = field(default_factory=dict)
    sessions: list[int] = field(default_factory=list)
    referrers: itertools.count[int] = field(default_factory=itertools.count)
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def activity(self, kind: str, worker: int, n: int) -> dict[str, Any]:
        sid = f"bench-{kind}-{worker}-{n}-{next(self.ids)}"
        url = self.service_url
        if kind == "help":
            return say(url, f"user{worker}", "help", sid)
        if kind == "ha27_save":
            return execute(url, "manager", "walk.save", self.walk, sid, channel=0)
        if kind == "retry":
            # The same press, sent again by Teams: already stored, answered from the store.
            return execute(url, "manager", "walk.save", self.walk, f"retry-{worker}", channel=0)
        if kind == "contribution":
            # Round the sessions, so each card holds tens of contributions, as a busy one would.
            place = (worker + n) % len(self.sessions)
            data = {"session": self.sessions[place], "position": 0, "contribution": f"Idea {sid}"}
            return execute(url, f"user{worker}", "cards.contribute", data, sid, channel=place)
        if kind == "referral":
            data = {"topics": "behaviour", "ways": "coaching", "campus": "North"}
            who = f"referrer{next(self.referrers)}"
            return execute(url, who, "support.refer", data, sid)
        raise ValueError(kind)


async def post(http: aiohttp.ClientSession, url: str, activity: dict[str, Any]) -> Any:
    async with http.post(url, json=activity) as resp:
        text = await resp.text()
        if resp.status >= 300:
            raise RuntimeError(f"{activity['id']}: {resp.status} {text[:300]}")
        return json.loads(text) if text else None


async def set_up(tlc: Tlc, referrers: int, workers: int) -> None:
    """As people would: the admin (named in TLC_ADMINS) makes Mia a line manager; Mia and two
    tutors are in the Bench team's channel; a progression session runs in each of 16 team
    channels, whose people have each said hello there; every
    would-be referrer and every `help` asker has said hello once (a turn of someone TLC knows);
    each retry worker's HA27 press is stored once, so Teams sending it again is a retry."""
    s, url = tlc.service_url, tlc.url
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=40)) as http:

        async def run(activity: dict[str, Any]) -> Any:
            return await post(http, url, activity)

        await run(say(s, "admin", "hello", "setup-admin"))
        tutor_list = say(s, "admin", "admin import", "setup-import")
        tutor_list["attachments"] = [
            {
                "contentType": "application/vnd.microsoft.teams.file.download.info",
                "name": TUTOR_LIST,
                "content": {"downloadUrl": f"{s}files/{TUTOR_LIST}", "fileType": "csv"},
            }
        ]
        await run(tutor_list)
        for who in ("manager", "tutor1", "tutor2", "user0"):
            await run(say(s, who, "hello", f"setup-{who}", channel=0))
        await run(say(s, "admin", "admin grant manager@bench.example line_manager", "setup-grant"))
        await run(say(s, "manager", "walk", "setup-walk", channel=0))
        card = await last_card(http, s, channel_conversation(0))
        tlc.walk = {
            **button(card, "walk.save"),
            "tutors": first_choice(card, "tutors"),
            "walk_date": time.strftime("%Y-%m-%d"),  # today: a walk is logged after it happens
            **BENCH_WALK,
        }
        saved = await run(execute(s, "manager", "walk.save", tlc.walk, "setup-save", channel=0))
        if "saved" not in json.dumps(saved):
            raise RuntimeError(f"the HA27 was not saved: {json.dumps(saved)[:400]}")
        for i in range(SESSIONS):
            await run(say(s, "user0", "cards", f"setup-cards-{i}", channel=i))
            start = button(await last_card(http, s, channel_conversation(i)), "cards.start")
            tlc.sessions.append(int(start["session"]))
            data = {**start, "issues": "1", "group": f"Bench {i}"}
            await run(execute(s, "user0", "cards.start", data, f"setup-start-{i}", channel=i))
        gate = asyncio.Semaphore(16)

        async def once(activity: dict[str, Any]) -> None:
            async with gate:
                await run(activity)

        await asyncio.gather(
            *(once(say(s, f"referrer{i}", "hello", f"setup-r{i}")) for i in range(referrers)),
            *(once(say(s, f"user{w}", "hello", f"setup-u{w}")) for w in range(workers)),
            *(
                once(say(s, f"user{w}", "hello", f"setup-c{w}-{i}", channel=i))
                for w in range(workers)
                for i in range(SESSIONS)
            ),
        )
        for w in range(workers):
            await run(execute(s, "manager", "walk.save", tlc.walk, f"retry-{w}", channel=0))


async def last_card(http: aiohttp.ClientSession, service_url: str, conversation: str) -> Any:
    """The card TLC last posted to a conversation, as the loopback connector kept it."""
    async with http.get(f"{service_url}bench/last/{conversation}") as resp:
        posted = await resp.json()
    return posted["attachments"][0]["content"]


# ------------------------------------------------------------------------------------ driving


def summary(latencies: list[float], elapsed: float, errors: int) -> dict[str, float]:
    latencies = sorted(latencies)
    return {
        "turns": len(latencies),
        "errors": errors,
        "turns_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000, 2),
    }


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used: steadier than turns/s on a
    shared machine, since waiting for a core is not counted."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(
    url: str,
    make: Callable[[int, int], dict[str, Any]],
    concurrency: int,
    turns: int,
    pid: int,
    seconds: float = 0.0,
) -> dict[str, float]:
    """`turns` turns from `concurrency` conversations at once, after one warm-up turn each, and
    more until `seconds` have passed; `pid` is the bot's process, whose CPU time per turn is
    reported."""
    latencies: list[float] = []
    errors = 0
    left = turns
    until = 0.0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency + 4)) as http:
        await asyncio.gather(*(http.post(url, json=make(w, 0)) for w in range(concurrency)))

        async def one(worker: int) -> None:
            nonlocal errors, left
            n = 1
            while left > 0 or time.perf_counter() < until:
                left -= 1
                activity = make(worker, n)
                t0 = time.perf_counter()
                async with http.post(url, json=activity) as resp:
                    await resp.read()
                    if resp.status >= 300:
                        errors += 1
                latencies.append(time.perf_counter() - t0)
                n += 1

        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(one(w) for w in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu
    result = summary(latencies, elapsed, errors)
    result["cpu_ms_per_turn"] = round(cpu * 1000 / max(len(latencies), 1), 2)
    return result


def echo_activity(service_url: str) -> Callable[[int, int], dict[str, Any]]:
    ids = itertools.count()

    def make(worker: int, n: int) -> dict[str, Any]:
        return say(service_url, f"user{worker}", "help", f"echo-{worker}-{n}-{next(ids)}")

    return make


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = ("turns_per_s", "p50_ms", "p99_ms", "cpu_ms_per_turn")
    out = {k: round(statistics.median(r[k] for r in runs), 2) for k in keys}
    out["errors"] = sum(r["errors"] for r in runs)
    out["rounds_turns_per_s"] = [r["turns_per_s"] for r in runs]  # type: ignore[assignment]
    return out


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=300, help="turns per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument(
        "--quick", action="store_true", help="a short run on a shared machine: 96 turns each"
    )
    parser.add_argument(
        "--ceiling-seconds",
        type=float,
        default=2.0,
        help="the aiohttp-only echo runs at least this long each round (96 turns take it "
        "~20 ms: too short to measure)",
    )
    parser.add_argument(
        "--profile", metavar="DIR", help="run TLC under cProfile; DIR/<database>.prof holds it"
    )
    args = parser.parse_args()
    if args.quick:
        args.turns = min(args.turns, 96)
    if args.profile:
        args.profile = str(Path(args.profile).resolve())
    return args


async def main() -> None:
    args = parse_args()
    connector_port, echo_port, ceiling_port = free_port(), free_port(), free_port()
    service_url = f"http://127.0.0.1:{connector_port}/"
    # Every referral is by someone with none open: one would-be referrer per referral turn.
    referrers = (args.turns + max(args.concurrency)) * args.rounds * len(args.concurrency)
    referrers = referrers if "referral" in args.kinds else 0
    workers = max(args.concurrency)
    results: dict[str, Any] = {
        "machine_cores": os.cpu_count(),
        "turns_per_measurement": args.turns,
        "rounds": args.rounds,
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    pg_names: list[str] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / TUTOR_LIST).write_text(TUTORS)
        procs = [
            start(["-m", "benchmarks.loopback_connector", str(connector_port), tmp]),
            start(["-m", "benchmarks.stock_echo", str(echo_port)]),
            start(["-m", "benchmarks.aiohttp_echo", str(ceiling_port)]),
        ]
        tlcs: list[Tlc] = []
        for database in args.databases:
            port = free_port()
            if database == "sqlite":
                url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            else:
                url, name = await pg_database()
                pg_names.append(name)
            env = {
                "PORT": str(port),
                "DATABASE_URL": url,
                "TLC_RUN_WORKER": "false",
                "TLC_ADMINS": "admin@bench.example",
            }
            command = ["-m", "bot.cli", "start"]
            if args.profile:
                env["TLC_PROFILE"] = f"{args.profile}/{database}.prof"
                command = ["-m", "benchmarks.profiled_tlc"]
            procs.append(start(command, env))
            tlcs.append(
                Tlc(database, f"http://127.0.0.1:{port}/api/messages", service_url, procs[-1])
            )
        for p in procs:
            stack.callback(p.kill)
        try:
            for port in (connector_port, echo_port, ceiling_port):
                await wait_listening(port)
            for tlc in tlcs:
                await wait_listening(int(tlc.url.split(":")[2].split("/")[0]))
                await set_up(tlc, referrers, workers)
            for tlc in tlcs if args.profile else []:
                tlc.process.send_signal(signal.SIGUSR1)
            results["measured"] = await measure(
                args,
                tlcs,
                service_url,
                (echo_port, procs[1].pid),
                (ceiling_port, procs[2].pid),
            )
            for tlc in tlcs if args.profile else []:
                tlc.process.send_signal(signal.SIGUSR2)
            await asyncio.sleep(3 if args.profile else 0)  # the stats are written
        finally:
            for p in procs:
                p.kill()
            for name in pg_names:
                await drop_pg(name)
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = targets(results["measured"], args)
    print(json.dumps(results, indent=2))


async def measure(
    args: argparse.Namespace,
    tlcs: list[Tlc],
    service_url: str,
    echo: tuple[int, int],
    ceiling: tuple[int, int],
) -> dict[str, Any]:
    """Every system and turn kind once per round, rounds one after another; the medians.
    `echo` and `ceiling` are (port, pid) of the stock echo bot and the aiohttp-only echo."""
    (echo_port, echo_pid), (ceiling_port, ceiling_pid) = echo, ceiling
    raw: dict[str, list[dict[str, float]]] = {}
    loads: list[list[float]] = []
    echo_url = f"http://127.0.0.1:{echo_port}/api/messages"
    ceiling_url = f"http://127.0.0.1:{ceiling_port}/api/messages"
    for _ in range(args.rounds):
        for c in args.concurrency:
            for name, url, pid, seconds in (
                ("stock_echo", echo_url, echo_pid, 0.0),
                ("aiohttp_ceiling", ceiling_url, ceiling_pid, args.ceiling_seconds),
            ):
                make = echo_activity(service_url)
                got = await drive(url, make, c, args.turns, pid, seconds)
                raw.setdefault(f"c{c}/{name}", []).append(got)
            for tlc in tlcs:
                for kind in args.kinds:
                    got = await drive(
                        tlc.url,
                        lambda w, n, k=kind, t=tlc: t.activity(k, w, n),
                        c,
                        args.turns,
                        tlc.process.pid,
                    )
                    raw.setdefault(f"c{c}/{tlc.name}/{kind}", []).append(got)
        loads.append([round(x, 2) for x in os.getloadavg()])
    out: dict[str, Any] = {"load_after_each_round": loads}
    for key, runs in raw.items():
        out[key] = median_of(runs)
    for c in args.concurrency:
        echo = out[f"c{c}/stock_echo"]["turns_per_s"]
        ceiling = out[f"c{c}/aiohttp_ceiling"]["turns_per_s"]
        for tlc in tlcs:
            for kind in args.kinds:
                row = out[f"c{c}/{tlc.name}/{kind}"]
                row["ratio_to_stock_echo"] = round(row["turns_per_s"] / max(echo, 0.1), 2)
                row["fraction_of_aiohttp_ceiling"] = round(
                    row["turns_per_s"] / max(ceiling, 0.1), 3
                )
    return out


def targets(measured: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The issue's targets, each with what was measured (c=32 only)."""
    top = max(args.concurrency)
    out: dict[str, Any] = {}
    for db in args.databases:
        for kind in args.kinds:
            row = measured[f"c{top}/{db}/{kind}"]
            floor = 6 if kind == "help" else 3
            out[f"{db}/{kind}: >= {floor}x stock echo"] = [
                row["ratio_to_stock_echo"],
                row["ratio_to_stock_echo"] >= floor,
            ]
            out[f"{db}/{kind}: p99 < 150 ms"] = [row["p99_ms"], row["p99_ms"] < 150]
        if "help" in args.kinds:
            frac = measured[f"c{top}/{db}/help"]["fraction_of_aiohttp_ceiling"]
            out[f"{db}/help: >= 20% of aiohttp ceiling"] = [frac, frac >= 0.2]
    return out


if __name__ == "__main__":
    asyncio.run(main())
