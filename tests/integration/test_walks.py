"""Learning walks, whole turns over real HTTP: in a team channel and in a 1:1 chat.

The cast: Mia manages the Maths team (tutors Tom, Tia, and Lee who is a Learning-in-Libraries
tutor); Quinn is the quality coordinator; Ada is the org admin who imports the tutor list.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.events import PlannedObservations
from bot.clock import FixedClock
from bot.domain.access import QUALITY_TEAM, Role
from bot.domain.observations import ObservationState
from bot.teams.web import BOT_KEY
from storage.documents import PendingDocument
from storage.models import Organisation, ProcessedActivity
from storage.observations import Observation, Observations
from storage.people import Directory
from storage.reminders import FAILED, SENT, Schedule
from storage.walks import DRAFT, SAVED, StoredWalk, StoredWalkPlan, WalkStore
from tests.conftest import ADMIN, DOT, LEE, LEO, MANAGER, QUINN, TIA, TUTOR
from tests.support.cards import (
    action_data,
    card_inputs,
    card_nodes,
    card_text,
    choice,
    choices,
    live_markdown,
    only_card,
)
from tests.support.loopback import RosterMember, Sent
from tests.support.teams import Place, TeamsClient, User, as_teams_sends, shared_file
from tests.support.walks import Org, filled_walk
from tests.support.workbooks import LEGACY_XLS, xlsm, xlsx

MATHS = Place.channel("19:team-maths@thread.tacv2", team_name="Maths", channel_name="Quality")
ORG = "tenant-1"

TUTOR_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries\n"
    "Tom Tutor,tom@college.ac.uk,North,Maths,classroom,mia@college.ac.uk,no\n"
    "Tia Tutor,tia@college.ac.uk,North,ESOL,classroom,mia@college.ac.uk,no\n"
    "Lee Librarian,lee@college.ac.uk,Library,Maths,classroom,mia@college.ac.uk,yes\n"
)


@pytest.fixture
async def org(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> AsyncIterator[Org]:
    teams.on_roster(TIA, LEE, QUINN)
    sent = await teams.say(
        ADMIN,
        "admin import",
        attachments=[shared_file(teams.connector, "tutors.csv", TUTOR_LIST)],
    )
    assert "New tutors" in card_text(only_card(sent))
    for user in (MANAGER, TUTOR, TIA, LEE, QUINN):
        await teams.say(user, "hello", MATHS, mention=True)
        await teams.say(user, "hello")
    await teams.say(ADMIN, f"admin grant {QUINN.email} quality_coordinator")
    teams.connector.clear()
    yield Org(teams, teams_app, clock)


async def open_form(org: Org, user: User = MANAGER, place: Place = MATHS) -> dict[str, Any]:
    sent = await org.teams.say(user, "walk", place, mention=place.kind != "personal")
    return only_card(sent)


async def save_walk(org: Org, values: dict[str, Any], place: Place = MATHS) -> dict[str, Any]:
    body, _ = await org.teams.execute(MANAGER, "walk.save", values, place)
    card = body["value"]
    assert isinstance(card, dict), body
    return card


# --- The HA27 in a channel and in a 1:1 chat ----------------------------------------------------


async def test_a_walk_logged_in_a_channel_is_saved_under_that_team_and_channel(org: Org) -> None:
    form = await open_form(org)
    text = card_text(form)
    assert "Learning walk (HA27)" in text and "Maths" in text
    assert "Tom Tutor" in text and "Lee Librarian (LiL)" in text  # the team roster
    date_input = next(i for i in card_inputs(form) if i["id"] == "walk_date")
    assert date_input["value"] == "2026-11-23"  # today by default
    minutes = next(i for i in card_inputs(form) if i["id"] == "minutes")
    assert minutes["value"] == "25"

    saved = await save_walk(org, filled_walk(form, "Tom", "Tia"))  # a group of walks

    shown = card_text(saved)
    assert "Learning walk saved" in shown
    assert "Timekeeping" in shown  # the author sees their own concern note
    assert action_data(saved, "walk.edit")  # ... and can edit
    [walk] = await org.walks()
    assert walk.state == SAVED
    assert walk.teams_channel_id == MATHS.channel_id
    assert walk.unplanned  # no plan for Maths this term yet
    assert sorted(walk.tutor_ids) == sorted([await org.person_id(TUTOR), await org.person_id(TIA)])


async def test_in_a_channel_a_plain_submit_shows_everyone_only_that_a_walk_was_saved(
    org: Org,
) -> None:
    form = await open_form(org)
    sent = await org.teams.submit(MANAGER, {"verb": "walk.save", **filled_walk(form, "Tom")}, MATHS)
    updates = [s for s in sent if s.method == "PUT"]
    [card] = [c for s in updates for c in s.cards]
    shown = card_text(card)
    assert "Learning walk saved" in shown
    assert "Timekeeping" not in shown and "Every learner" not in shown
    assert len(await org.walks()) == 1


async def test_before_tlc_is_in_any_team_a_manager_is_told_to_have_it_added(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Day one: the tutor list names Mia as a line manager, and TLC is in no team yet. Before,
    `walk` told her to mention TLC in her team's channel, where it isn't, so nobody answers.
    Now she is told to have it added first; once it is in a team, the old hint stands."""
    await teams.say(
        ADMIN, "admin import", attachments=[shared_file(teams.connector, "t.csv", TUTOR_LIST)]
    )
    [said] = [m.text for m in await teams.say(MANAGER, "walk")]
    assert "TLC hasn't been added to a team yet" in said and "Add to a team" in said, said
    [said] = [m.text for m in await teams.say(MANAGER, "walks pmg")]
    assert "TLC hasn't been added to a team yet" in said and "PMG paragraph again" in said, said
    await teams.say(TUTOR, "hello", MATHS, mention=True)  # TLC is in Maths; Mia is not seen there
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert [t.name for t in await WalkStore(uow.session).teams(ORG)] == ["Maths"]
        mia = await Directory(uow.session).person_by_email(ORG, MANAGER.email)
        assert mia is not None and not await WalkStore(uow.session).teams_of(mia.id)
        assert not await WalkStore(uow.session).drafts(ORG, mia.id)
    [said] = [m.text for m in await teams.say(MANAGER, "walk")]
    assert "I don't know your team yet. Mention me in your team's channel once" in said, said


async def test_a_walk_from_a_1_1_chat_goes_to_the_managers_team(org: Org) -> None:
    form = await open_form(org, place=Place.personal(MANAGER))
    assert "Maths" in card_text(form)
    await save_walk(org, filled_walk(form, "Lee"), Place.personal(MANAGER))  # LiL: allowed
    [walk] = await org.walks()
    assert walk.teams_channel_id == MATHS.team_id  # the team's General channel
    assert walk.tutor_ids == [await org.person_id(LEE)]


async def test_an_incomplete_walk_comes_back_on_the_same_card_with_field_errors(org: Org) -> None:
    form = await open_form(org)
    values = filled_walk(form, "Tom", course="", verbal_feedback="", went_well="")
    values["went_well_note"] = ""
    again = await save_walk(org, values)
    text = card_text(again)
    assert "Learning walk (HA27)" in text
    assert "Give the course or session" in text
    assert "Say whether you gave verbal feedback" in text
    assert "Pick a theme or write what went well" in text
    assert choice(again, "tutors", "Tom") == values["tutors"]  # what was typed stays
    assert await org.walks() == []


async def test_minutes_only_from_the_list_the_card_offers(org: Org) -> None:
    """The HA27's minutes are a fixed list (10 to 60); 35 or 240 from a forged or stale card
    come back with a field error, nothing stored."""
    form = await open_form(org, place=Place.personal(MANAGER))
    assert "35" not in choices(form, "minutes").values()
    for minutes in ("35", "240"):
        values = filled_walk(form, "Tom", minutes=minutes)
        again = await save_walk(org, values, Place.personal(MANAGER))
        assert "Learning walk saved" not in card_text(again)
        assert "Choose the minutes from the list" in card_text(again)
        assert await org.walks() == []
    draft = {**filled_walk(form, "Tom", minutes="35"), **action_data(form, "walk.draft")}
    await org.teams.answer(MANAGER, "walk.draft", draft, Place.personal(MANAGER))
    [kept] = await org.walks()
    assert kept.state == DRAFT and kept.minutes is None  # a draft keeps only an offered value
    values = filled_walk(form, "Tom", minutes="45") | {"walk_id": kept.id}
    saved = await save_walk(org, values, Place.personal(MANAGER))
    assert "Learning walk saved" in card_text(saved)
    [walk] = await org.walks()
    assert walk.minutes == 45 and walk.state == SAVED


async def test_only_a_tutor_from_the_picker_can_be_the_tutor_visited(org: Org) -> None:
    """The picker offers tutors (the team's, then the tutor list): a forged id of someone else
    in the college, here Quinn of the quality team, is refused and nothing is saved."""
    form = await open_form(org)
    quinn = str(await org.person_id(QUINN))
    assert quinn not in choices(form, "tutors").values()
    for tutors in (quinn, f"{choice(form, 'tutors', 'Tom')},{quinn}"):
        again = await save_walk(org, {**filled_walk(form, "Tom"), "tutors": tutors})
        assert "Pick tutors from the list" in card_text(again), tutors
        assert await org.walks() == []
    both = f"{choice(form, 'tutors', 'Tom')},{quinn}"
    await org.teams.execute(MANAGER, "walk.draft", {**filled_walk(form, "Tom"), "tutors": both})
    [draft] = await org.walks()  # a draft keeps only the tutors that may be picked
    assert draft.tutor_ids == [await org.person_id(TUTOR)]


