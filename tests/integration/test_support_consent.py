"""Issue 12 over real HTTP: no conflict of interest in matching, consent before anything
reports outward, exits that are real. Every test asserts stored state, not only the words."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.models import Person
from storage.people import Directory
from storage.support import (
    ACCEPTED,
    MATCHING,
    PROPOSED,
    WAITING,
    WITHDRAWN,
    SupportProgrammeRecord,
    SupportRecords,
    SupportReferral,
)
from tests.conftest import ADMIN, MANAGER, QUINN, TUTOR
from tests.support.bot import tick
from tests.support.cards import button_data, card_text, only_card
from tests.support.loopback import LoopbackConnector
from tests.support.support_college import AMY, BEN, HAL, OLLY, ask_amy, college, refer
from tests.support.teams import TeamsClient, User, cards_to, texts_to

ORG = "tenant-1"


async def person(app: web.Application, user: User) -> Person:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        found = await Directory(uow.session).person_by_email(ORG, user.email)
        assert found is not None
        return found


async def set_line_manager(app: web.Application, user: User, manager: User) -> None:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        found = await Directory(uow.session).person_by_email(ORG, user.email)
        assert found is not None
        found.line_manager_email = manager.email
        await uow.commit()


async def only_referral(app: web.Application) -> SupportReferral:
    tom = await person(app, TUTOR)
    async with app[BOT_KEY].db.unit_of_work() as uow:
        referral = await uow.session.get(SupportReferral, 1)
        assert referral is not None and referral.tutor_id == tom.id
        uow.session.expunge(referral)
        return referral


async def programme_count(app: web.Application) -> int:
    tom = await person(app, TUTOR)
    async with app[BOT_KEY].db.unit_of_work() as uow:
        found = await SupportRecords(uow.session).current_programme_of(ORG, tom.id)
        return 0 if found is None else 1


async def grant(teams: TeamsClient, user: User, role: str) -> None:
    reply = await teams.say(ADMIN, f"admin grant {user.email} {role}")
    assert "Saved: roles" in card_text(only_card(reply))


# --- 1. no conflict of interest in matching -------------------------------------------------


async def test_no_ap_in_the_tutors_line_management_chain_is_asked(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Mia line-manages Tom and is an AP; Olly manages Mia and is an AP; Amy reports to Tom.
    None of them may be asked. Ben has no room: so the referral waits, and the head of T&L
    is told someone waits, and nothing more."""
    await college(teams)
    connector = teams.connector
    await grant(teams, MANAGER, "advanced_practitioner")
    await grant(teams, OLLY, "advanced_practitioner")
    await set_line_manager(teams_app, MANAGER, OLLY)
    await set_line_manager(teams_app, AMY, TUTOR)
    await teams.say(HAL, "support capacity ben@college.ac.uk 0")
    connector.clear()

    saved = await refer(teams)
    assert "Every AP is fully booked" in card_text(saved)
    referral = await only_referral(teams_app)
    assert referral.state == WAITING and referral.practitioner_id is None
    await tick(teams_app, clock)
    for ap in (MANAGER, OLLY, AMY, BEN):
        assert "would like support" not in texts_to(connector, ap), ap.name
    waiting = texts_to(connector, HAL)
    assert "1 self-referral is waiting" in waiting
    assert "Tom" not in waiting and "Behaviour" not in waiting

    # A place comes free with Ben: he is asked; the conflicted APs still are not.
    connector.clear()
    [raised] = await teams.say(HAL, "support capacity ben@college.ac.uk 5")
    assert "I've asked APs about 1 waiting request." in raised.text
    referral = await only_referral(teams_app)
    ben = await person(teams_app, BEN)
    assert referral.state == MATCHING and referral.practitioner_id == ben.id
    await tick(teams_app, clock)
    assert "Tom Tutor would like support" in texts_to(connector, BEN)
    for ap in (MANAGER, OLLY, AMY):
        assert "would like support" not in texts_to(connector, ap), ap.name


