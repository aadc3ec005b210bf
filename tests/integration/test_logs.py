"""Issue 10 point 5: logs carry no one's words; /healthz names no host or driver; local mode
warns when it listens beyond this machine."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot import logs
from bot.app.dispatch import SORRY, Dispatcher
from bot.app.turn import Reply
from bot.teams.web import BOT_KEY
from storage.db import Database
from tests.conftest import ADMIN, TUTOR
from tests.support.bot import started_from_cli
from tests.support.teams import Place, TeamsClient

TYPED = "my class 10B keeps talking over me"
FAILING = "please forget Ms Jones and her 10C group"
ACTIVITY = "f:1a2b3c4d5e6f7a8b9c0d"


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Everything logged, at every level, through the handler `tlc start` installs."""
    buffer = io.StringIO()
    root = logging.getLogger()
    handler = logs.private_handler(logging.StreamHandler(buffer))
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


class _Count(BaseModel):
    count: int


async def test_logs_carry_no_ones_words_at_any_level(
    teams: TeamsClient, log_text: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    await teams.say(ADMIN, "hello")
    await teams.say(TUTOR, "hello")
    await teams.say(ADMIN, "admin grant tom@college.ac.uk quality coordinator")
    values = {"topics": "behaviour", "other_topic": TYPED, "ways": "coaching", "campus": "any"}
    await teams.execute(TUTOR, "support.refer", values)

    async def failing(self: Dispatcher, ctx: Any) -> Reply:
        _Count.model_validate({"count": ctx.turn.text})  # its message quotes the text
        raise AssertionError("unreachable")

    monkeypatch.setattr(Dispatcher, "_command", failing)
    activity = teams._base(TUTOR, Place.personal(TUTOR), "message")
    activity["id"], activity["text"] = ACTIVITY, FAILING
    sent = await teams.post(activity)
    assert sent[0].text == SORRY

    # (The loopback stand-in for Teams serves /v3/... in this process: its access log is
    # Teams' own, not TLC's.)
    logged = "\n".join(ln for ln in log_text.getvalue().splitlines() if " /v3/" not in ln)
    assert "turn failed: activity f:1a2b3c…" in logged
    assert "pydantic_core._pydantic_core.ValidationError: (message withheld" in logged
    for secret in (
        TYPED,
        FAILING,
        "input_value",
        "Tom Tutor",
        "Ada Admin",
        "tom@college.ac.uk",
        ACTIVITY,
        TUTOR.aad,
    ):
        assert secret not in logged, secret


@pytest.fixture
def ours() -> Iterator[tuple[logging.Logger, logging.Handler, io.StringIO]]:
    """A logger of TLC's, its lines kept to itself, through the private handler."""
    buffer = io.StringIO()
    log = logging.getLogger("bot.test_logs")
    handler = logs.private_handler(logging.StreamHandler(buffer))
    log.addHandler(handler)
    log.propagate = False
    try:
        yield log, handler, buffer
    finally:
        log.removeHandler(handler)
        log.propagate = True


def test_an_exception_given_as_an_argument_is_logged_as_its_kind(
    ours: tuple[logging.Logger, logging.Handler, io.StringIO],
) -> None:
    log, handler, buffer = ours
    engine = logging.getLogger("sqlalchemy.engine.Engine")
    try:
        log.warning("could not: %s", ValueError(FAILING))
        log.debug("library", extra={})
        engine.addHandler(handler)
        engine.info("INSERT ... (%r,)", TYPED)
    finally:
        engine.removeHandler(handler)
    assert "could not: ValueError" in buffer.getvalue()
    assert FAILING not in buffer.getvalue() and TYPED not in buffer.getvalue()


async def test_a_database_error_is_logged_with_the_databases_code_and_nothing_typed(
    db: Database, ours: tuple[logging.Logger, logging.Handler, io.StringIO]
) -> None:
    """What the database said went wrong (its error name or SQLSTATE) is worth logging: it is
    how "database is locked" shows in a log. What was being written is not."""
    log, _, buffer = ours
    async with db.unit_of_work() as uow:
        await uow.session.execute(text("CREATE TEMP TABLE said (who VARCHAR(80) PRIMARY KEY)"))
        add, who = text("INSERT INTO said (who) VALUES (:who)"), {"who": TUTOR.email}
        await uow.session.execute(add, who)
        with pytest.raises(IntegrityError) as raised:
            await uow.session.execute(add, who)
        await uow.rollback()
    try:
        raise raised.value
    except IntegrityError as exc:
        log.warning("not recorded: %s", exc)
        log.exception("failed")
    code = "23505" if db.is_postgres else "SQLITE_CONSTRAINT_PRIMARYKEY"
    assert f"not recorded: IntegrityError [{code}]" in buffer.getvalue()
    assert f"sqlalchemy.exc.IntegrityError [{code}]: (message withheld" in buffer.getvalue()
    assert TUTOR.email not in buffer.getvalue()


def test_tlc_logging_is_private_on_the_root_logger() -> None:
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        handler = logs.configure(logging.INFO, io.StringIO())
        assert root.handlers == [handler]
        assert isinstance(handler.formatter, logs.PrivateFormatter)
        assert any(isinstance(f, logs.PrivateFilter) for f in handler.filters)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


async def test_healthz_says_database_unavailable_and_nothing_more(
    teams: TeamsClient, teams_app: web.Application, log_text: io.StringIO
) -> None:
    bot = teams_app[BOT_KEY]
    healthz = teams.bot_url.replace("/api/messages", "/healthz")
    async with teams.http.get(healthz) as resp:
        assert resp.status == 200 and (await resp.json())["status"] == "ok"
    working, bot.db = bot.db, Database("postgresql+asyncpg://tlc:s3cret@127.0.0.1:1/tlc")
    try:
        async with teams.http.get(healthz) as resp:
            assert resp.status == 503
            body = await resp.json()
    finally:
        await bot.db.dispose()
        bot.db = working
    assert body == {"status": "error", "database": "database unavailable"}
    assert "s3cret" not in log_text.getvalue() and "asyncpg" not in log_text.getvalue()


@pytest.mark.parametrize(
    ("host", "app_id", "warned"),
    [
        ("0.0.0.0", "", True),
        ("192.168.1.20", "", True),
        ("::", "", True),
        ("tlc.college.internal", "", True),
        ("127.0.0.1", "", False),
        ("::1", "", False),
        ("localhost", "", False),
        ("0.0.0.0", "00000000-0000-0000-0000-000000000001", False),
    ],
)
def test_local_mode_warns_at_start_when_it_listens_beyond_this_machine(
    host: str,
    app_id: str,
    warned: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOST", host)
    monkeypatch.setenv("MicrosoftAppId", app_id)
    monkeypatch.setenv("MicrosoftAppPassword", "x" if app_id else "")
    monkeypatch.setenv("MicrosoftAppType", "MultiTenant")
    assert started_from_cli(monkeypatch)["host"] == host
    err = capsys.readouterr().err
    assert ("WARNING: local mode" in err) is warned, err