async def test_a_concern_needs_its_private_note(org: Org) -> None:
    form = await open_form(org)
    again = await save_walk(org, filled_walk(form, "Tom", concern_note=""))
    assert "the tutor never sees it" in card_text(again)
    assert await org.walks() == []


async def test_a_walk_cannot_be_dated_in_the_future(org: Org) -> None:
    form = await open_form(org)
    again = await save_walk(org, filled_walk(form, "Tom", walk_date="2026-11-30"))
    assert "logged after it happens" in card_text(again)
    assert await org.walks() == []


async def test_a_walk_dated_years_ago_comes_back_with_the_date_to_fix(org: Org) -> None:
    """A year scrolled too far on the phone's date picker, or a date no card offers: the HA27
    comes back saying what to fix, and nothing is saved."""
    form = await open_form(org)
    for day in ("2016-11-23", "0001-01-01"):
        again = await save_walk(org, filled_walk(form, "Tom", walk_date=day))
        assert "within the last year" in card_text(again), day
        assert await org.walks() == []
    again = await save_walk(org, filled_walk(form, "Tom", use_date="0001-01-01"))
    assert "within the last year" in card_text(again)
    assert await org.walks() == []
    await save_walk(org, filled_walk(form, "Tom", walk_date="2025-11-24"))  # a year ago: fine
    assert [w.walk_date for w in await org.walks()] == [date(2025, 11, 24)]


async def test_a_half_filled_walk_is_kept_as_a_draft_and_resumed(org: Org) -> None:
    me = Place.personal(MANAGER)
    form = await open_form(org, place=me)
    half = {**action_data(form, "walk.draft"), "tutors": choice(form, "tutors", "Tia")}
    half |= {"course": "ESOL Entry 3", "walk_date": "2026-11-23", "verbal_feedback": ""}
    assert "Draft saved" in card_text(await org.teams.answer(MANAGER, "walk.draft", half, me))
    [draft] = await org.walks()
    assert draft.state == DRAFT and draft.course == "ESOL Entry 3"

    again = await open_form(org, place=me)
    resume = action_data(again, "walk.open")
    assert resume == {"walk_id": draft.id}
    resumed = await org.teams.answer(MANAGER, "walk.open", resume, me)
    course = next(i for i in card_inputs(resumed) if i["id"] == "course")
    assert course["value"] == "ESOL Entry 3"

    values = filled_walk(resumed, "Tia", course="ESOL Entry 3")
    assert values["walk_id"] == draft.id
    await save_walk(org, values, me)
    [walk] = await org.walks()
    assert walk.id == draft.id and walk.state == SAVED


async def test_saving_a_draft_discarded_elsewhere_keeps_what_was_typed_for_a_new_walk(
    org: Org,
) -> None:
    """Mia has her draft open on one card and discards it from another (the "Draft saved"
    card); Save on the first says the draft was discarded, shows what she typed on a fresh
    HA27 and stores nothing until she saves that."""
    me = Place.personal(MANAGER)
    form = await open_form(org, place=me)
    half = {**action_data(form, "walk.draft"), "tutors": choice(form, "tutors", "Tia")}
    half |= {"course": "ESOL Entry 3", "walk_date": "2026-11-23"}
    await org.teams.answer(MANAGER, "walk.draft", half, me)
    [draft] = await org.walks()
    resumed = await org.teams.answer(MANAGER, "walk.open", {"walk_id": draft.id}, me)
    assert "Draft discarded" in str(
        await org.teams.answer(MANAGER, "walk.discard", {"walk_id": draft.id}, me)
    )
    assert await org.walks() == []

    typed = filled_walk(resumed, "Tia", course="ESOL Entry 3, Tue pm", focus="Pair work")
    assert typed["walk_id"] == draft.id
    answer = await org.teams.answer(MANAGER, "walk.save", typed, me)
    assert "only the person who wrote" not in str(answer)
    text = card_text(answer)
    assert "draft was discarded" in text and "new learning walk" in text
    assert await org.walks() == []  # nothing stored until she saves it
    shown = {i["id"]: i.get("value") for i in card_inputs(answer)}
    assert shown["course"] == "ESOL Entry 3, Tue pm" and shown["focus"] == "Pair work"
    assert "walk_id" not in action_data(answer, "walk.save")

    again = filled_walk(answer, "Tia", course="ESOL Entry 3, Tue pm", focus="Pair work")
    assert "Learning walk saved" in card_text(await save_walk(org, again, me))
    [walk] = await org.walks()
    assert walk.state == SAVED and walk.focus == "Pair work" and walk.author_id == draft.author_id


async def test_only_the_author_can_edit_and_an_edit_changes_the_same_walk(org: Org) -> None:
    me = Place.personal(MANAGER)
    form = await open_form(org, place=me)
    await save_walk(org, filled_walk(form, "Tom"), me)
    [walk] = await org.walks()

    answer = await org.teams.answer(QUINN, "walk.edit", {"walk_id": walk.id})
    assert "only the person who wrote" in str(answer)

    edit = await org.teams.answer(MANAGER, "walk.edit", {"walk_id": walk.id}, me)
    assert "Edit learning walk" in card_text(edit)
    values = filled_walk(edit, "Tom", course="GCSE Maths, resit group")
    updated = await save_walk(org, values, me)
    assert "Learning walk updated" in card_text(updated)
    [after] = await org.walks()
    assert after.id == walk.id and after.course == "GCSE Maths, resit group"


# --- Rules --------------------------------------------------------------------------------------


@pytest.fixture
def otla_on(org: Org) -> Callable[[User, date], None]:
    """An OTLA calendar answering on this app's bus, the way observations answer theirs."""
    planned: dict[str, list[date]] = {}

    async def calendar(
        session: AsyncSession, question: PlannedObservations
    ) -> dict[int, list[date]]:
        directory = Directory(session)
        out: dict[int, list[date]] = {}
        for email, days in planned.items():
            person = await directory.person_by_email(question.org_id, email)
            if person is not None and person.id in question.tutor_ids:
                out[person.id] = days
        return out

    org.app[BOT_KEY].dispatcher.services.events.answer(PlannedObservations, calendar)

    def plan(user: User, day: date) -> None:
        planned.setdefault(user.email, []).append(day)

    return plan


async def test_a_walk_on_the_day_of_a_planned_otla_is_warned_and_another_date_offered(
    org: Org, otla_on: Callable[[User, date], None]
) -> None:
    otla_on(TUTOR, date(2026, 11, 20))  # Friday
    form = await open_form(org)
    values = filled_walk(form, "Tom", "Tia", walk_date="2026-11-20")
    warned = await save_walk(org, values)
    text = card_text(warned)
    assert "Tom Tutor has an OTLA planned on Fri 20 Nov" in text
    assert "Mon 23 Nov is free" in text  # the weekend skipped
    assert await org.walks() == []

    other = action_data(warned, "walk.save", "Use Mon 23 Nov")
    assert other["use_date"] == "2026-11-23"
    saved = await save_walk(org, values | other)
    assert "Learning walk saved" in card_text(saved)
    [walk] = await org.walks()
    assert walk.walk_date == date(2026, 11, 23)


async def test_a_clash_can_be_saved_anyway_or_moved_to_a_later_draft(
    org: Org, otla_on: Callable[[User, date], None]
) -> None:
    otla_on(TUTOR, date(2026, 11, 23))  # today
    form = await open_form(org)
    values = filled_walk(form, "Tom")
    warned = await save_walk(org, values)
    assert "Tue 24 Nov is free" in card_text(warned)

    later = await save_walk(org, values | action_data(warned, "walk.save", "Use Tue 24 Nov"))
    assert "finish it after the walk" in card_text(later)
    [draft] = await org.walks()
    assert draft.state == DRAFT and draft.walk_date == date(2026, 11, 24)

    anyway = await save_walk(org, values | action_data(warned, "walk.save", "Save anyway"))
    assert "Learning walk saved" in card_text(anyway)
    assert [w.state for w in await org.walks()] == [DRAFT, SAVED]


async def test_planned_and_unplanned_walks_and_the_team_completion(org: Org) -> None:
    await make_plan(org)
    form = await open_form(org)
    assert next(i for i in card_inputs(form) if i["id"] == "focus")["value"] == "Questioning"
    await save_walk(org, filled_walk(form, "Tom"))  # Mia walks, in the window: planned
    [walk] = await org.walks()
    assert not walk.unplanned and walk.plan_id is not None

    # Who has been walked and who not names people: in the channel, only where to ask.
    sent = await org.teams.say(MANAGER, "walks", MATHS, mention=True)
    assert [s.cards for s in sent] == [[]] and "say **walks Maths** there" in sent[0].text
    sent = await org.teams.say(MANAGER, "walks Maths")
    shown = card_text(only_card(sent))
    assert "Learning walks: Maths" in shown
    assert "Autumn term 2026/27" in shown and "Focus: Questioning" in shown
    assert "Tom Tutor\nMon 23 Nov" in shown  # done
    assert "Tia Tutor\nwindow" in shown  # outstanding
    assert "Lee Librarian\nnot expected each term" in shown  # LiL


async def test_a_walk_outside_the_window_is_flagged_unplanned(org: Org) -> None:
    await make_plan(org, start="2026-11-02", end="2026-11-06")
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    assert walk.unplanned


