"""The bot under test as each story's fixture holds it (observations, walks, quality): apart from
tests/support/teams.py, which speaks Teams to any bot and needs none of the bot's own modules."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from bot import cli
from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.db import Database
from storage.people import Directory
from tests.support.cards import card_nodes
from tests.support.databases import stored_rows
from tests.support.loopback import LoopbackConnector
from tests.support.teams import TENANT, TeamsClient, User, cards_to


@dataclass
class BotOverHttp:
    """The bot under test: its application, its clock and the Teams client that speaks to it.
    Each story's fixture (observations, walks, quality) adds the verbs its tests read like."""

    teams: TeamsClient
    app: web.Application
    clock: FixedClock

    @property
    def connector(self) -> LoopbackConnector:
        return self.teams.connector

    def db(self) -> Database:
        return self.app[BOT_KEY].db


async def tick(app: web.Application, clock: FixedClock) -> int:
    return int(await app[BOT_KEY].worker.tick(clock.now()))


async def next_card_to(
    teams: TeamsClient,
    app: web.Application,
    clock: FixedClock,
    user: User,
    having: str | None = None,
) -> dict[str, Any]:
    """The last card the worker's next tick sends `user` (what was sent before is cleared);
    with `having`, the last one with a button of that verb: the worker sends what is due at
    once, so two cards due at the same moment arrive in either order."""
    teams.connector.clear()
    await tick(app, clock)
    cards = cards_to(teams.connector, user)
    if having is not None:
        cards = [c for c in cards if any(n.get("verb") == having for n in card_nodes(c))]
    assert cards, f"no card{f' with {having}' if having else ''} sent to {user.name}"
    return cards[-1]


async def rows(app: web.Application, model: type[Any]) -> list[Any]:
    """Every stored row of `model`, in id order."""
    return await stored_rows(app[BOT_KEY].db, model)


async def person_id(app: web.Application, user: User) -> int:
    """The id of `user`'s person row (they must be known to the bot)."""
    async with app[BOT_KEY].db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_email(TENANT, user.email)
        assert person is not None
        return person.id


def started_from_cli(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """`tlc start` as typed, stopped where it would serve: what it asked aiohttp's `run_app` for
    (host, port, access log class…). The root logger `cli` configures is put back as it was."""
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(web, "run_app", lambda app, **kw: started.append(kw))
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        assert cli.main(["start"]) == 0
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert len(started) == 1, started
    return started[0]
