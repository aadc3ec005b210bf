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
from storage.outbox import OutboxMessage
from storage.people import Directory
from storage.privacy import ERASED_NAME, FORMER_PARTICIPANT
from storage.progression import CardAction, CardContribution, CardSession
from storage.reminders import PENDING, ScheduledItem
from tests.conftest import ADMIN, MANAGER, TUTOR, made_at_start
from tests.integration.test_progression import (
    MATHS,
    choices,
    press,
    refresh,
    start_session,
)
from tests.support.cards import card_text
from tests.support.databases import stored_rows
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


async def test_a_participants_export_names_the_session_and_the_role_given_them(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Over Teams: Tom is one of the Maths session's people (its participant list) and an
    admin gave him a role (an audit entry about him, done by her). His export named neither:
    both are in what names him now, the audit entry with what was done and when."""
    session_id, _ = await _maths_session(teams)
    await teams.say(ADMIN, f"admin grant {TUTOR.email} quality_coordinator")
    data, doc = await _export(teams, sqlite_db, TUTOR.email)
    told = data["mentioned_in"]
    assert {"id": session_id, "as": "participant_ids"} in told["card_sessions"]
    [granted] = [r for r in told["audit_entries"] if r["as"] == "subject"]
    assert granted["action"] == "grant quality_coordinator"
    assert granted["at"].startswith("2026-11-23")
    assert "Card sessions: 1" in doc and "Audit entries:" in doc


async def test_the_export_names_what_is_about_them_and_lists_that_hold_them_but_no_secrets(
    db: Database,
) -> None:
    """On SQLite and PostgreSQL. Tom's export had no audit entry about him (only those he
    did) and none of the lists that hold his id: a plan's walkers, the APs who passed on a
    referral, whom a coaching conversation is shared with. It names them now, as references,
    and the audit entries say what was done and when. Still withheld: the walk's concern note
    about him, the coaching he was shown (Amy's words) and the coaching he was not, and the
    mentee's ranking that lists him. Erasing him takes his id out of every list."""
    from bot.app.turn import UserRef
    from storage.mentoring import CoachingConversation, MentoringRelationship
    from storage.models import AuditEntry, Team
    from storage.privacy import erase_person, export_person
    from storage.support import SupportReferral
    from storage.walks import StoredWalk, StoredWalkPlan, StoredWalkTutor
    from tests.conftest import START

    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(TENANT, START)
        tom, amy, olly = [
            await directory.seen(TENANT, UserRef(f"29:{n}", f"aad-{n}", n, f"{n}@c.ac.uk"), START)
            for n in ("Tom", "Amy", "Olly")
        ]
        team = Team(org_id=TENANT, team_id="19:maths", name="Maths", created_at=START)
        uow.session.add(team)
        await uow.session.flush()
        rows: list[Any] = [
            made_at_start(
                StoredWalkPlan,
                team_pk=team.id,
                term_key="2026-autumn",
                focus="Questioning",
                walker_ids=[amy.id, tom.id],
            ),
            made_at_start(
                StoredWalk,
                team_pk=team.id,
                author_id=amy.id,
                concern=True,
                concern_note="Worried about his marking",
            ),
            made_at_start(
                SupportReferral,
                tutor_id=olly.id,
                other_topic="Olly's request",
                passed_ids=[tom.id],
            ),
            made_at_start(
                CoachingConversation,
                person_id=amy.id,
                model="grow",
                answers={"goal": "Amy's shared goal"},
                shared_with=[tom.id],
            ),
            made_at_start(
                CoachingConversation,
                person_id=olly.id,
                model="grow",
                answers={"goal": "Olly's own goal"},
            ),
            made_at_start(
                MentoringRelationship,
                mentee_id=olly.id,
                mentor_id=amy.id,
                next_choices=[tom.id],
            ),
        ]
        uow.session.add_all(rows)
        await uow.session.flush()
        uow.session.add(StoredWalkTutor(walk_id=rows[1].id, person_id=tom.id))
        await directory.audit(TENANT, amy.id, f"person:{tom.id}", "grant observer", "Olly", START)
        await directory.audit(TENANT, amy.id, f"ha24:{tom.id}", "update", "timetable", START)
        await directory.audit(TENANT, amy.id, f"person:{olly.id}", "grant observer", "", START)
        await uow.commit()
        ids = {
            n: r.id
            for n, r in zip(("plan", "walk", "ref", "shared", "own", "rel"), rows, strict=True)
        }
        tom_id = tom.id

    async with db.unit_of_work() as uow:
        tom = await uow.session.get(Person, tom_id)
        assert tom is not None
        data, _ = await export_person(uow.session, tom, START)
    told = data["mentioned_in"]
    about = [r for r in told["audit_entries"] if r["as"] == "subject"]
    assert [(r["action"], r["at"][:10]) for r in about] == [
        ("grant observer", "2026-11-23"),
        ("update", "2026-11-23"),
    ]
    assert told["walk_plans"] == [{"id": ids["plan"], "as": "walker_ids"}]
    assert told["support_referrals"] == [{"id": ids["ref"], "as": "passed_ids"}]
    assert told["coaching_conversations"] == [{"id": ids["shared"], "as": "shared_with"}]
    assert "mentoring_relationships" not in told
    [visit] = data["records"]["learning_walk_tutors"]
    assert visit["walk_id"] == ids["walk"]
    everything = json.dumps(data)
    for secret in (
        "Worried about",  # the walk's concern note about him
        "Amy's shared goal",  # another person's coaching, shared with him: hers
        "Olly's own goal",
        "Olly's request",
        "timetable",  # an audit entry's detail stays in the audit log
    ):
        assert secret not in everything, secret

    async with db.unit_of_work() as uow:
        tom = await uow.session.get(Person, tom_id)
        assert tom is not None
        await erase_person(uow.session, tom, START)
        await uow.commit()
    async with db.unit_of_work() as uow:
        plan = await uow.session.get(StoredWalkPlan, ids["plan"])
        referral = await uow.session.get(SupportReferral, ids["ref"])
        shared = await uow.session.get(CoachingConversation, ids["shared"])
        rel = await uow.session.get(MentoringRelationship, ids["rel"])
        assert plan is not None and referral is not None and shared is not None
        assert rel is not None
        assert (plan.walker_ids, referral.passed_ids, shared.shared_with, rel.next_choices) == (
            [plan.walker_ids[0]],
            [],
            [],
            [],
        )
        assert tom_id not in plan.walker_ids
        subjects = list(await uow.session.scalars(select(AuditEntry.subject)))
        assert f"person:{tom_id}" in subjects  # the audit log keeps what was done, by number


# --- messages waiting to go that name the erased person -----------------------------------------


async def test_a_queued_ask_that_quotes_an_erased_tutor_is_not_sent_as_drawn(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Tom asks for support; the card asking Amy (an AP) is drawn with his name and request,
    but Teams is busy, so it waits in the outbox. Tom is erased: the card went to Amy as drawn,
    naming him and quoting a request that no longer exists. Now it is withdrawn, with the
    reason, and drawn again: his request is gone, so nothing goes."""
    from datetime import timedelta

    from storage.outbox import CANCELLED, QUEUED
    from storage.privacy import REDRAWN
    from storage.reminders import ScheduledItem
    from tests.support.bot import tick
    from tests.support.support_college import AMY, college, refer
    from tests.support.teams import Place, cards_to

    await college(teams)
    await refer(teams)
    teams.connector.answer(Place.personal(AMY).conversation_id, 503)
    await tick(teams_app, clock)
    [waiting] = [m for m in await stored_rows(sqlite_db, OutboxMessage) if m.state == QUEUED]
    assert "Tom Tutor" in json.dumps(waiting.message)
    amy = await _person(sqlite_db, AMY.email)
    assert waiting.person_id == amy.id

    await teams.answer(ADMIN, "admin.person.erase", {"email": TUTOR.email, "confirm": "true"})
    teams.connector.clear()
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        await tick(teams_app, clock)
    sent = json.dumps(cards_to(teams.connector, AMY))
    assert "Tom" not in sent and "behaviour" not in sent
    rows = {m.id: m for m in await stored_rows(sqlite_db, OutboxMessage)}
    withdrawn = rows[waiting.id]
    assert (withdrawn.state, withdrawn.last_error, withdrawn.message) == (CANCELLED, REDRAWN, {})
    assert not [m for m in rows.values() if m.state == QUEUED]
    async with sqlite_db.unit_of_work() as uow:
        item = await uow.session.get(ScheduledItem, waiting.item_id)
        assert item is not None and item.state == CANCELLED  # drawn again: nothing to ask


async def test_a_queued_notice_naming_an_erased_admin_goes_without_her_name(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, sqlite_db: Database
) -> None:
    """Ada exports Tom's data; the notice telling Tom names her and waits in the outbox (Teams
    busy). Another admin erases Ada: the notice still reaches Tom, who is owed it, drawn again
    without her name."""
    from datetime import timedelta

    from storage.outbox import QUEUED
    from tests.support.bot import tick
    from tests.support.teams import Place, cards_to

    await teams.say(TUTOR, "hello")
    await teams.say(ADMIN, f"admin grant {MANAGER.email} org_admin")
    await teams.execute(ADMIN, "admin.person.export", {"email": TUTOR.email})
    teams.connector.answer(Place.personal(TUTOR).conversation_id, 503)
    await tick(teams_app, clock)
    [waiting] = [m for m in await stored_rows(sqlite_db, OutboxMessage) if m.state == QUEUED]
    assert "Ada Admin" in json.dumps(waiting.message)

    erased = await teams.answer(
        MANAGER, "admin.person.erase", {"email": ADMIN.email, "confirm": "true"}
    )
    assert "Erased" in card_text(erased)
    teams.connector.clear()
    clock.advance(timedelta(minutes=10))
    await tick(teams_app, clock)
    told = "\n".join(card_text(c) for c in cards_to(teams.connector, TUTOR))
    assert "An org admin exported everything TLC holds about you" in told
    assert "Ada" not in told and ERASED_NAME not in told


async def test_erasure_draws_again_only_the_waiting_messages_that_name_the_person(
    db: Database,
) -> None:
    """On SQLite and PostgreSQL: of three messages to Amy waiting in the outbox, the one that
    names Tom (by name, any case) is withdrawn with the reason and its item drawn again now;
    the one whose item was re-scheduled since is withdrawn and its item left as it is; the one
    that does not name him is left to go."""
    from datetime import timedelta

    from bot.app.turn import UserRef
    from storage.outbox import CANCELLED, QUEUED, OutboxMessage
    from storage.privacy import REDRAWN, erase_person
    from storage.reminders import PENDING, Schedule, ScheduledItem
    from tests.conftest import START

    later = START + timedelta(days=7)
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(TENANT, START)
        tom = await directory.seen(TENANT, UserRef("29:tom", "aad-tom", "Tom Tutor", None), START)
        amy = await directory.seen(TENANT, UserRef("29:amy", "aad-amy", "Amy", None), START)
        schedule = Schedule(uow.session)
        texts = {"names": "TOM TUTOR asked", "rearmed": "Tom Tutor again", "other": "Hello"}
        for key in texts:
            await schedule.put(TENANT, key, "test", START, START, person_id=amy.id)
        await uow.session.flush()
        items = {i.key: i for i in await uow.session.scalars(select(ScheduledItem))}
        for key, text in texts.items():
            items[key].state = QUEUED
            uow.session.add(
                made_at_start(
                    OutboxMessage,
                    item_id=items[key].id,
                    item_revision=1,
                    kind="test",
                    person_id=amy.id,
                    message={"text": text},
                    state=QUEUED,
                    not_before=START,
                )
            )
        await uow.session.flush()
        await schedule.put(TENANT, "rearmed", "test", later, START, person_id=amy.id)
        # put() withdrew the re-armed item's message; a queued copy of revision 1 is what a
        # render that re-armed its own key leaves, so it is queued again here.
        await uow.session.flush()
        rearmed = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.item_id == items["rearmed"].id)
        )
        assert rearmed is not None
        rearmed.state = QUEUED
        await uow.commit()
        tom_id = tom.id

    now = START + timedelta(hours=1)
    async with db.unit_of_work() as uow:
        tom = await uow.session.get(Person, tom_id)
        assert tom is not None
        erased = await erase_person(uow.session, tom, now)
        await uow.commit()
    assert erased.anonymised["outbox_messages (queued, naming them: drawn again)"] == 2
    async with db.unit_of_work() as uow:
        items = {i.key: i for i in await uow.session.scalars(select(ScheduledItem))}
        rows = {
            m.item_id: m
            for m in await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        }
    named, again, other = (rows[items[k].id] for k in ("names", "rearmed", "other"))
    assert (named.state, named.last_error, named.message) == (CANCELLED, REDRAWN, {})
    assert (again.state, again.last_error) == (CANCELLED, REDRAWN)
    assert (other.state, other.message) == (QUEUED, {"text": "Hello"})
    drawn = items["names"]
    assert (drawn.state, drawn.revision, drawn.ready_at.replace(tzinfo=None)) == (
        PENDING,
        2,
        now.replace(tzinfo=None),
    )
    kept = items["rearmed"]
    assert (kept.state, kept.revision, kept.ready_at.replace(tzinfo=None)) == (
        PENDING,
        2,
        later.replace(tzinfo=None),
    )
    assert items["other"].state == QUEUED


async def test_a_new_date_for_an_erased_owners_action_schedules_no_reminder(
    teams: TeamsClient, teams_app: web.Application, sqlite_db: Database
) -> None:
    """Tom was erased; the action the group agreed for him stays, owned by "a former
    participant". Mia, who facilitated, gives it a new date: the date moves, but nobody is left
    to remind, so nothing is scheduled (a reminder to the placeholder could never be delivered,
    and would only show the admin an undelivered message)."""
    await _maths_session(teams)
    tom = await _person(sqlite_db, TUTOR.email)
    await teams.answer(ADMIN, "admin.person.erase", {"email": TUTOR.email, "confirm": "true"})
    async with sqlite_db.unit_of_work() as uow:
        action = await uow.session.scalar(select(CardAction).where(CardAction.owner_id == tom.id))
        assert action is not None
    answer = await teams.answer(
        MANAGER, "cards.action.extend", {"action": action.id, "by_when": "2027-01-15"}
    )
    assert "now by Fri 15 Jan" in card_text(answer)
    async with sqlite_db.unit_of_work() as uow:
        stored = await uow.session.get(CardAction, action.id)
        assert stored is not None and stored.due_on.isoformat() == "2027-01-15"
        waiting = list(
            await uow.session.scalars(
                select(ScheduledItem).where(
                    ScheduledItem.key.startswith(f"cards-action:{action.id}")
                )
            )
        )
    assert [(i.key, i.person_id, i.state) for i in waiting if i.state == PENDING] == []