async def mia_walks(org: Org, *tutors: str) -> dict[str, Any]:
    """Mia opens the HA27 in Maths and saves a walk that visited `tutors`: the form she filled."""
    form = await open_form(org)
    await save_walk(org, filled_walk(form, *tutors))
    return form


async def make_plan(org: Org, start: str = "2026-11-16", end: str = "2026-11-27") -> None:
    sent = await org.teams.say(MANAGER, "walk plan", MATHS, mention=True)
    plan = only_card(sent)
    assert "Plan learning walks" in card_text(plan)
    values = {
        "team_pk": choice(plan, "team_pk", "Maths"),
        "term": "2026/27-autumn",
        "focus": "Questioning",
        "linked_to": "QIP 2.1",
        "window1_start": start,
        "window1_end": end,
        "window1_course_type": "",
        "walkers": choice(plan, "walkers", "Mia"),
    }
    answer = await org.teams.answer(MANAGER, "walk.plan.save", values, MATHS)
    assert "Plan saved" in card_text(answer) or "Plan updated" in card_text(answer)


async def test_a_plan_card_with_another_colleges_team_shows_none_of_its_people(org: Org) -> None:
    """A team id on a card comes from the client: a manager in another college (tenant) who
    opens or submits the plan card with Maths' id sees neither its managers nor its plan, and
    saves nothing to it."""
    await make_plan(org)
    eve, elsewhere = User("eve", "Eve Elsewhere", "eve@other.ac.uk"), "tenant-2"
    chat = Place.personal(eve, tenant=elsewhere)
    await org.teams.say(eve, "hello", chat)
    async with org.db_session() as uow:
        [maths] = await WalkStore(uow.session).teams(ORG)
        directory = Directory(uow.session)
        person = await directory.person_by_aad(elsewhere, eve.aad)
        assert person is not None
        await directory.grant(person, Role.LINE_MANAGER, None, org.clock.now())
        await uow.commit()
    forged = {"team_pk": str(maths.id)}
    opened = await org.teams.answer(eve, "walk.plan.open", forged, chat)
    saved = await org.teams.answer(
        eve,
        "walk.plan.save",
        {**forged, "term": "2026/27-autumn", "focus": "Theirs", "walkers": ""},
        chat,
    )
    assert "Choose one of your teams" in card_text(saved)
    for card in (opened, saved):
        assert list(choices(card, "walkers")) == ["Eve Elsewhere"], card_text(card)
        shown = {i["id"]: i.get("value") for i in card_inputs(card)}
        assert shown["focus"] != "Questioning" and "QIP 2.1" not in card_text(card)
        assert "Mia" not in card_text(card)
    async with org.db_session() as uow:
        plans = (await uow.session.scalars(select(StoredWalkPlan))).all()
    assert [(p.org_id, p.focus) for p in plans] == [(ORG, "Questioning")]


async def test_a_plan_outside_its_term_comes_back_with_the_problem(org: Org) -> None:
    sent = await org.teams.say(MANAGER, "walk plan", MATHS, mention=True)
    plan = only_card(sent)
    values = {
        "team_pk": choice(plan, "team_pk", "Maths"),
        "term": "2026/27-autumn",
        "focus": "Questioning",
        "window1_start": "2027-01-04",
        "window1_end": "2027-01-08",
    }
    answer = await org.teams.answer(MANAGER, "walk.plan.save", values, MATHS)
    assert "must fall within the Autumn term" in card_text(answer)
    async with org.db_session() as uow:
        assert await uow.session.scalar(select(func.count(StoredWalkPlan.id))) == 0


async def test_a_plan_names_only_walkers_the_card_offers(org: Org) -> None:
    """The walkers on the card are the planner, the team's managers and the quality team: an id
    the card never offered (Tom, a tutor in Maths; a forged card) is refused, nothing stored."""
    plan = only_card(await org.teams.say(MANAGER, "walk plan", MATHS, mention=True))
    offered = choices(plan, "walkers")
    assert "Tom Tutor" not in offered
    tom = await org.person_id(TUTOR)
    values = {
        "team_pk": choice(plan, "team_pk", "Maths"),
        "term": "2026/27-autumn",
        "focus": "Questioning",
        "window1_start": "2026-11-16",
        "window1_end": "2026-11-27",
        "walkers": f"{choice(plan, 'walkers', 'Mia')},{tom}",
    }
    answer = await org.teams.answer(MANAGER, "walk.plan.save", values, MATHS)
    assert "Plan saved" not in card_text(answer)
    assert "Choose walkers from the list" in card_text(answer)
    assert "Tom Tutor" not in choices(answer, "walkers")  # not offered on the redrawn card either
    async with org.db_session() as uow:
        assert await uow.session.scalar(select(func.count(StoredWalkPlan.id))) == 0
        assert await Schedule(uow.session).pending(ORG, "walks-end:") == []

    values["walkers"] = ",".join(choice(plan, "walkers", n) for n in ("Mia", "Quinn"))
    saved = await org.teams.answer(MANAGER, "walk.plan.save", values, MATHS)
    assert "Plan saved" in card_text(saved)
    async with org.db_session() as uow:
        [stored] = (await uow.session.scalars(select(StoredWalkPlan))).all()
    assert set(stored.walker_ids or ()) == {
        await org.person_id(MANAGER),
        await org.person_id(QUINN),
    }


# --- End of the window --------------------------------------------------------------------------


async def test_at_the_end_of_a_window_managers_and_quality_hear_what_is_outstanding(
    org: Org,
) -> None:
    await make_plan(org)
    await mia_walks(org, "Tom")
    org.connector.clear()

    await org.tick()
    assert walk_notices(org) == []  # not yet
    org.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))  # Friday, 4 pm in London
    await org.tick()
    await org.tick()  # never twice
    notices = walk_notices(org)
    by_conversation = {s.conversation_id: s for s in notices}
    assert set(by_conversation) == {  # Mia (the team's manager) and Quinn (quality), once each
        Place.personal(MANAGER).conversation_id,
        Place.personal(QUINN).conversation_id,
    }
    assert len(notices) == 2
    to_mia = by_conversation[Place.personal(MANAGER).conversation_id].cards[0]
    text = card_text(to_mia)
    assert "Learning walks outstanding: Maths" in text
    assert "Tia Tutor" in text
    assert "Tom Tutor" not in text  # walked
    assert "Lee Librarian" not in text  # Learning in Libraries: not expected
    to_quinn = by_conversation[Place.personal(QUINN).conversation_id].cards[0]
    assert "all teams" in card_text(to_quinn) and "Tia Tutor" in card_text(to_quinn)


async def oli_manages_tom(org: Org) -> User:
    """Oli, from outside the Maths team, becomes Tom's line manager: a tutor list that says so,
    and the role given on the admin card."""
    oli = User("oli", "Oli Outside", "oli@college.ac.uk")
    moved = TUTOR_LIST.replace(
        "Tom Tutor,tom@college.ac.uk,North,Maths,classroom,mia@college.ac.uk",
        "Tom Tutor,tom@college.ac.uk,North,Maths,classroom,oli@college.ac.uk",
    )
    moved += "Oli Outside,oli@college.ac.uk,South,Science,classroom,,no\n"
    await org.teams.say(
        ADMIN, "admin import", attachments=[shared_file(org.connector, "tutors.csv", moved)]
    )
    org.teams.on_roster(oli)
    await org.teams.say(oli, "hello")
    await org.teams.say(ADMIN, f"admin grant {oli.email} line_manager")
    return oli


async def test_a_line_manager_from_outside_the_team_hears_only_of_their_own_tutors(
    org: Org,
) -> None:
    """Oli line-manages Tom but is not in the Maths team. At the window's end he hears that Tom
    is still to walk, and nothing of Tia (whose walks he cannot read); Mia, the team's
    manager, hears of both."""
    oli = await oli_manages_tom(org)
    await make_plan(org)
    org.connector.clear()
    org.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    await org.tick()
    by_conversation = {s.conversation_id: s for s in walk_notices(org)}
    to_oli = card_text(by_conversation[Place.personal(oli).conversation_id].cards[0])
    assert "Tom Tutor" in to_oli and "1 tutor still to walk" in to_oli
    assert "Tia Tutor" not in to_oli
    to_mia = card_text(by_conversation[Place.personal(MANAGER).conversation_id].cards[0])
    assert "Tom Tutor" in to_mia and "Tia Tutor" in to_mia
    async with org.db_session() as uow:
        assert await Schedule(uow.session).pending(ORG, "walks-end:") == []


async def test_whoever_manages_or_oversees_when_a_window_ends_hears_even_if_named_after_the_plan(
    org: Org,
) -> None:
    """The plan was saved ("I'll tell the managers") before Oli line-managed Tom and before Dee
    joined the quality team: the tutor list that names Oli, and the roles given to Oli (admin
    card) and Dee (setup card), schedule their notices too, once each."""
    await make_plan(org)
    oli = await oli_manages_tom(org)
    dee = User("dee", "Dee Developer", "dee@college.ac.uk")
    org.teams.on_roster(dee)
    await org.teams.say(dee, "hello")
    await org.teams.say(ADMIN, "admin")
    await org.teams.execute(ADMIN, "admin.setup.roles", {"quality_emails": dee.email})
    async with org.db_session() as uow:
        assert Role.QUALITY_COORDINATOR in await Directory(uow.session).roles(
            await org.person_id(dee)
        )
        pending = await Schedule(uow.session).pending(ORG, "walks-end")
    by_person = Counter(i.person_id for i in pending)
    assert by_person[await org.person_id(oli)] == 1
    assert by_person[await org.person_id(dee)] == 1  # the org-wide list
    org.connector.clear()
    org.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    await org.tick()
    by_conversation = {s.conversation_id: s for s in walk_notices(org)}
    to_oli = card_text(by_conversation[Place.personal(oli).conversation_id].cards[0])
    assert "Tom Tutor" in to_oli and "Tia Tutor" not in to_oli  # only his own tutor
    to_dee = card_text(by_conversation[Place.personal(dee).conversation_id].cards[0])
    assert "all teams" in to_dee and "Tia Tutor" in to_dee
    async with org.db_session() as uow:
        assert await Schedule(uow.session).pending(ORG, "walks-end") == []


