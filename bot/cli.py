"""The `tlc` command: start, migrate, the outbox worker and the admin tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from bot import logs
from bot.settings import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tlc", description="TLC, the Teaching & Learning Companion"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start", help="run the bot on $HOST:$PORT (default 127.0.0.1:3978)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    imp = sub.add_parser(
        "import-tutors",
        help="import the tutor list for an organisation: a .csv file or an Excel workbook (.xlsx)",
    )
    imp.add_argument("csv", type=Path, metavar="file")
    imp.add_argument("--org", required=True, help="the Teams tenant id")
    person = sub.add_parser(
        "person", help="one person's data (UK GDPR): export everything held, or erase them"
    )
    person_sub = person.add_subparsers(dest="person_command", required=True)
    export = person_sub.add_parser(
        "export", help="write everything TLC holds about one person: a JSON file and a .docx"
    )
    erase = person_sub.add_parser(
        "erase",
        help="delete the person's own records; others' records keep an anonymous placeholder",
    )
    for p in (export, erase):
        p.add_argument("--org", required=True, help="the Teams tenant id")
        p.add_argument("--email", required=True, help="the person's email")
    export.add_argument("--out", type=Path, default=Path("."), help="folder to write to")
    erase.add_argument(
        "--dry-run", action="store_true", help="say what would be erased, and change nothing"
    )
    cards = sub.add_parser(
        "cards", help="write every card the bot can send, with sample data, as JSON"
    )
    cards.add_argument("folder", type=Path, nargs="?", default=Path("build/cards"))
    worker = sub.add_parser(
        "worker", help="send reminders and proactive messages, apart from the bot process"
    )
    worker.add_argument("--once", action="store_true", help="one tick, then exit")
    worker.add_argument(
        "--interval", type=float, default=None, help="seconds between ticks ($TLC_WORKER_INTERVAL)"
    )
    pkg = sub.add_parser(
        "package",
        help="validate the Teams app manifest (offline) and write the app package zip",
    )
    pkg.add_argument("--app-id", help="the bot's Microsoft App ID (default: $MicrosoftAppId)")
    pkg.add_argument("--out", type=Path, default=Path("build/tlc-teams-app.zip"))
    pkg.add_argument(
        "--manifest-dir", type=Path, default=None, help="folder with manifest.json and icons"
    )
    pkg.add_argument(
        "--update-manifest",
        action="store_true",
        help="write the router's command lists into manifest/manifest.json and stop",
    )
    args = parser.parse_args(argv)
    quiet = args.command == "package"  # a build step: its own lines only
    logs.configure(logging.WARNING if quiet else logging.INFO)
    if args.command == "package":  # a build step: it needs the app id, not a runnable bot
        app_id = args.app_id if args.app_id is not None else os.environ.get("MicrosoftAppId", "")  # noqa: SIM112 - the Bot Framework name
        return _package(app_id, args.out, args.manifest_dir, update=args.update_manifest)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    commands: dict[str, Callable[[], int]] = {
        "start": lambda: _start(settings),
        "migrate": lambda: asyncio.run(_migrate(settings.database_url)),
        "import-tutors": lambda: asyncio.run(_import(settings.database_url, args.org, args.csv)),
        "cards": lambda: _cards(args.folder),
        "person": lambda: asyncio.run(_person(settings.database_url, args)),
        "worker": lambda: asyncio.run(_worker(settings, args.once, args.interval)),
    }
    return commands[args.command]()


def _start(settings: object) -> int:
    from aiohttp import web

    from bot.settings import Settings
    from bot.teams.web import AccessLog, create_app

    assert isinstance(settings, Settings)
    mode = "local mode (no credentials)" if settings.local_mode else f"app {settings.app_id}"
    warning = settings.exposed_warning()
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr, flush=True)
    print(
        f"TLC listening on http://{settings.host}:{settings.port}/api/messages — {mode}", flush=True
    )
    app = create_app(settings, freeze=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log_class=AccessLog)
    return 0


async def _migrate(url: str) -> int:
    from storage.db import Database

    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.dispose()
    print("database is up to date")
    return 0


async def _import(url: str, org: str, path: Path) -> int:
    from bot.app.tutor_import import import_file
    from bot.domain.uploads import NotAList, NotAWorkbook, read_list
    from bot.domain.words import plural

    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:  # no such file, a folder, not allowed to read it
        print(f"can't read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    # Read as the chat reads a sent list: a workbook's first worksheet, or CSV text. The file
    # is named by the admin, so any other name (a .txt, /dev/stdin) is read as CSV, as before;
    # only an old Excel workbook (.xls) is refused.
    as_type = "" if path.suffix.lower() == ".xls" else "csv"
    try:
        text = await asyncio.to_thread(read_list, path.name, as_type, raw)
    except NotAList as exc:
        what = " as an Excel workbook" if isinstance(exc, NotAWorkbook) else ""
        print(
            f"can't read {path}{what}: save it as an Excel Workbook (.xlsx) or as CSV",
            file=sys.stderr,
        )
        return 2
    result = await import_file(url, org, text)
    problems = result.problems
    print(f"{result.created} new, {result.updated} updated, ", end="")
    print(f"{plural(len(problems), 'row')} with problems")
    for line, message in problems:
        print(f"  line {line}: {message}")
    for typed, meant in result.checks:
        print(f"  check: line manager {typed} (imported as written): did you mean {meant}?")
    return 0 if not problems else 1


async def _worker(settings: object, once: bool, interval: float | None) -> int:
    """The outbox worker on its own. Several may run against one PostgreSQL database; on SQLite
    run one worker only (this, or the bot's own with TLC_RUN_WORKER=true, not both)."""
    import signal

    from bot.app.commands import build_notice_kinds
    from bot.app.worker import run_worker
    from bot.clock import SystemClock
    from bot.domain.words import plural
    from bot.settings import Settings
    from bot.teams.adapter import make_token_source
    from bot.teams.connector import Connector
    from bot.teams.notifier import teams_worker
    from storage.db import AnotherWorker, Database

    assert isinstance(settings, Settings)
    clock = SystemClock()
    db = Database(settings.database_url, pool_size=settings.db_pool_size)
    connector = Connector(make_token_source(settings))
    try:
        await db.migrate()
        worker = teams_worker(settings, db, build_notice_kinds(), connector, clock)
        try:
            worker.begin()
        except AnotherWorker as exc:
            print(f"TLC worker not started: {exc}", file=sys.stderr, flush=True)
            await worker.close()
            return 2
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop)
        if once:
            sent = await worker.tick(clock.now())
            print(f"sent {plural(sent, 'message')}", flush=True)
        else:
            print(f"TLC worker: {db.engine.dialect.name}, {worker.slots} senders", flush=True)
            await run_worker(worker, clock, interval or settings.worker_interval)
        log = logging.getLogger("bot.worker")
        log.info("worker stopped: %s", dict(worker.stats))
        await worker.close()
    finally:
        await connector.close()
        await db.dispose()
    return 0


