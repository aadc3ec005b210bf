"""Documents to people, the one way every capability sends them (bot.app.documents): a file
consent card in the person's 1:1 chat; Allow uploads the bytes, Decline forgets them. The
documents themselves (the HA27, the OTLA sheets) are opened in test_walks and test_observations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import DateTime, Integer, LargeBinary, String, column, insert, table, text

from bot.app.turn import UserRef, Where
from bot.clock import FixedClock
from storage.db import Database
from storage.documents import PendingDocument
from storage.people import Directory
from tests.conftest import ADMIN, TUTOR
from tests.support.loopback import RosterMember, Sent
from tests.support.teams import FILE_CONSENT, Place, TeamsClient, User

QUINN = User("quinn", "Quinn Quality", "quinn@college.ac.uk")
MATHS = Place.channel()


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
    assert [s.text for s in again] == ["That file has expired: ask for it again."]
    assert quality.connector.uploads == {}


async def test_an_offer_lasts_a_day(quality: TeamsClient, clock: FixedClock) -> None:
    sent = await offered(quality)
    clock.set(clock.now() + timedelta(days=1, minutes=1))
    after = await quality.answer_file_consent(ADMIN, sent, "late.xlsx")
    assert [s.text for s in after] == ["That file has expired: ask for it again."]
    assert quality.connector.uploads == {}


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
    assert [s.text for s in after] == ["That file has expired: ask for it again."]
    assert quality.connector.uploads == {}
    assert await quality.accept_file(ADMIN, sent, "mine.xlsx")  # still there for Ada


async def test_asked_in_a_channel_by_someone_never_met_in_a_1_1_chat(teams: TeamsClient) -> None:
    teams.connector.add_member(RosterMember(QUINN.teams_id, QUINN.name, QUINN.aad, QUINN.email))
    await teams.say(ADMIN, "hello")
    await teams.say(QUINN, "hello", MATHS, mention=True)
    await teams.say(ADMIN, f"admin grant {QUINN.email} quality_coordinator")
    sent = await teams.say(QUINN, "walks export autumn", MATHS, mention=True)
    assert "Say hello to me there first" in sent[0].text
    assert not any(s.activity.get("attachments") for s in sent)


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
        await directory.remember_conversation(
            "t1", Where("a:sam", "personal", "http://127.0.0.1:9/"), person, None, NOW
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