async def test_replanning_keeps_one_notice_per_window_and_person(org: Org) -> None:
    await make_plan(org)
    again = only_card(await org.teams.say(MANAGER, "walk plan", MATHS, mention=True))
    shown = {i["id"]: i.get("value") for i in card_inputs(again)}
    assert shown["focus"] == "Questioning" and shown["window1_end"] == "2026-11-27"
    await make_plan(org, end="2026-11-26")
    async with org.db_session() as uow:
        pending = await Schedule(uow.session).pending(ORG, "walks-end:")
    assert {i.due_at for i in pending} == {datetime(2026, 11, 26, 16, 0, tzinfo=UTC)}
    assert len(pending) == 1  # Mia, once


async def test_no_notice_when_every_walk_is_done(org: Org) -> None:
    await make_plan(org)
    form = await open_form(org)
    await save_walk(org, filled_walk(form, "Tom", "Tia"))
    org.connector.clear()
    org.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    await org.tick()
    assert walk_notices(org) == []
    async with org.db_session() as uow:
        items = await Schedule(uow.session).pending(ORG, "walks-end")
    assert items == []  # rendered to nothing: dropped, not left waiting


async def test_a_manager_who_left_the_team_hears_nothing_at_the_end_of_its_window(
    org: Org,
) -> None:
    """The end-of-window notice was scheduled for every manager of Maths when the plan was
    saved; Leo, who managed the team then (not a line manager of its tutors), has since left it:
    at send time he is no longer one of its walks' readers, so its outstanding names stay
    with Mia and the quality team."""
    org.connector.add_member(RosterMember(LEO.teams_id, LEO.name, LEO.aad, LEO.email))
    await org.teams.say(LEO, "hello")
    await org.teams.say(LEO, "hello", MATHS, mention=True)
    await org.teams.say(ADMIN, f"admin grant {LEO.email} line_manager")
    await make_plan(org)
    leo = await org.person_id(LEO)
    async with org.db_session() as uow:
        pending = await Schedule(uow.session).pending(ORG, "walks-end:")
    assert leo in {i.person_id for i in pending}  # scheduled for him while he managed Maths

    await org.teams.members_removed(ADMIN, MATHS, [LEO])
    assert org.teams.last_status in (200, 201)
    org.connector.clear()
    org.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    await org.tick()
    told = {s.conversation_id for s in walk_notices(org)}
    assert Place.personal(LEO).conversation_id not in told
    assert told == {Place.personal(MANAGER).conversation_id, Place.personal(QUINN).conversation_id}
    async with org.db_session() as uow:
        left = await Schedule(uow.session).pending(ORG, "walks-end:")
    assert left == []  # his notice is dropped, not left waiting


async def test_a_team_name_written_as_a_link_is_shown_as_written_at_the_end_of_a_window(
    org: Org,
) -> None:
    """A team owner renames Maths to a "Sign in again" link. The end-of-window notice to Mia
    names the team in its heading as written, never as a live link in the bot's voice; its
    notification still names the team."""
    evil = "[Sign in again](https://evil.example) Maths"
    await make_plan(org)
    await mia_walks(org, "Tom")
    renamed = org.teams._base(MANAGER, MATHS, "conversationUpdate")  # a team owner renames it
    renamed["conversation"]["id"] = MATHS.team_id
    renamed["channelData"].pop("channel")
    renamed["channelData"] |= {
        "eventType": "teamRenamed",
        "team": {"id": MATHS.team_id, "name": evil},
    }
    await org.teams.post(renamed)
    assert org.teams.last_status == 200
    org.connector.clear()
    org.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))  # Friday, 4 pm in London
    await org.tick()
    (to_mia,) = [
        s.cards[0]
        for s in walk_notices(org)
        if s.conversation_id == Place.personal(MANAGER).conversation_id
    ]
    assert live_markdown(to_mia, "Learning walks outstanding") == []
    assert to_mia["fallbackText"] == f"Learning walks outstanding: {evil}"
    assert len(await org.walks()) == 1


def walk_notices(org: Org) -> list[Sent]:
    """Proactive learning-walk notices sent so far (other capabilities may send their own)."""
    return [
        s
        for s in org.connector.messages()
        if any("Learning walks outstanding" in card_text(c) for c in s.cards)
    ]


# --- Confidentiality ----------------------------------------------------------------------------


async def test_the_tutor_sees_their_feedback_but_never_the_concern_note(org: Org) -> None:
    await mia_walks(org, "Tom")
    [walk] = await org.walks()

    mine_card = only_card(await org.teams.say(TUTOR, "walks"))
    mine = card_text(mine_card)
    assert "Mon 23 Nov 2026 · Questioning" in mine
    assert "Every learner answered" not in mine  # the feedback shows when the walk is opened
    assert "Timekeeping" not in mine
    opened, _ = await org.teams.execute(TUTOR, "walk.view", action_data(mine_card, "walk.view"))
    assert "Every learner answered" in card_text(opened["value"])
    assert "Timekeeping" not in card_text(opened["value"])

    shown = card_text(only_card(await org.teams.say(TUTOR, f"walk show {walk.id}")))
    assert "Every learner answered" in shown and "You" in shown
    assert "Timekeeping" not in shown and "Concern" not in shown

    refused = await org.teams.say(TUTOR, f"walk export {walk.id}")
    assert "isn't yours" in refused[0].text

    other = await org.teams.say(TIA, f"walk show {walk.id}")
    assert "isn't yours" in other[0].text

    quality = card_text(only_card(await org.teams.say(QUINN, f"walk show {walk.id}")))
    assert "Timekeeping" in quality


async def test_a_concern_note_reaches_only_the_author_line_manager_and_the_channels_readers(
    org: Org,
) -> None:
    """The access matrix's walk rows, played over HTTP: who reads the walk, and who its concern
    note, on every read path (the card, the card's button, the HA27 document)."""
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    for user in (DOT, LEO):  # known to TLC (in the tenant's directory), not members of Maths
        org.connector.add_member(RosterMember(user.teams_id, user.name, user.aad, user.email))
        await org.teams.say(user, "hello")
    await org.teams.say(ADMIN, f"admin grant {DOT.email} development_officer")
    await org.teams.say(ADMIN, f"admin grant {LEO.email} line_manager")
    # who -> (reads the walk, reads its concern note)
    matrix = {
        MANAGER: (True, True),  # the author, Tom's line manager and a manager of Maths
        QUINN: (True, True),  # quality, and a member of the team the walk was saved in
        DOT: (True, False),  # quality, but not a reader of that channel
        TUTOR: (True, False),  # the tutor visited: their feedback only
        TIA: (False, False),
        LEO: (False, False),
        ADMIN: (False, False),
    }
    async with org.db_session() as uow:
        maths = await Directory(uow.session).holder_ids(
            walk.org_id, *QUALITY_TEAM, team_pk=walk.team_pk
        )
    assert maths == {await org.person_id(QUINN)}
    for user, (reads, concern) in matrix.items():
        asked = await org.teams.say(user, f"walk show {walk.id}")
        shown = card_text(only_card(asked)) if asked[0].cards else asked[0].text
        body, _ = await org.teams.execute(
            user, "walk.view", {"walk_id": walk.id}, Place.personal(user)
        )
        pressed = str(body.get("value"))
        assert ("Every learner answered" in shown) is reads, user.name
        assert ("Every learner answered" in pressed) is reads, user.name
        assert ("Timekeeping" in shown) is concern, user.name
        assert ("Timekeeping" in pressed) is concern, user.name
        if reads and user is not TUTOR:
            # Who reads it, in words a reader knows, wherever the walk was logged.
            assert "managers and quality staff who are members of the team" in shown, user.name
            assert "channel's readers" not in shown
            sent = await org.teams.say(user, f"walk export {walk.id}")
            ha27 = docx_text(await org.teams.accept_file(user, sent, f"{user.teams_id}.docx"))
            assert "Every learner answered" in ha27
            assert ("Timekeeping" in ha27) is concern, user.name
            assert ("No concern raised" in ha27) is False


async def test_someone_who_leaves_the_team_no_longer_reads_its_concern_notes(org: Org) -> None:
    """Reading a walk's concern note as one of its channel's readers lasts as long as the reason:
    Quinn, quality and a member of Maths, reads it until she leaves the team."""
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    before = card_text(only_card(await org.teams.say(QUINN, f"walk show {walk.id}")))
    assert "Timekeeping" in before

    await org.teams.members_removed(ADMIN, MATHS, [QUINN])
    assert org.teams.last_status in (200, 201)

    after = card_text(only_card(await org.teams.say(QUINN, f"walk show {walk.id}")))
    assert "Every learner answered" in after  # the quality team still reads the walk
    assert "Timekeeping" not in after
    async with org.db_session() as uow:
        readers = await Directory(uow.session).holder_ids(
            walk.org_id, *QUALITY_TEAM, team_pk=walk.team_pk
        )
    assert readers == frozenset()
    mia = card_text(only_card(await org.teams.say(MANAGER, f"walk show {walk.id}")))
    assert "Timekeeping" in mia  # the others are still in the team


