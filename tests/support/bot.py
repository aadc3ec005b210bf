"""The bot under test as each story's fixture holds it (observations, walks, quality): apart from
tests/support/teams.py, which speaks Teams to any bot and needs none of the bot's own modules."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.db import Database
from tests.support.loopback import LoopbackConnector
from tests.support.teams import TeamsClient


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
