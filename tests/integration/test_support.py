"""Self-referral and support programmes over real HTTP, with the worker ticking (issue 6).

A college: Tom (tutor, Hitchin, practical), his line manager Mia, two APs (Amy at Hitchin,
practical; Ben at Stevenage, classroom), Hal the head of teaching & learning, Quinn the quality
coordinator. Everyone has said hello to the bot, so it can reach them 1:1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.app.support.referrals import offer_after_observation
from bot.app.turn import Message
from bot.clock import FixedClock
from bot.domain.support import ProgrammeState
from bot.teams.notifier import TeamsSender
from bot.teams.web import BOT_KEY
from storage.db import Database
from storage.models import Person, RoleGrant
from storage.people import Directory
from storage.privacy import AccessEntry
from storage.reminders import Schedule
from storage.support import (
    ACCEPTED,
    LineManagerUpdate,
    SupportProgrammeRecord,
    SupportRecords,
    SupportReferral,
    SupportSession,
)
from tests.conftest import ADMIN, MANAGER, QUINN, START, TUTOR
from tests.support.bot import next_card_to, person_id, rows, tick
from tests.support.cards import EVIL, button_data, card_nodes, card_text, live_markdown, only_card
from tests.support.loopback import LoopbackConnector
from tests.support.support_college import (
    AMY,
    BEN,
    EVERYONE,
    HAL,
    NIA,
    OLLY,
    SCORES,
    TUTOR_LIST,
    amy_escalates_toms_case,
    amy_logs_session,
    ask_amy,
    college,
    refer,
)
from tests.support.teams import TENANT, Place, TeamsClient, User, cards_to, texts_to


def input_ids(card: dict[str, Any]) -> list[str]:
    return [
        n["id"]
        for n in card_nodes(card)
        if str(n.get("type", "")).startswith("Input.") and "id" in n
    ]


@pytest.fixture
def with_college() -> bool:
    """Whether `teams` comes with the college set up: a test of a bot without one says
    `@pytest.mark.parametrize("with_college", [False])`."""
    return True


@pytest.fixture
async def teams(teams: TeamsClient, with_college: bool) -> TeamsClient:
    """The bot over real HTTP in the college of this module's docstring."""
    if with_college:
        await college(teams)
    return teams


# --- the whole support-to-good programme ------------------------------------------------------