async def test_in_a_channel_a_walk_is_only_ever_shown_privately(org: Org) -> None:
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    org.connector.clear()

    sent = await org.teams.say(QUINN, f"walk show {walk.id}", MATHS, mention=True)
    assert "sent it to our 1:1 chat" in sent[0].text
    assert all("Timekeeping" not in str(s.activity) for s in org.connector.sent)
    await org.tick()
    [copy] = [s for s in org.connector.messages() if "Timekeeping" in str(s.activity)]
    assert copy.conversation_id == Place.personal(QUINN).conversation_id

    sent = await org.teams.say(TIA, f"walk show {walk.id}", MATHS, mention=True)
    assert "isn't yours" in sent[0].text


async def test_a_walk_copy_that_cannot_reach_the_1_1_chat_is_told_where_it_was_asked(
    org: Org,
) -> None:
    """Quinn's 1:1 chat is out of reach (she blocked TLC): "I've sent it to our 1:1 chat" would
    otherwise be the last she hears. The channel she asked in is told it did not arrive (no
    word of the walk), and the copy stays failed, to go again when TLC can reach her."""
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    org.connector.fail_with[Place.personal(QUINN).conversation_id] = 403
    sent = await org.teams.say(QUINN, f"walk show {walk.id}", MATHS, mention=True)
    assert "I've sent it to our 1:1 chat" in sent[0].text
    org.connector.clear()
    await org.tick()
    await org.tick()
    told = [s for s in org.connector.messages() if s.conversation_id == MATHS.conversation_id]
    assert len(told) == 1
    assert told[0].text.startswith(f"Quinn Quality, I couldn't get **learning walk {walk.id}**")
    assert all("Timekeeping" not in str(s.activity) for s in org.connector.sent)
    async with org.db_session() as uow:
        item = await Schedule(uow.session).get(
            ORG, f"walk-copy:{walk.id}:view:{await org.person_id(QUINN)}"
        )
        assert item is not None and item.state == FAILED


async def test_a_walk_sent_to_the_1_1_chat_in_the_evening_arrives_at_once(org: Org) -> None:
    """The answer "I've sent it to our 1:1 chat" is to what the asker just asked for: the
    sending hours (08:00-18:00) do not hold it until the morning."""
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    org.connector.clear()
    org.clock.set(datetime(2026, 11, 23, 19, 30, tzinfo=UTC))  # Monday, 7.30 pm in London

    sent = await org.teams.say(QUINN, f"walk show {walk.id}", MATHS, mention=True)
    assert "I've sent it to our 1:1 chat" in sent[0].text
    await org.tick()
    async with org.db_session() as uow:
        item = await Schedule(uow.session).get(
            ORG, f"walk-copy:{walk.id}:view:{await org.person_id(QUINN)}"
        )
        assert item is not None and (item.state, item.sent_at) == (SENT, org.clock.now())
    [copy] = [s for s in org.connector.messages() if "Timekeeping" in str(s.activity)]
    assert copy.conversation_id == Place.personal(QUINN).conversation_id


# --- Exports and summaries ----------------------------------------------------------------------


def docx_text(data: bytes) -> str:
    """A Word document's paragraphs and table cells: opening it proves it is one."""
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


async def name_the_organisation(org: Org, name: str) -> None:
    async with org.db_session() as uow:
        stored = await uow.session.get(Organisation, ORG)
        assert stored is not None
        stored.name = name
        await uow.commit()


async def test_walk_export_sends_the_ha27_as_a_word_document(org: Org) -> None:
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    name = f"HA27-2026-11-23-walk-{walk.id}.docx"

    await name_the_organisation(org, "Northfield College")

    # In a 1:1 chat: a file consent card; on Allow the bot uploads the document to OneDrive.
    sent = await org.teams.say(MANAGER, f"walk export {walk.id}")
    ha27 = await org.teams.accept_file(MANAGER, sent, "ha27.docx")
    text = docx_text(ha27)
    [section] = Document(io.BytesIO(ha27)).sections
    assert section.header.paragraphs[0].text == "Northfield College"
    assert round(section.page_width.cm, 1) == 21.0 and round(section.left_margin.cm, 2) == 2.54
    assert "HA27 Learning walk record" in text
    assert "Tom Tutor" in text and "GCSE Maths, Mon am" in text and "Unplanned" in text
    assert "Questioning and checking learning" in text
    assert "Timekeeping" in text  # Mia wrote it; her copy has the concern

    body, sent = await org.teams.execute(
        MANAGER, "walk.export", {"walk_id": walk.id}, Place.personal(MANAGER)
    )
    assert "Learning walk" in card_text(body["value"])  # the card stays as it was
    pressed = await org.teams.accept_file(MANAGER, sent, "ha27-button.docx")  # offered after it
    assert "HA27 Learning walk record" in docx_text(pressed)

    # Asked in the channel: only a word there; the offer comes to Mia's 1:1 chat.
    sent = await org.teams.say(MANAGER, f"walk export {walk.id}", MATHS, mention=True)
    assert [(s.conversation_id, s.text) for s in sent] == [
        (MATHS.conversation_id, f"I'm sending {name} to our 1:1 chat, where only you will see it.")
    ]
    before = len(org.connector.sent)
    await org.tick()
    delivered = org.connector.sent[before:]
    assert delivered and all(s.conversation_id != MATHS.conversation_id for s in delivered)
    copy = await org.teams.accept_file(MANAGER, delivered, "ha27-channel.docx")
    assert "Tom Tutor" in docx_text(copy)


async def test_quality_summaries_return_count_and_term_export(org: Org) -> None:
    form = await open_form(org)
    await save_walk(org, filled_walk(form, "Tom", "Tia"))
    await save_walk(org, filled_walk(form, "Lee", went_well="resources,questioning"))

    summary = only_card(await org.teams.say(QUINN, "walks summary"))
    text = card_text(summary)
    assert "key findings" in text and "2 walks" in text
    assert "Questioning and checking learning (2)" in text
    assert "Stretch and challenge (2)" in text
    assert "**Questioning** (2)" in text and "**Maths** (2)" in text
    [image] = [e for e in card_nodes(summary) if e.get("type") == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["url"].split(",", 1)[1])[:4] == b"\x89PNG"
    assert len(str(summary)) < 80_000

    returned = card_text(only_card(await org.teams.say(QUINN, "walks return 2026-11")))
    assert "November 2026" in returned and "Learning walks\n2" in returned
    assert "Tutors visited\n3" in returned

    await name_the_organisation(org, "Northfield College")
    sent = await org.teams.say(QUINN, "walks export autumn")
    book = load_workbook(io.BytesIO(await org.teams.accept_file(QUINN, sent, "term.xlsx")))
    assert book.sheetnames == ["About", "Learning walks", "Tutors", "By team", "Themes"]
    about = dict(book["About"].iter_rows(min_row=4, max_col=2, values_only=True))
    assert about["Organisation"] == "Northfield College" and about["Facilitator"] == QUINN.name
    assert about["Date"] == f"{org.clock.now():%d %B %Y}" and about["Group"] == "Every team"
    assert list(book["By team"].iter_rows(min_row=2, values_only=True)) == [("Maths", 2)]
    themes = {r[0]: r[1:] for r in book["Themes"].iter_rows(min_row=2, values_only=True)}
    assert themes["Questioning and checking learning"] == (2, 0)
    assert all(len(book[n].tables) == 1 for n in book.sheetnames)
    rows = list(book["Learning walks"].iter_rows(values_only=True))
    assert rows[0][0] == "Walk" and len(rows) == 3
    # The day is a date cell (Excel sorts and filters it), not the text "2026-11-…".
    assert all(isinstance(r[1], datetime) for r in rows[1:]), rows
    assert "Timekeeping" not in str(rows)  # concern notes stay out of exports
    tutors = {r[0]: r[4] for r in book["Tutors"].iter_rows(min_row=2, values_only=True)}
    assert tutors == {"Lee Librarian": "done", "Tia Tutor": "done", "Tom Tutor": "done"}

    refused = await org.teams.say(MANAGER, "walks summary")
    assert "quality team" in refused[0].text


async def test_plans_for_many_teams_come_from_a_csv(org: Org) -> None:
    esol = Place.channel("19:team-esol@thread.tacv2", team_name="ESOL", channel_name="General")
    await org.teams.say(QUINN, "hello", esol, mention=True)
    plans = (
        "team,term,focus,linked_to,window_start,window_end,course_type,walkers\n"
        "Maths,autumn,Questioning,QIP 2.1,2026-11-16,2026-11-20,ESOL,mia@college.ac.uk\n"
        "Maths,autumn,Questioning,QIP 2.1,23/11/2026,27/11/2026,,mia@college.ac.uk\n"
        "ESOL,spring,Stretch,Training day,2027-01-11,2027-01-15,,quinn@college.ac.uk\n"
        "Art,autumn,Pace,,2026-11-16,2026-11-20,,\n"
        "Maths,summer,Pace,,2026-11-16,2026-11-20,,\n"
    )
    sent = await org.teams.say(
        QUINN, "walk plan import", attachments=[shared_file(org.connector, "plans.csv", plans)]
    )
    text = card_text(only_card(sent))
    assert "New plans\n2" in text and "Rows with problems\n2" in text
    assert "Line 5" in text and "Art" in text
    assert "Line 6" in text and "Summer term" in text
    async with org.db_session() as uow:
        rows = (await uow.session.scalars(select(StoredWalkPlan))).all()
        maths = next(p for p in rows if p.term_key == "2026/27-autumn")
        assert [(w.starts_on, w.course_type) for w in maths.windows] == [
            (date(2026, 11, 16), "ESOL"),
            (date(2026, 11, 23), ""),
        ]
        pending = await Schedule(uow.session).pending(ORG, "walks-end")
        assert pending  # end-of-window notices were scheduled


