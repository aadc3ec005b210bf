"""Issue 12 over real HTTP: seen before sent (proven), the tutor knows every disclosure,
access that ends, exits, notes with readers, and diagnostics that name no one's support."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web

from bot.app.router import private_only
from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.people import Directory
from storage.privacy import AccessEntry
from storage.support import (
    HELD,
    SENT_TO_LINE_MANAGER,
    SupportProgrammeRecord,
    SupportRecords,
    SupportReflection,
)
from tests.conftest import ADMIN, MANAGER, START, TUTOR
from tests.support.bot import rows, tick
from tests.support.cards import button_data, card_text, only_card
from tests.support.support_college import (
    AMY,
    BEN,
    HAL,
    amy_logs_session,
    amy_takes_tom_on,
    college,
)
from tests.support.teams import Place, TeamsClient, cards_to, chat, texts_to

ORG = "tenant-1"


@pytest.fixture
def kind() -> str:
    """The kind of programme `pid` starts; a test names another with
    `@pytest.mark.parametrize("kind", [...])`."""
    return "towards_outstanding"


@pytest.fixture
async def pid(teams: TeamsClient, teams_app: web.Application, clock: FixedClock, kind: str) -> int:
    """Tom refers himself; Amy takes him on as a programme of `kind` (Support to good: with Tom's
    yes): its id."""
    await college(teams)
    return await amy_takes_tom_on(teams, teams_app, clock, kind)


async def stored_programme(app: web.Application, pid: int) -> SupportProgrammeRecord:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        programme = await SupportRecords(uow.session).programme(ORG, pid)
        assert programme is not None
        return programme


async def stored_update(app: web.Application, pid: int, number: int = 1) -> tuple[str, bool]:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        update = await SupportRecords(uow.session).update_number(pid, number)
        assert update is not None
        return update.state, update.sent_at is not None


async def write_update(teams: TeamsClient, pid: int, text: str = "Two sessions; engaged.") -> None:
    await teams.execute(AMY, "programme.update", {"programme_id": pid, "number": 1, "text": text})


# --- 3. seen before sent, proven ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["support_to_good"])
async def test_an_update_whose_preview_failed_is_held_and_the_ap_told(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    connector = teams.connector
    connector.fail_with[chat(TUTOR)] = 403  # Teams refuses the tutor's preview
    await write_update(teams, pid)
    await tick(teams_app, clock)
    clock.advance(timedelta(days=2, minutes=5))
    await tick(teams_app, clock)
    await tick(teams_app, clock)
    assert cards_to(connector, MANAGER) == []
    assert await stored_update(teams_app, pid) == (HELD, False)
    assert "Update 1 is held: Tom Tutor hasn't seen it" in texts_to(connector, AMY)

    # Shown again once Tom is reachable, and left for two days after delivery: now it goes,
    # and the card says what really happened.
    del connector.fail_with[chat(TUTOR)]
    clock.advance(timedelta(minutes=10))
    await teams.say(TUTOR, "hello")
    connector.clear()
    await write_update(teams, pid)
    await tick(teams_app, clock)
    assert "Before it goes: update 1" in texts_to(connector, TUTOR)
    clock.advance(timedelta(days=1))
    await tick(teams_app, clock)
    assert cards_to(connector, MANAGER) == []  # one day after delivery: not yet
    clock.advance(timedelta(days=1, hours=1))
    await tick(teams_app, clock)
    await tick(teams_app, clock)
    to_mia = texts_to(connector, MANAGER)
    assert "Support update 1 of 4: Tom Tutor" in to_mia
    assert "was shown this update on" in to_mia and "didn't hold it back" in to_mia
    assert await stored_update(teams_app, pid) == (SENT_TO_LINE_MANAGER, True)
    # 7. Tom is told, as it happens, what went to his line manager, word for word.
    told = texts_to(connector, TUTOR)
    assert "Update 1 went to Mia Manager" in told and "Two sessions; engaged." in told


@pytest.mark.parametrize("kind", ["support_to_good"])
async def test_an_approved_update_says_it_was_approved(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    await write_update(teams, pid)
    await tick(teams_app, clock)
    review = cards_to(teams.connector, TUTOR)[-1]
    await teams.execute(
        TUTOR, "programme.update.approve", button_data(review, "programme.update.approve")
    )
    await tick(teams_app, clock)
    assert "Tom Tutor approved this update" in texts_to(teams.connector, MANAGER)
    assert "saw this update before" not in texts_to(teams.connector, MANAGER)


# --- 4. exits -----------------------------------------------------------------------------------


async def test_a_tutor_ends_a_developmental_programme_but_not_support_to_good(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    answer = await teams.answer(TUTOR, "programme.open", {"programme_id": pid})
    assert button_data(answer, "programme.end")["programme_id"] == pid
    answer = await teams.answer(AMY, "programme.end", {"programme_id": pid})
    assert "not yours to see" in str(answer)
    asked = await teams.answer(TUTOR, "programme.end", {"programme_id": pid})
    assert "End your programme?" in card_text(asked)
    assert (await stored_programme(teams_app, pid)).state == "active"  # asked, not ended
    ended = await teams.answer(TUTOR, "programme.end", button_data(asked, "programme.end"))
    assert "Ended" in card_text(ended)
    assert (await stored_programme(teams_app, pid)).state == "closed"
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        amy = await Directory(uow.session).person_by_email(ORG, AMY.email)
        assert amy is not None and await SupportRecords(uow.session).caseload(ORG, amy.id) == []
    await tick(teams_app, clock)
    assert "Tom Tutor has ended their programme" in texts_to(teams.connector, AMY)


async def test_an_aps_end_programme_asks_first_and_ends_only_on_yes(
    teams: TeamsClient, teams_app: web.Application, pid: int
) -> None:
    """On a phone "End programme" sits just above "Log a session": one press asks, and shows what
    ending means; the programme ends only on "Yes, end it", and "No, keep it going" reopens it."""
    answer = await teams.answer(AMY, "programme.open", {"programme_id": pid})
    asked = await teams.answer(AMY, "programme.close", button_data(answer, "programme.close"))
    text = card_text(asked)
    assert "End the programme?" in text and "I'll tell Tom Tutor" in text
    assert "can't be reopened" in text
    assert (await stored_programme(teams_app, pid)).state == "active"
    kept = await teams.answer(AMY, "programme.open", button_data(asked, "programme.open"))
    assert "Log a session" in str(kept)
    assert (await stored_programme(teams_app, pid)).state == "active"
    await teams.answer(AMY, "programme.close", button_data(asked, "programme.close"))
    assert (await stored_programme(teams_app, pid)).state == "completed"  # no sign-off needed


@pytest.mark.parametrize("kind", ["support_to_good"])
async def test_support_to_good_ends_only_by_the_ap_and_it_is_recorded(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    answer = await teams.answer(TUTOR, "programme.open", {"programme_id": pid})
    assert "programme.end" not in str(answer)
    answer = await teams.answer(TUTOR, "programme.end", {"programme_id": pid})
    assert "decision you make with Amy Advanced" in str(answer)
    assert (await stored_programme(teams_app, pid)).state == "active"
    await teams.execute(AMY, "programme.close", {"programme_id": pid, "sure": "yes"})
    assert (await stored_programme(teams_app, pid)).state == "closed"
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        trail = await Directory(uow.session).audit_trail(ORG, f"support-programme:{pid}")
        assert [(e.action, e.detail) for e in trail] == [
            ("consent", "support_to_good"),
            ("ended", "ended_by_ap"),
        ]
    await tick(teams_app, clock)
    assert "recorded that your programme has ended" in texts_to(teams.connector, TUTOR)


# --- 6. access ends when the reason ends ------------------------------------------------------


async def test_a_revoked_ap_loses_access_at_once(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    await teams.execute(TUTOR, "programme.reflect", {"programme_id": pid, "text": "Mine."})
    assert "Mine." in card_text(await teams.answer(AMY, "programme.open", {"programme_id": pid}))
    reply = await teams.say(ADMIN, "admin revoke amy@college.ac.uk advanced_practitioner")
    assert "Saved: roles" in card_text(only_card(reply))
    for verb in ("programme.open", "rate.chart", "programme.session.open"):
        assert "not yours to see" in str(await teams.answer(AMY, verb, {"programme_id": pid})), verb


async def test_an_ap_whose_programme_was_passed_on_loses_access(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    referral_id = (await stored_programme(teams_app, pid)).referral_id
    await teams.execute(TUTOR, "support.someone_else", {"referral_id": referral_id})
    answer = await teams.answer(AMY, "programme.open", {"programme_id": pid})
    assert "not yours to see" in str(answer)
    await tick(teams_app, clock)
    ask = cards_to(teams.connector, BEN)[-1]
    answer = await teams.answer(
        BEN, "support.accept", {**button_data(ask, "support.accept"), "kind": "informal"}
    )
    text = card_text(answer)
    assert "Towards outstanding programme, passed on" in text and "starts today" not in text
    answer = await teams.answer(BEN, "programme.open", {"programme_id": pid})
    assert "Towards outstanding" in card_text(answer)


# --- 7. monthly reports: the tutor is sent a copy; self-ratings only by opting in ------------


async def test_the_tutor_is_sent_the_monthly_report_and_ratings_stay_out_by_default(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    scores = {k: "4" for k in ("planning", "activity_design", "differentiation", "questioning")}
    scores |= {k: "5" for k in ("assessment", "behaviour", "maths_english", "digital")}
    scores |= {"inclusion": "5", "work_links": "5"}
    await teams.execute(TUTOR, "rate", {"programme_id": pid, "stage": "start", **scores})
    clock.set(START + timedelta(weeks=3, hours=1))
    better = {k: "8" for k in scores}
    await teams.execute(TUTOR, "rate", {"programme_id": pid, "stage": "middle", **better})
    month = {"programme_id": pid, "month": "2026-12"}
    answer = await teams.answer(AMY, "programme.report.open", month)
    assert "Self-rating" not in card_text(answer)  # left out unless Tom opts in
    await teams.execute(
        AMY,
        "programme.report",
        {**month, "sessions": "One session.", "progress": "Calmer starts.", "concerns": ""},
    )
    teams.connector.clear()
    await tick(teams_app, clock)
    copy = next(c for c in cards_to(teams.connector, TUTOR) if "monthly report" in card_text(c))
    assert "Calmer starts." in card_text(copy) and "head of teaching" in card_text(copy)
    choice = button_data(copy, "programme.report.ratings")
    await teams.execute(TUTOR, "programme.report.ratings", choice)
    assert (await stored_programme(teams_app, pid)).ratings_in_reports
    answer = await teams.answer(AMY, "programme.report.open", {**month, "month": "2027-01"})
    assert "Self-rating changed by" in card_text(answer)


# --- 8. notes have readers ----------------------------------------------------------------------


async def test_session_notes_are_read_by_the_tutor_and_the_ap_only(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    await amy_logs_session(teams, pid, "coaching", "2026-11-23", notes="Seating.")
    for user in (TUTOR, AMY):
        answer = await teams.answer(user, "programme.open", {"programme_id": pid})
        assert "Session notes" in card_text(answer) and "Seating." in card_text(answer)
    for user in (MANAGER, HAL, BEN, ADMIN):
        body, _ = await teams.execute(user, "programme.open", {"programme_id": pid})
        assert "Seating." not in str(body), user.name


async def test_programme_buttons_pressed_in_a_channel_show_it_nothing(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    """A programme card's buttons sent as message-back submits (Action.Submit, or forged) from
    a team channel: the answer would be posted where the whole team reads it. Each hears to ask
    in the 1:1 chat; nothing of Tom's programme reaches the channel, nothing is logged as read
    and nothing is written."""
    await amy_logs_session(teams, pid, "coaching", "2026-11-23", notes="Seating plan worries.")
    logged = len(await rows(teams_app, AccessEntry))
    teams.connector.clear()
    channel = Place.channel()
    presses = (
        (TUTOR, "programme.open", {}),
        (AMY, "programme.open", {}),
        (AMY, "programme.session.open", {}),
        (AMY, "programme.report.open", {"month": "2026-11"}),
        (TUTOR, "rate.chart", {}),
        (TUTOR, "programme.reflect", {"text": "I dread period 3."}),
    )
    for user, verb, extra in presses:
        sent = await teams.submit(user, {"verb": verb, "programme_id": pid, **extra}, channel)
        assert [s.text for s in sent] == [private_only()], (verb, sent)
    posted = [s for s in teams.connector.sent if s.conversation_id == channel.conversation_id]
    assert not any(s.cards for s in posted)
    said_there = " ".join(s.text for s in posted)
    for secret in ("Tom", "Amy", "Seating", "Towards outstanding", "period 3"):
        assert secret not in said_there, secret
    assert len(await rows(teams_app, AccessEntry)) == logged
    assert await rows(teams_app, SupportReflection) == []


async def test_a_programme_button_executed_in_a_channel_answers_the_presser_alone(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    """An Action.Execute's answer replaces the card for the presser alone, but any further
    message of it is posted to the conversation: pressed in a channel, Amy's Extend would
    post "Extended to ..." where the team reads it. The card comes back to her alone and
    nothing is posted there; the extension is saved and Tom hears of it in his 1:1 chat."""
    clock.set(START + timedelta(weeks=6, hours=1))  # extended from week 6
    channel = Place.channel()
    body, sent = await teams.execute(AMY, "programme.extend", {"programme_id": pid}, channel)
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Tom Tutor" in card_text(body["value"])
    assert [s for s in sent if s.conversation_id == channel.conversation_id] == []
    assert (await stored_programme(teams_app, pid)).extensions == 1
    await tick(teams_app, clock)
    assert "has extended your programme" in texts_to(teams.connector, TUTOR)
    posted = [s for s in teams.connector.sent if s.conversation_id == channel.conversation_id]
    assert posted == []


# --- 9. diagnostics name no one's support -------------------------------------------------------


async def test_undelivered_shows_what_failed_never_whose_support(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, pid: int
) -> None:
    teams.connector.fail_with[chat(TUTOR)] = 403
    await amy_logs_session(teams, pid, "coaching", "2026-11-23")
    await tick(teams_app, clock)
    text = card_text(only_card(await teams.say(ADMIN, "undelivered")))
    assert "A private 1:1 message" in text and "blocked TLC" in text
    for leak in ("session", "Tutor:", "support", "programme", "Amy"):
        assert leak not in text, leak
