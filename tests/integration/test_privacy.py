"""People's data is theirs (issue 10, points 6 and 7), over real HTTP with the worker ticking.

The access log: an AP opening a tutor's referral, programme, self-ratings or session notes writes
a row the tutor alone reads with `privacy`. Subject access: an admin exports everything about
one person (JSON and a Word document, through file consent) or erases them. Retention: the
worker forgets stored retry replies and sent messages' bodies after the configured period.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FixedClock
from storage.db import Database
from storage.documents import PendingDocument
from storage.models import AuditEntry, Person, ProcessedActivity
from storage.outbox import SENT, OutboxMessage
from storage.people import Directory
from storage.privacy import ERASED_NAME, AccessEntry, purge_expired
from storage.reminders import ScheduledItem
from storage.support import (
    CompetenceRating,
    SupportProgrammeRecord,
    SupportReferral,
    SupportSession,
)
from tests.conftest import ADMIN, MANAGER, START, TUTOR, made_at_start
from tests.support.bot import next_card_to, tick
from tests.support.cards import button_data, card_text, live_markdown, only_card
from tests.support.databases import stored_rows
from tests.support.support_college import (
    AMY,
    HAL,
    SCORES,
    amy_escalates_toms_case,
    amy_logs_session,
    ask_amy,
    college,
)
from tests.support.teams import (
    TENANT,
    Place,
    TeamsClient,
    User,
    cards_to,
    consent_for,
)


async def _programme(teams: TeamsClient, app: web.Application, clock: FixedClock) -> int:
    """Tom asks for support, Amy is asked (the worker draws his referral for her) and takes it
    on; Tom rates himself; Amy logs a session with notes. Returns the programme id."""
    await college(teams)
    ask = await ask_amy(teams, app, clock)
    referral_id = button_data(ask, "support.accept")["referral_id"]
    await teams.execute(
        AMY, "support.accept", {"referral_id": referral_id, "kind": "support_to_good"}
    )
    # Support to good starts only when Tom accepts what it shares (issue 12).
    consent = await next_card_to(teams, app, clock, TUTOR, "support.consent")
    answer = await teams.answer(TUTOR, "support.consent", button_data(consent, "support.consent"))
    programme_id = int(button_data(answer, "programme.open")["programme_id"])
    await teams.execute(TUTOR, "rate", {"programme_id": programme_id, "stage": "start", **SCORES})
    await amy_logs_session(
        teams,
        programme_id,
        "developmental_observation",
        "2026-11-24",
        notes="Noisy start; strong rapport with the group.",
        actions="Use a seating plan",
    )
    return programme_id


async def _person(db: Database, email: str) -> Person:
    async with db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_email(TENANT, email)
        assert person is not None
        return person


async def _people(db: Database, *users: User) -> list[Person]:
    return [await _person(db, user.email) for user in users]


async def _access_rows(db: Database) -> list[AccessEntry]:
    return await stored_rows(db, AccessEntry)


# --- point 7: every confidential read is recorded, and its owner can see it -------------------


async def test_an_empty_self_rating_chart_is_no_read_of_the_tutors_ratings(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Amy asks for Tom's chart before he has rated himself: there is nothing to read, so
    Tom's access log does not say she opened his self-ratings, and she is told why (not to
    say **rate**, which is his to do)."""
    await college(teams)
    ask = await ask_amy(teams, teams_app, clock)
    referral_id = button_data(ask, "support.accept")["referral_id"]
    answer = await teams.answer(
        AMY, "support.accept", {"referral_id": referral_id, "kind": "towards_outstanding"}
    )
    programme_id = int(button_data(answer, "programme.open")["programme_id"])
    before = [(r.reader_id, r.kind) for r in await _access_rows(sqlite_db)]
    answer = await teams.answer(AMY, "rate.chart", {"programme_id": programme_id})
    assert "Tom Tutor hasn't rated themselves yet" in str(answer)
    assert [(r.reader_id, r.kind) for r in await _access_rows(sqlite_db)] == before