async def test_plans_kept_in_excel_are_imported_and_an_old_xls_is_refused(org: Org) -> None:
    """`walk plan import` with the plans as an .xlsx: its first sheet is read as the CSV is
    (dates as dates or typed). Before: "Send the plans as a .csv file", nothing imported. An
    Excel 97-2003 .xls is answered (save it as .xlsx or CSV) and nothing is stored."""
    words = "walk plan import"
    refused = await org.teams.say(
        QUINN, words, attachments=[shared_file(org.connector, "plans.xls", LEGACY_XLS)]
    )
    text = refused[0].text
    assert "can't read" in text and "plans.xls" in text and ".xlsx" in text and "CSV" in text
    async with org.db_session() as uow:
        assert (await uow.session.scalars(select(StoredWalkPlan))).all() == []
        assert await Directory(uow.session).audit_trail(ORG, "walk-plans") == []

    book = xlsx(
        ("Team", "Term", "Focus", "Linked to", "Window start", "Window end", "Course type"),
        ("Maths", "autumn", "Questioning", "QIP 2.1", date(2026, 11, 16), date(2026, 11, 20)),
        ("Maths", "autumn", "Questioning", "QIP 2.1", "23/11/2026", "27/11/2026", "ESOL"),
    )
    sent = await org.teams.say(
        QUINN, words, attachments=[shared_file(org.connector, "Plans.xlsx", book)]
    )
    assert "New plans\n1" in card_text(only_card(sent))
    async with org.db_session() as uow:
        rows = (await uow.session.scalars(select(StoredWalkPlan))).all()
        assert [(p.term_key, p.focus, p.linked_to) for p in rows] == [
            ("2026/27-autumn", "Questioning", "QIP 2.1")
        ]
        assert [(w.starts_on, w.course_type) for w in rows[0].windows] == [
            (date(2026, 11, 16), ""),
            (date(2026, 11, 23), "ESOL"),
        ]


async def test_plans_kept_in_a_macro_enabled_workbook_are_imported(org: Org) -> None:
    """A quality team's tracker with macros is an .xlsm: its first sheet is read as an .xlsx's
    is (before: "I can't read Plans.xlsm as a list", and nothing imported)."""
    book = xlsm(
        ("Team", "Term", "Focus", "Window start", "Window end"),
        ("Maths", "autumn", "Questioning", date(2026, 11, 16), date(2026, 11, 20)),
    )
    sent = await org.teams.say(
        QUINN, "walk plan import", attachments=[shared_file(org.connector, "Plans.xlsm", book)]
    )
    assert "New plans\n1" in card_text(only_card(sent))
    async with org.db_session() as uow:
        rows = (await uow.session.scalars(select(StoredWalkPlan))).all()
        assert [(p.focus, [w.starts_on for w in p.windows]) for p in rows] == [
            ("Questioning", [date(2026, 11, 16)])
        ]


async def test_a_teams_retry_of_a_plan_import_runs_nothing_again(org: Org) -> None:
    """Teams sends a slow message again with the same activity id, even after later ones: a
    late retry of `walk plan import` sends nothing, audits nothing again and does not put back
    the plan the next import changed."""

    def plans(focus: str) -> list[dict[str, Any]]:
        rows = (
            "team,term,focus,linked_to,window_start,window_end,course_type,walkers\n"
            f"Maths,autumn,{focus},,2026-11-16,2026-11-20,,mia@college.ac.uk\n"
        )
        return [shared_file(org.connector, "plans.csv", rows)]

    words = "walk plan import"
    sent = await org.teams.say(QUINN, words, attachments=plans("Questioning"), activity_id="p-1")
    assert "New plans\n1" in card_text(only_card(sent))
    await org.teams.say(QUINN, words, attachments=plans("Pace"), activity_id="p-2")
    assert (
        await org.teams.say(QUINN, words, attachments=plans("Questioning"), activity_id="p-1") == []
    )
    async with org.db_session() as uow:
        rows = (await uow.session.scalars(select(StoredWalkPlan))).all()
        assert [(p.term_key, p.focus) for p in rows] == [("2026/27-autumn", "Pace")]
        trail = await Directory(uow.session).audit_trail(ORG, "walk-plans")
        assert [e.action for e in trail] == ["import", "import"]


async def test_tutors_cannot_log_or_plan_walks(org: Org) -> None:
    sent = await org.teams.say(TUTOR, "walk")
    assert "recorded by managers" in sent[0].text
    sent = await org.teams.say(TUTOR, "walk plan")
    assert "planned by managers" in sent[0].text


async def test_help_lists_walk_and_walks(org: Org) -> None:
    # In the 1:1 chat both are listed; the channel's menu offers `walk` (issue 11: menus by scope).
    text = card_text(only_card(await org.teams.say(MANAGER, "help")))
    assert "**walk**" in text and "**walks**" in text
    text = card_text(only_card(await org.teams.say(MANAGER, "help", MATHS, mention=True)))
    assert "walk\nLog a learning walk on the HA27." in text


async def test_a_teams_retry_of_a_save_stores_one_walk(org: Org) -> None:
    form = await open_form(org)
    values = filled_walk(form, "Tom")
    await org.teams.execute(MANAGER, "walk.save", values, MATHS, activity_id="retry-1")
    await org.teams.execute(MANAGER, "walk.save", values, MATHS, activity_id="retry-1")
    assert len(await org.walks()) == 1


async def test_a_teams_retry_of_an_export_button_offers_the_document_once(org: Org) -> None:
    """Teams sends a slow press again with the same activity id: the HA27's Export and the
    termly summary's Export (which saves the text first) answer the retry as the first time,
    offer no second file, keep one copy of each document and audit the summary once."""
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    summary = only_card(await org.teams.say(QUINN, "walks summary"))
    edited = {**action_data(summary, "walks.summary.export"), "summary_text": "Ours."}
    for n, (who, verb, data) in enumerate(
        (
            (MANAGER, "walk.export", {"walk_id": walk.id}),
            (QUINN, "walks.summary.export", edited),
        )
    ):
        me = Place.personal(who)
        body, sent = await org.teams.execute(who, verb, data, me, activity_id=f"x-{n}")
        assert len(sent) == 1, verb  # the file consent card
        again, resent = await org.teams.execute(who, verb, data, me, activity_id=f"x-{n}")
        assert again == body and resent == [], verb
    async with org.db_session() as uow:
        assert len((await uow.session.scalars(select(PendingDocument))).all()) == 2
        trail = await Directory(uow.session).audit_trail(ORG, "walk-summary:2026/27-autumn")
        assert [e.action for e in trail] == ["save"]


async def test_a_teams_retry_of_a_typed_export_offers_the_document_once(org: Org) -> None:
    """`walks export` (slow, so the likeliest to be retried) is stored by its sub-command: the
    retry sends nothing and keeps no second copy; plain `walks`, a read, stores nothing."""
    await mia_walks(org, "Tom")
    stored = select(func.count()).select_from(ProcessedActivity)
    async with org.db_session() as uow:
        before = await uow.session.scalar(stored)
    sent = await org.teams.say(QUINN, "walks export autumn", activity_id="exp-1")
    assert len(sent) == 1  # the file consent card
    assert await org.teams.say(QUINN, "walks export autumn", activity_id="exp-1") == []
    assert await org.teams.say(QUINN, "walks", activity_id="list-1") != []
    async with org.db_session() as uow:
        assert len((await uow.session.scalars(select(PendingDocument))).all()) == 1
        assert await uow.session.scalar(stored) == (before or 0) + 1


async def test_sent_copies_are_marked_sent(org: Org) -> None:
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    await org.teams.say(QUINN, f"walk show {walk.id}", MATHS, mention=True)
    await org.tick()
    async with org.db_session() as uow:
        item = await Schedule(uow.session).get(
            ORG, f"walk-copy:{walk.id}:view:{await org.person_id(QUINN)}"
        )
        assert item is not None and item.state == SENT
    _ = timedelta


async def test_walks_completion_counts_every_tutor_on_a_multi_tutor_walk(org: Org) -> None:
    """A walk visiting Tom and Kim (on the tutor list, not a known member of Maths): both are
    done for the term in the team's completion and in the overview's counts."""
    sent = await org.teams.say(
        ADMIN,
        "admin import",
        attachments=[
            shared_file(
                org.connector,
                "more.csv",
                "name,email,campus,curriculum_area,delivery_style,line_manager_email\n"
                "Kim Keen,kim@college.ac.uk,North,Maths,classroom,mia@college.ac.uk\n",
            )
        ],
    )
    assert "New tutors" in card_text(only_card(sent))
    form = await open_form(org)
    await save_walk(org, filled_walk(form, "Tom", "Kim"))
    [walk] = await org.walks()
    assert len(walk.tutor_ids) == 2
    # `walks` names people, so it answers in Mia's 1:1 chat (issue 10).
    shown = card_text(only_card(await org.teams.say(MANAGER, "walks Maths")))
    assert "Tom Tutor\nMon 23 Nov" in shown
    assert "Kim Keen\nMon 23 Nov" in shown


