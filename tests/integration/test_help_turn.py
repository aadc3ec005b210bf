"""The `help` turn's path (issue 17): what it still does every time, and what it no longer does.

A known person's `help` reads their row and roles (one statement, afresh every turn, so a revoked
role takes effect at once) and commits nothing: it only reads, and a commit is one more round
trip to the database (on SQLite, one more hand-off to aiosqlite's thread).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer, make_mocked_request
from sqlalchemy import event

from bot.clock import FixedClock
from bot.settings import Settings
from bot.teams import web as teams_web
from bot.teams.web import AccessLog, create_app
from storage.db import Database
from tests.conftest import ADMIN, TUTOR
from tests.support.bot import started_from_cli
from tests.support.cards import card_text, only_card
from tests.support.teams import Place, TeamsClient

MATHS = Place.channel()


@contextmanager
def database_calls(db: Database) -> Iterator[list[str]]:
    """The statements, commits and rollbacks the engine's connections run."""
    calls: list[str] = []
    sync = db.engine.sync_engine

    def statement(*args: Any) -> None:
        calls.append(str(args[2]))

    def commit(_: Any) -> None:
        calls.append("COMMIT")

    event.listen(sync, "before_cursor_execute", statement)
    event.listen(sync, "commit", commit)
    try:
        yield calls
    finally:
        event.remove(sync, "before_cursor_execute", statement)
        event.remove(sync, "commit", commit)


async def test_a_known_persons_help_reads_once_and_commits_nothing(
    teams: TeamsClient, sqlite_db: Database
) -> None:
    for place in (None, MATHS):
        await teams.say(TUTOR, "hello", place, mention=place is not None)  # stored, and warm
        with database_calls(sqlite_db) as calls:
            sent = await teams.say(TUTOR, "help", place, mention=place is not None)
        assert "What I can do" in card_text(only_card(sent))
        assert len(calls) == 1 and "COMMIT" not in calls, calls


async def test_a_known_persons_row_and_roles_are_read_with_one_prebuilt_statement(
    teams: TeamsClient, sqlite_db: Database
) -> None:
    """Built once, not every turn: its construction and cache key cost ~50 us a turn."""
    invoked: list[Any] = []

    def statement(*args: Any) -> None:
        invoked.append(args[4].invoked_statement)

    await teams.say(TUTOR, "hello")
    event.listen(sqlite_db.engine.sync_engine, "before_cursor_execute", statement)
    try:
        for _ in range(2):
            await teams.say(TUTOR, "help")
    finally:
        event.remove(sqlite_db.engine.sync_engine, "before_cursor_execute", statement)
    assert len(invoked) == 2 and invoked[0] is invoked[1]


async def test_a_first_turn_is_still_stored(teams: TeamsClient, sqlite_db: Database) -> None:
    """`help` commits nothing of its own; a new person is stored (and committed) all the same."""
    with database_calls(sqlite_db) as calls:
        await teams.say(TUTOR, "help")
    assert "COMMIT" in calls
    with database_calls(sqlite_db) as calls:
        await teams.say(TUTOR, "help")
    assert calls.count("COMMIT") == 0 and len(calls) == 1, calls


async def test_a_revoked_role_leaves_the_help_card_at_once(teams: TeamsClient) -> None:
    def words(sent: Any) -> str:
        return card_text(only_card(sent))

    await teams.say(ADMIN, "admin grant tom@college.ac.uk org admin")
    admin_help = words(await teams.say(TUTOR, "help"))
    assert "admin" in admin_help.split()
    await teams.say(ADMIN, "admin revoke tom@college.ac.uk org admin")
    tutor_help = words(await teams.say(TUTOR, "help"))
    assert "admin" not in tutor_help.split() and tutor_help != admin_help
    await teams.say(ADMIN, "admin grant tom@college.ac.uk org admin")
    assert words(await teams.say(TUTOR, "help")) == admin_help


async def test_the_served_app_freezes_what_start_up_made(
    settings: Settings, sqlite_db: Database, clock: FixedClock
) -> None:
    """`tlc start` makes its app with `freeze=True`: what start-up made is out of the garbage
    collector's full collections (each walked ~280,000 objects: ~180 ms). Tests' apps do not."""
    gc.unfreeze()
    try:
        for freeze in (False, True):
            server = TestServer(create_app(settings, clock=clock, db=sqlite_db, freeze=freeze))
            await server.start_server()
            try:
                assert (gc.get_freeze_count() > 0) is freeze
            finally:
                await server.close()
    finally:
        gc.unfreeze()


def test_the_access_log_keeps_failed_and_slow_requests_only(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    logger = logging.getLogger("aiohttp.access")
    access = AccessLog(logger, "")
    request = make_mocked_request("POST", "/api/messages")
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        access.log(request, web.Response(status=201), 0.004)  # a turn that went well
        assert not caplog.records
        access.log(request, web.Response(status=502), 0.004)
        access.log(request, web.Response(status=201), 2.5)
    assert [r.getMessage() for r in caplog.records] == [
        "POST /api/messages 502 in 4 ms",
        "POST /api/messages 201 in 2500 ms",
    ]
    assert started_from_cli(monkeypatch)["access_log_class"] is AccessLog


async def test_local_mode_asks_botbuilder_only_about_a_token(
    settings: Settings,
    sqlite_db: Database,
    clock: FixedClock,
    connector: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without an app id botbuilder accepts any request that has no token (authentication is
    off), so a local turn without one skips it; one with a token is still checked (and refused:
    local mode has no app id to check it against)."""
    asked: list[str] = []
    real = teams_web.make_authentication

    def spying(settings: Settings) -> Any:
        authentication = real(settings)
        check = authentication.authenticate_request

        async def authenticate_request(activity: Any, auth: str) -> Any:
            asked.append(auth)
            return await check(activity, auth)

        authentication.authenticate_request = authenticate_request  # type: ignore[method-assign]
        return authentication

    monkeypatch.setattr(teams_web, "make_authentication", spying)
    server = TestServer(create_app(settings, clock=clock, db=sqlite_db), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            client = TeamsClient(str(server.make_url("/api/messages")), connector, http)
            sent = await client.say(TUTOR, "help")
            assert "What I can do" in card_text(only_card(sent)) and asked == []
            activity = client._base(TUTOR, Place.personal(TUTOR), "message")
            activity["text"] = "help"
            headers = {"Authorization": "Bearer not-a-token"}
            async with http.post(client.bot_url, json=activity, headers=headers) as resp:
                assert resp.status == 401
            assert asked == ["Bearer not-a-token"]
    finally:
        await server.close()
