"""A person's data in what a group shares (card sessions, walk plans, audit, queued messages):
the export gives them what they wrote, readable, and everything that names them; erasure takes
them out of the group's record without taking the group's record away."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.clock import FixedClock
from storage.db import Database
from storage.models import Person
from storage.people import Directory
from storage.privacy import ERASED_NAME, FORMER_PARTICIPANT
from storage.progression import CardAction, CardContribution, CardSession
from tests.conftest import ADMIN, MANAGER, TUTOR
from tests.integration.test_progression import (
    MATHS,
    choices,
    press,
    refresh,
    start_session,
)
from tests.support.cards import card_text
from tests.support.teams import TENANT, TeamsClient, consent_for

SAID = "Exit tickets show who is lost"


async def _person(db: Database, email: str) -> Person:
    async with db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_email(TENANT, email)
        assert person is not None
        return person


async def _export(teams: TeamsClient, db: Database, email: str) -> tuple[dict[str, Any], str]:
    """The admin exports the person: the JSON file, parsed, and the Word document's text."""
    person = await _person(db, email)
    _, sent = await teams.execute(ADMIN, "admin.person.export", {"email": email})
    stem = f"tlc-data-person-{person.id}-2026-11-23"
    raw = await teams.accept_file(ADMIN, consent_for(sent, ".json"), f"{stem}.json")
    doc = await teams.accept_file(ADMIN, consent_for(sent, ".docx"), f"{stem}.docx")
    with zipfile.ZipFile(io.BytesIO(doc)) as z:
        text = z.read("word/document.xml").decode()
    return json.loads(raw), text


async def _maths_session(teams: TeamsClient) -> tuple[int, dict[str, Any]]:
    """Mia runs a card session in the Maths channel. Tom says something, and Mia agrees two
    actions: one Tom takes on (it names him), one she takes on herself."""
    session_id, card = await start_session(teams, MANAGER, MATHS, "1", "Maths")
    card = await press(teams, TUTOR, card, "Add", MATHS, contribution=SAID)
    for what, owner in (
        ("Tom Tutor shares his exit tickets with the team", "Tom Tutor"),
        ("Put exit tickets on the agenda", "Mia Manager"),
    ):
        form = await press(teams, MANAGER, card, "Agree an action", MATHS)
        card = await press(
            teams,
            MANAGER,
            form,
            "Save action",
            MATHS,
            what=what,
            who=choices(form, "who")[owner],
            by_when="2026-12-11",
        )
    return session_id, card


async def test_erasing_a_participant_keeps_the_groups_actions_with_a_former_participant(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Erasing Tom deleted the action the group agreed for him: Mia's group lost it from its
    record. It stays, owned by "a former participant", with his name taken out of its words;
    what he said stays too, without him, and he is no longer one of the session's people."""
    session_id, card = await _maths_session(teams)
    tom = await _person(sqlite_db, TUTOR.email)
    await teams.answer(ADMIN, "admin.person.erase", {"email": TUTOR.email, "confirm": "true"})

    async with sqlite_db.unit_of_work() as uow:
        actions = list(await uow.session.scalars(select(CardAction).order_by(CardAction.id)))
        assert [(a.what, a.owner_id) for a in actions] == [
            (f"{FORMER_PARTICIPANT} shares his exit tickets with the team", tom.id),
            ("Put exit tickets on the agenda", (await _person(sqlite_db, MANAGER.email)).id),
        ]
        [said] = await uow.session.scalars(select(CardContribution))
        assert (said.text, said.person_id) == (SAID, tom.id)
        row = await uow.session.get(CardSession, session_id)
        assert row is not None and tom.id not in row.participant_ids
        placeholder = await uow.session.get(Person, tom.id)
        assert placeholder is not None
        assert (placeholder.name, placeholder.email, placeholder.teams_user_id) == (
            ERASED_NAME,
            None,
            None,
        )
    # Mia's card shows the action and what was said, by a former participant, never his name.
    seen = card_text(await refresh(teams, MANAGER, card, MATHS))
    assert "shares his exit tickets" in seen and SAID in seen
    assert FORMER_PARTICIPANT in seen
    assert "Tom" not in seen and ERASED_NAME not in seen
    # ... and he is no longer someone an action can be given to.
    form = await press(teams, MANAGER, card, "Agree an action", MATHS)
    assert FORMER_PARTICIPANT not in choices(form, "who")
    assert "Tom Tutor" not in choices(form, "who")


async def test_a_participants_export_has_what_they_wrote_in_card_sessions(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Tom's export listed his card-session contribution by id only. It now gives what he
    wrote, in which group, on which issue and card, and when; with the action he took on, in
    the JSON file and in the Word document. Mia's own action is not in it."""
    await _maths_session(teams)
    data, doc = await _export(teams, sqlite_db, TUTOR.email)
    [said] = data["records"]["card_contributions"]
    assert said["text"] == SAID and said["group"] == "Maths"
    assert said["card"].startswith("1.1: ") and said["issue"]
    assert said["created_at"].startswith("2026-11-23")
    [action] = data["records"]["card_actions"]
    assert action["what"] == "Tom Tutor shares his exit tickets with the team"
    assert action["group"] == "Maths" and action["card"].startswith("1.1: ")
    assert "card_contributions" not in data["mentioned_in"]
    assert SAID in doc and said["card"].split(": ", 1)[1][:30] in doc
    assert "Put exit tickets on the agenda" not in json.dumps(data) + doc