async def test_support_to_good_end_to_end(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:

    # 1. Referral: natural words open the short card, with the topic chosen for him.
    card = only_card(await teams.say(TUTOR, "I'd like some help with behaviour management"))
    assert "Ask for support" in card_text(card)
    topics = next(i for i in card["body"] if i.get("id") == "topics")
    assert topics["value"] == "behaviour"
    assert {"topics", "other_topic", "ways", "campus", "times", "similar_style"} <= set(
        input_ids(card)
    )

    # An invalid submission comes back with the field problem, and saves nothing.
    errors = await refer(teams, ways="")
    assert "Choose at least one way" in card_text(errors)

    saved = await refer(teams)
    text = card_text(saved)
    assert "Saved: your request for support" in text
    assert "Amy Advanced" in text and "works at Hitchin" in text  # matched by campus and style
    assert "You, and the AP who takes it on" in text and "Your line manager" in text

    # 2. Match: Amy is asked; nobody else hears a thing.
    await tick(teams_app, clock)
    ask = cards_to(connector, AMY)[-1]
    assert "Tom Tutor would like support" in card_text(ask)
    assert "Behaviour management" in card_text(ask)
    # What each programme is, beside the choice: the names alone do not say which one reports
    # to the line manager (seen in the Playground: four bare names, "Informal support" chosen).
    assert (
        "**Support to good**: 8 weeks, ending with a sign-off observation; an update goes to "
        "their line manager every 2 weeks." in card_text(ask)
    )
    assert "**Informal support**: as and when, no timeline." in card_text(ask)
    for other in (MANAGER, HAL, QUINN, BEN):  # (they may hear of other things, e.g. HA24)
        seen = "\n".join(card_text(c) for c in cards_to(connector, other))
        assert "Tom Tutor" not in seen and "Behaviour" not in seen and "support" not in seen.lower()
    referral_id = button_data(ask, "support.accept")["referral_id"]

    # Ben cannot answer a referral that was not sent to him.
    answer = await teams.answer(
        BEN, "support.accept", {"referral_id": referral_id, "kind": "support_to_good"}
    )
    assert "Only the advanced practitioner" in str(answer)

    answer = await teams.answer(
        AMY, "support.accept", {"referral_id": referral_id, "kind": "support_to_good"}
    )
    assert "starts only when Tom Tutor says yes" in card_text(answer)
    # Support to good reports to the line manager: it starts only when Tom accepts it.
    consent = await next_card_to(teams, teams_app, clock, TUTOR, "support.consent")
    answer = await teams.answer(TUTOR, "support.consent", button_data(consent, "support.consent"))
    programme_id = button_data(answer, "programme.open")["programme_id"]
    started = await next_card_to(teams, teams_app, clock, TUTOR)
    assert "Amy Advanced will support you" in card_text(started)
    assert "update to your line manager every 2 weeks" in card_text(started)
    assert "Who can see it: you and Amy Advanced" in card_text(started)

    # The head of T&L sees counts, not content, and cannot open the programme (yet).
    answer = await teams.answer(HAL, "programme.open", {"programme_id": programme_id})
    assert "not yours to see" in str(answer)
    caseloads = only_card(await teams.say(HAL, "support caseloads"))
    assert "Amy Advanced" in card_text(caseloads) and "1 of 10" in card_text(caseloads)
    assert "Tom" not in card_text(caseloads)

    # 3. The start self-rating, and its chart.
    answer = await teams.answer(TUTOR, "rate.open", {"programme_id": programme_id})
    assert "(start of programme)" in card_text(answer)
    chart = await teams.answer(
        TUTOR, "rate", {"programme_id": programme_id, "stage": "start", **SCORES}
    )
    image = next(i for i in chart["body"] if i["type"] == "Image")
    assert image["url"].startswith("data:image/png;base64,")

    # 4. Sessions: logged by the AP with agreed actions; the tutor hears.
    body, _ = await amy_logs_session(
        teams,
        programme_id,
        "developmental_observation",
        "2026-11-24",
        notes="Noisy start; strong rapport with the group.",
        actions="Use a seating plan\nStart with a retrieval quiz",
    )
    assert "Use a seating plan" in card_text(body["value"])
    connector.clear()
    await tick(teams_app, clock)
    assert "Agreed actions: Use a seating plan; Start with a retrieval quiz" in texts_to(
        connector, TUTOR
    )

    # The next session reviews last time's actions.
    answer = await teams.answer(AMY, "programme.session.open", {"programme_id": programme_id})
    reviews = [i for i in input_ids(answer) if i.startswith("review_")]
    assert len(reviews) == 2
    await amy_logs_session(
        teams,
        programme_id,
        "feedback",
        "2026-11-27",
        actions="Plan two stretch questions per session",
        **{reviews[0]: "done", reviews[1]: "in_progress"},
    )

    # 5. Two weeks in: Amy's first 2-weekly update is drafted; the month-end report prompt too.
    clock.advance(timedelta(weeks=2))
    connector.clear()
    await tick(teams_app, clock)
    amy_cards = cards_to(connector, AMY)
    draft = next(c for c in amy_cards if "Update 1 of 4" in card_text(c))
    assert "Sessions in the last fortnight: 2" in card_text(draft)
    assert "Noisy start" not in card_text(draft)  # session notes never go to the line manager
    prompt = next(c for c in amy_cards if "Monthly report: November 2026" in card_text(c))

    await teams.execute(
        AMY,
        "programme.update",
        {"programme_id": programme_id, "number": 1, "text": "Two sessions; good engagement."},
    )
    connector.clear()
    await tick(teams_app, clock)
    assert cards_to(connector, MANAGER) == []  # the tutor sees it before it is sent
    review = cards_to(connector, TUTOR)[-1]
    assert "Before it goes: update 1 to Mia Manager" in card_text(review)
    update_id = button_data(review, "programme.update.approve")["update_id"]
    await teams.execute(TUTOR, "programme.update.approve", {"update_id": update_id})
    connector.clear()
    await tick(teams_app, clock)
    to_mia = texts_to(connector, MANAGER)
    assert "Support update 1 of 4: Tom Tutor" in to_mia
    assert "Two sessions; good engagement." in to_mia
    assert "Noisy start" not in to_mia

    # The line manager sees the sent updates, and nothing else of the programme.
    mia_view = await teams.say(MANAGER, "programme")
    assert "Two sessions; good engagement." in card_text(only_card(mia_view))
    answer = await teams.answer(MANAGER, "programme.open", {"programme_id": programme_id})
    assert "not yours to see" in str(answer)
    answer = await teams.answer(MANAGER, "rate.chart", {"programme_id": programme_id})
    assert "not yours to see" in str(answer)

    # Monthly report: drafted from the record, edited, sent to the head of T&L.
    month_data = button_data(prompt, "programme.report.open")
    report = await teams.answer(AMY, "programme.report.open", month_data)
    assert "2 session(s) this month" in card_text(report)
    await teams.execute(
        AMY,
        "programme.report",
        {
            **month_data,
            "sessions": "2 session(s) this month: observation and feedback.",
            "actions": "1 done, 2 open.",
            "progress": "Calmer starts to lessons.",
            "concerns": "",
        },
    )
    connector.clear()
    await tick(teams_app, clock)
    assert "AP report, November 2026: Tom Tutor" in texts_to(connector, HAL)
    assert "Calmer starts to lessons." in texts_to(connector, HAL)

    # Half way: the tutor is asked to rate again, and sees start vs middle.
    clock.set(START + timedelta(weeks=4, hours=1))
    connector.clear()
    await tick(teams_app, clock)
    prompt = next(c for c in cards_to(connector, TUTOR) if "How confident" in card_text(c))
    answer = await teams.answer(TUTOR, "rate.open", button_data(prompt, "rate.open"))
    assert "(middle of programme)" in card_text(answer)
    better = {k: str(min(10, int(v) + 2)) for k, v in SCORES.items()}
    answer = await teams.answer(
        TUTOR, "rate", {"programme_id": programme_id, "stage": "middle", **better}
    )
    assert "confidence: start vs middle" in card_text(answer)
    assert "Average change since the start: +2.0" in card_text(answer)
    answer = await teams.answer(AMY, "rate.chart", {"programme_id": programme_id})
    assert "start vs middle" in card_text(answer)  # their AP sees it too

    # 6. Week 8: sign-off not met; the one 4-week extension; a second is refused.
    clock.set(START + timedelta(weeks=7, days=1))
    body, sent = await amy_logs_session(
        teams, programme_id, "sign_off_observation", "2027-01-12", sign_off="not_met"
    )
    offer = next(c for s in sent for c in s.cards if "Sign-off: not met yet" in card_text(c))
    assert "Extend by 4 weeks" in card_text(offer)
    body, sent = await teams.execute(AMY, "programme.extend", {"programme_id": programme_id})
    assert "Week 8 of 12 (extended)" in card_text(body["value"])
    answer = await teams.answer(AMY, "programme.extend", {"programme_id": programme_id})
    assert "can be extended once, by 4 weeks" in str(answer)
    connector.clear()
    await tick(teams_app, clock)
    assert "extended your programme" in texts_to(connector, TUTOR)

    # 7. Week 12 with no outcome recorded: no review. The AP is reminded; a week later the head
    # hears only that a review is overdue, with no content.
    clock.set(START + timedelta(weeks=12, hours=1))
    connector.clear()
    await tick(teams_app, clock)
    assert "record Tom Tutor's sign-off outcome" in texts_to(connector, AMY)
    assert "Tom" not in texts_to(connector, HAL) and "Week-12 review" not in texts_to(
        connector, HAL
    )
    answer = await teams.answer(HAL, "programme.open", {"programme_id": programme_id})
    assert "not yours to see" in str(answer)
    clock.set(START + timedelta(weeks=13, hours=1))
    connector.clear()
    await tick(teams_app, clock)
    overdue = texts_to(connector, HAL)
    assert "A week-12 review is overdue" in overdue
    assert "Tom" not in overdue and "Amy" not in overdue and "Behaviour" not in overdue
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        stored = await SupportRecords(uow.session).programme("tenant-1", programme_id)
        assert stored is not None and stored.state == "active" and stored.escalated_at is None

    # Amy records "not met" after the extension: now, and only now, the head reviews the case,
    # and Tom is told as it happens what the head sees.
    connector.clear()
    await amy_logs_session(
        teams, programme_id, "sign_off_observation", "2027-02-22", sign_off="not_met"
    )
    await tick(teams_app, clock)
    hal_cards = cards_to(connector, HAL)
    assert any("Week-12 review: Tom Tutor" in card_text(c) for c in hal_cards)
    told = texts_to(connector, TUTOR)
    assert "goes to the week-12 review" in told and "Never** your reflections" in told
    assert cards_to(connector, MANAGER) == []
    answer = await teams.answer(HAL, "programme.open", {"programme_id": programme_id})
    assert "With the head of T&L for review" in card_text(answer)  # now he may read it
    assert "Noisy start" not in card_text(answer)  # session notes: tutor and AP only
    await teams.execute(
        HAL,
        "programme.review",
        {"programme_id": programme_id, "decision": "refer", "note": "Agreed next steps."},
    )
    connector.clear()
    await tick(teams_app, clock)
    assert "Agreed next steps." in texts_to(connector, MANAGER)
    assert "passed a summary to the line manager" in texts_to(connector, TUTOR)
    assert "Agreed next steps." in texts_to(connector, TUTOR)  # what went, word for word
    assert "Noisy start" not in texts_to(connector, MANAGER)
    # What reached the line manager is a read of Tom's programme, in his access log.
    mia = await person_id(teams_app, MANAGER)
    read = [e.path for e in await rows(teams_app, AccessEntry) if e.reader_id == mia]
    assert read.count("week-12 review summary, 1:1 chat") == 1, read
    # The review is recorded: the head's access ends.
    answer = await teams.answer(HAL, "programme.open", {"programme_id": programme_id})
    assert "not yours to see" in str(answer)
    answer = await teams.answer(HAL, "rate.chart", {"programme_id": programme_id})
    assert "not yours to see" in str(answer)


async def amy_runs_toms_support_to_good(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> int:
    """Amy proposes Support to good for Tom's request and he says yes: the programme's id."""
    ask = await ask_amy(teams, teams_app, clock)
    await teams.answer(
        AMY, "support.accept", {**button_data(ask, "support.accept"), "kind": "support_to_good"}
    )
    consent = await next_card_to(teams, teams_app, clock, TUTOR, "support.consent")
    answer = await teams.answer(TUTOR, "support.consent", button_data(consent, "support.consent"))
    return int(button_data(answer, "programme.open")["programme_id"])


@pytest.mark.parametrize("with_college", [False])
async def test_a_referral_at_week_12_with_no_line_manager_tells_nobody_it_went_to_one(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom has no line manager on the tutor list. When the head refers his case at week 12,
    the summary goes to nobody: the head is not told "I've told ... their line manager", nor
    Tom that his line manager was sent it, and nothing is scheduled for a line manager."""
    no_manager = TUTOR_LIST.replace(
        "practical,mia@college.ac.uk,no,2019-09-01", "practical,,no,2019-09-01"
    )
    assert no_manager != TUTOR_LIST
    await college(teams, no_manager)
    pid = await amy_runs_toms_support_to_good(teams, teams_app, clock)
    await amy_escalates_toms_case(teams, teams_app, clock, pid)
    connector.clear()

    decided = card_text(
        await teams.answer(
            HAL, "programme.review", {"programme_id": pid, "decision": "refer", "note": "Next."}
        )
    )
    assert "Review recorded" in decided and "line manager" in decided
    assert "I've told the tutor and their AP." in decided
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        told = await Schedule(uow.session).pending(TENANT, f"support-reviewed:{pid}:")
        tom, amy = await person_id(teams_app, TUTOR), await person_id(teams_app, AMY)
        assert sorted(i.person_id for i in told) == sorted([tom, amy])
    await tick(teams_app, clock)
    to_tom = texts_to(connector, TUTOR)
    assert "Week-12 review" in to_tom and "nothing was passed on" in to_tom
    assert "passed a summary to the line manager" not in to_tom
    assert "your line manager was sent" not in to_tom


async def test_a_case_escalated_with_no_head_of_tl_goes_to_the_head_named_later(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Week 12 without enough improvement, and nobody holds the head of T&L role: Tom is told
    his case waits for one (not that the head now reviews it), and when the admin makes Hal
    head of T&L, Hal gets the review card, once."""
    pid = await amy_runs_toms_support_to_good(teams, teams_app, clock)
    await teams.say(ADMIN, "admin revoke hal@college.ac.uk head_of_teaching_and_learning")
    await amy_escalates_toms_case(teams, teams_app, clock, pid)
    to_tom = texts_to(connector, TUTOR)
    assert "goes to the week-12 review" in to_tom
    assert "hasn't named one in TLC yet who is outside your line management: your case" in to_tom
    assert "Week-12 review" not in texts_to(connector, HAL)

    await teams.say(ADMIN, "admin grant hal@college.ac.uk head_of_teaching_and_learning")
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        waiting = await Schedule(uow.session).pending(TENANT, f"support-review:{pid}:")
        assert [i.person_id for i in waiting] == [await person_id(teams_app, HAL)]
    await tick(teams_app, clock)
    assert texts_to(connector, HAL).count(f"Week-12 review: {TUTOR.name}") == 1
    await teams.say(ADMIN, "admin grant hal@college.ac.uk head_of_teaching_and_learning")
    await tick(teams_app, clock)
    assert texts_to(connector, HAL).count(f"Week-12 review: {TUTOR.name}") == 1  # once


@pytest.mark.parametrize("with_college", [False])
async def test_a_head_of_tl_who_line_manages_the_tutor_reads_none_of_their_support(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Hal, the only head of T&L, is Tom's line manager. Tom's case goes to week-12 review: Hal
    is not sent it and cannot open or decide it, nor is he sent Amy's monthly report on Tom;
    Tom is told his case waits for a head outside his line management. When Olly is made head
    of T&L, the review goes to her."""
    await college(
        teams,
        TUTOR_LIST.replace(
            "practical,mia@college.ac.uk,no,2019", "practical,hal@college.ac.uk,no,2019"
        ),
    )
    pid = await amy_runs_toms_support_to_good(teams, teams_app, clock)
    report = {"programme_id": pid, "month": "2026-11", "sessions": "One.", "progress": "Calmer."}
    answer = card_text(await teams.answer(AMY, "programme.report", report))
    assert "gone to the record (no head of T&L outside Tom Tutor's line management yet)" in answer
    await amy_escalates_toms_case(teams, teams_app, clock, pid)
    assert "who is outside your line management: your case waits" in texts_to(connector, TUTOR)
    hal_saw = texts_to(connector, HAL)
    assert "Week-12 review" not in hal_saw and "Calmer." not in hal_saw
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert await Schedule(uow.session).pending(TENANT, f"support-review:{pid}:") == []
        assert await Schedule(uow.session).pending(TENANT, "support-report-in:") == []

    for verb, data in (
        ("programme.open", {"programme_id": pid}),
        ("programme.review", {"programme_id": pid, "decision": "refer", "note": "Next."}),
    ):
        seen = await teams.answer(HAL, verb, data)
        assert "Sign off observation" not in str(seen) and "Calmer" not in str(seen)
        assert "Week-12 review" not in str(seen)
    assert "Week-12 review" not in "\n".join(
        card_text(c) for s in await teams.say(HAL, "programme") for c in s.cards
    )
    (programme,) = await rows(teams_app, SupportProgrammeRecord)
    assert programme.review_decision is None and programme.state == "under_review"

    await teams.say(ADMIN, "admin grant olly@college.ac.uk head_of_teaching_and_learning")
    await tick(teams_app, clock)
    assert texts_to(connector, OLLY).count(f"Week-12 review: {TUTOR.name}") == 1
    assert "Week-12 review" not in texts_to(connector, HAL)


async def test_a_tutor_can_hold_back_an_update_while_their_programme_is_handed_on(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom is shown Amy's update 1 before it goes to Mia; then Amy's AP role is taken away and
    the programme waits for another AP. "Talk to my AP first" still holds the update back (it
    was refused as not his, and the update reached Mia two days later regardless)."""
    pid = await amy_runs_toms_support_to_good(teams, teams_app, clock)
    await teams.execute(
        AMY, "programme.update", {"programme_id": pid, "number": 1, "text": "Going well."}
    )
    preview = await next_card_to(teams, teams_app, clock, TUTOR, "programme.update.query")
    await teams.say(ADMIN, "admin revoke amy@college.ac.uk advanced_practitioner")
    (programme,) = await rows(teams_app, SupportProgrammeRecord)
    assert programme.practitioner_id is None

    answer = await teams.answer(
        TUTOR, "programme.update.query", button_data(preview, "programme.update.query")
    )
    held = card_text(answer) if isinstance(answer, dict) else str(answer)
    assert "It won't be sent" in held and "I've asked" not in held
    (update,) = await rows(teams_app, LineManagerUpdate)
    assert update.state == "queried"
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert (
            await Schedule(uow.session).pending(TENANT, f"support-update-send:{update.id}:") == []
        )
    connector.clear()
    clock.advance(timedelta(days=3))
    await tick(teams_app, clock)
    assert "Going well." not in texts_to(connector, MANAGER)


async def test_a_monthly_report_with_no_head_of_tl_is_not_said_to_have_gone_to_one(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """With nobody holding the head of T&L role, Amy's monthly report stays on the record: Tom's
    copy must not say she sent it to the head of teaching & learning."""
    pid = await amy_runs_toms_programme(teams, teams_app, clock)
    await teams.say(ADMIN, "admin revoke hal@college.ac.uk head_of_teaching_and_learning")
    answer = await teams.answer(
        AMY,
        "programme.report",
        {"programme_id": pid, "month": "2026-11", "sessions": "One.", "progress": "Calmer."},
    )
    assert "gone to the record (no head of T&L outside Tom Tutor's line management yet). Tom" in (
        card_text(answer)
    )
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        waiting = await Schedule(uow.session).pending(TENANT, "support-report-")
        assert [i.person_id for i in waiting] == [await person_id(teams_app, TUTOR)]
    connector.clear()
    await tick(teams_app, clock)
    copy = next(c for c in cards_to(connector, TUTOR) if "monthly report" in card_text(c))
    assert "Calmer." in card_text(copy)
    assert "sent this to the head" not in card_text(copy)
    assert "nobody else has it" in card_text(copy)
    assert texts_to(connector, HAL) == ""


# --- matching: pass, someone else, waiting ----------------------------------------------------


async def test_ap_passes_tutor_asks_for_someone_else_then_waits(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    await teams.say(TUTOR, "support")
    saved = await refer(teams)
    referral_id = button_data(saved, "support.someone_else")["referral_id"]
    await tick(teams_app, clock)

    answer = await teams.answer(AMY, "support.pass", {"referral_id": referral_id})
    assert "Passed" in card_text(answer)
    connector.clear()
    await tick(teams_app, clock)
    assert "Tom Tutor would like support" in texts_to(connector, BEN)
    assert "I've now asked **Ben Bright**" in texts_to(connector, TUTOR)
    # Amy passed: she can no longer accept it.
    answer = await teams.answer(
        AMY, "support.accept", {"referral_id": referral_id, "kind": "informal"}
    )
    assert "Only the advanced practitioner" in str(answer)

    answer = await teams.answer(TUTOR, "support.someone_else", {"referral_id": referral_id})
    # Both APs have room, but both have been asked: said as it is, not "fully booked".
    assert "Every AP with room has been asked already" in card_text(answer)
    assert "fully booked" not in card_text(answer)
    connector.clear()
    await tick(teams_app, clock)
    waiting = texts_to(connector, HAL)
    assert "1 self-referral is waiting: the APs with room" in waiting and "Tom" not in waiting
    assert "full" not in waiting
    assert cards_to(connector, BEN) == []  # the stale ask is not sent again

    # Only the tutor may ask for someone else.
    answer = await teams.answer(MANAGER, "support.someone_else", {"referral_id": referral_id})
    assert "not yours to see" in str(answer)


async def test_the_session_form_starts_at_the_kind_of_support_the_tutor_asked_for(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom asked for team teaching: Amy's session form comes with "Team teaching" chosen, and
    saved as it came (Teams sends the shown choice) it stores a team-teaching session, not a
    developmental observation that never happened (seen in the Playground: a coaching request's
    first session was logged, and told to the tutor, as a developmental observation)."""
    await refer(teams, ways="team_teaching,coaching")
    await tick(teams_app, clock)
    ask = cards_to(connector, AMY)[-1]
    answer = await teams.answer(
        AMY, "support.accept", {**button_data(ask, "support.accept"), "kind": "informal"}
    )
    pid = int(button_data(answer, "programme.open")["programme_id"])
    form = await teams.answer(AMY, "programme.session.open", {"programme_id": pid})
    shown = {n["id"]: n.get("value") for n in card_nodes(form) if "id" in n}
    assert shown["kind"] == "team_teaching"
    await amy_logs_session(teams, pid, shown["kind"], shown["held_on"], notes="Co-taught.")
    (session,) = await rows(teams_app, SupportSession)
    assert session.kind == "team_teaching"


async def test_the_last_ap_to_pass_is_told_the_request_waits_not_that_another_is_asked(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Amy passes and Ben is asked; Ben passes too, and nobody is left to ask: Ben is told the
    request now waits (it is stored waiting, with nobody asked), not "I'll ask another AP"."""
    saved = await refer(teams)
    referral_id = button_data(saved, "support.someone_else")["referral_id"]
    await tick(teams_app, clock)
    await teams.answer(AMY, "support.pass", {"referral_id": referral_id})
    await tick(teams_app, clock)
    answer = card_text(await teams.answer(BEN, "support.pass", {"referral_id": referral_id}))
    (referral,) = await rows(teams_app, SupportReferral)
    assert (referral.state, referral.practitioner_id) == ("waiting", None)
    assert "I'll ask another AP" not in answer
    assert "No other AP can take it just now, so Tom Tutor's request waits" in answer


@pytest.mark.parametrize("with_college", [False])
@pytest.mark.parametrize("named_on", ["admin card", "setup card"])
async def test_with_no_aps_a_referral_is_kept_queued_and_admins_told_without_content(
    teams: TeamsClient,
    teams_app: web.Application,
    clock: FixedClock,
    connector: LoopbackConnector,
    named_on: str,
) -> None:
    teams.on_roster(*EVERYONE)
    for user in (ADMIN, TUTOR, HAL, AMY):
        await teams.say(user, "hello")
    await teams.say(ADMIN, "admin grant hal@college.ac.uk head_of_teaching_and_learning")
    saved = card_text(await refer(teams))
    assert "no advanced practitioners (APs) yet" in saved and "kept safe" in saved
    assert "fully booked" not in saved
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        directory = Directory(uow.session)
        tom = await directory.person_by_email("tenant-1", TUTOR.email)
        assert tom is not None
        referral = await SupportRecords(uow.session).open_referral_of("tenant-1", tom.id)
        assert referral is not None and referral.state == "waiting"
    connector.clear()
    await tick(teams_app, clock)
    for told in (ADMIN, HAL):
        text = texts_to(connector, told)
        assert "1 self-referral is waiting: TLC has no advanced practitioners" in text
        assert "Tom" not in text and "behaviour" not in text.lower()
    assert cards_to(connector, AMY) == []
    # The tutor, asking again, hears the same honest reason.
    status = card_text(only_card(await teams.say(TUTOR, "support")))
    assert "no advanced practitioners (APs) yet" in status
    # Amy becomes an AP: the waiting request goes to her at once.
    if named_on == "admin card":
        await teams.say(ADMIN, "admin grant amy@college.ac.uk advanced_practitioner")
    else:
        await teams.say(ADMIN, "admin")
        await teams.execute(ADMIN, "admin.setup.roles", {"aps_emails": AMY.email})
    connector.clear()
    await tick(teams_app, clock)
    assert "Tom Tutor would like support" in texts_to(connector, AMY)


async def test_caseloads_refused_names_the_head_of_tl_and_tells_an_org_admin_how(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Ada, an org admin who is neither head of T&L nor an AP, asks for the caseloads: she hears
    who is head of T&L and how to give herself the role (bot/app/refusals.py), not a dead end.
    Tom, a tutor, hears whom to ask and nothing about granting roles. Nobody's roles change."""
    grants_before = await rows(teams_app, RoleGrant)
    (sent,) = await teams.say(ADMIN, "support caseloads")
    assert not sent.cards
    assert "Caseloads are for the head of teaching & learning, Hal Head, and the APs." in sent.text
    assert "Being an org admin does not include that" in sent.text, sent.text
    assert f"admin grant {ADMIN.email} head_of_teaching_and_learning" in sent.text
    (sent,) = await teams.say(TUTOR, "support caseloads")
    assert "head of teaching & learning, Hal Head, and the APs" in sent.text
    assert "admin grant" not in sent.text
    assert len(await rows(teams_app, RoleGrant)) == len(grants_before)


async def test_capacity_counts_and_a_full_ap_is_not_asked(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    refusal = await teams.say(TUTOR, "support capacity amy@college.ac.uk 0")
    assert "Only the head of teaching" in refusal[0].text
    await teams.say(HAL, "support capacity amy@college.ac.uk 0")
    saved = await refer(teams)
    assert "Ben Bright" in card_text(saved)  # Amy would match better, but has no room
    # Every AP full, truly: then, and only then, "fully booked".
    await teams.say(HAL, "support capacity ben@college.ac.uk 0")
    answer = await teams.answer(
        TUTOR,
        "support.someone_else",
        {"referral_id": button_data(saved, "support.someone_else")["referral_id"]},
    )
    assert "Every AP is fully booked" in card_text(answer)


async def test_an_aps_caseload_buttons_are_the_tutors_names_and_the_detail_is_text(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """`programme` for an AP: each person supported is a line of text (name, kind, week) and a
    button with only their name, short enough for a phone 360 px wide (a whole "Tom Tutor:
    Towards outstanding, Week 1 of 6" was cut off there); the button opens the programme.
    While Tom's request waits for her answer, the card says one is waiting."""
    ask = await ask_amy(teams, teams_app, clock)
    sent = await teams.say(AMY, "programme")
    [caseload] = [c for s in sent for c in s.cards if "people you support" in card_text(c)]
    assert "1 referral waiting for an answer from you" in card_text(caseload)
    await teams.answer(
        AMY, "support.accept", {**button_data(ask, "support.accept"), "kind": "towards_outstanding"}
    )
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email("tenant-1", TUTOR.email)
        assert tom is not None
        programme = await SupportRecords(uow.session).current_programme_of("tenant-1", tom.id)
        assert programme is not None
    sent = await teams.say(AMY, "programme")
    [caseload] = [c for s in sent for c in s.cards if "people you support" in card_text(c)]
    opens = [
        n
        for n in card_nodes(caseload)
        if n.get("type") == "Action.Execute" and n["verb"] == "programme.open"
    ]
    assert [b["title"] for b in opens] == [TUTOR.name]
    assert opens[0]["data"]["programme_id"] == programme.id
    assert "Tom Tutor**: Towards outstanding, Week" in card_text(caseload)
    assert "waiting for an answer" not in card_text(caseload)


async def test_a_capacity_for_someone_who_is_not_an_ap_is_refused_and_stores_nothing(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """`support capacity <email> <n>` for a tutor (Tom) or an email nobody has: said who they
    are, that a capacity is for APs and how to make them one; no setting and no audit entry."""
    [tom] = await teams.say(HAL, f"support capacity {TUTOR.email} 4")
    assert f"Tom Tutor ({TUTOR.email}) is not an advanced practitioner" in tom.text
    assert "haven't saved" in tom.text and "Saved" not in tom.text
    assert f"admin grant {TUTOR.email} advanced_practitioner" in tom.text
    [nobody] = await teams.say(ADMIN, "support capacity zed@college.ac.uk 4")
    assert "I don't know anyone with the email zed@college.ac.uk" in nobody.text
    assert "admin grant zed@college.ac.uk advanced_practitioner" in nobody.text
    assert "admin setup" in nobody.text  # the org admin can do it themselves
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        d = Directory(uow.session)
        org = await d.organisation("tenant-1", START)
        assert "ap_capacity" not in org.settings
        assert not await d.audit_trail("tenant-1", "support:capacity")
    # An AP's capacity is still saved.
    [amy] = await teams.say(HAL, "support capacity amy@college.ac.uk 4")
    assert "Saved: capacity 4 for amy@college.ac.uk" in amy.text


async def test_a_capacity_saved_for_an_email_with_markdown_shows_the_email_as_typed(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """An AP whose email has markdown in it (`_`; the router turns a typed `*` into a space): the
    saved reply escapes it, so Teams shows the email as typed, not in italics; the capacity is
    stored under the email as it is."""
    odd = User("odd", "Odd Email", "a_b_c@college.ac.uk")
    await teams.say(odd, "hello")
    await teams.say(ADMIN, f"admin grant {odd.email} advanced_practitioner")
    [saved] = await teams.say(HAL, f"support capacity {odd.email} 4")
    assert "Saved: capacity 4 for a\\_b\\_c@college.ac.uk." in saved.text
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        org = await Directory(uow.session).organisation("tenant-1", START)
        assert org.settings["ap_capacity"] == {odd.email: 4}


async def test_a_teams_retry_of_a_capacity_or_offers_command_runs_nothing_again(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Teams sends a slow message again with the same activity id, even after later ones: a
    retry of `support capacity` or `support offers` is answered from the store. It sends
    nothing, audits nothing again, and does not undo the change made since."""
    first = await teams.say(HAL, "support capacity amy@college.ac.uk 3", activity_id="cap-1")
    assert "Saved: capacity 3" in first[0].text
    await teams.say(HAL, "support capacity amy@college.ac.uk 5", activity_id="cap-2")
    assert await teams.say(HAL, "support capacity amy@college.ac.uk 3", activity_id="cap-1") == []
    off = await teams.say(NIA, "support offers off", activity_id="o-1")
    assert "no more offers" in off[0].text.lower()
    await teams.say(NIA, "support offers on", activity_id="o-2")
    assert await teams.say(NIA, "support offers off", activity_id="o-1") == []
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        d = Directory(uow.session)
        org = await d.organisation("tenant-1", START)
        assert org.settings["ap_capacity"]["amy@college.ac.uk"] == 5
        trail = [e.detail for e in await d.audit_trail("tenant-1", "support:capacity")]
        assert sorted(trail) == ["amy@college.ac.uk=3", "amy@college.ac.uk=5"]
        nia = await d.person_by_email("tenant-1", NIA.email)
        assert nia is not None
        assert not await SupportRecords(uow.session).offers_opted_out(nia.id)


# --- offers -----------------------------------------------------------------------------------


async def test_self_referral_offers_respect_an_opt_out(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    reply = await teams.say(NIA, "support offers off")
    assert "no more offers" in reply[0].text.lower()

    # The termly offer (two weeks into term, here tomorrow) reaches everyone but Nia.
    clock.advance(timedelta(days=1))
    await tick(teams_app, clock)
    offer = cards_to(connector, OLLY)[-1]
    assert "Support, if you'd like it" in card_text(offer)
    assert cards_to(connector, NIA) == []
    # Her induction offer (third day after she starts) is held back as well.
    clock.advance(timedelta(days=10))
    connector.clear()
    await tick(teams_app, clock)
    assert cards_to(connector, NIA) == []

    # One tap to start.
    answer = await teams.answer(OLLY, "support.open", button_data(offer, "support.open"))
    assert "Ask for support" in card_text(answer)
    # The termly offer chains to next term.
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        olly = await Directory(uow.session).person_by_email("tenant-1", OLLY.email)
        assert olly is not None
        pending = await Schedule(uow.session).pending("tenant-1", "support-offer:term:")
        assert any(i.key == f"support-offer:term:2026/27-spring:{olly.id}" for i in pending)


async def test_new_staff_get_an_offer_at_induction_with_one_tap_to_start(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    clock.advance(timedelta(days=9))  # Nia started on the 30th; her third day is 2 December
    await tick(teams_app, clock)
    texts = texts_to(connector, NIA)
    assert "New to the college?" in texts
    assert "No more offers" in card_text(await teams.answer(NIA, "support.offers.stop", {}))


async def test_offer_after_an_approved_observation_with_actions(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    async with bot.db.unit_of_work() as uow:
        olly = await Directory(uow.session).person_by_email("tenant-1", OLLY.email)
        assert olly is not None
        await offer_after_observation(uow.session, "tenant-1", olly.id, clock.now())
        await offer_after_observation(uow.session, "tenant-1", olly.id, clock.now())  # once
        await uow.commit()
    clock.advance(timedelta(days=1, minutes=1))
    await tick(teams_app, clock)
    offers = [c for c in cards_to(teams.connector, OLLY) if "observation report" in card_text(c)]
    assert len(offers) == 1


# --- confidentiality over HTTP ----------------------------------------------------------------


async def test_who_can_open_a_programme_over_http(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    ask = await ask_amy(teams, teams_app, clock)
    answer = await teams.answer(
        AMY,
        "support.accept",
        {**button_data(ask, "support.accept"), "kind": "towards_outstanding"},
    )
    pid = button_data(answer, "programme.open")["programme_id"]
    await teams.execute(
        AMY,
        "programme.session",
        {"programme_id": pid, "kind": "coaching", "held_on": "2026-11-23", "notes": "Private."},
    )
    await teams.execute(TUTOR, "programme.reflect", {"programme_id": pid, "text": "My thought."})
    for user, allowed in (
        (TUTOR, True),
        (AMY, True),
        (BEN, False),
        (MANAGER, False),
        (HAL, False),
        (QUINN, False),
        (ADMIN, False),
        (OLLY, False),
    ):
        body, _ = await teams.execute(user, "programme.open", {"programme_id": pid})
        shown = body.get("type") == "application/vnd.microsoft.card.adaptive"
        assert shown == allowed, user.name
        if allowed:
            assert "My thought." in card_text(body["value"])
    # Nor can anyone but the tutor rate, or anyone but the AP log a session.
    answer = await teams.answer(AMY, "rate", {"programme_id": pid, "stage": "start", **SCORES})
    assert "not yours to see" in str(answer)
    answer = await teams.answer(
        TUTOR,
        "programme.session",
        {"programme_id": pid, "kind": "coaching", "held_on": "2026-11-23"},
    )
    assert "not yours to see" in str(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert len(await SupportRecords(uow.session).sessions(pid)) == 1


async def test_an_ap_who_came_into_the_tutors_management_line_reads_and_runs_nothing_more(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Amy supports Tom. Then she becomes his line manager: no AP in a tutor's management line
    supports them (SPEC principle 5), however the line came about. From then on she opens
    nothing of his programme and logs no session, and none of her refused opens is a read in
    his access log. Tom still opens his own programme."""
    ask = await ask_amy(teams, teams_app, clock)
    answer = await teams.answer(
        AMY, "support.accept", {**button_data(ask, "support.accept"), "kind": "towards_outstanding"}
    )
    pid = button_data(answer, "programme.open")["programme_id"]
    await amy_logs_session(teams, pid, "coaching", "2026-11-23", notes="Private.")
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:  # not through an import (below)
        tom = await Directory(uow.session).person_by_email(TENANT, TUTOR.email)
        assert tom is not None
        tom.line_manager_email = AMY.email
        await uow.commit()
    logged = len(await rows(teams_app, AccessEntry))

    body, _ = await teams.execute(AMY, "programme.open", {"programme_id": pid})
    assert body.get("type") != "application/vnd.microsoft.card.adaptive"
    assert "Private." not in str(body)
    body, _ = await amy_logs_session(teams, pid, "coaching", "2026-11-30", notes="As manager.")
    assert "As manager." not in str(body)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert len(await SupportRecords(uow.session).sessions(pid)) == 1
    assert len(await rows(teams_app, AccessEntry)) == logged
    body, _ = await teams.execute(TUTOR, "programme.open", {"programme_id": pid})
    assert body.get("type") == "application/vnd.microsoft.card.adaptive"


async def test_a_retry_of_an_open_later_than_an_hour_shows_nothing_of_the_record(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """A stored answer is replayed to a Teams retry, which comes within seconds. An hour on,
    the same activity (same sender, id and chat) gets no copy of what it showed: Amy has
    since become Tom's line manager, and his session notes are not hers to read again. The
    open runs nothing again either: one read in Tom's access log, as before."""
    ask = await ask_amy(teams, teams_app, clock)
    answer = await teams.answer(
        AMY, "support.accept", {**button_data(ask, "support.accept"), "kind": "towards_outstanding"}
    )
    pid = button_data(answer, "programme.open")["programme_id"]
    await amy_logs_session(teams, pid, "coaching", "2026-11-23", notes="Private.")
    ref = {"programme_id": pid}
    first, _ = await teams.execute(AMY, "programme.open", ref, activity_id="open-1")
    assert "Private." in card_text(first["value"])
    again, _ = await teams.execute(AMY, "programme.open", ref, activity_id="open-1")
    assert again == first  # a retry within the hour: answered as the first time
    logged = len(await rows(teams_app, AccessEntry))
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email(TENANT, TUTOR.email)
        assert tom is not None
        tom.line_manager_email = AMY.email
        await uow.commit()

    clock.advance(timedelta(hours=1, minutes=1))
    late, sent = await teams.execute(AMY, "programme.open", ref, activity_id="open-1")
    assert "Private." not in str(late) and "Tom" not in str(late)
    assert late.get("type") != "application/vnd.microsoft.card.adaptive" and sent == []
    assert len(await rows(teams_app, AccessEntry)) == logged


async def test_an_ap_who_came_into_the_tutors_management_line_no_longer_has_them_on_her_lists(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Amy supports Tom; then she becomes his line manager (his row says so, not through an
    import, which would hand him on). She opens nothing of his programme any more, and neither
    her caseload (`programme`) nor her month-end report prompt tells her, his line manager now,
    that Tom is on a programme, of what kind or how far in. Tom's programme is as it was."""
    pid = await amy_runs_toms_programme(teams, teams_app, clock)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email(TENANT, TUTOR.email)
        assert tom is not None
        tom.line_manager_email = AMY.email
        await uow.commit()
    connector.clear()
    caseload = " ".join(card_text(c) for s in await teams.say(AMY, "programme") for c in s.cards)
    assert "Tom" not in caseload and "Towards outstanding" not in caseload
    clock.set(datetime(2026, 11, 30, 15, 1, tzinfo=UTC))  # the month-end report prompt
    await tick(teams_app, clock)
    assert "Tom" not in texts_to(connector, AMY)
    (programme,) = await rows(teams_app, SupportProgrammeRecord)
    assert (programme.id, programme.state) == (pid, "active")
    assert programme.practitioner_id == await person_id(teams_app, AMY)


async def amy_runs_toms_programme(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> int:
    """Amy accepts Tom's request as a Towards outstanding programme and logs a private session:
    the programme's id."""
    ask = await ask_amy(teams, teams_app, clock)
    answer = await teams.answer(
        AMY, "support.accept", {**button_data(ask, "support.accept"), "kind": "towards_outstanding"}
    )
    pid = int(button_data(answer, "programme.open")["programme_id"])
    await amy_logs_session(teams, pid, "coaching", "2026-11-23", notes="Private.")
    return pid


async def tom_handed_on_to_ben(
    teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> tuple[str, str]:
    """Tom's programme has lost Amy and carries on with Ben asked; Tom is told (before Ben can
    read any of it) that it goes with him, and neither hears a word of Amy's notes. What Tom
    and Amy were told."""
    (programme,) = await rows(teams_app, SupportProgrammeRecord)
    (referral,) = await rows(teams_app, SupportReferral)
    amy, ben = await person_id(teams_app, AMY), await person_id(teams_app, BEN)
    assert programme.practitioner_id is None and programme.state == "active"
    assert referral.state == "matching" and referral.practitioner_id == ben
    assert amy in referral.passed_ids
    connector.clear()
    await tick(teams_app, clock)
    told, to_amy = texts_to(connector, TUTOR), texts_to(connector, AMY)
    assert "I've now asked **Ben Bright** to support you" in told
    assert "They will see all of it so far" in told
    assert "You no longer support Tom Tutor" in to_amy
    assert "Private." not in told + to_amy
    return told, to_amy


async def ben_carries_it_on(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> str:
    """Ben accepts: the same programme goes on with him, its sessions kept. What Tom is told."""
    answer = await teams.answer(
        BEN,
        "support.accept",
        {**button_data(cards_to(connector, BEN)[-1], "support.accept"), "kind": "informal"},
    )
    assert "passed on from their previous AP" in card_text(answer)
    (programme,) = await rows(teams_app, SupportProgrammeRecord)
    assert programme.practitioner_id == await person_id(teams_app, BEN)
    assert programme.kind == "towards_outstanding"
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert len(await SupportRecords(uow.session).sessions(programme.id)) == 1
    await tick(teams_app, clock)
    started = texts_to(connector, TUTOR)
    assert "Ben Bright will support you" in started
    return started


async def test_a_new_tutor_list_hands_a_tutor_on_from_an_ap_now_in_their_line(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Amy supports Tom; the new tutor list makes her his line manager. The import hands Tom on
    as if he had asked for someone else: Ben is asked, and accepting carries the programme on
    where it was. Tom is told why and whom I've asked; Amy that she no longer supports him,
    and from then on she opens nothing of it."""
    pid = await amy_runs_toms_programme(teams, teams_app, clock)
    await teams.execute(TUTOR, "rate", {"programme_id": pid, "stage": "start", **SCORES})
    moved = TUTOR_LIST.replace(
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk",
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,amy@college.ac.uk",
    )
    assert "Tutor list imported" in card_text(only_card(await teams.import_tutors(ADMIN, moved)))
    told, _ = await tom_handed_on_to_ben(teams_app, clock, connector)
    assert "The tutor list now puts **Amy Advanced** and you in one line of management" in told
    body, _ = await teams.execute(AMY, "programme.open", {"programme_id": pid})
    assert body.get("type") != "application/vnd.microsoft.card.adaptive"

    started = await ben_carries_it_on(teams, teams_app, clock, connector)
    assert "rate how confident" not in started and "Rate my confidence" not in started
    # The same list again changes nothing more and tells nobody anything.
    connector.clear()
    await teams.import_tutors(ADMIN, moved)
    await tick(teams_app, clock)
    assert texts_to(connector, TUTOR) == texts_to(connector, BEN) == ""
    (programme,) = await rows(teams_app, SupportProgrammeRecord)
    assert programme.practitioner_id == await person_id(teams_app, BEN)


@pytest.mark.parametrize("with_college", [False])
@pytest.mark.parametrize("met", ["members_added", "install", "worker"])
async def test_a_line_a_merge_brings_hands_a_tutor_on_as_a_new_list_does(
    teams: TeamsClient,
    teams_app: web.Application,
    clock: FixedClock,
    connector: LoopbackConnector,
    met: str,
) -> None:
    """Tom first talks to me from a Teams account I can't read an email for, asks for support,
    and Amy takes him on. A new tutor list then makes Amy the line manager of tom@…, a row of
    its own until Tom's account is joined to it: when he joins a team (membersAdded, his email
    asked of Teams) or the team's roster is read (TLC added to it). The line the list gave that
    row is his from then on: he is handed on and told, as when a list moves him directly."""
    del connector.members[TUTOR.teams_id]  # Teams gives no email for him yet
    await college(teams, people=tuple(u for u in EVERYONE if u != TUTOR))  # he is on the list
    if met == "worker":
        await teams.install(ADMIN, Place.channel())  # its roster read, without Tom
    await teams.say(TUTOR, "hello")
    pid = await amy_runs_toms_programme(teams, teams_app, clock)
    (referral,) = await rows(teams_app, SupportReferral)
    assert referral.tutor_id != await person_id(teams_app, TUTOR)  # two rows for now
    moved = TUTOR_LIST.replace(
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk",
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,amy@college.ac.uk",
    )
    assert "Tutor list imported" in card_text(only_card(await teams.import_tutors(ADMIN, moved)))
    (programme,) = await rows(teams_app, SupportProgrammeRecord)
    assert programme.practitioner_id == await person_id(teams_app, AMY)  # not his line yet

    teams.on_roster(TUTOR)
    if met == "members_added":
        await teams.members_added(ADMIN, Place.channel(), [TUTOR])
    elif met == "install":
        await teams.install(ADMIN, Place.channel())
    else:  # the worker reads the roster to reach the list's Tom, who has no 1:1 chat yet
        bot = teams_app[BOT_KEY]
        events = bot.worker.kinds.events
        sender = TeamsSender(
            bot.db, bot.connector, clock=clock, roster_ttl=timedelta(), events=events
        )
        async with bot.db.unit_of_work() as uow:
            listed = await Directory(uow.session).person_by_email(TENANT, TUTOR.email)
        assert listed is not None
        clock.advance(timedelta(minutes=1))  # the roster read at install is a minute old
        try:
            await sender.to_person(listed, Message(text="Hello from TLC"))
        finally:
            await sender.close()
    (referral,) = await rows(teams_app, SupportReferral)
    assert referral.tutor_id == await person_id(teams_app, TUTOR)  # one person now
    told, _ = await tom_handed_on_to_ben(teams_app, clock, connector)
    assert "The tutor list now puts **Amy Advanced** and you in one line of management" in told
    body, _ = await teams.execute(AMY, "programme.open", {"programme_id": pid})
    assert body.get("type") != "application/vnd.microsoft.card.adaptive"
    await ben_carries_it_on(teams, teams_app, clock, connector)


async def test_taking_the_ap_role_away_hands_their_tutors_on(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Amy supports Tom; an org admin takes the AP role away from her. Tom is not left waiting on
    someone who can no longer read or run anything of his: he goes to Ben as if he had asked
    for someone else, is told why, and the programme carries on where it was. Amy is told she
    no longer supports him, and nothing of the programme."""
    await amy_runs_toms_programme(teams, teams_app, clock)
    reply = await teams.say(ADMIN, "admin revoke amy@college.ac.uk advanced_practitioner")
    assert "goes to another AP and is told why" in card_text(only_card(reply))
    told, to_amy = await tom_handed_on_to_ben(teams_app, clock, connector)
    assert "**Amy Advanced** is no longer an advanced practitioner in TLC" in told
    assert "carries on where it was" in told
    assert "You no longer have the advanced practitioner role" in to_amy
    await ben_carries_it_on(teams, teams_app, clock, connector)
    # Taking away a role she no longer has changes nothing and tells nobody anything.
    connector.clear()
    reply = await teams.say(ADMIN, "admin revoke amy@college.ac.uk advanced_practitioner")
    assert "No change" in card_text(only_card(reply))
    await tick(teams_app, clock)
    assert texts_to(connector, TUTOR) == texts_to(connector, BEN) == ""
    (referral,) = await rows(teams_app, SupportReferral)
    assert referral.state == "accepted"
    assert referral.practitioner_id == await person_id(teams_app, BEN)


async def test_a_programme_ended_while_handed_on_is_not_taken_on_by_the_next_ap(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom's programme lost Amy and Ben has been asked to carry it on; before Ben answers, Tom
    ends it. He is not told "I've told your AP" (he has none to tell), his request is no longer
    waiting on Ben, and Ben's Accept from the card he already has takes on nothing."""
    pid = await amy_runs_toms_programme(teams, teams_app, clock)
    await teams.say(ADMIN, "admin revoke amy@college.ac.uk advanced_practitioner")
    await tom_handed_on_to_ben(teams_app, clock, connector)
    ask = cards_to(connector, BEN)[-1]
    ended = card_text(
        await teams.answer(TUTOR, "programme.end", {"programme_id": pid, "sure": "yes"})
    )
    assert "Ended" in ended and "I've told" not in ended
    (referral,) = await rows(teams_app, SupportReferral)
    assert referral.state != "matching" and referral.practitioner_id is None
    connector.clear()
    answer = await teams.answer(
        BEN, "support.accept", {**button_data(ask, "support.accept"), "kind": "informal"}
    )
    assert "You now support" not in card_text(answer)
    (programme,) = await rows(teams_app, SupportProgrammeRecord)
    assert (programme.state, programme.practitioner_id) == ("closed", None)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        waiting = await Schedule(uow.session).pending(TENANT, f"support-rate:{pid}:")
        assert waiting == []
    await tick(teams_app, clock)
    assert "Ben Bright will support you" not in texts_to(connector, TUTOR)


async def test_support_in_a_channel_moves_to_the_1_to_1_chat(teams: TeamsClient) -> None:
    sent = await teams.say(TUTOR, "support", Place.channel(), mention=True)
    assert "1:1 chat" in sent[0].text


# --- storage, on SQLite and PostgreSQL ----------------------------------------------------


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    """Every test in this module runs on SQLite and on PostgreSQL (the bot uses `db`)."""
    return db


async def test_support_records_round_trip(db: Database, clock: FixedClock) -> None:
    now = clock.now()
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation("tenant-1", now)
        tutor = Person(
            org_id="tenant-1",
            name="T",
            email="t@c.ac.uk",
            campus="Hitchin",
            line_manager_email="m@c.ac.uk",
            created_at=now,
        )
        ap = Person(
            org_id="tenant-1", name="A", email="a@c.ac.uk", campus="Stevenage", created_at=now
        )
        uow.session.add_all([tutor, ap])
        await uow.session.flush()
        records = SupportRecords(uow.session)
        referral = SupportReferral(
            org_id="tenant-1",
            tutor_id=tutor.id,
            topics=["behaviour"],
            other_topic="",
            ways=["coaching"],
            campus="Hitchin",
            preferred_times=[],
            times_note="",
            similar_style=False,
            state=ACCEPTED,
            practitioner_id=ap.id,
            passed_ids=[],
            source="self",
            created_at=now,
            updated_at=now,
        )
        records.add(referral)
        await records.flush()
        programme = SupportProgrammeRecord(
            org_id="tenant-1",
            referral_id=referral.id,
            tutor_id=tutor.id,
            practitioner_id=ap.id,
            kind="support_to_good",
            state="active",
            started_at=now,
            extensions=0,
            extra_weeks=0,
            objectives=["Calm starts"],
            milestones=[],
            review_note="",
            created_at=now,
        )
        p = programme.domain()
        p.extend(now + timedelta(weeks=6))
        programme.apply(p, now)
        records.add(programme)
        await records.flush()
        records.add(
            SupportSession(
                org_id="tenant-1",
                programme_id=programme.id,
                kind="coaching",
                held_on=date(2026, 11, 24),
                notes="n",
                logged_by=ap.id,
                created_at=now,
            )
        )
        await records.set_offers("tenant-1", tutor.id, False, now)
        await uow.commit()
    async with db.unit_of_work() as uow:
        records = SupportRecords(uow.session)
        assert await records.caseload_counts("tenant-1") == {ap.id: 1}
        found = await records.open_referral_of("tenant-1", tutor.id)
        assert found is not None and found.topics == ["behaviour"]
        current = await records.current_programme_of("tenant-1", tutor.id)
        assert current is not None and current.ends_at == now + timedelta(weeks=12)
        assert current.domain().extensions == 1 and current.objectives == ["Calm starts"]
        assert len(await records.sessions(current.id, date(2026, 11, 24))) == 1
        assert await records.sessions(current.id, date(2026, 11, 25)) == []
        people = Directory(uow.session)
        assert [p.id for p in await people.managed_by("tenant-1", "M@c.ac.uk")] == [tutor.id]
        assert await people.campuses("tenant-1") == ["Hitchin", "Stevenage"]
        assert await records.offers_opted_out(tutor.id)
        assert not await records.offers_opted_out(ap.id)


async def test_an_organisation_edits_the_competence_checklist(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    refused = await teams.say(TUTOR, "rate checklist")
    assert "edits the checklist" in refused[0].text
    card = only_card(await teams.say(HAL, "rate checklist"))
    assert "Questioning to check and deepen learning" in card_text(card)
    lines = "Questioning to check and deepen learning\nSafe use of the workshop\nFeedback"
    assert "3 activities" in card_text(await teams.answer(HAL, "rate.checklist", {"lines": lines}))
    ask = await ask_amy(teams, teams_app, clock)
    body, _ = await teams.execute(
        AMY, "support.accept", {**button_data(ask, "support.accept"), "kind": "informal"}
    )
    rating = only_card(await teams.say(TUTOR, "rate"))
    assert "Safe use of the workshop" in card_text(rating)
    assert set(input_ids(rating)) == {"questioning", "safe_use_of_the_workshop", "feedback"}
    answer = await teams.answer(
        TUTOR,
        "rate",
        {
            "programme_id": button_data(rating, "rate")["programme_id"],
            "stage": "start",
            "questioning": "11",
            "safe_use_of_the_workshop": "3",
            "feedback": "4",
        },
    )
    assert "Choose 1 to 10" in card_text(answer)  # the same card, with the problem


async def test_a_teams_retry_of_the_referral_saves_it_once(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    values = {
        "topics": "questioning",
        "ways": "coaching",
        "campus": "any",
        "similar_style": "no",
    }
    first, _ = await teams.execute(TUTOR, "support.refer", values, activity_id="retry-1")
    again, _ = await teams.execute(TUTOR, "support.refer", values, activity_id="retry-1")
    assert card_text(first["value"]) == card_text(again["value"])
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email("tenant-1", TUTOR.email)
        assert tom is not None
        referral = await SupportRecords(uow.session).open_referral_of("tenant-1", tom.id)
        assert referral is not None and referral.id == 1
    teams.connector.clear()
    await tick(teams_app, clock)
    asks = [
        s
        for s in teams.connector.messages()
        if s.activity.get("summary") == "A request for support"
    ]
    assert len(asks) == 1  # one AP asked, once (other notices, e.g. HA24 induction, may also go)


async def test_the_same_activity_id_from_two_people_in_two_chats_is_two_submissions(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Teams activity ids are unique only within a conversation: Nia's referral carrying the id
    Tom's had is hers, saved, and answered with her own card, not a replay of his."""
    values = {"topics": "questioning", "ways": "coaching", "campus": "any", "similar_style": "no"}
    tom_body, _ = await teams.execute(TUTOR, "support.refer", values, activity_id="1:same")
    nia_values = {**values, "topics": "behaviour"}
    nia_body, _ = await teams.execute(NIA, "support.refer", nia_values, activity_id="1:same")
    assert "Behaviour" in card_text(nia_body["value"])
    assert "Questioning" not in card_text(nia_body["value"])
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        d, records = Directory(uow.session), SupportRecords(uow.session)
        for user, topic in ((TUTOR, "questioning"), (NIA, "behaviour")):
            person = await d.person_by_email("tenant-1", user.email)
            assert person is not None
            referral = await records.open_referral_of("tenant-1", person.id)
            assert referral is not None and topic in str(referral.topics), user
    # and a real retry of Nia's is still answered from what was stored
    again, _ = await teams.execute(NIA, "support.refer", nia_values, activity_id="1:same")
    assert card_text(again["value"]) == card_text(nia_body["value"])


async def test_words_typed_by_one_person_are_shown_as_text_to_another(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Issue 10: a referral's own words showed as a live link in the AP's card; an AP's agreed
    actions reach the tutor. Both are shown exactly as typed, and stored exactly as typed."""
    await refer(teams, other_topic=EVIL)
    await tick(teams_app, clock)
    ask = cards_to(connector, AMY)[-1]
    assert live_markdown(ask) == []
    assert "\\[Sign in again\\](https://evil.example)" in card_text(ask)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email("tenant-1", TUTOR.email)
        assert tom is not None
        referral = await SupportRecords(uow.session).open_referral_of("tenant-1", tom.id)
        assert referral is not None and referral.other_topic == EVIL
    referral_id = button_data(ask, "support.accept")["referral_id"]
    # Towards outstanding starts at once (Support to good would wait for Tom's consent, issue 12).
    answer = await teams.answer(
        AMY, "support.accept", {"referral_id": referral_id, "kind": "towards_outstanding"}
    )
    programme_id = button_data(answer, "programme.open")["programme_id"]
    connector.clear()
    await teams.execute(
        AMY,
        "programme.session",
        {
            "programme_id": programme_id,
            "kind": "feedback",
            "held_on": "2026-11-24",
            "actions": EVIL.replace("\n", " "),
        },
    )
    await tick(teams_app, clock)
    for told in cards_to(connector, TUTOR):
        if "Sign in again" in str(told):
            assert live_markdown(told) == []
    answer = await teams.answer(TUTOR, "programme.open", {"programme_id": programme_id})
    assert live_markdown(answer) == []


async def test_an_aps_display_name_written_as_a_link_is_shown_as_written_in_notices(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Amy, the AP, sets her Teams display name to a "Sign in again" link. The note that tells
    Tom she will support him names her in its heading and its lines: as written, never a live
    link in the bot's voice. The notification still reads the heading with her name in it."""
    from dataclasses import replace

    evil_amy = replace(AMY, name="[Sign in again](https://evil.example) Amy")
    await teams.say(evil_amy, "help")
    await refer(teams)
    await tick(teams_app, clock)
    ask = cards_to(connector, AMY)[-1]
    referral_id = button_data(ask, "support.accept")["referral_id"]
    await teams.answer(
        evil_amy, "support.accept", {"referral_id": referral_id, "kind": "towards_outstanding"}
    )
    started = await next_card_to(teams, teams_app, clock, TUTOR)
    assert live_markdown(started, "Who can see it") == []
    assert live_markdown(started, "will support you") == []
    assert "Amy will support you" in started["fallbackText"]


async def test_a_tutor_with_a_request_open_is_told_so_until_their_programme_ends(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """A second referral while one is open (waiting for an AP, or accepted and running) saves
    nothing and says so; once the programme has ended, Tom can ask again."""
    db: Database = teams_app[BOT_KEY].db

    async def referrals() -> list[str]:
        async with db.unit_of_work() as uow:
            tom = await Directory(uow.session).person_by_email("tenant-1", TUTOR.email)
            assert tom is not None
            rows = await SupportRecords(uow.session).rows(SupportReferral, tutor_id=tom.id)
            return [r.state for r in rows]

    async def refer_again() -> str:
        values = {"topics": "behaviour", "ways": "coaching", "campus": "Hitchin"}
        body, _ = await teams.execute(TUTOR, "support.refer", values)
        return str(body)

    ask = await ask_amy(teams, teams_app, clock)
    assert "already have a request for support open" in await refer_again()
    assert await referrals() == ["matching"]
    referral_id = button_data(ask, "support.accept")["referral_id"]
    await teams.answer(
        AMY, "support.accept", {"referral_id": referral_id, "kind": "towards_outstanding"}
    )
    assert "already have a request for support open" in await refer_again()
    assert await referrals() == [ACCEPTED]
    async with db.unit_of_work() as uow:  # the programme ends
        programme = await SupportRecords(uow.session).programme_for_referral(int(referral_id))
        assert programme is not None
        programme.state = ProgrammeState.COMPLETED.value
        await uow.commit()
    assert "already have a request" not in await refer_again()
    assert sorted(await referrals()) == sorted([ACCEPTED, "matching"])
