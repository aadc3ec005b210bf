"""Attacks on the support programme's confidentiality and stale cards, over real HTTP: a head of
T&L who line-manages the tutor, a card pressed after the programme ended, reads that must be
in the tutor's access log."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.observations import Observations
from storage.privacy import AccessEntry
from storage.reminders import ScheduledItem
from storage.support import SupportAction, SupportRecords, SupportSession
from tests.conftest import ADMIN, MANAGER, QUINN, TUTOR
from tests.support.bot import person_id, tick
from tests.support.cards import button_data, card_text, only_card
from tests.support.support_college import (
    AMY,
    BEN,
    HAL,
    OLLY,
    SCORES,
    TUTOR_LIST,
    amy_escalates_toms_case,
    amy_takes_tom_on,
    college,
)
from tests.support.teams import TeamsClient, User, cards_to, texts_to

ORG = "tenant-1"


async def start(
    teams: TeamsClient, app: web.Application, clock: FixedClock, kind: str = "towards_outstanding"
) -> int:
    """Tom refers himself; Amy takes him on as a programme of `kind`: its id."""
    await college(teams)
    return await amy_takes_tom_on(teams, app, clock, kind)


async def reads_by(app: web.Application, reader: User) -> list[AccessEntry]:
    reader_id = await person_id(app, reader)
    async with app[BOT_KEY].db.unit_of_work() as uow:
        rows = await uow.session.scalars(
            select(AccessEntry).where(AccessEntry.reader_id == reader_id)
        )
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
    mia = await person_id(teams_app, MANAGER)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        to_her = await uow.session.scalar(
            select(func.count())
            .select_from(ScheduledItem)
            .where(ScheduledItem.person_id == mia, ScheduledItem.key.like("support-report-in:%"))
        )
    assert to_her == 0
    assert await reads_by(teams_app, MANAGER) == []


async def test_a_session_card_pressed_after_the_programme_ended_saves_nothing(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Amy's session form, drawn while the programme ran, pressed after she closed it: no
    session, no agreed action, no objectives on a programme that is over, nothing told to Tom."""
    pid = await start(teams, teams_app, clock)
    await teams.execute(AMY, "programme.close", {"programme_id": pid, "sure": "yes"})
    await tick(teams_app, clock)
    teams.connector.clear()
    session = {
        "programme_id": pid,
        "kind": "coaching",
        "held_on": "2026-11-20",
        "notes": "After the end",
        "actions": "Try cold calling",
    }
    answer = await teams.answer(AMY, "programme.session", session)
    assert "has ended: nothing was saved" in str(answer)
    answer = await teams.answer(
        AMY, "programme.objectives", {"programme_id": pid, "objectives": "New"}
    )
    assert "has ended: nothing was saved" in str(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        sessions = await uow.session.scalar(select(func.count()).select_from(SupportSession))
        actions = await uow.session.scalar(select(func.count()).select_from(SupportAction))
        programme = await SupportRecords(uow.session).programme(ORG, pid)
    assert (sessions, actions) == (0, 0)
    assert programme is not None and list(programme.objectives) == []
    await tick(teams_app, clock)
    assert "Session logged" not in texts_to(teams.connector, TUTOR)


async def test_an_update_draft_pressed_after_support_to_good_ended_goes_nowhere(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """The 2-weekly update card Amy had open, sent after she ended the programme: nothing is
    stored, and nothing is queued for Tom or his line manager."""
    pid = await start(teams, teams_app, clock, "support_to_good")
    await teams.execute(AMY, "programme.close", {"programme_id": pid, "sure": "yes"})
    update = {"programme_id": pid, "number": 1, "text": "Late news"}
    answer = await teams.answer(AMY, "programme.update", update)
    assert "has ended: nothing was saved" in str(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert await SupportRecords(uow.session).update_number(pid, 1) is None
        queued = await uow.session.scalar(
            select(func.count())
            .select_from(ScheduledItem)
            .where(ScheduledItem.key.like("support-update-%"))
        )
    assert queued == 0
    clock.advance(timedelta(days=3))
    await tick(teams_app, clock)
    await tick(teams_app, clock)
    assert "Late news" not in texts_to(teams.connector, MANAGER)
    assert "Late news" not in texts_to(teams.connector, TUTOR)


async def _update_reaches_mia(teams: TeamsClient, app: web.Application, clock: FixedClock) -> int:
    """Support to good: Amy writes update 1, Tom approves it, it goes to Mia. The programme id."""
    pid = await start(teams, app, clock, "support_to_good")
    update = {"programme_id": pid, "number": 1, "text": "Two sessions; engaged."}
    await teams.execute(AMY, "programme.update", update)
    await tick(app, clock)
    review = [c for c in cards_to(teams.connector, TUTOR) if "programme.update.approve" in str(c)]
    approve = button_data(review[-1], "programme.update.approve")
    await teams.execute(TUTOR, "programme.update.approve", approve)
    await tick(app, clock)
    assert "Two sessions; engaged." in texts_to(teams.connector, MANAGER)
    teams.connector.clear()
    return pid


async def test_a_line_manager_reading_the_sent_updates_is_in_the_tutors_access_log(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Mia's `programme` lists the update that went to her: a read of Tom's record, so Tom's
    `privacy` shows it, as it shows the update's delivery."""
    await _update_reaches_mia(teams, teams_app, clock)
    before = len(await reads_by(teams_app, MANAGER))
    reply = await teams.say(MANAGER, "programme")
    assert "Two sessions; engaged." in str([s.activity for s in reply])
    after = await reads_by(teams_app, MANAGER)
    assert len(after) == before + 1
    tom = await person_id(teams_app, TUTOR)
    assert after[-1].owner_id == tom and after[-1].kind == "programme"


async def test_a_new_line_manager_does_not_read_updates_that_went_to_the_old_one(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom saw update 1 go to Mia. A new tutor list makes Olly his line manager: Olly's
    `programme` does not show him what Tom agreed to send to Mia, and nothing is logged as his."""
    await _update_reaches_mia(teams, teams_app, clock)
    moved = TUTOR_LIST.replace(
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk",
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,olly@college.ac.uk",
    )
    assert "Tutor list imported" in card_text(only_card(await teams.import_tutors(ADMIN, moved)))
    reply = await teams.say(OLLY, "programme")
    assert "Two sessions; engaged." not in str([s.activity for s in reply])
    assert await reads_by(teams_app, OLLY) == []


async def test_a_head_of_tl_who_line_manages_the_tutor_does_not_review_the_case(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Support to good not met after its extension goes to the head of T&L. Mia, Tom's line
    manager, made head too, is not sent the case and cannot open it or his self-rating chart
    (records.reviews_for_new_head: a head who line-manages the tutor does not get it); Hal is."""
    pid = await start(teams, teams_app, clock, "support_to_good")
    granted = await teams.say(ADMIN, "admin grant mia@college.ac.uk head_of_teaching_and_learning")
    assert "Saved: roles" in card_text(only_card(granted))
    objectives = {"programme_id": pid, "objectives": "Calmer starts to lessons", "milestones": ""}
    await teams.execute(AMY, "programme.objectives", objectives)
    await teams.execute(TUTOR, "rate", {"programme_id": pid, "stage": "start", **SCORES})
    await amy_escalates_toms_case(teams, teams_app, clock, pid)
    await tick(teams_app, clock)
    assert "Calmer starts to lessons" in texts_to(teams.connector, HAL)
    seen = texts_to(teams.connector, MANAGER)
    for sent in await teams.say(MANAGER, "programme"):
        seen += str(sent.activity)
    for verb in ("programme.open", "rate.chart"):
        seen += str(await teams.answer(MANAGER, verb, {"programme_id": pid}))
    assert "Calmer starts to lessons" not in seen and "data:image/png" not in seen
    answer = await teams.answer(
        MANAGER, "programme.review", {"programme_id": pid, "decision": "refer"}
    )
    assert "Only the head of teaching & learning" in str(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        programme = await SupportRecords(uow.session).programme(ORG, pid)
    assert programme is not None and programme.review_decision is None
    assert await reads_by(teams_app, MANAGER) == []


async def test_an_update_number_outside_the_programme_opens_no_draft(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """A forged or garbled 'Write update N' press (number 99, 0, -1, 'abc', or none) is answered
    plainly and writes nothing to Tom's access log. Before: 'Update 99 of 4' opened as a draft
    and was logged as a read ('abc' met a bare int() and got the sorry message)."""
    pid = await start(teams, teams_app, clock, "support_to_good")
    before = len(await reads_by(teams_app, AMY))
    for number in ("99", "0", "-1", "abc", None):
        data = {"programme_id": pid} | ({} if number is None else {"number": number})
        answer = await teams.answer(AMY, "programme.update.open", data)
        assert "isn't one of this programme's updates" in str(answer), (number, answer)
    assert len(await reads_by(teams_app, AMY)) == before
    opened = card_text(
        await teams.answer(AMY, "programme.update.open", {"programme_id": pid, "number": 1})
    )
    assert "Update 1 of" in opened
    assert len(await reads_by(teams_app, AMY)) == before + 1


async def test_a_tutors_ap_is_not_allocated_as_their_otla_observer(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Amy supports Tom on a programme. Quinn, the quality coordinator, allocating Amy to observe
    Tom for his graded OTLA is refused without saying why (Tom's support is his own business)
    and stores nothing; Ben, who does not support him, is allocated. Before: Amy was allocated."""
    await start(teams, teams_app, clock)
    tom = await person_id(teams_app, TUTOR)
    for observer, shown in ((AMY, "can't observe Tom Tutor"), (BEN, "Allocated: Ben Bright")):
        data = {"tutor_id": str(tom), "observer_email": observer.email}
        answer = card_text(await teams.answer(QUINN, "otla.allocate", data))
        assert shown in answer, answer
        assert "support" not in answer.lower() or observer is BEN
        async with teams_app[BOT_KEY].db.unit_of_work() as uow:
            observation = await Observations(uow.session).for_tutor(ORG, tom, "2026/27")
            allocated = None if observation is None else observation.observer_id
        assert allocated == (None if observer is AMY else await person_id(teams_app, BEN))
