"""A team's roster read on install, whole turns over real HTTP, on SQLite (a file) and
PostgreSQL: Teams (and the Agents Playground) sends an install in a team as two activities at
once, an installationUpdate and a conversationUpdate with the bot among membersAdded, and
people talk meanwhile. Whatever else is written at that moment, the roster is recorded once:
everyone on it a member of the team, the read's time kept, and no roster left unrecorded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select, update

from bot.app.turn import UserRef
from bot.clock import FixedClock
from bot.teams.connector import Connector
from bot.teams.web import BOT_KEY, create_app
from storage.db import Database
from storage.models import Organisation, Person, Team, TeamMember
from storage.outbox import RosterSync
from storage.people import Directory
from tests.conftest import ADMIN, MANAGER, TUTOR, local_settings
from tests.support.teams import BOT, Place, TeamsClient, User

ORG = "tenant-1"
TEAM = Place.channel("19:team-tl@thread.tacv2", team_name="Teaching & Learning")
TIA = User("tia", "Tia Tutor", "tia@college.ac.uk")
LEE = User("lee", "Lee Librarian", "lee@college.ac.uk")
ROSTER = (ADMIN, TUTOR, MANAGER, TIA, LEE)
NOT_RECORDED = "not recorded"


@pytest.fixture
def teams_app(db: Database, clock: FixedClock) -> web.Application:
    """The bot on SQLite and on PostgreSQL (the shared `teams` fixture serves this app)."""
    return create_app(local_settings(db.url, admins=ADMIN.email), clock=clock, db=db)


def _installs(teams: TeamsClient) -> list[dict[str, Any]]:
    """What Teams sends when TLC is added to a team: both activities, at once."""
    install = teams._base(ADMIN, TEAM, "installationUpdate")
    install["action"] = "add"
    added = teams._base(ADMIN, TEAM, "conversationUpdate")
    added["membersAdded"] = [dict(BOT)]
    added["channelData"]["eventType"] = "teamMemberAdded"
    return [install, added]


async def _members(db: Database) -> tuple[set[str], int]:
    """The emails of the team's members, and how many roster reads are kept for it."""
    async with db.unit_of_work() as uow:
        team = await uow.session.scalar(select(Team).where(Team.team_id == TEAM.team_id))
        assert team is not None
        emails = await uow.session.scalars(
            select(Person.email).join(TeamMember).where(TeamMember.team_pk == team.id)
        )
        syncs = await uow.session.scalar(
            select(func.count()).select_from(RosterSync).where(RosterSync.team_pk == team.id)
        )
        return {e for e in emails if e}, int(syncs or 0)


def _unrecorded(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if NOT_RECORDED in r.getMessage()]


async def test_install_sent_twice_at_once_with_a_message_records_the_roster_once(
    teams: TeamsClient,
    teams_app: web.Application,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both activities read the roster from Teams; Teams answers them at the same moment."""
    teams.on_roster(*ROSTER)
    paged_members = Connector.paged_members
    both = asyncio.Barrier(2)

    async def answered_together(self: Connector, *args: Any) -> Any:
        members = await paged_members(self, *args)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both.wait(), 2)
        return members

    monkeypatch.setattr(Connector, "paged_members", answered_together)
    await teams.say(ADMIN, "hello")
    caplog.set_level(logging.INFO)
    hello = teams._base(TUTOR, Place.personal(TUTOR), "message")
    hello["text"] = "hello"
    await asyncio.gather(*(teams.post(a) for a in [*_installs(teams), hello]))
    assert teams.last_status < 300
    assert not [s for s in teams.connector.sent if "went wrong" in (s.text or "")]
    emails, syncs = await _members(teams_app[BOT_KEY].db)
    assert emails == {u.email for u in ROSTER}
    assert syncs == 1
    assert _unrecorded(caplog) == []


async def test_a_roster_read_while_another_unit_of_work_commits_is_recorded(
    teams: TeamsClient,
    teams_app: web.Application,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Something unrelated (the worker sending, another person's turn) commits after the roster
    read has begun reading and before its first write: the roster is recorded all the same."""
    db: Database = teams_app[BOT_KEY].db
    teams.on_roster(*ROSTER)
    await teams.say(ADMIN, "hello")
    seen = Directory.seen
    others: list[asyncio.Task[None]] = []

    async def rename() -> None:
        async with db.unit_of_work() as uow:
            await uow.session.execute(
                update(Organisation).where(Organisation.id == ORG).values(name="Riverside")
            )
            await uow.commit()

    async def seen_meanwhile(self: Directory, org_id: str, user: UserRef, now: Any) -> Person:
        if self.session.in_nested_transaction() and not others:
            await self.session.scalar(select(func.count()).select_from(Person))  # has read
            others.append(asyncio.create_task(rename()))
            await asyncio.wait(others, timeout=0.5)  # it commits now, or once this turn has
        return await seen(self, org_id, user, now)

    monkeypatch.setattr(Directory, "seen", seen_meanwhile)
    caplog.set_level(logging.INFO)
    await teams.post(_installs(teams)[0])
    assert teams.last_status < 300
    await asyncio.gather(*others)
    assert others, "the roster was not read"
    emails, syncs = await _members(db)
    assert emails == {u.email for u in ROSTER}
    assert syncs == 1
    assert _unrecorded(caplog) == []
    async with db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None and org.name == "Riverside"
