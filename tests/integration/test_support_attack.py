"""Attacks on the support programme's confidentiality and stale cards, over real HTTP: a head of
T&L who line-manages the tutor, a card pressed after the programme ended, reads that must be
in the tutor's access log."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.people import Directory
from storage.privacy import AccessEntry
from storage.reminders import ScheduledItem
from tests.conftest import ADMIN, MANAGER, TUTOR
from tests.support.bot import tick
from tests.support.cards import button_data, card_text, only_card
from tests.support.support_college import AMY, HAL, ask_amy, college
from tests.support.teams import TeamsClient, texts_to

ORG = "tenant-1"


async def start(
    teams: TeamsClient, app: web.Application, clock: FixedClock, kind: str = "towards_outstanding"
) -> int:
    """Tom refers himself; Amy takes him on as a programme of `kind`: its id."""
    await college(teams)
    data = button_data(await ask_amy(teams, app, clock), "support.accept")
    answer = await teams.answer(AMY, "support.accept", {**data, "kind": kind})
    if kind == "support_to_good":
        answer = await teams.answer(TUTOR, "support.consent", data)
    programme_id = int(button_data(answer, "programme.open")["programme_id"])
    await tick(app, clock)
    teams.connector.clear()
    return programme_id


async def person_id(app: web.Application, email: str) -> int:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_email(ORG, email)
        assert person is not None
        return person.id


async def reads_by(app: web.Application, reader_email: str) -> list[AccessEntry]:
    reader = await person_id(app, reader_email)
    async with app[BOT_KEY].db.unit_of_work() as uow:
        rows = await uow.session.scalars(select(AccessEntry).where(AccessEntry.reader_id == reader))
        return list(rows)


async def test_a_head_of_tl_who_line_manages_the_tutor_is_not_sent_the_monthly_report(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom's self-referral is confidential from his line manager, Mia. Made head of T&L too,
    she must not be sent Amy's monthly report about him (Hal, the other head, is)."""
    pid = await start(teams, teams_app, clock)
    granted = await teams.say(ADMIN, "admin grant mia@college.ac.uk head_of_teaching_and_learning")
    assert "Saved: roles" in card_text(only_card(granted))
    teams.connector.clear()
    report = {
        "programme_id": pid,
        "month": "2026-11",
        "sessions": "Two coaching sessions",
        "progress": "Behaviour routines much steadier",
    }
    await teams.execute(AMY, "programme.report", report)
    await tick(teams_app, clock)
    await tick(teams_app, clock)
    to_mia = texts_to(teams.connector, MANAGER)
    assert "Behaviour routines much steadier" not in to_mia and "Tom Tutor" not in to_mia
    assert "Behaviour routines much steadier" in texts_to(teams.connector, HAL)
    mia = await person_id(teams_app, MANAGER.email)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        to_her = await uow.session.scalar(
            select(func.count())
            .select_from(ScheduledItem)
            .where(ScheduledItem.person_id == mia, ScheduledItem.key.like("support-report-in:%"))
        )
    assert to_her == 0
    assert await reads_by(teams_app, MANAGER.email) == []