# --- Summaries drafted for people (issue 16, point 3) -------------------------------------------


def input_value(card: dict[str, Any], input_id: str) -> str:
    return str(next(i for i in card_inputs(card) if i["id"] == input_id).get("value") or "")


async def term_records(org: Org) -> tuple[list[StoredWalk], set[int], set[int]]:
    """The autumn term's saved walks; the Maths tutors expected a walk; those walked."""
    async with org.db_session() as uow:
        walks = [
            w
            for w in (await uow.session.scalars(select(StoredWalk))).all()
            if w.state == SAVED
            and w.walk_date
            and date(2026, 9, 1) <= w.walk_date < date(2027, 1, 1)
        ]
        team_pk = walks[0].team_pk
        tutors = await Directory(uow.session).team_tutors(walks[0].org_id, team_pk)
        expected = {p.id for p in tutors if not p.learning_in_libraries}
        walked = {t for w in walks for t in w.tutor_ids}
        return walks, expected, walked


async def test_the_termly_summary_is_drafted_from_the_records_edited_and_exported(
    org: Org,
) -> None:
    await make_plan(org)
    form = await mia_walks(org, "Tom")
    await save_walk(
        org,
        filled_walk(
            form, "Lee", went_well="resources,questioning", went_well_note="Clear worked examples."
        ),
    )
    walks, expected, walked = await term_records(org)

    summary = only_card(await org.teams.say(QUINN, "walks summary"))
    draft = input_value(summary, "summary_text")
    # Every figure, against the records.
    visits = sum(len(w.tutor_ids) for w in walks)
    unplanned = sum(w.unplanned for w in walks)
    assert (
        f"Learning walks, Autumn term 2026/27: {len(walks)} walks ({visits} tutor visits) "
        f"across 1 team; {unplanned} unplanned." in draft
    )
    questioning = sum("questioning" in (w.went_well or []) for w in walks)
    stretch = sum("stretch" in (w.even_better_if or []) for w in walks)
    assert f"Questioning and checking learning ({questioning})" in draft and questioning == 2
    assert f"Stretch and challenge ({stretch})" in draft
    left = len(expected - walked)
    assert (
        f"Completion: {len(walked)} tutors walked this term; {left} of {len(expected)} "
        f"tutors expected a walk {'is' if left == 1 else 'are'} outstanding: Maths {left}." in draft
    )
    assert "Clear worked examples." in draft  # an example strength, in the walk's own words
    assert "Timekeeping" not in str(summary)  # never a concern note
    assert "Drafted from the records" in card_text(summary)

    # Quinn edits and saves: the text is stored as written, and shown next time.
    mine = "Our walks this term found strong questioning.\n\nNext: stretch and challenge."
    answer = await org.teams.answer(
        QUINN,
        "walks.summary.save",
        {**action_data(summary, "walks.summary.save"), "summary_text": mine},
        Place.personal(QUINN),
    )
    assert "Saved by Quinn Quality" in card_text(answer)
    async with org.db_session() as uow:
        stored = await WalkStore(uow.session).summary(ORG, "2026/27-autumn")
        assert stored is not None and stored.text == mine
    again = only_card(await org.teams.say(QUINN, "walks summary autumn"))
    assert input_value(again, "summary_text") == mine

    # Exported as an A4 Word document, to Quinn's 1:1 chat only.
    body, sent = await org.teams.execute(
        QUINN,
        "walks.summary.export",
        {**action_data(again, "walks.summary.export"), "summary_text": mine},
        Place.personal(QUINN),
    )
    data = await org.teams.accept_file(QUINN, sent, "summary.docx")
    text = docx_text(data)
    assert "Learning walks: termly summary, Autumn term 2026/27" in text
    assert "Our walks this term found strong questioning." in text and "Next: stretch" in text
    [section] = Document(io.BytesIO(data)).sections
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7

    # Not for managers; an empty summary changes nothing; "Draft again" starts from the records.
    refused, _ = await org.teams.execute(
        MANAGER,
        "walks.summary.save",
        {"term_key": "2026/27-autumn", "summary_text": "x"},
        Place.personal(MANAGER),
    )
    assert "quality team" in str(refused["value"])
    empty, _ = await org.teams.execute(
        QUINN, "walks.summary.save", {"term_key": "2026/27-autumn"}, Place.personal(QUINN)
    )
    assert "empty" in str(empty["value"])
    async with org.db_session() as uow:
        stored = await WalkStore(uow.session).summary(ORG, "2026/27-autumn")
        assert stored is not None and stored.text == mine
    answer = await org.teams.answer(
        QUINN, "walks.summary.redraft", {"term_key": "2026/27-autumn"}, Place.personal(QUINN)
    )
    assert input_value(answer, "summary_text") == draft
    async with org.db_session() as uow:
        assert await WalkStore(uow.session).summary(ORG, "2026/27-autumn") is None


async def test_the_termly_summary_pressed_in_a_channel_is_not_posted_there(org: Org) -> None:
    """The key findings quote walks' notes for the quality team. A plain submit of the summary
    card's buttons in the Maths channel would be answered there, for the whole team (tutors
    included): it hears to use the 1:1 chat, and nothing is saved or drafted."""
    await mia_walks(org, "Tom")
    for verb, data in (
        ("walks.summary.save", {"term_key": "2026/27-autumn", "summary_text": "Ours."}),
        ("walks.summary.redraft", {"term_key": "2026/27-autumn"}),
        ("walks.summary.export", {"term_key": "2026/27-autumn", "summary_text": "Ours."}),
    ):
        sent = await org.teams.submit(QUINN, {"verb": verb, **data}, MATHS)
        posted = [s for s in sent if s.conversation_id == MATHS.conversation_id]
        assert posted and all(s.cards == [] for s in posted), verb
        assert "1:1 chat" in " ".join(str(s.activity.get("text")) for s in posted), verb
    async with org.db_session() as uow:
        assert await WalkStore(uow.session).summary(ORG, "2026/27-autumn") is None
        assert await uow.session.scalar(select(func.count(PendingDocument.token))) == 0


async def test_at_a_windows_end_the_quality_team_gets_the_summary_to_edit(org: Org) -> None:
    await make_plan(org)
    await mia_walks(org, "Tom")
    org.connector.clear()
    org.clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    await org.tick()
    drafts = [
        s
        for s in org.connector.messages()
        if any("Termly summary (draft)" in card_text(c) for c in s.cards)
    ]
    assert [s.conversation_id for s in drafts] == [Place.personal(QUINN).conversation_id]
    text = card_text(drafts[0].cards[0])
    assert "Learning-walk windows ended on Fri 27 Nov" in text
    assert "1 walk (1 tutor visit) across 1 team" in text
    assert "Timekeeping" not in text


async def test_a_managers_pmg_paragraph_comes_from_their_teams_records(org: Org) -> None:
    form = await open_form(org)
    await save_walk(org, filled_walk(form, "Tom", "Tia"))
    walks, expected, walked = await term_records(org)

    card = only_card(await org.teams.say(MANAGER, "walks pmg"))
    paragraph = input_value(card, "pmg_text")
    visits = sum(len(w.tutor_ids) for w in walks)
    assert paragraph.startswith(
        f"In the Autumn term 2026/27, {len(walks)} learning walk took place in Maths, "
        f"with {visits} tutor visits."
    )
    left = len(expected - walked)
    assert f"{len(walked)} tutors have been walked this term and {left} of the {len(expected)}" in (
        paragraph
    )
    assert "(1 Learning-in-Libraries tutor is not expected a walk)" in paragraph
    assert "Questioning and checking learning (1)" in paragraph
    assert "Timekeeping" not in paragraph
    assert "Sorry" in (await org.teams.say(TUTOR, "walks pmg"))[0].text
    in_channel = await org.teams.say(MANAGER, "walks pmg", MATHS, mention=True)
    assert "Every learner" not in str(in_channel[0].activity) and not in_channel[0].cards


ENGLISH = Place.channel("19:team-english@thread.tacv2", team_name="English", channel_name="Staff")


async def test_a_tutor_in_two_teams_is_counted_once_and_one_is_said_as_one(org: Org) -> None:
    """Tom teaches in Maths and in English; Mia manages both. One walk, of Tom alone. Before,
    Mia's PMG paragraph and the quality team's termly summary added the teams up: "2 tutors
    have been walked this term and 1 of the 3 expected are outstanding", "Completion: 2 tutors
    walked" (Tom twice), and "1 walks", "1 Learning-in-Libraries tutors are". Now Tom is one
    tutor, and one of anything is said in the singular."""
    for user in (MANAGER, TUTOR):
        await org.teams.say(user, "hello", ENGLISH, mention=True)
    form = await open_form(org)
    await save_walk(org, filled_walk(form, "Tom"))
    walks, expected, walked = await term_records(org)
    assert (len(walks), len(expected), len(walked)) == (1, 2, 1)  # Maths: Tom and Tia

    paragraph = input_value(only_card(await org.teams.say(MANAGER, "walks pmg")), "pmg_text")
    assert (
        "1 tutor has been walked this term and 1 of the 2 expected is outstanding "
        "(1 Learning-in-Libraries tutor is not expected a walk)." in paragraph
    )
    summary = only_card(await org.teams.say(QUINN, "walks summary"))
    assert "Autumn term 2026/27 · 1 walk\n" in card_text(summary)
    assert (
        "Completion: 1 tutor walked this term; 1 of 2 tutors expected a walk is outstanding: "
        "Maths 1." in input_value(summary, "summary_text")
    )


