"""The bot and the Microsoft 365 Agents Playground as real processes, and headless Chromium.

Everything stays on loopback: the bot on a free port, the Playground forced onto 127.0.0.1 by a
`node --require` preload (it would otherwise listen on all interfaces), and the browser refuses
any request that is not for 127.0.0.1 (the Playground asks a CDN for fonts; nothing breaks).

Without Chromium, Node or the Playground's node_modules the tests skip on a laptop and fail in CI
(CI=true), where `.ci/run` installs Chromium and `./dev test` runs `npm ci` in this folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PLAYGROUND_CLI = HERE / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PRELOAD = HERE / "loopback.cjs"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
LISTENING = re.compile(r"TLC-PLAYGROUND-LISTENING (\S+) (\d+)")
SCREENSHOTS = ROOT / "build" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"

# The Playground's people (it insists on exactly five besides the current user). The current
# user is an org admin through TLC_ADMINS, so the admin cards can be driven from the UI.
ADMIN_EMAIL = "ada.admin@college.ac.uk"
TENANT = "e2e-college"
PERSONAL_CHAT = "personal-chat-ada"


# The Playground config shipped for `./dev playground` (bot named TLC, Ada as the current user,
# a team with five colleagues): the e2e test uses the very same file.
PLAYGROUND_CONFIG_FILE = HERE / "playground.json"
PLAYGROUND_CONFIG: dict[str, Any] = json.loads(PLAYGROUND_CONFIG_FILE.read_text(encoding="utf-8"))
assert PLAYGROUND_CONFIG["tenantId"] == TENANT
assert PLAYGROUND_CONFIG["currentUser"]["email"] == ADMIN_EMAIL
assert PLAYGROUND_CONFIG["personalChat"]["id"] == PERSONAL_CHAT


def missing(what: str) -> None:
    """Skip on a laptop; in CI a missing prerequisite is a failure, not a silent skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"e2e prerequisite missing in CI: {what}")
    pytest.skip(f"e2e prerequisite missing: {what}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (loopback only)
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    url: str

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} log ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _spawn(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() ends it and its children
        )


def _wait(service: Service, ready: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            code = service.process.returncode
            pytest.fail(f"{service.name} exited with {code}\n{service.tail()}")
        value = ready()
        if value:
            return value
        time.sleep(0.2)
    service.stop()
    pytest.fail(f"{service.name} was not ready after {timeout:.0f} s\n{service.tail()}")


def _base_env() -> dict[str, str]:
    """The caller's environment less anything that would give the bot credentials."""
    drop = ("MicrosoftApp", "DATABASE_URL", "TLC_", "PORT", "HOST", "M365_AGENTS", "TEAMSAPP")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@pytest.fixture(scope="module")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} (apt-get install chromium)")
    if shutil.which("node") is None:
        missing("node (apt-get install nodejs npm)")
    if not PLAYGROUND_CLI.exists():
        missing(f"{PLAYGROUND_CLI} (cd tests/e2e && npm ci)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright Python package (pip install -e '.[dev]')")
    return tmp_path_factory.mktemp("e2e")


@contextlib.contextmanager
def running_bot(folder: Path, **extra: str) -> Iterator[Service]:
    """`tlc start` on a free loopback port with its own SQLite file (in `folder`), local mode."""
    port = free_port()
    env = {
        **_base_env(),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'tlc.db'}",
        "TLC_ADMINS": ADMIN_EMAIL,
        **extra,
    }
    tlc = Path(sys.executable).with_name("tlc")
    args = [str(tlc), "start"] if tlc.exists() else [sys.executable, "-m", "bot.cli", "start"]
    log = folder / "bot.log"
    service = Service("tlc start", _spawn(args, env, folder, log), log, f"http://127.0.0.1:{port}")
    _wait(service, lambda: _get(service.url + "/healthz") == 200, timeout=60)
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="module")
def bot(e2e_dir: Path) -> Iterator[Service]:
    with running_bot(e2e_dir) as service:
        yield service


@pytest.fixture(scope="module")
def playground(e2e_dir: Path, bot: Service) -> Iterator[Service]:
    with running_playground(e2e_dir, bot) as service:
        yield service


@contextlib.contextmanager
def running_playground(e2e_dir: Path, bot: Service) -> Iterator[Service]:
    """The Agents Playground, offline, wired to the bot; its real port read from the preload."""
    config = e2e_dir / "playground.json"
    config.write_text(json.dumps(PLAYGROUND_CONFIG, indent=2))
    env = {
        **_base_env(),
        "TEAMSAPPTESTER_BROWSER": "none",
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config),
    }
    for attempt in range(3):
        port = free_port()
        args = [
            "node",
            "--require",
            str(PRELOAD),
            str(PLAYGROUND_CLI),
            "--app-endpoint",
            f"{bot.url}/api/messages",
            "--channel-id",
            "msteams",
            "--port",
            str(port),
            "--service-url",
            f"http://127.0.0.1:{port}/_connector",
            "--disable-telemetry",
        ]
        log = e2e_dir / f"playground-{attempt}.log"
        service = Service("Agents Playground", _spawn(args, env, e2e_dir, log), log, "")

        def listening(log: Path = log) -> tuple[str, int] | None:
            found = LISTENING.search(log.read_text(errors="replace"))
            return (found.group(1), int(found.group(2))) if found else None

        host, real_port = _wait(service, listening, timeout=60)
        assert host == "127.0.0.1", f"the Playground listens on {host}, not loopback only"
        if real_port != port:
            # Someone took the port between our probe and its listen: it silently moved, so the
            # service URL the bot was given is wrong. Try again on another port.
            service.stop()
            continue
        service.url = url = f"http://127.0.0.1:{port}"
        _wait(service, lambda url=url: _get(url + "/_debug/ping") == 200, timeout=30)
        try:
            yield service
        finally:
            service.stop()
        return
    pytest.fail("the Playground never got the port it was given")


@pytest.fixture(scope="module")
def browser(e2e_dir: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


def open_tab(browser: Any, playground: Service) -> Any:
    """A fresh Playground tab (opening it installs the app in the personal chat again)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if url.startswith(LOOPBACK):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(playground.url + "/")
    return tab


@pytest.fixture
def page(browser: Any, playground: Service, bot: Service) -> Iterator[Any]:
    tab = open_tab(browser, playground)
    yield tab
    tab.context.close()


@dataclass
class FirstDay:
    """A college's first day: a bot on an EMPTY database (its worker sending every second), its
    own Playground, and a tab on it."""

    bot: Service
    playground: Service
    page: Any
    database: Path


@pytest.fixture
def first_day(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, e2e_dir: Path
) -> Iterator[FirstDay]:
    folder = tmp_path_factory.mktemp("first-day")
    with (
        running_bot(folder, TLC_RUN_WORKER="true", TLC_WORKER_INTERVAL="1") as bot,
        running_playground(folder, bot) as playground,
    ):
        tab = open_tab(browser, playground)
        try:
            yield FirstDay(bot, playground, tab, folder / "tlc.db")
        finally:
            tab.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failure, show the end of the bot's and the Playground's logs with the report."""
    report = yield
    if report.failed:
        funcargs = getattr(item, "funcargs", {})
        day = funcargs.get("first_day")
        found = {"bot": day.bot, "playground": day.playground} if day else funcargs
        if day is not None:  # what the page showed when it failed
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):
                day.page.screenshot(path=str(SCREENSHOTS / f"{item.name}-failed.png"))
        for name in ("bot", "playground"):
            service = found.get(name)
            if isinstance(service, Service):
                report.sections.append((f"{service.name} log", service.tail()))
    return report
