"""Documents to people, the one way every capability sends them (bot.app.documents): a file
consent card in the person's 1:1 chat; Allow uploads the bytes, Decline forgets them. The
documents themselves (the HA27, the OTLA sheets) are opened in test_walks and test_observations.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from alembic import command
from sqlalchemy import (
    DateTime,
    Integer,
    LargeBinary,
    String,
    column,
    insert,
    select,
    table,
    text,
)

from bot.app.turn import UserRef
from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.db import Database
from storage.documents import PendingDocument, PendingDocuments
from storage.models import ConversationRef
from storage.people import Directory
from storage.reminders import FAILED, PENDING, SENT, ScheduledItem
from tests.conftest import ADMIN, QUINN, TUTOR
from tests.support.cards import live_markdown_text
from tests.support.loopback import Sent
from tests.support.teams import FILE_CONSENT, Place, TeamsClient, User

MATHS = Place.channel()
GONE = (
    "That file is no longer waiting (it expired, or was withdrawn when your roles changed): "
    "ask for it again."
)


@pytest.fixture
async def quality(teams: TeamsClient) -> TeamsClient:
    """Ada (admin) is also the quality coordinator, so `walks export` offers her a workbook."""
    await teams.say(ADMIN, "hello")
    await teams.say(ADMIN, f"admin grant {ADMIN.email} quality_coordinator")
    teams.connector.clear()
    return teams


async def offered(teams: TeamsClient, user: User = ADMIN) -> list[Sent]:
    sent = await teams.say(user, "walks export autumn")
    assert any(
        a.get("contentType") == FILE_CONSENT for s in sent for a in s.activity.get("attachments")
    )
    return sent


async def test_decline_forgets_the_document(quality: TeamsClient) -> None:
    sent = await offered(quality)
    after = await quality.answer_file_consent(ADMIN, sent, "declined.xlsx", action="decline")
    assert [s.text for s in after] == ["OK, I won't send it."]
    again = await quality.answer_file_consent(ADMIN, sent, "declined.xlsx")
    assert [s.text for s in again] == [GONE]
    assert quality.connector.uploads == {}


async def test_an_offer_lasts_a_week(quality: TeamsClient, clock: FixedClock) -> None:
    start = clock.now()
    sent = await offered(quality)
    clock.set(start + timedelta(days=6))
    assert await quality.accept_file(ADMIN, sent, "kept.xlsx")
    clock.set(start)
    sent = await offered(quality)
    clock.set(start + timedelta(days=7, minutes=1))
    after = await quality.answer_file_consent(ADMIN, sent, "late.xlsx")
    assert [s.text for s in after] == [GONE]
    assert set(quality.connector.uploads) == {"kept.xlsx"}


async def test_only_the_person_offered_can_take_the_document(quality: TeamsClient) -> None:
    sent = await offered(quality)
    [consent] = [
        a for s in sent for a in s.activity["attachments"] if a["contentType"] == FILE_CONSENT
    ]
    await quality.say(TUTOR, "hello")
    activity = quality._base(TUTOR, Place.personal(TUTOR), "invoke")
    activity["name"] = "fileConsent/invoke"
    activity["value"] = {
        "action": "accept",
        "context": consent["content"]["acceptContext"],
        "uploadInfo": {"uploadUrl": quality.connector.upload_url("stolen.xlsx"), "name": "x"},
    }
    after = await quality.post(activity)
    assert [s.text for s in after] == [GONE]
    assert quality.connector.uploads == {}
    assert await quality.accept_file(ADMIN, sent, "mine.xlsx")  # still there for Ada


async def test_a_file_made_for_a_role_is_withdrawn_when_the_role_is_taken_away(
    quality: TeamsClient, teams_app: web.Application
) -> None:
    """Ada asks for the walks workbook as quality coordinator; before she presses Allow, the
    role is taken away: the file, made with what the role let her read, is not hers to take."""
    sent = await offered(quality)
    await quality.say(ADMIN, f"admin revoke {ADMIN.email} quality_coordinator")
    after = await quality.answer_file_consent(ADMIN, sent, "after-revoke.xlsx")
    assert [s.text for s in after] == [GONE]
    assert quality.connector.uploads == {}
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        ada = await Directory(uow.session).person_by_email("tenant-1", ADMIN.email)
        assert ada is not None
        assert await PendingDocuments(uow.session).named("tenant-1", ada.id) == []


async def test_asked_in_a_channel_by_someone_never_met_in_a_1_1_chat(teams: TeamsClient) -> None:
    teams.on_roster(QUINN)
    await teams.say(ADMIN, "hello")
    await teams.say(QUINN, "hello", MATHS, mention=True)
    await teams.say(ADMIN, f"admin grant {QUINN.email} quality_coordinator")
    sent = await teams.say(QUINN, "walks export autumn", MATHS, mention=True)
    assert "Say hello to me there first" in sent[0].text
    assert not any(s.activity.get("attachments") for s in sent)


# --- Asked for, so sent at once; if it cannot be delivered, the asker hears so -----------------

FRIDAY_EVENING = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # out of the sending hours
EXPORT_NAME = "learning-walks"


def _personal(user: User) -> str:
    return Place.personal(user).conversation_id


async def accepted_in_her_chat(quality: TeamsClient, name: str) -> bytes:
    """What the bot just sent went to Ada's 1:1 chat only, and is the file offer she accepts: the
    file's bytes."""
    offer = quality.connector.messages()
    assert [s.conversation_id for s in offer] == [_personal(ADMIN)]
    return await quality.accept_file(ADMIN, offer, name)