async def test_the_provider_return_counts_walks_and_otlas_by_month(org: Org) -> None:
    form = await open_form(org)
    await save_walk(org, filled_walk(form, "Tom", "Tia"))
    await save_walk(org, filled_walk(form, "Lee", walk_date="2026-10-12"))
    tom = await org.person_id(TUTOR)
    async with org.db_session() as uow:
        repo = Observations(uow.session)
        for tutor, state, at in (
            (tom, ObservationState.OBSERVED, datetime(2026, 11, 10, 10, tzinfo=UTC)),
            (
                await org.person_id(TIA),
                ObservationState.DATE_AGREED,
                datetime(2026, 11, 30, 10, tzinfo=UTC),
            ),
        ):
            obs = await repo.create(ORG, tutor, "2026/27", state, org.clock.now())
            obs.starts_at, obs.ends_at = at, at + timedelta(hours=1)
        await uow.commit()
        observed = [
            o
            for o in (await uow.session.scalars(select(Observation))).all()
            if o.state == ObservationState.OBSERVED.value
        ]
    walks = await org.walks()
    by_month: dict[str, tuple[int, int]] = {}
    for label, first, last in (
        ("Oct 2026", date(2026, 10, 1), date(2026, 10, 31)),
        ("Nov 2026", date(2026, 11, 1), date(2026, 11, 30)),
    ):
        n_walks = sum(1 for w in walks if w.walk_date and first <= w.walk_date <= last)
        n_otlas = sum(1 for o in observed if o.starts_at and first <= o.starts_at.date() <= last)
        by_month[label] = (n_walks, n_otlas)
    assert by_month == {"Oct 2026": (1, 0), "Nov 2026": (1, 1)}

    text = card_text(only_card(await org.teams.say(QUINN, "walks return 2026-11")))
    assert f"Learning walks\n{by_month['Nov 2026'][0]}" in text
    assert f"OTLAs observed\n{by_month['Nov 2026'][1]}" in text
    for label, (n_walks, n_otlas) in by_month.items():
        assert f"{label}\n{n_walks} · {n_otlas}" in text
    refused = await org.teams.say(MANAGER, "walks return")
    assert "quality team" in refused[0].text


async def test_a_walk_sent_back_says_what_to_fix_at_the_top_and_keeps_what_was_typed(
    org: Org,
) -> None:
    """Issue 18: errors where the eye is. As Teams sends it: what was left empty is absent."""
    form = await open_form(org)
    values = filled_walk(
        form, "Tom", course="", went_well="", went_well_note="", verbal_feedback=""
    )
    again = await save_walk(org, as_teams_sends(values))

    body = again["body"]
    assert body[0]["text"] == "Learning walk (HA27)"
    assert body[1]["text"] == "3 things to fix: course, what went well, verbal feedback given"
    assert body[1]["color"] == "attention"
    # each message still sits under its own field ...
    fields = [n for n in _nodes(body) if n.get("id") in ("course", "verbal_feedback")]
    for field in fields:
        siblings = next(c for c in _containers(body) if field in c)
        after = siblings[siblings.index(field) + 1]
        assert after["id"] == f"fix.{field['id']}" and after["color"] == "attention"
    # ... and what was typed is kept
    inputs = {i["id"]: i.get("value") for i in card_inputs(again)}
    assert inputs["focus"] == "Questioning" and inputs["minutes"] == "25"
    assert inputs["concern_note"] == "Timekeeping: raise at the 1:1."
    assert inputs["tutors"] == values["tutors"]
    assert await org.walks() == []


def _nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(n for v in node.values() for n in _nodes(v))]
    if isinstance(node, list):
        return [n for v in node for n in _nodes(v)]
    return []


def _containers(node: Any) -> list[list[Any]]:
    """Every list of elements in a card (a body, a container's items, a column's items)."""
    if isinstance(node, list):
        return [node, *(c for v in node for c in _containers(v))]
    if isinstance(node, dict):
        return [c for v in node.values() for c in _containers(v)]
    return []


async def test_a_tutors_walks_list_the_latest_five_one_line_each_and_show_all_on_request(
    org: Org,
) -> None:
    """Issue 18: a year of walks is one screen; the rest are one tap away."""
    long_note = "A full note. " * 150  # as long as the form allows
    for n in range(7):
        form = await open_form(org)
        day = (date(2026, 11, 23) - timedelta(days=n)).isoformat()
        await save_walk(org, filled_walk(form, "Tom", walk_date=day, went_well_note=long_note))
    assert len(await org.walks()) == 7

    latest = only_card(await org.teams.say(TUTOR, "walks"))
    lines = [n for n in _nodes(latest) if n.get("type") == "Container" and "selectAction" in n]
    assert len(lines) == 5
    assert "Mon 23 Nov 2026" in card_text(lines[0]) and "Thu 19 Nov 2026" in card_text(lines[4])
    assert "A full note" not in card_text(latest)
    assert action_data(latest, "run", "Show all") == {"command": "walks all"}

    every = only_card(await org.teams.say(TUTOR, "walks all"))
    assert sum(n.get("type") == "Container" and "selectAction" in n for n in _nodes(every)) == 7
    assert "Show all" not in card_text(every)


async def test_a_walk_saved_from_another_teams_form_keeps_its_own_teams_plan_and_readers(
    org: Org,
) -> None:
    """Mia's Maths walk (no Maths plan: unplanned) saved again from the ESOL channel's HA27 kept
    its team, but was checked against ESOL's channel readers and counted against ESOL's plan.
    The walk's own team decides both."""
    await mia_walks(org, "Tom")
    [walk] = await org.walks()
    assert walk.unplanned and walk.plan_id is None
    esol = Place.channel("19:team-esol@thread.tacv2", team_name="ESOL", channel_name="General")
    await org.teams.say(QUINN, "hello", esol, mention=True)
    await org.teams.say(MANAGER, "hello", esol, mention=True)
    plans = (
        "team,term,focus,linked_to,window_start,window_end,course_type,walkers\n"
        "ESOL,autumn,Stretch,,2026-11-16,2026-11-27,,mia@college.ac.uk\n"
    )
    await org.teams.say(
        QUINN, "walk plan import", attachments=[shared_file(org.connector, "plans.csv", plans)]
    )
    form = await open_form(org, MANAGER, esol)
    values = filled_walk(form, "Tom", walk_id=str(walk.id), focus="Questioning again")
    card = await save_walk(org, values, esol)
    assert "Learning walk updated" in card_text(card)
    [walk] = await org.walks()
    async with org.db_session() as uow:
        maths = await Directory(uow.session).team_of(ORG, MATHS.team_id)
        assert maths is not None
    assert walk.team_pk == maths.id and walk.focus == "Questioning again"
    assert walk.unplanned and walk.plan_id is None


async def test_a_draft_asked_for_in_a_channel_reaches_no_one_but_its_author(org: Org) -> None:
    """Quinn (quality, in the team) types `walk show N` in the channel for Mia's draft: a draft
    is its author's alone, so nothing is queued for Quinn's 1:1 chat and its concern note never
    reaches her; Mia herself still gets her draft there."""
    me = Place.personal(MANAGER)
    form = await open_form(org, place=me)
    half = {**action_data(form, "walk.draft"), "tutors": choice(form, "tutors", "Tia")}
    half |= {"course": "ESOL Entry 3", "concern": "true", "concern_note": "Timekeeping again."}
    await org.teams.answer(MANAGER, "walk.draft", half, me)
    [draft] = await org.walks()
    org.connector.clear()

    sent = await org.teams.say(QUINN, f"walk show {draft.id}", MATHS, mention=True)
    assert "sent it to our 1:1 chat" not in sent[0].text
    async with org.db_session() as uow:
        assert await Schedule(uow.session).pending(ORG, f"walk-copy:{draft.id}:") == []
    await org.tick()
    assert all("Timekeeping" not in str(s.activity) for s in org.connector.sent)

    sent = await org.teams.say(MANAGER, f"walk show {draft.id}", MATHS, mention=True)
    assert "sent it to our 1:1 chat" in sent[0].text
    await org.tick()
    mine = [s for s in org.connector.sent if "Timekeeping" in str(s.activity)]
    assert [s.conversation_id for s in mine] == [me.conversation_id]


async def test_themes_sent_as_numbers_come_back_to_pick_and_change_nothing(org: Org) -> None:
    """A hand-made or garbled submit with the themes as a list of numbers (not the card's
    comma-separated keys): the HA27 comes back asking to pick themes, the saved walk is kept as
    it was, and a draft keeps no such theme."""
    form = await mia_walks(org, "Tom")
    [walk] = await org.walks()
    values = filled_walk(form, "Tom", walk_id=walk.id, course="Changed", went_well=[1, 2])
    again = await save_walk(org, values)
    assert "Pick themes from the list" in card_text(again)
    [kept] = await org.walks()
    assert kept.course == "GCSE Maths, Mon am" and kept.went_well == ["questioning"]

    draft = {**action_data(form, "walk.draft"), "course": "ESOL", "even_better_if": [3]}
    answer = await org.teams.answer(MANAGER, "walk.draft", draft, MATHS)
    assert "Draft saved" in card_text(answer)
    [new] = [w for w in await org.walks() if w.state == DRAFT]
    assert new.course == "ESOL" and new.even_better_if == []