async def _person(url: str, args: argparse.Namespace) -> int:
    from bot.app.privacy import erase, person_export
    from bot.clock import SystemClock
    from storage.db import Database
    from storage.people import Directory
    from storage.privacy import holdings

    db = Database(url)
    try:
        await db.migrate()
        async with db.unit_of_work() as uow:
            directory = Directory(uow.session)
            found = await directory.person_by_email(args.org, args.email)
            if found is None:
                print(f"nobody with that email in organisation {args.org}", file=sys.stderr)
                return 1
            now = SystemClock().now()
            if args.person_command == "export":
                how = "subject access export at the command line (tlc person export)"
                raw, doc, stem = await person_export(directory, found, None, how, now)
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / f"{stem}.json").write_bytes(raw)
                (args.out / f"{stem}.docx").write_bytes(doc)
                await uow.commit()
                print(f"wrote {args.out / (stem + '.json')} and {args.out / (stem + '.docx')}")
                return 0
            if args.dry_run:
                held = await holdings(uow.session, found.org_id, found.id)
                _print_counts("would delete:", {n: len(ids) for n, ids in held.own.items()})
                named = {n: {i for i, _ in refs} for n, refs in held.mentions.items()}
                for n, ids in held.kept.items():
                    named.setdefault(n, set()).update(ids)
                _print_counts(
                    "would anonymise (records of others that name them, a group's record):",
                    {n: len(ids) for n, ids in named.items()},
                )
                return 0
            erasure = await erase(directory, found, None, now)
            await uow.commit()
        print(f"erased person {found.id}")
        _print_counts("deleted:", erasure.deleted)
        _print_counts("anonymised:", erasure.anonymised)
        return 0
    finally:
        await db.dispose()


def _print_counts(heading: str, counts: Mapping[str, int]) -> None:
    """A heading, then each table's name and its count, by name."""
    print(heading)
    for name, n in sorted(counts.items()):
        print(f"  {name}: {n}")


def _cards(folder: Path) -> int:
    from cards.samples import write_samples

    written = write_samples(folder)
    print(f"wrote {len(written)} cards to {folder}")
    return 0


def _package(app_id: str, out: Path, manifest_dir: Path | None, *, update: bool) -> int:
    from bot.app.commands import build_router
    from bot.teams.manifest import MANIFEST_DIR, ManifestError, command_lists, update_template
    from bot.teams.manifest import write_package as write

    folder = manifest_dir or MANIFEST_DIR
    router, _ = build_router()
    if update:
        changed = update_template(router, folder)
        print(f"{folder / 'manifest.json'}: command lists {'updated' if changed else 'unchanged'}")
        return 0
    try:
        manifest = write(router, app_id, out, folder)
    except ManifestError as exc:
        print(
            f"The Teams app package was not written ({folder / 'manifest.json'}):", file=sys.stderr
        )
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    for scope, words in command_lists(router).dropped.items():
        print(
            f"note: Teams shows 10 commands per scope; not in the {scope} menu: {', '.join(words)}"
        )
    commands = sum(len(c["commands"]) for b in manifest["bots"] for c in b["commandLists"])
    print(
        f"wrote {out} (manifest {manifest['manifestVersion']}, version {manifest['version']}, "
        f"app id {app_id.strip()}, {commands} menu commands): upload it in Teams (Apps > Manage "
        "your apps > Upload an app) or in the Teams admin center"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