async def test_an_ap_who_became_the_tutors_manager_cannot_accept(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    await college(teams)
    ask = await ask_amy(teams, teams_app, clock)
    await set_line_manager(teams_app, TUTOR, AMY)  # the tutor list changed since the ask
    answer = await teams.answer(
        AMY, "support.accept", {**button_data(ask, "support.accept"), "kind": "informal"}
    )
    assert "line-management chain" in card_text(answer)
    referral = await only_referral(teams_app)
    amy, ben = await person(teams_app, AMY), await person(teams_app, BEN)
    assert referral.state == MATCHING and referral.practitioner_id == ben.id
    assert amy.id in referral.passed_ids
    assert await programme_count(teams_app) == 0


# --- 2. consent before anything reports outward ---------------------------------------------


async def _asked_amy(teams: TeamsClient, app: web.Application, clock: FixedClock) -> Any:
    await college(teams)
    return button_data(await ask_amy(teams, app, clock), "support.accept")


async def _amy_accepts(
    teams: TeamsClient, app: web.Application, clock: FixedClock, kind: str
) -> tuple[Any, dict[str, Any]]:
    """Amy is asked and accepts with `kind`: the card data she pressed, and the reply she saw."""
    data = await _asked_amy(teams, app, clock)
    body, _ = await teams.execute(AMY, "support.accept", {**data, "kind": kind})
    return data, body


async def _toms_programme(app: web.Application) -> SupportProgrammeRecord | None:
    tom = await person(app, TUTOR)
    async with app[BOT_KEY].db.unit_of_work() as uow:
        return await SupportRecords(uow.session).current_programme_of(ORG, tom.id)


async def test_support_to_good_starts_only_when_the_tutor_says_yes(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    data, body = await _amy_accepts(teams, teams_app, clock, "support_to_good")
    reply = card_text(body["value"])
    assert "starts only when Tom Tutor says yes" in reply and "starts today" not in reply
    referral = await only_referral(teams_app)
    assert referral.state == PROPOSED and referral.proposed_kind == "support_to_good"
    assert await programme_count(teams_app) == 0

    connector.clear()
    await tick(teams_app, clock)
    consent = next(
        c for c in cards_to(connector, TUTOR) if "suggests Support to good" in card_text(c)
    )
    text = card_text(consent)
    assert "goes to your line manager (Mia Manager)" in text
    assert "Week 12" in text and "head of teaching & learning reviews your case" in text
    assert cards_to(connector, MANAGER) == []

    # No: nothing starts, Amy is asked to choose something else.
    answer = await teams.answer(TUTOR, "support.decline", button_data(consent, "support.decline"))
    assert "won't start" in card_text(answer)
    referral = await only_referral(teams_app)
    assert referral.state == MATCHING and referral.proposed_kind is None
    assert await programme_count(teams_app) == 0
    connector.clear()
    await tick(teams_app, clock)
    assert "would rather not start Support to good" in texts_to(connector, AMY)

    # Proposed again, and this time: yes.
    await teams.execute(AMY, "support.accept", {**data, "kind": "support_to_good"})
    await teams.execute(TUTOR, "support.consent", {"referral_id": data["referral_id"]})
    referral = await only_referral(teams_app)
    assert referral.state == ACCEPTED
    programme = await _toms_programme(teams_app)
    assert programme is not None and programme.kind == "support_to_good"
    assert programme.consented_at is not None
    connector.clear()
    await tick(teams_app, clock)
    assert "Tom Tutor said yes" in texts_to(connector, AMY)
    started = texts_to(connector, TUTOR)
    assert "You agreed to this programme on" in started
    assert "At week 12, only if Amy Advanced records" in started


async def test_new_staff_mentoring_says_at_its_start_what_it_shares(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    await _amy_accepts(teams, teams_app, clock, "new_staff")
    teams.connector.clear()
    await tick(teams_app, clock)
    started = texts_to(teams.connector, TUTOR)
    assert "New staff mentoring is part of starting" in started
    assert "Nothing from it goes to your line manager" in started


async def test_only_the_tutor_answers_a_proposal(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    data, _ = await _amy_accepts(teams, teams_app, clock, "support_to_good")
    for user in (AMY, MANAGER, HAL, QUINN):
        answer = await teams.answer(user, "support.consent", {"referral_id": data["referral_id"]})
        assert "not yours to see" in str(answer)
    assert (await only_referral(teams_app)).state == PROPOSED
    assert await programme_count(teams_app) == 0


async def test_an_informal_choice_starts_informal_support(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    data, body = await _amy_accepts(teams, teams_app, clock, "informal")
    reply = card_text(body["value"])
    assert "Informal support starts today" in reply and "Support to good" not in reply
    programme = await _toms_programme(teams_app)
    assert programme is not None and programme.kind == "informal"


# --- 4. exits are real ------------------------------------------------------------------------


async def test_withdraw_works_before_the_programme_starts_and_says_so_after(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    data, _ = await _amy_accepts(teams, teams_app, clock, "support_to_good")
    assert "Request withdrawn" in card_text(await teams.answer(TUTOR, "support.withdraw", data))
    referral = await only_referral(teams_app)
    assert referral.state == WITHDRAWN and referral.practitioner_id is None
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert await SupportRecords(uow.session).caseload_counts(ORG) == {}
    # The proposal can no longer be accepted.
    assert "no programme waiting" in str(await teams.answer(TUTOR, "support.consent", data))
    assert await programme_count(teams_app) == 0


async def test_withdraw_after_the_programme_started_changes_nothing_and_says_so(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    data, _ = await _amy_accepts(teams, teams_app, clock, "towards_outstanding")
    body, _ = await teams.execute(TUTOR, "support.withdraw", data)
    assert "Request withdrawn" not in str(body)
    assert "already started" in str(body)
    assert (await only_referral(teams_app)).state == ACCEPTED
    programme = await _toms_programme(teams_app)
    assert programme is not None and programme.state == "active"