async def test_reads_of_a_tutors_records_are_logged_and_only_the_tutor_sees_them(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    programme_id = await _programme(teams, teams_app, clock)
    tom, amy = await _people(sqlite_db, TUTOR, AMY)

    # The worker drew Tom's referral into the message that asked Amy.
    rows = await _access_rows(sqlite_db)
    assert [(r.owner_id, r.reader_id, r.kind) for r in rows] == [(tom.id, amy.id, "self_referral")]
    assert rows[0].record.startswith("support_referrals:")

    # Amy opens his programme, his self-ratings and (in the monthly report) his session notes.
    await teams.execute(AMY, "programme.open", {"programme_id": programme_id})
    await teams.execute(AMY, "rate.chart", {"programme_id": programme_id})
    await teams.execute(
        AMY, "programme.report.open", {"programme_id": programme_id, "month": "2026-11"}
    )
    # Tom opening his own records is not an access by someone else.
    await teams.execute(TUTOR, "programme.open", {"programme_id": programme_id})
    await teams.execute(TUTOR, "rate.chart", {"programme_id": programme_id})
    # Someone refused writes nothing: they opened nothing.
    answer = await teams.answer(HAL, "programme.open", {"programme_id": programme_id})
    assert "not yours to see" in str(answer)

    # Her monthly report reaches the head of T&L, through the worker.
    await teams.execute(
        AMY,
        "programme.report",
        {
            "programme_id": programme_id,
            "month": "2026-11",
            "sessions": "One session.",
            "progress": "Calmer starts.",
        },
    )
    await tick(teams_app, clock)
    hal = await _person(sqlite_db, HAL.email)

    rows = await _access_rows(sqlite_db)
    assert [(r.owner_id, r.reader_id, r.kind) for r in rows] == [
        (tom.id, amy.id, "self_referral"),
        (tom.id, amy.id, "programme"),
        (tom.id, amy.id, "self_ratings"),
        (tom.id, amy.id, "session_notes"),
        (tom.id, hal.id, "programme"),
    ]
    assert rows[4].path == "AP's monthly report, 1:1 chat"
    assert rows[1].record == f"support_programmes:{programme_id}"
    assert rows[1].path == "programme, 1:1 chat"
    assert rows[2].path == "self-rating chart, 1:1 chat"
    assert all(r.at == START for r in rows)

    # Tom sees who opened what, when and how.
    seen = card_text(only_card(await teams.say(TUTOR, "privacy")))
    assert "Amy Advanced** opened your support programme" in seen
    assert "your self-ratings" in seen and "your session notes" in seen
    assert "your request for support" in seen and "request sent to the AP" in seen
    assert "Mon 23 Nov 2026 at 10:00" in seen
    assert "Hal Head** opened your support programme" in seen

    # Nobody else reads Tom's rows: not Amy, not an admin, not in a channel.
    for other in (AMY, ADMIN):
        shown = card_text(only_card(await teams.say(other, "privacy")))
        assert "Nobody but you has opened them" in shown
        assert "Tom" not in shown and "support programme" not in shown.replace(
            "Your request for support, your programme", ""
        )
    asked = await teams.say(ADMIN, "privacy tom@college.ac.uk")
    assert "Nobody can read or delete anyone else's list" in asked[0].text
    assert "Amy" not in asked[0].text
    cleared = await teams.say(ADMIN, "privacy clear")
    assert "admins included" in cleared[0].text
    in_channel = await teams.say(TUTOR, "privacy", Place.channel(), mention=True)
    assert "works in a 1:1 chat" in in_channel[0].text
    assert "Amy" not in in_channel[0].text
    assert len(await _access_rows(sqlite_db)) == 5  # nothing purged, nothing added

    # Only the last 12 months are shown.
    clock.advance(timedelta(days=366))
    later = card_text(only_card(await teams.say(TUTOR, "privacy")))
    assert "Nobody but you has opened them" in later


async def test_a_teams_retry_of_an_open_is_answered_from_the_store_and_logged_once(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Teams sends an activity again when the bot was slow: Amy's opens of Tom's programme, his
    self-rating chart, the monthly report form (his session notes) and her session, objectives
    and update forms (his open actions, objectives, the update drafted from his record) each
    answer the retry with the same card, send nothing more, write one access-log row and store
    one answer."""
    programme_id = await _programme(teams, teams_app, clock)
    tom, amy = await _people(sqlite_db, TUTOR, AMY)
    month = {"programme_id": programme_id, "month": "2026-11"}
    ref = {"programme_id": programme_id}
    for n, (verb, data, kind, marker) in enumerate(
        (
            ("programme.open", ref, "programme", "Tom Tutor"),
            ("rate.chart", ref, "self_ratings", "start"),
            ("programme.report.open", month, "session_notes", "1 session(s) this month"),
            ("programme.session.open", ref, "programme", "Use a seating plan"),
            ("programme.objectives.open", ref, "programme", "Tom Tutor"),
            ("programme.update.open", {**ref, "number": 1}, "programme", "0 of 1"),
        )
    ):
        logged = len(await _access_rows(sqlite_db))
        stored = await _count(sqlite_db, ProcessedActivity)
        first, sent = await teams.execute(AMY, verb, data, activity_id=f"open-{n}")
        again, resent = await teams.execute(AMY, verb, data, activity_id=f"open-{n}")
        assert marker in card_text(first["value"]), verb
        assert again == first and resent == sent == [], verb
        new = [(r.owner_id, r.reader_id, r.kind) for r in (await _access_rows(sqlite_db))[logged:]]
        assert new == [(tom.id, amy.id, kind)], verb
        assert await _count(sqlite_db, ProcessedActivity) == stored + 1, verb


async def test_the_aps_forms_that_show_a_tutors_record_are_in_his_privacy_list(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Amy's session form lists Tom's open actions, her objectives form his objectives, her
    update form a draft from his sessions and actions: each is a read of his record by someone
    else, so Tom's `privacy` names it, as it names the programme card. His own reflection form
    shows him nothing of it and writes nothing; a refused open writes nothing either."""
    programme_id = await _programme(teams, teams_app, clock)
    tom, amy = await _people(sqlite_db, TUTOR, AMY)
    ref = {"programme_id": programme_id}
    logged = len(await _access_rows(sqlite_db))
    await teams.execute(AMY, "programme.session.open", ref)
    await teams.execute(AMY, "programme.objectives.open", ref)
    await teams.execute(AMY, "programme.update.open", {**ref, "number": 1})
    await teams.execute(TUTOR, "programme.reflect.open", ref)
    refused = await teams.answer(HAL, "programme.session.open", ref)
    assert "not yours to see" in str(refused)

    new = [
        (r.owner_id, r.reader_id, r.kind, r.record, r.path)
        for r in (await _access_rows(sqlite_db))[logged:]
    ]
    record = f"support_programmes:{programme_id}"
    assert new == [
        (tom.id, amy.id, "programme", record, f"{form}, 1:1 chat")
        for form in ("session form", "objectives form", "update draft")
    ]
    seen = card_text(only_card(await teams.say(TUTOR, "privacy")))
    for form in ("session form", "objectives form", "update draft"):
        assert f"({form}, 1:1 chat)" in seen


async def test_a_teams_retry_of_a_submitted_open_sends_nothing_more_and_logs_once(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """An Action.Submit (a message, not an invoke) opening Tom's programme posts Amy the card.
    Teams sends it again with the same activity id: nothing more is posted (no "Already
    saved.": she saved nothing) and the read is logged once. A stored answer in words is the
    same words again to an invoke, and nothing more to a submit."""
    programme_id = await _programme(teams, teams_app, clock)
    tom, amy = await _people(sqlite_db, TUTOR, AMY)
    logged = len(await _access_rows(sqlite_db))
    stored = await _count(sqlite_db, ProcessedActivity)
    opened = {"verb": "programme.open", "programme_id": programme_id}
    first = await teams.submit(AMY, opened, activity_id="submit-1")
    assert "Tom Tutor" in card_text(only_card(first))
    assert await teams.submit(AMY, opened, activity_id="submit-1") == []
    new = [(r.owner_id, r.reader_id, r.kind) for r in (await _access_rows(sqlite_db))[logged:]]
    assert new == [(tom.id, amy.id, "programme")]
    assert await _count(sqlite_db, ProcessedActivity) == stored + 1

    gone = {"programme_id": programme_id + 100}
    said, _ = await teams.execute(AMY, "programme.open", gone, activity_id="gone-1")
    assert "isn't available any more" in str(said["value"])
    again, resent = await teams.execute(AMY, "programme.open", gone, activity_id="gone-1")
    assert again == said and resent == []
    first = await teams.submit(AMY, {"verb": "programme.open", **gone}, activity_id="gone-2")
    assert "isn't available any more" in first[0].text
    assert await teams.submit(AMY, {"verb": "programme.open", **gone}, activity_id="gone-2") == []


async def test_a_teams_retry_of_the_heads_programme_command_logs_the_review_once(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """`programme` typed by the head of T&L during a week-12 review shows the case and writes
    the access log. Sent again with the same activity id (Teams retrying a slow turn), it runs
    nothing again: nothing more is sent and nothing more is logged."""
    programme_id = await _programme(teams, teams_app, clock)
    await amy_escalates_toms_case(teams, teams_app, clock, programme_id)
    tom, hal = await _people(sqlite_db, TUTOR, HAL)
    logged = len(await _access_rows(sqlite_db))
    stored = await _count(sqlite_db, ProcessedActivity)

    first = await teams.say(HAL, "programme", activity_id="typed-1")
    assert any("Week-12 review: Tom Tutor" in card_text(c) for s in first for c in s.cards)
    again = await teams.say(HAL, "programme", activity_id="typed-1")
    assert again == []
    new = [(r.owner_id, r.reader_id, r.path) for r in (await _access_rows(sqlite_db))[logged:]]
    assert new == [(tom.id, hal.id, "week-12 review, 1:1 chat")]
    assert await _count(sqlite_db, ProcessedActivity) == stored + 1
    # A new message (another activity id) is a new read, logged again.
    assert await teams.say(HAL, "programme") != []
    assert len(await _access_rows(sqlite_db)) == logged + 2


# --- point 6: subject access export --------------------------------------------------------------


async def test_an_admin_exports_everything_about_a_person_through_file_consent(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    programme_id = await _programme(teams, teams_app, clock)
    tom, admin = await _people(sqlite_db, TUTOR, ADMIN)

    admin_card = only_card(await teams.say(ADMIN, "admin"))
    assert button_data(admin_card, "admin.person.open") == {"verb": "admin.person.open"}
    assert "A person's data" in card_text(await teams.answer(ADMIN, "admin.person.open", {}))

    # Not an admin: nothing is exported.
    body, sent = await teams.execute(AMY, "admin.person.export", {"email": TUTOR.email})
    assert "only an org admin" in str(body["value"]) + "".join(s.text for s in sent)
    # An unknown email is answered on the card.
    answer = await teams.answer(ADMIN, "admin.person.export", {"email": "who@college.ac.uk"})
    assert "Nobody with that email" in card_text(answer)
    async with sqlite_db.unit_of_work() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(PendingDocument)) == 0

    _, sent = await teams.execute(ADMIN, "admin.person.export", {"email": "TOM@college.ac.uk "})
    stem = f"tlc-data-person-{tom.id}-2026-11-23"
    raw = await teams.accept_file(ADMIN, consent_for(sent, ".json"), f"{stem}.json")
    doc = await teams.accept_file(ADMIN, consent_for(sent, ".docx"), f"{stem}.docx")

    data = json.loads(raw)
    assert data["person"]["email"] == TUTOR.email and data["person"]["name"] == "Tom Tutor"
    records = data["records"]
    assert [r["id"] for r in records["support_programmes"]] == [programme_id]
    assert records["support_referrals"][0]["topics"] == ["behaviour"]
    assert records["support_sessions"][0]["notes"] == "Noisy start; strong rapport with the group."
    assert records["competence_ratings"][0]["scores"]["questioning"] == 5
    assert "role_grants" not in records or all(
        r["person_id"] == tom.id for r in records["role_grants"]
    )
    assert "access_log" not in records  # the tutor reads that himself, with `privacy`
    assert "Noisy start" in _docx_text(doc) and "Tom Tutor" in _docx_text(doc)

    # The export is in Tom's access log, and in the audit log.
    rows = [r for r in await _access_rows(sqlite_db) if r.reader_id == admin.id]
    assert {r.kind for r in rows} == {"self_referral", "programme", "self_ratings", "session_notes"}
    assert all(r.owner_id == tom.id for r in rows)
    assert "Ada Admin** opened your support programme" in card_text(
        only_card(await teams.say(TUTOR, "privacy"))
    )
    # Tom is told, in his 1:1 chat.
    teams.connector.clear()
    await tick(teams_app, clock)
    told = "\n".join(card_text(c) for c in cards_to(teams.connector, TUTOR))
    assert "Ada Admin (an org admin) exported everything TLC holds about you" in told
    async with sqlite_db.unit_of_work() as uow:
        audit = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "export person data")
        )
        assert audit is not None and audit.actor_id == admin.id
        assert audit.subject == f"person:{tom.id}" and "Tom" not in audit.detail


async def test_two_exports_with_the_same_activity_id_in_two_chats_each_reach_the_person(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Teams activity ids are unique only within a conversation: Ada and Mia, each in her own
    1:1 chat, export Tom's data on turns that happen to carry the same id. Tom is told of both,
    each naming who exported it."""
    await teams.say(TUTOR, "hello")
    await teams.say(ADMIN, f"admin grant {MANAGER.email} org_admin")
    await teams.say(MANAGER, "hello")
    await teams.execute(ADMIN, "admin.person.export", {"email": TUTOR.email}, activity_id="1:7")
    await teams.execute(MANAGER, "admin.person.export", {"email": TUTOR.email}, activity_id="1:7")
    tom = await _person(sqlite_db, TUTOR.email)
    notices = [
        i for i in await stored_rows(sqlite_db, ScheduledItem) if i.kind == "privacy.exported"
    ]
    assert len(notices) == 2 and all(i.person_id == tom.id for i in notices)
    teams.connector.clear()
    await tick(teams_app, clock)
    told = "\n".join(card_text(c) for c in cards_to(teams.connector, TUTOR))
    assert "Ada Admin (an org admin) exported" in told
    assert "Mia Manager (an org admin) exported" in told


async def test_an_admins_name_written_as_a_link_is_shown_as_written_when_a_person_is_told(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Mia, an org admin, sets her Teams display name to a "Sign in again" link and exports
    Tom's data. The notice that tells Tom names her as written, never as a live link in the
    bot's voice; its notification says what happened, as before."""
    from dataclasses import replace

    evil_mia = replace(MANAGER, name="[Sign in again](https://evil.example) Mia")
    await teams.say(TUTOR, "hello")
    await teams.say(ADMIN, f"admin grant {MANAGER.email} org_admin")
    await teams.say(evil_mia, "hello")
    await teams.execute(evil_mia, "admin.person.export", {"email": TUTOR.email})
    tom = await _person(sqlite_db, TUTOR.email)
    (notice,) = [
        i for i in await stored_rows(sqlite_db, ScheduledItem) if i.kind == "privacy.exported"
    ]
    assert notice.person_id == tom.id
    teams.connector.clear()
    await tick(teams_app, clock)
    (told,) = cards_to(teams.connector, TUTOR)
    assert live_markdown(told, "(an org admin) exported") == []
    assert told["fallbackText"] == "Your data was exported"


async def test_an_export_asked_for_in_a_channel_without_a_private_chat_is_not_made(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Mia, an org admin who has never said hello to TLC in a 1:1 chat, asks in a channel for
    Tom's data. The files could not reach her, so nothing is exported: she is told why, and
    Tom's access log, the audit log and his notices hold nothing of it."""
    await teams.say(TUTOR, "hello")
    await teams.say(ADMIN, f"admin grant {MANAGER.email} org_admin")
    channel = Place.channel()
    await teams.install(ADMIN, channel)
    answer = await teams.answer(MANAGER, "admin.person.export", {"email": TUTOR.email}, channel)
    assert "Say hello to me in our 1:1 chat first" in card_text(answer)
    assert await _count(sqlite_db, PendingDocument) == 0
    assert await _count(sqlite_db, AccessEntry) == 0
    assert await _count(sqlite_db, AuditEntry, AuditEntry.action == "export person data") == 0
    items = await stored_rows(sqlite_db, ScheduledItem)
    assert not [i for i in items if i.kind == "privacy.exported"]


def _docx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read("word/document.xml").decode()


# --- point 6: erasure ----------------------------------------------------------------------------


async def _count(db: Database, model: Any, *where: Any) -> int:
    async with db.unit_of_work() as uow:
        return int(
            await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        )


async def test_an_admin_erases_a_person_keeping_others_records_anonymous(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    programme_id = await _programme(teams, teams_app, clock)
    await teams.execute(AMY, "programme.open", {"programme_id": programme_id})
    tom, amy = await _people(sqlite_db, TUTOR, AMY)

    # Without the confirmation, nothing is erased.
    answer = await teams.answer(
        ADMIN, "admin.person.erase", {"email": AMY.email, "confirm": "false"}
    )
    assert "cannot be undone" in card_text(answer)
    assert (await _person(sqlite_db, AMY.email)).name == "Amy Advanced"
    # Not an admin: nothing is erased.
    answer = await teams.answer(
        TUTOR, "admin.person.erase", {"email": AMY.email, "confirm": "true"}
    )
    assert "only an org admin" in str(answer)

    # Amy, the AP, is erased: Tom's programme and the session she logged are Tom's, and stay,
    # naming an anonymous placeholder; the rows of Tom's access log she wrote stay too.
    answer = await teams.answer(
        ADMIN, "admin.person.erase", {"email": AMY.email, "confirm": "true"}
    )
    shown = card_text(answer)
    assert "Erased" in shown and "role_grants" in shown and "support_programmes" in shown
    async with sqlite_db.unit_of_work() as uow:
        placeholder = await uow.session.get(Person, amy.id)
        assert placeholder is not None
        assert (placeholder.name, placeholder.email, placeholder.aad_object_id) == (
            ERASED_NAME,
            None,
            None,
        )
        programme = await uow.session.get(SupportProgrammeRecord, programme_id)
        assert programme is not None and programme.practitioner_id == amy.id
    assert await _count(sqlite_db, SupportSession, SupportSession.logged_by == amy.id) == 1
    assert await _count(sqlite_db, AccessEntry, AccessEntry.reader_id == amy.id) == 2
    assert "Erased person** opened your support programme" in card_text(
        only_card(await teams.say(TUTOR, "privacy"))
    )
    assert "Amy" not in card_text(only_card(await teams.say(TUTOR, "privacy")))

    # Tom, the tutor, is erased: his own confidential records are gone, with his access log.
    answer = await teams.answer(
        ADMIN, "admin.person.erase", {"email": TUTOR.email, "confirm": "true"}
    )
    shown = card_text(answer)
    assert "support_referrals" in shown and "support_sessions" in shown
    for model, column in (
        (SupportReferral, SupportReferral.tutor_id),
        (SupportProgrammeRecord, SupportProgrammeRecord.tutor_id),
        (CompetenceRating, CompetenceRating.tutor_id),
        (AccessEntry, AccessEntry.owner_id),
    ):
        assert await _count(sqlite_db, model, column == tom.id) == 0, model
    assert await _count(sqlite_db, SupportSession) == 0
    # His email is nowhere any more.
    assert await _count(sqlite_db, Person, Person.email == TUTOR.email) == 0
    async with sqlite_db.unit_of_work() as uow:
        audit = list(
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase person"))
        )
        assert [a.subject for a in audit] == [f"person:{amy.id}", f"person:{tom.id}"]
        assert "support_referrals: 1" in audit[1].detail

    # Saying hello again makes a new, empty person: nothing comes back.
    await teams.say(TUTOR, "hello")
    fresh = await _person(sqlite_db, TUTOR.email)
    assert fresh.id != tom.id
    assert "not on a support programme" in (await teams.say(TUTOR, "programme"))[0].text


# --- point 6: the command line -----------------------------------------------------------------


async def _seed(url: str) -> None:
    db = Database(url)
    await db.migrate()
    async with db.unit_of_work() as uow:
        from bot.app.turn import UserRef

        directory = Directory(uow.session)
        await directory.organisation(TENANT, START)
        person = await directory.seen(
            TENANT, UserRef("29:tom", "aad-tom", "Tom Tutor", "tom@college.ac.uk"), START
        )
        uow.session.add(
            made_at_start(
                SupportReferral,
                tutor_id=person.id,
                topics=["behaviour"],
                other_topic="Keeping a noisy group on task\x0b",  # typed; Word can't hold it
            )
        )
        await uow.commit()
    await db.dispose()


async def _rows(url: str, model: Any) -> list[Any]:
    db = Database(url)
    try:
        async with db.unit_of_work() as uow:
            return list(await uow.session.scalars(select(model)))
    finally:
        await db.dispose()


def test_the_command_line_exports_and_erases_a_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tlc.db'}"
    asyncio.run(_seed(url))
    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "export"

    base = ["--org", TENANT, "--email", "Tom@college.ac.uk"]
    assert main(["person", "export", *base, "--out", str(out)]) == 0
    [json_file] = out.glob("*.json")
    [docx_file] = out.glob("*.docx")
    data = json.loads(json_file.read_text())
    assert (
        data["records"]["support_referrals"][0]["other_topic"]
        == "Keeping a noisy group on task\x0b"
    )
    assert "Keeping a noisy group on task" in _docx_text(docx_file.read_bytes())
    # The export is in the person's access log: read at the command line.
    [entry] = asyncio.run(_rows(url, AccessEntry))
    assert (entry.kind, entry.reader_id) == ("self_referral", None)
    assert "tlc person export" in entry.path

    assert main(["person", "erase", "--org", TENANT, "--email", "nobody@college.ac.uk"]) == 1
    assert main(["person", "erase", *base, "--dry-run"]) == 0
    assert "support_referrals: 1" in capsys.readouterr().out
    assert len(asyncio.run(_rows(url, SupportReferral))) == 1

    assert main(["person", "erase", *base]) == 0
    printed = capsys.readouterr().out
    assert "deleted:" in printed and "support_referrals: 1" in printed
    assert asyncio.run(_rows(url, SupportReferral)) == []
    assert asyncio.run(_rows(url, AccessEntry)) == []
    [person] = asyncio.run(_rows(url, Person))
    assert (person.name, person.email) == (ERASED_NAME, None)


# --- point 6: retention ------------------------------------------------------------------------


async def test_the_worker_forgets_retry_replies_and_sent_bodies_after_the_retention_period(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    programme_id = await _programme(teams, teams_app, clock)
    await tick(teams_app, clock)  # the session notice to Tom goes out
    async with sqlite_db.unit_of_work() as uow:
        replies = await uow.session.scalar(select(func.count()).select_from(ProcessedActivity))
        sent = list(
            await uow.session.scalars(select(OutboxMessage).where(OutboxMessage.state == SENT))
        )
    assert replies and sent and all(m.message for m in sent)

    # 29 days on: all kept.
    clock.advance(timedelta(days=29))
    await tick(teams_app, clock)
    assert await _count(sqlite_db, ProcessedActivity) == replies

    # A reply stored now is younger than the period; the old ones go, with the sent bodies.
    await teams.execute(TUTOR, "rate", {"programme_id": programme_id, "stage": "start", **SCORES})
    fresh = await _count(sqlite_db, ProcessedActivity) - replies
    clock.advance(timedelta(days=2))
    await tick(teams_app, clock)
    assert await _count(sqlite_db, ProcessedActivity) == fresh
    async with sqlite_db.unit_of_work() as uow:
        after = list(
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_([m.id for m in sent]))
            )
        )
    assert after and all(m.message == {} for m in after)
    assert all(m.state == SENT and m.sent_at is not None for m in after)  # the record stays


async def test_purge_keeps_queued_messages_and_young_copies(db: Database) -> None:
    """On SQLite and PostgreSQL: only what is older than the period, and never a queued body."""
    from bot.app.turn import UserRef
    from storage.reminders import QUEUED, Schedule, ScheduledItem

    old, young = START - timedelta(days=31), START - timedelta(days=1)
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(TENANT, START)
        person = await directory.seen(TENANT, UserRef("29:p", "aad-p", "P", "p@college.ac.uk"), old)
        schedule = Schedule(uow.session)
        for key in ("a", "b", "c"):
            await schedule.put(TENANT, key, "test", old, old, person_id=person.id)
        await uow.session.flush()
        items = {i.key: i.id for i in await uow.session.scalars(select(ScheduledItem))}
        for key, state, at in (("a", SENT, old), ("b", QUEUED, old), ("c", SENT, young)):
            uow.session.add(
                OutboxMessage(
                    org_id=TENANT,
                    item_id=items[key],
                    item_revision=1,
                    kind="test",
                    message={"text": f"secret {key}"},
                    state=state,
                    not_before=at,
                    created_at=at,
                    updated_at=at,
                    sent_at=at if state == SENT else None,
                )
            )
        for key, at in (
            ("old", old),
            ("young", young),
            ("past-retry", START - timedelta(minutes=61)),
            ("retry-time", START - timedelta(minutes=59)),
        ):
            uow.session.add(
                ProcessedActivity(org_id=TENANT, activity_key=key, response={"x": 1}, created_at=at)
            )
        for token, expires in (
            ("gone", START - timedelta(hours=1)),
            ("kept", START + timedelta(hours=1)),
        ):
            uow.session.add(
                PendingDocument(
                    token=token,
                    org_id=TENANT,
                    person_id=person.id,
                    name=f"{token}.json",
                    content=b"{}",
                    created_at=expires - timedelta(days=1),
                    expires_at=expires,
                )
            )
        await uow.commit()
    async with db.unit_of_work() as uow:
        purged = await purge_expired(uow.session, START, timedelta(days=30))
        await uow.commit()
    assert (purged.replies, purged.bodies, purged.documents, purged.answers) == (1, 1, 1, 2)
    async with db.unit_of_work() as uow:
        answers = await uow.session.execute(
            select(ProcessedActivity.activity_key, ProcessedActivity.response)
        )
        # Past the hour a retry may be shown its answer, the copy goes; the row stays to a
        # month, so a late retry runs nothing.
        assert {key: response for key, response in answers} == {
            "young": {},
            "past-retry": {},
            "retry-time": {"x": 1},
        }
        bodies = {
            m.kind + str(m.item_id): m.message
            for m in await uow.session.scalars(select(OutboxMessage))
        }
        assert list(await uow.session.scalars(select(PendingDocument.token))) == ["kept"]
        assert sorted(b.get("text", "") for b in bodies.values()) == ["", "secret b", "secret c"]
    async with db.unit_of_work() as uow:  # purging again finds nothing more
        again = await purge_expired(uow.session, START, timedelta(days=30))
    assert (again.replies, again.bodies, again.documents, again.answers) == (0, 0, 0, 0)


async def test_retention_is_a_setting(tmp_path: Path) -> None:
    from tests.conftest import local_settings

    assert local_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}").retention_days == 30
    settings = local_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", retention_days="7")
    from bot.app.commands import build_notice_kinds
    from bot.teams.connector import Connector
    from bot.teams.notifier import teams_worker

    db = Database(settings.database_url)
    connector = Connector()
    try:
        worker = teams_worker(settings, db, build_notice_kinds(), connector, FixedClock(START))
        assert worker.retention == timedelta(days=7)
    finally:
        await connector.close()
        await db.dispose()


async def test_export_and_erase_over_the_schema(db: Database) -> None:
    """On SQLite and PostgreSQL: own rows with their dependants, and mentions elsewhere."""
    from bot.app.turn import UserRef
    from storage.privacy import erase_person, export_person

    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(TENANT, START)
        tom = await directory.seen(TENANT, UserRef("29:t", "aad-t", "Tom", "tom@c.ac.uk"), START)
        amy = await directory.seen(TENANT, UserRef("29:a", "aad-a", "Amy", "amy@c.ac.uk"), START)
        tom.line_manager_email = "amy@c.ac.uk"
        referral = made_at_start(
            SupportReferral,
            tutor_id=tom.id,
            practitioner_id=amy.id,
        )
        uow.session.add(referral)
        await uow.session.flush()
        programme = made_at_start(
            SupportProgrammeRecord,
            referral_id=referral.id,
            tutor_id=tom.id,
            practitioner_id=amy.id,
            kind="support_to_good",
            state="active",
            started_at=START,
        )
        uow.session.add(programme)
        await uow.session.flush()
        uow.session.add(
            SupportSession(
                org_id=TENANT,
                programme_id=programme.id,
                kind="coaching",
                held_on=START.date(),
                notes="Private words",
                logged_by=amy.id,
                created_at=START,
            )
        )
        await directory.audit(TENANT, tom.id, f"person:{tom.id}", "something", "", START)
        await uow.commit()
        tom_id, amy_id, programme_id = tom.id, amy.id, programme.id

    async with db.unit_of_work() as uow:
        tom = await uow.session.get(Person, tom_id)
        assert tom is not None
        data, _ = await export_person(uow.session, tom, START)
        assert data["records"]["support_sessions"][0]["notes"] == "Private words"
        assert data["records"]["support_programmes"][0]["id"] == programme_id
        assert data["mentioned_in"]["audit_entries"][0]["as"] == "actor_id"
        json.dumps(data)  # plain data throughout

        amy = await uow.session.get(Person, amy_id)
        assert amy is not None
        erased = await erase_person(uow.session, amy, START)
        await uow.commit()
    assert erased.anonymised["support_sessions"] == 1
    assert erased.anonymised["support_programmes"] == 1
    assert erased.anonymised["people (line manager)"] == 1
    assert await _count(db, SupportSession, SupportSession.logged_by == amy_id) == 1

    async with db.unit_of_work() as uow:
        tom = await uow.session.get(Person, tom_id)
        assert tom is not None and tom.line_manager_email is None
        erased = await erase_person(uow.session, tom, START)
        await uow.commit()
    assert erased.deleted["support_referrals"] == 1
    assert erased.deleted["support_sessions"] == 1
    assert erased.anonymised == {"audit_entries": 1}
    assert await _count(db, SupportSession) == 0
    assert await _count(db, SupportProgrammeRecord) == 0
    assert await _count(db, Person, Person.name == ERASED_NAME) == 2


async def _stored_copies(db: Database) -> str:
    """Every stored copy of what TLC said (retry replies, message bodies), as one text."""
    async with db.unit_of_work() as uow:
        replies = list(await uow.session.scalars(select(ProcessedActivity.response)))
        bodies = list(await uow.session.scalars(select(OutboxMessage.message)))
    return json.dumps([replies, bodies], ensure_ascii=False)


async def test_erasing_a_tutor_forgets_the_stored_copies_that_name_him_or_quote_his_notes(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Amy's stored answers (the session she logged, the programme she opened) and the cards
    sent to her hold Tom's name and his session notes; erasing Tom leaves none of them, nor
    his email in the admin's stored answer. A Teams retry of Amy's submission runs nothing."""
    programme_id = await _programme(teams, teams_app, clock)
    opened = {"verb": "programme.open", "programme_id": programme_id}
    assert "Noisy start" in card_text(
        only_card(await teams.submit(AMY, opened, activity_id="submit-1"))
    )
    await tick(teams_app, clock)
    before = await _stored_copies(sqlite_db)
    assert "Tom Tutor" in before and "Noisy start" in before

    await teams.answer(ADMIN, "admin.person.erase", {"email": TUTOR.email, "confirm": "true"})

    after = await _stored_copies(sqlite_db)
    for trace in ("Tom Tutor", TUTOR.email, "Noisy start", "seating plan"):
        assert trace not in after, trace
    # The rows stay, emptied: Teams sending Amy's submission again runs nothing and says nothing.
    logged = len(await _access_rows(sqlite_db))
    assert await teams.submit(AMY, opened, activity_id="submit-1") == []
    assert len(await _access_rows(sqlite_db)) == logged


async def test_exporting_an_ap_gives_no_tutors_notes_from_the_cards_sent_to_her(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """The cards sent to Amy drew Tom's request and his session notes (each read is in Tom's
    access log, as Amy's). An admin exporting Amy gets what TLC holds about her: the messages
    (when, what kind, what became of them) without their bodies, so Tom's records reach the
    admin without a row in his log."""
    await _programme(teams, teams_app, clock)
    await tick(teams_app, clock)
    amy, admin = await _people(sqlite_db, AMY, ADMIN)
    async with sqlite_db.unit_of_work() as uow:
        bodies = list(
            await uow.session.scalars(
                select(OutboxMessage.message).where(OutboxMessage.person_id == amy.id)
            )
        )
    assert "Tom Tutor" in json.dumps(bodies)  # what was sent to her named him

    _, sent = await teams.execute(ADMIN, "admin.person.export", {"email": AMY.email})
    stem = f"tlc-data-person-{amy.id}-2026-11-23"
    raw = await teams.accept_file(ADMIN, consent_for(sent, ".json"), f"{stem}.json")
    data = json.loads(raw)
    assert data["person"]["email"] == AMY.email
    assert len(data["records"]["outbox_messages"]) == len(bodies)
    assert "Tom Tutor" not in raw.decode() and "Noisy start" not in raw.decode()
    assert "tom@college.ac.uk" not in raw.decode()
    # Nothing of Tom's was disclosed, so his log has no row for the admin.
    assert [r for r in await _access_rows(sqlite_db) if r.reader_id == admin.id] == []


async def test_a_persons_quiet_times_are_exported_and_erased_with_them(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Quiet times are the person's own (when they will not be written to, which days they do
    not work): the export gives them in full and erasure deletes them."""
    from storage.preferences import QuietHours

    await college(teams)
    saved, _ = await teams.execute(
        TUTOR, "settings.save", {"quiet_start": "10:00", "days_off": "3,4"}
    )
    assert "Your quiet times: not before 10:00" in card_text(saved["value"])
    tom = await _person(sqlite_db, TUTOR.email)

    _, sent = await teams.execute(ADMIN, "admin.person.export", {"email": TUTOR.email})
    stem = f"tlc-data-person-{tom.id}-2026-11-23"
    data = json.loads(await teams.accept_file(ADMIN, consent_for(sent, ".json"), f"{stem}.json"))
    [quiet] = data["records"]["quiet_hours"]
    assert (quiet["start"], quiet["days_off"]) == ("10:00", [3, 4])

    await teams.answer(ADMIN, "admin.person.erase", {"email": TUTOR.email, "confirm": "true"})
    assert await _count(sqlite_db, QuietHours, QuietHours.person_id == tom.id) == 0