async def test_a_document_asked_for_in_a_channel_comes_at_once_out_of_hours(
    quality: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    clock.set(FRIDAY_EVENING)
    sent = await quality.say(ADMIN, "walks export autumn", MATHS, mention=True)
    assert "to our 1:1 chat, where only you will see it" in sent[0].text
    quality.connector.clear()
    assert await teams_app[BOT_KEY].worker.tick(clock.now()) == 1
    assert await accepted_in_her_chat(quality, "friday.xlsx")


async def test_an_offer_that_cannot_arrive_is_told_where_it_was_asked_and_kept(
    quality: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    clock.set(FRIDAY_EVENING)
    quality.connector.fail_with[_personal(ADMIN)] = 403  # Ada's 1:1 chat is out of reach
    await quality.say(ADMIN, "walks export autumn", MATHS, mention=True)
    quality.connector.clear()
    await bot.worker.tick(clock.now())
    await bot.worker.tick(clock.now())
    told = [s for s in quality.connector.messages() if s.conversation_id == MATHS.conversation_id]
    assert len(told) == 1
    assert told[0].text.startswith("Ada Admin, I couldn't get **")
    assert "to our 1:1 chat" in told[0].text and "I've kept it" in told[0].text
    async with bot.db.unit_of_work() as uow:
        [kept] = (await uow.session.scalars(select(PendingDocument))).all()
        [offer] = (
            await uow.session.scalars(
                select(ScheduledItem).where(ScheduledItem.key == f"document:{kept.token}")
            )
        ).all()
        assert offer.state == FAILED

    # Days later, while someone else's document comes and goes, Ada's is still kept...
    clock.set(FRIDAY_EVENING + timedelta(days=10))
    await quality.say(TUTOR, "hello")
    async with bot.db.unit_of_work() as uow:
        await PendingDocuments(uow.session).forget_expired(clock.now())
        await uow.commit()
    async with bot.db.unit_of_work() as uow:
        assert await uow.session.get(PendingDocument, kept.token) is not None

    # ... and shows among the undelivered; once Ada is reachable, it is sent and she takes it.
    del quality.connector.fail_with[_personal(ADMIN)]
    await quality.say(ADMIN, "hello")
    undelivered = await quality.say(ADMIN, "undelivered")
    assert "A document to accept, asked for in a channel" in str(undelivered[0].activity)
    await quality.execute(ADMIN, "notices.retry", {})
    quality.connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    assert await accepted_in_her_chat(quality, "late-but-there.xlsx")


async def test_an_offer_that_cannot_arrive_names_its_asker_in_the_channel_as_written(
    quality: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Ada's Teams display name is a "Sign in again" link. The channel she asked in is told,
    by name, that her file could not reach her: everyone there reads her name as written, not
    a live link in the bot's voice; her name is kept as Teams sent it."""
    bot = teams_app[BOT_KEY]
    ada = replace(ADMIN, name="[Sign in again](https://evil.example) Ada")
    clock.set(FRIDAY_EVENING)
    quality.connector.fail_with[_personal(ADMIN)] = 403
    await quality.say(ada, "walks export autumn", MATHS, mention=True)
    quality.connector.clear()
    await bot.worker.tick(clock.now())
    await bot.worker.tick(clock.now())
    told = [s for s in quality.connector.messages() if s.conversation_id == MATHS.conversation_id]
    assert "I couldn't get" in told[0].text
    assert live_markdown_text(told) == []
    async with bot.db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_email("tenant-1", ADMIN.email)
        assert person is not None and person.name == ada.name


async def test_asking_again_replaces_the_document_still_waiting(
    quality: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    quality.connector.fail_with[_personal(ADMIN)] = 403
    await quality.say(ADMIN, "walks export autumn", MATHS, mention=True)
    await bot.worker.tick(clock.now())
    await bot.worker.tick(clock.now())  # Ada is told in the channel
    del quality.connector.fail_with[_personal(ADMIN)]
    clock.advance(timedelta(minutes=10))
    await quality.say(ADMIN, "hello")  # seen again in the 1:1 chat: reachable again
    await quality.say(ADMIN, "walks export autumn", MATHS, mention=True)
    async with bot.db.unit_of_work() as uow:
        waiting = (await uow.session.scalars(select(PendingDocument))).all()
        assert len(waiting) == 1
        items = (await uow.session.scalars(select(ScheduledItem))).all()
        assert len(items) == 3
        states = {i.key.split(":")[0]: i.state for i in items if i.state != FAILED}
        assert states == {"document-failed": SENT, "document": PENDING}
    quality.connector.clear()
    assert await bot.worker.tick(clock.now()) == 1
    assert await accepted_in_her_chat(quality, "again.xlsx")


# --- A turn's own reply when Teams asks to slow down ----------------------------------------------


async def test_a_reply_that_meets_429_is_retried_within_the_turn(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(TUTOR, "hello")
    for _ in range(3):
        teams.connector.answer(_personal(TUTOR), 429, Retry_After="0")
    sent = await teams.say(TUTOR, "help")
    assert teams.last_status in (200, 201)
    assert [s.conversation_id for s in sent] == [_personal(TUTOR)]


async def test_a_reply_teams_will_not_take_in_time_goes_to_the_outbox(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    await teams.say(TUTOR, "hello")
    clock.set(FRIDAY_EVENING)  # a reply is never held for the sending hours
    teams.connector.answer(_personal(TUTOR), 429, Retry_After="60")
    sent = await teams.say(TUTOR, "help")
    assert teams.last_status in (200, 201) and sent == []
    async with bot.db.unit_of_work() as uow:
        kind = ScheduledItem.kind == "turn.reply"
        items = (await uow.session.scalars(select(ScheduledItem).where(kind))).all()
        assert items and {(i.state, i.conversation_ref_id is not None) for i in items} == {
            (PENDING, True)
        }
    teams.connector.clear()
    assert await bot.worker.tick(clock.now()) == len(items)
    later = teams.connector.messages()
    assert len(later) == len(items) and {s.conversation_id for s in later} == {_personal(TUTOR)}


# --- The table moved out of observations; waiting documents move with it -----------------------

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
OBSERVATION_FILES = table(  # as 0020_observations made it
    "observation_files",
    column("token", String),
    column("org_id", String),
    column("person_id", Integer),
    column("name", String),
    column("content", LargeBinary),
    column("created_at", DateTime(timezone=True)),
    column("expires_at", DateTime(timezone=True)),
)


async def test_documents_waiting_in_observation_files_are_carried_over(empty_db: Database) -> None:
    db = empty_db
    await db.run_alembic(lambda cfg: command.upgrade(cfg, "0020_observations"))
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation("t1", NOW)
        person = await directory.seen("t1", UserRef("29:sam", "aad-sam", "Sam"), NOW)
        # Written as such: the code of today (remember_conversation) expects today's schema.
        uow.session.add(
            ConversationRef(
                org_id="t1",
                conversation_id="a:sam",
                kind="personal",
                service_url="http://127.0.0.1:9/",
                person_id=person.id,
                updated_at=NOW,
            )
        )
        row: dict[str, Any] = {
            "token": "tok-1",
            "org_id": "t1",
            "person_id": person.id,
            "name": "plan.xlsx",
            "content": b"PK\x03\x04",
            "created_at": NOW,
            "expires_at": NOW + timedelta(days=1),
        }
        await uow.session.execute(insert(OBSERVATION_FILES).values(**row))
        await uow.commit()

    await db.migrate()
    async with db.unit_of_work() as uow:
        moved = await uow.session.get(PendingDocument, "tok-1")
        assert moved is not None
        assert (moved.person_id, moved.name, moved.content) == (
            row["person_id"],
            "plan.xlsx",
            b"PK\x03\x04",
        )

    await db.run_alembic(lambda cfg: command.downgrade(cfg, "documents@-1"))
    async with db.unit_of_work() as uow:
        back = (await uow.session.execute(text("SELECT token, name FROM observation_files"))).all()
        assert [tuple(r) for r in back] == [("tok-1", "plan.xlsx")]


# --- A list that names people, asked for in a shared chat, goes to the 1:1 chat -----------------


async def test_observations_asked_in_a_channel_come_to_the_1_1_chat_only(
    quality: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """`observations` is in the team menu (issue 11): asked there, the channel hears only where
    the answer went; the list itself reaches Ada's 1:1 chat at once, whatever the hours."""
    clock.set(FRIDAY_EVENING)
    sent = await quality.say(ADMIN, "observations", MATHS, mention=True)
    assert [s.text for s in sent] == [
        "I've sent your observations to our 1:1 chat, where only you will see them."
    ]
    assert not any(s.activity.get("attachments") for s in sent)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        (item,) = (
            await uow.session.scalars(
                select(ScheduledItem).where(ScheduledItem.kind == "documents.private_answer")
            )
        ).all()
        assert item.state == PENDING and item.payload["card"]["type"] == "AdaptiveCard"
    quality.connector.clear()
    assert await teams_app[BOT_KEY].worker.tick(clock.now()) == 1
    (answer,) = quality.connector.messages()
    assert answer.conversation_id == _personal(ADMIN)
    asked_in_1_1 = await quality.say(ADMIN, "observations")
    assert answer.cards and answer.cards == asked_in_1_1[0].cards


async def test_observations_asked_in_a_channel_by_someone_never_met_in_a_1_1_chat(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    teams.on_roster(QUINN)
    await teams.say(ADMIN, "hello")
    await teams.say(QUINN, "hello", MATHS, mention=True)
    sent = await teams.say(QUINN, "observations", MATHS, mention=True)
    assert "Say hello to me there first" in sent[0].text
    assert not any(s.activity.get("attachments") for s in sent)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        kinds = (await uow.session.scalars(select(ScheduledItem.kind))).all()
        assert "documents.private_answer" not in kinds
