"""Mentoring and guided coaching over real HTTP, with the worker ticking (issue 14, seed 003).

A college: Tom (tutor, Hitchin, practical) whose line manager is Mia, whose line manager is Hal
(head of T&L). Amy (Hitchin, practical) and Ben (Stevenage, classroom) offer to mentor maths; so
do Mia and Hal, who are in Tom's management chain and so must never be offered to him. Quinn is
the quality coordinator; Olly the course leader Tom agrees may receive the reports.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app.mentoring.relationship import REVIEW_DUE
from bot.clock import FixedClock
from bot.teams.web import BOT_KEY
from storage.mentoring import (
    ACTIVE,
    ASKED,
    DECLINED,
    DRAFTED,
    ENDED,
    FINISHED,
    NOT_A_FIT,
    OBSERVED_MENTEE,
    OBSERVED_MENTOR,
    SENT,
    WITHHELD,
    CoachingConversation,
    MentoringEntry,
    MentoringRecords,
    MentoringRelationship,
    MentoringReview,
    MentorOffer,
    MentorWish,
)
from storage.models import Organisation, ProcessedActivity
from storage.observations import Observations
from storage.people import Directory
from storage.privacy import AccessEntry
from storage.reminders import PENDING, Schedule, ScheduledItem
from storage.reminders import tell_person as tell
from tests.conftest import ADMIN, MANAGER, QUINN, START, TUTOR
from tests.support.bot import next_card_to, person_id, rows, tick
from tests.support.cards import (
    EVIL,
    action_data,
    button_data,
    card_inputs,
    card_nodes,
    card_text,
    choices,
    live_markdown,
    live_markdown_text,
    only_card,
)
from tests.support.loopback import LoopbackConnector
from tests.support.mentoring import GOOD
from tests.support.support_college import BEN, HAL, refer
from tests.support.teams import (
    TENANT,
    Place,
    TeamsClient,
    User,
    cards_to,
    consent_for,
    set_up_college,
    texts_to,
)

AMY = User("amy", "Amy Able", "amy@college.ac.uk")
OLLY = User("olly", "Olly Leader", "olly@college.ac.uk")
EVERYONE = (ADMIN, TUTOR, MANAGER, AMY, BEN, HAL, QUINN, OLLY)

TUTOR_LIST = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,"
    "learning_in_libraries,start_date\n"
    """Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk,no,2019-09-01
Mia Manager,mia@college.ac.uk,Hitchin,Maths,practical,hal@college.ac.uk,no,2010-09-01
Hal Head,hal@college.ac.uk,Hitchin,Maths,practical,,no,2008-09-01
Amy Able,amy@college.ac.uk,Hitchin,Maths,practical,,no,2015-09-01
Ben Bright,ben@college.ac.uk,Stevenage,Maths,classroom,,no,2016-09-01
Olly Leader,olly@college.ac.uk,Stevenage,English,classroom,,no,2012-09-01
"""
)


def errors_in(card: dict[str, Any]) -> list[str]:
    return [
        n["text"]
        for n in card_nodes(card)
        if n.get("color") == "attention" and isinstance(n.get("text"), str)
    ]


def shown(body: dict[str, Any], sent: list[Any]) -> dict[str, Any]:
    """The card a button produced: the updated card, or a new one posted to the chat."""
    value = body.get("value")
    if isinstance(value, dict) and value.get("type") == "AdaptiveCard":
        return value
    return only_card(sent)


@pytest.fixture
async def teams(teams: TeamsClient) -> TeamsClient:
    """The bot over real HTTP in the college of this module's docstring, for every test here."""
    roles = (
        ("hal@college.ac.uk", "head_of_teaching_and_learning"),
        ("quinn@college.ac.uk", "quality_coordinator"),
    )
    await set_up_college(teams, ADMIN, EVERYONE, TUTOR_LIST, roles)
    # Four people offer to mentor maths.
    for user, campus, style in (
        (AMY, "Hitchin", "practical"),
        (BEN, "Stevenage", "classroom"),
        (MANAGER, "Hitchin", "practical"),
        (HAL, "Hitchin", "practical"),
    ):
        form = only_card(await teams.say(user, "mentor offer"))
        assert "Offer to mentor" in card_text(form)
        answer = await teams.answer(
            user,
            "mentor.offer",
            {
                "specialisms": "Maths, functional skills maths",
                "campus": campus,
                "delivery_style": style,
                "capacity": "2",
                "job_title": "Lecturer",
                "institution": "North Herts College",
            },
        )
        assert "Thank you for offering to mentor" in card_text(answer)
    teams.connector.clear()
    return teams


async def ranks(teams: TeamsClient, mentee: User, *mentors: str) -> tuple[dict[str, str], Any]:
    """`mentee` searches for a maths mentor and asks for `mentors` by name, first (then second):
    the mentors offered (name -> value) and what the choice answered."""
    offered = choices(only_card(await teams.say(mentee, "mentor maths")), "first")
    ranked = {rank: offered[name] for rank, name in zip(("first", "second"), mentors, strict=False)}
    return offered, await teams.answer(mentee, "mentor.choose", {**ranked, "specialism": "maths"})


async def observes(teams: TeamsClient, observer: User, rel_id: int, who: str, notes: str) -> Any:
    """`observer` records an observation, held on 23 November, of the `who` side ("mentee" or
    "mentor") with `notes`: what the form answered."""
    data = {"rel": rel_id, "who": who, "held_on": "2026-11-23", "notes": notes}
    return await teams.answer(observer, "mentoring.observe", data)


async def asked(teams: TeamsClient, app: web.Application, clock: FixedClock, mentor: User) -> int:
    """The waiting messages go out: the relationship `mentor` was last asked to accept."""
    await tick(app, clock)
    return int(button_data(cards_to(teams.connector, mentor)[-1], "mentor.accept")["rel"])


async def mentored_by_ben(teams: TeamsClient, app: web.Application, clock: FixedClock) -> int:
    """Tom chooses Ben, Ben accepts: the relationship id."""
    _, answer = await ranks(teams, TUTOR, "Ben Bright")
    assert "I've asked **Ben Bright**" in card_text(answer)
    rel = await asked(teams, app, clock, BEN)
    answer = await teams.answer(BEN, "mentor.accept", {"rel": rel})
    assert "You're Tom Tutor's mentor" in card_text(answer)
    await tick(app, clock)
    teams.connector.clear()
    return rel


async def agreed(teams: TeamsClient, app: web.Application, clock: FixedClock) -> int:
    rel = await mentored_by_ben(teams, app, clock)
    await teams.execute(BEN, "agreement.save", {"rel": rel, **GOOD})
    answer = await teams.answer(TUTOR, "agreement.confirm", {"rel": rel})
    assert "it's in effect" in card_text(answer)
    teams.connector.clear()
    return rel


async def agreed_and_met(teams: TeamsClient, app: web.Application, clock: FixedClock) -> int:
    """Tom and Ben agreed; Ben logs a meeting about "Confidential worries"."""
    rel_id = await agreed(teams, app, clock)
    await teams.execute(
        BEN,
        "mentoring.meeting",
        {"rel": rel_id, "held_on": "2026-11-23", "discussed": "Confidential worries"},
    )
    return rel_id


# ---------------------------------------------------------------- the directory


async def test_directory_search_choice_ranking_decline_and_accept(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:

    card = only_card(await teams.say(TUTOR, "mentor maths"))
    text = card_text(card)
    # Amy and Ben, each with why; Mia (his line manager) and Hal (hers) never.
    assert "Amy Able" in text and "Ben Bright" in text
    assert "Mia Manager" not in text and "Hal Head" not in text
    assert "also at Hitchin" in text and "also teaches practical / vocational" in text
    assert text.index("Amy Able") < text.index("Ben Bright")  # campus and style first
    offered = choices(card, "first")
    assert set(offered) == {"Amy Able", "Ben Bright"}

    # A forged choice of his line manager is refused, and nothing is stored.
    mia = str(await person_id(teams_app, MANAGER))
    answer = await teams.answer(TUTOR, "mentor.choose", {"first": mia, "specialism": "maths"})
    assert "Choose someone from the list." in errors_in(answer)
    assert await rows(teams_app, MentoringRelationship) == []

    # He ranks Amy first and Ben second; only Amy is asked.
    answer = await teams.answer(
        TUTOR,
        "mentor.choose",
        {"first": offered["Amy Able"], "second": offered["Ben Bright"], "specialism": "maths"},
    )
    assert "I'll ask your next choice" in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ASKED and rel.mentor_id == int(offered["Amy Able"])
    assert rel.next_choices == [int(offered["Ben Bright"])]
    await tick(teams_app, clock)
    request = cards_to(connector, AMY)[-1]
    assert "Tom Tutor** would like you as their mentor" in card_text(request)
    assert cards_to(connector, BEN) == []

    # Ben can't answer Amy's request; Amy declines (no reason); Ben is asked next.
    rel_id = int(button_data(request, "mentor.accept")["rel"])
    answer = await teams.answer(BEN, "mentor.accept", {"rel": rel_id})
    assert "Only the mentor this request was sent to" in str(answer)
    await teams.execute(AMY, "mentor.decline", {"rel": rel_id})
    connector.clear()
    await tick(teams_app, clock)
    assert "I've asked your next choice, **Ben Bright**" in texts_to(connector, TUTOR)
    ask_ben = cards_to(connector, BEN)[-1]
    second = int(button_data(ask_ben, "mentor.accept")["rel"])
    await teams.execute(BEN, "mentor.accept", {"rel": second})
    first, now = await rows(teams_app, MentoringRelationship)
    assert first.state == DECLINED and now.state == ACTIVE and now.accepted_at is not None
    connector.clear()
    await tick(teams_app, clock)
    assert "Ben Bright will be your mentor" in texts_to(connector, TUTOR)

    # Anyone else searching now sees Ben with one place fewer.
    card = only_card(await teams.say(OLLY, "mentor maths"))
    assert "1 of 2 places free" in card_text(card)


async def test_a_mentors_name_written_as_a_link_is_shown_as_written_in_the_heading(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Ben sets his Teams display name to a "Sign in again" link before accepting Tom's
    request. The note that tells Tom names Ben in its heading as written, never as a live link
    in the bot's voice; its notification still names him."""
    from dataclasses import replace

    evil = "[Sign in again](https://evil.example) Ben"
    evil_ben = replace(BEN, name=evil)
    await ranks(teams, TUTOR, "Ben Bright")
    rel_id = await asked(teams, teams_app, clock, BEN)
    await teams.say(evil_ben, "hello")
    await teams.answer(evil_ben, "mentor.accept", {"rel": rel_id})
    connector.clear()
    await tick(teams_app, clock)
    (note,) = [c for c in cards_to(connector, TUTOR) if "will be your mentor" in card_text(c)]
    assert live_markdown(note, "will be your mentor") == []
    assert note["fallbackText"] == f"{evil} will be your mentor"
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ACTIVE


def button_titles(card: dict[str, Any], verb: str) -> list[str]:
    """The titles of the card's buttons with this verb, in the order they are drawn."""
    return [
        str(n["title"])
        for n in card_nodes(card)
        if n.get("type") == "Action.Execute" and n.get("verb") == verb
    ]


async def test_the_mentor_overview_offers_a_change_to_someone_already_offering(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Amy is in the directory: `mentor` says what she offers and its button changes that offer
    (it said "Offer to mentor", as to someone not offering); its form holds what she offered.
    Out of the directory, or never in it (Tom), the button offers to mentor again."""
    amy = await person_id(teams_app, AMY)
    overview = only_card(await teams.say(AMY, "mentor"))
    assert "You offer to mentor in Maths, functional skills maths (2 at once)." in card_text(
        overview
    )
    assert button_titles(overview, "mentor.offer.open") == ["Change your offer"]
    form = await teams.answer(AMY, "mentor.offer.open", {})
    assert choices(form, "capacity") and "Maths, functional skills maths" in card_text(form)

    assert "out of the directory" in str((await teams.say(AMY, "mentor stop"))[0].activity)
    (offer,) = [o for o in await rows(teams_app, MentorOffer) if o.person_id == amy]
    assert offer.active is False
    overview = only_card(await teams.say(AMY, "mentor"))
    assert "You offer to mentor" not in card_text(overview)
    assert button_titles(overview, "mentor.offer.open") == ["Offer to mentor"]
    tom = only_card(await teams.say(TUTOR, "mentor"))
    assert button_titles(tom, "mentor.offer.open") == ["Offer to mentor"]


async def test_a_mentor_who_became_the_mentees_line_manager_cannot_accept(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom asks Amy. Before she answers, the new tutor list makes her his line manager. Nobody in
    a person's management chain mentors them (seed 003's dual relationship), as no AP in it
    supports them: her Accept does not make her his mentor. She is told why, Tom is told to
    choose again (no reason given), and she never reads his record."""
    await ranks(teams, TUTOR, "Amy Able")
    rel_id = await asked(teams, teams_app, clock, AMY)
    moved = TUTOR_LIST.replace(
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk",
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,amy@college.ac.uk",
    )
    assert "Tutor list imported" in card_text(only_card(await teams.import_tutors(ADMIN, moved)))
    connector.clear()

    answer = await teams.answer(AMY, "mentor.accept", {"rel": rel_id})
    assert "line-management chain" in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == DECLINED and rel.accepted_at is None
    body, sent = await teams.execute(AMY, "agreement.edit", {"rel": rel_id})
    assert "agreement" not in str([s.activity for s in sent]).lower()
    await tick(teams_app, clock)
    told = texts_to(connector, TUTOR)
    assert "Amy Able can't take this on just now. No reason needed" in told
    assert "Amy Able" not in str(choices(cards_to(connector, TUTOR)[-1], "first"))


async def test_a_mentor_who_became_the_mentees_line_manager_reads_and_writes_nothing_more(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom and Ben agreed and met. Then Ben becomes Tom's line manager (here not through a
    tutor-list import, which ends the relationship: below): from then on Ben opens nothing of
    Tom's mentoring record (he is told why and whom to ask), logs no meeting, and the worker
    sends him no agreement card or review draft; nothing of his refused opens is logged as a
    read. Tom still reads and writes his own record."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    await ben_manages_tom(teams_app)
    connector.clear()
    logged = len(await rows(teams_app, AccessEntry))
    entries = len(await rows(teams_app, MentoringEntry))

    for verb in ("agreement.open", "mentoring.meeting.open"):
        answer = str(await teams.answer(BEN, verb, {"rel": rel_id}))
        assert "line-management chain now" in answer, verb
        assert "development coordinator" in answer and "Confidential worries" not in answer
    # Nor by the command: "agreement" in his 1:1 chat showed Ben the whole record.
    answer = str([s.activity for s in await teams.say(BEN, "agreement")])
    assert "line-management chain now" in answer and "Confidential worries" not in answer
    meeting = {"rel": rel_id, "held_on": "2026-11-24", "discussed": "As his manager"}
    assert "line-management chain now" in str(await teams.answer(BEN, "mentoring.meeting", meeting))
    assert len(await rows(teams_app, MentoringEntry)) == entries
    assert len(await rows(teams_app, AccessEntry)) == logged

    # The review falls due: Tom is shown his draft; Ben gets nothing about it.
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert "Confidential worries" not in str(cards_to(connector, BEN))
    assert cards_to(connector, TUTOR)
    ben = await person_id(teams_app, BEN)
    assert [r for r in (await rows(teams_app, AccessEntry))[logged:] if r.reader_id == ben] == []
    body, sent = await teams.execute(TUTOR, "agreement.open", {"rel": rel_id})
    assert "Confidential worries" in card_text(shown(body, sent))
    answer = await teams.answer(TUTOR, "mentoring.meeting", {**meeting, "discussed": "Mine"})
    assert "Meeting logged." in card_text(answer)


async def test_a_mentor_is_not_allocated_as_their_mentees_otla_observer(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Ben mentors Tom. Quinn allocating Ben to observe Tom for his graded OTLA is refused
    without saying why (seed 003: graded observation conflicts with mentoring) and stores no
    observer; Amy, who does not mentor him, is allocated. Before: Ben was allocated."""
    await mentored_by_ben(teams, teams_app, clock)
    tom = await person_id(teams_app, TUTOR)
    for observer, shown in ((BEN, "can't observe Tom Tutor"), (AMY, "Allocated: Amy")):
        data = {"tutor_id": str(tom), "observer_email": observer.email}
        answer = card_text(await teams.answer(QUINN, "otla.allocate", data))
        assert shown in answer and "mentor" not in answer.lower(), answer
        async with teams_app[BOT_KEY].db.unit_of_work() as uow:
            observation = await Observations(uow.session).for_tutor(TENANT, tom, "2026/27")
            allocated = None if observation is None else observation.observer_id
        assert allocated == (None if observer is BEN else await person_id(teams_app, AMY))


async def test_a_new_tutor_list_that_makes_the_mentor_the_line_manager_ends_the_mentoring(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom and Ben agreed and met; the new tutor list makes Ben Tom's line manager. The import
    ends the relationship: Ben is told it has ended and why, and nothing of the record; Tom is
    told why, with other mentors to choose from (not Ben), and still reads his own record. Its
    reminders are cancelled. Importing the same list again tells nobody anything."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    moved = TUTOR_LIST.replace(
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk",
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,ben@college.ac.uk",
    )
    connector.clear()
    assert "Tutor list imported" in card_text(only_card(await teams.import_tutors(ADMIN, moved)))
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ENDED and rel.ended_at is not None
    due = [
        i
        for i in await rows(teams_app, ScheduledItem)
        if i.key.startswith(f"mentoring-review:{rel_id}:") and i.state == PENDING
    ]
    assert due == []
    await tick(teams_app, clock)
    to_ben = texts_to(connector, BEN)
    assert "Mentoring Tom Tutor has ended" in to_ben and "line management" in to_ben
    assert "Confidential worries" not in to_ben
    to_tom = texts_to(connector, TUTOR)
    assert "The tutor list now puts Ben Bright in your line management" in to_tom
    assert "Ben Bright" not in str(choices(cards_to(connector, TUTOR)[-1], "first"))
    body, sent = await teams.execute(TUTOR, "agreement.open", {"rel": rel_id})
    assert "Confidential worries" in card_text(shown(body, sent))

    connector.clear()
    await teams.import_tutors(ADMIN, moved)
    await tick(teams_app, clock)
    assert texts_to(connector, BEN) == texts_to(connector, TUTOR) == ""


async def test_a_mentor_whose_teams_account_meets_the_lists_line_manager_stops_mentoring(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Pat talks to me from a Teams account I can read no email for, offers to mentor maths,
    and mentors Tom. A new tutor list makes pat@… Tom's line manager: a row of its own (her
    email) until she joins a team and Teams gives her email. Then the two are one person, in
    Tom's line: the mentoring ends and both are told, as when a list moves Tom directly."""
    pat = User("pat", "Pat Parker", "pat@college.ac.uk")  # on no roster: no email for her
    await teams.say(pat, "hello")
    answer = await teams.answer(
        pat,
        "mentor.offer",
        {
            "specialisms": "Maths",
            "campus": "Hitchin",
            "delivery_style": "practical",
            "capacity": "2",
            "job_title": "Lecturer",
            "institution": "North Herts College",
        },
    )
    assert "Thank you for offering to mentor" in card_text(answer)
    _, answer = await ranks(teams, TUTOR, "Pat Parker")
    rel_id = await asked(teams, teams_app, clock, pat)
    assert "You're Tom Tutor's mentor" in card_text(
        await teams.answer(pat, "mentor.accept", {"rel": rel_id})
    )
    moved = TUTOR_LIST.replace(
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk",
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,pat@college.ac.uk",
    )
    assert "Tutor list imported" in card_text(only_card(await teams.import_tutors(ADMIN, moved)))
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ACTIVE  # pat@… is not yet the Pat who mentors him
    connector.clear()

    teams.on_roster(pat)
    await teams.members_added(ADMIN, Place.channel(), [pat])
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ENDED and rel.mentor_id == await person_id(teams_app, pat)
    await tick(teams_app, clock)
    assert "Mentoring Tom Tutor has ended" in texts_to(connector, pat)
    assert "in your line management" in texts_to(connector, TUTOR)


async def test_a_choice_sent_back_to_correct_keeps_what_was_chosen(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Tom ranks Amy first and, by mistake, Amy second: the card comes back saying so with Amy
    still chosen first (and second, to change), so he fixes one picker rather than starting
    again; a forged id is not put back. Nothing is stored until the choice is good."""
    offered = choices(only_card(await teams.say(TUTOR, "mentor maths")), "first")
    amy, mia = offered["Amy Able"], str(await person_id(teams_app, MANAGER))
    sent = {"first": amy, "second": amy, "third": mia, "specialism": "maths"}
    card = await teams.answer(TUTOR, "mentor.choose", sent)
    assert "You've already chosen them above." in errors_in(card)
    picked = {n["id"]: n.get("value") for n in card_nodes(card) if n.get("id") in sent}
    assert picked == {"first": amy, "second": amy}  # no third picker: two mentors to rank
    assert await rows(teams_app, MentoringRelationship) == []

    sent = {"first": amy, "second": mia, "specialism": "maths"}
    card = await teams.answer(TUTOR, "mentor.choose", sent)
    assert "Choose someone from the list." in errors_in(card)
    picked = {n["id"]: n.get("value") for n in card_nodes(card) if n.get("id") in sent}
    assert picked == {"first": amy, "second": None}
    assert await rows(teams_app, MentoringRelationship) == []


async def test_a_search_asks_for_only_as_many_choices_as_there_are_mentors(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Amy and Ben are the two mentors Tom may have: a first and a second choice, no third; with
    Ben ended, Amy alone: one choice. Nothing is stored by searching."""
    ids = {n.get("id") for n in card_nodes(only_card(await teams.say(TUTOR, "mentor maths")))}
    assert {"first", "second"} <= ids and "third" not in ids
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    agreement = card_text(only_card(await teams.say(TUTOR, "agreement")))
    assert "None yet: three SMART objectives go in the agreement form." in agreement
    card = await teams.answer(TUTOR, "mentor.not_fit", {"rel": rel_id})
    ids = {n.get("id") for n in card_nodes(card)}
    assert "first" in ids and not {"second", "third"} & ids
    assert "Choose your mentor: I'll ask them for you." in card_text(card)
    assert len(await rows(teams_app, MentoringRelationship)) == 1


async def test_a_subject_is_shown_as_the_college_writes_it_not_lower_cased(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom types "mentor English" (or "mentor english", as a phone capitalises only the first
    word): the card said "Mentors for english", and "ESOL" became "esol"."""
    await teams.answer(AMY, "mentor.offer", {"specialisms": "Maths, English", "capacity": "2"})
    card = only_card(await teams.say(TUTOR, "Mentor english"))
    assert card_text(card).startswith("Mentors for English")
    answer = await teams.answer(
        TUTOR,
        "mentor.choose",
        {"first": choices(card, "first")["Amy Able"], "specialism": "English"},
    )
    assert "I've asked **Amy Able**" in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.specialism == "English"
    text = card_text(only_card(await teams.say(TUTOR, "mentor ESOL")))
    assert text.startswith("Mentors for ESOL") and "mentor in **ESOL** yet" in text


async def test_no_specialist_offers_nearest_and_external_mentors(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    reply = await teams.say(
        HAL,
        "mentor external Herts Partnership CETT; brokerage; plumbing, electrical installation; "
        "mentors@hertscett.example",
    )
    assert "Listed: Herts Partnership CETT" in str(reply[0].activity.get("text"))
    denied = await teams.say(TUTOR, "mentor external Me; partner; any; me@example")
    assert "Only the head of teaching" in str(denied[0].activity.get("text"))

    text = card_text(only_card(await teams.say(TUTOR, "mentor plumbing")))
    assert "Nobody here offers to mentor in **plumbing** yet" in text
    assert "Nearest specialisms in house" not in text  # maths is no near miss for plumbing
    assert "Herts Partnership CETT" in text and "mentors@hertscett.example" in text
    assert "brokerage" in text


async def test_an_external_mentor_typed_with_capitals_is_listed(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Hal types "Mentor External ...": the entry was read from after a lower-case "external"
    in the raw text, found none, and so answered with the (empty) list: nothing added, and
    nothing said of why. Now the subcommand is found whatever its capitals."""
    reply = await teams.say(HAL, "Mentor External Herts CETT; brokerage; plumbing; m@herts.example")
    assert "Listed: Herts CETT (brokerage) for plumbing." in str(reply[0].activity.get("text"))
    (org,) = await rows(teams_app, Organisation)
    assert [e["name"] for e in org.settings["external_mentors"]] == ["Herts CETT"]


async def test_a_search_no_listed_external_mentor_covers_does_not_say_none_are_listed(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The college lists an external mentor for plumbing; Tom looks for physics. The card used
    to say the college "hasn't listed external mentors yet", which was untrue."""
    await teams.say(
        HAL, "mentor external Herts CETT; brokerage; plumbing; mentors@hertscett.example"
    )
    text = card_text(only_card(await teams.say(TUTOR, "mentor physics")))
    assert "hasn't listed external mentors" not in text
    assert "None of the external mentors your college lists covers **physics**" in text
    assert "Herts CETT" not in text  # not offered for a subject it doesn't cover
    (org,) = await rows(teams_app, Organisation)
    assert [e["name"] for e in org.settings["external_mentors"]] == ["Herts CETT"]
    assert await rows(teams_app, MentoringRelationship) == []
    listed = card_text(only_card(await teams.say(TUTOR, "mentor external")))
    assert "Herts CETT" in listed and "mentors@hertscett.example" in listed


async def test_a_subject_nobody_offers_is_kept_and_its_searcher_told_when_someone_offers_it(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom looks for a plumbing mentor and nobody offers plumbing: the search is kept, the card
    says so and what to ask the head of T&L for. Mia, his line manager, adding plumbing to her
    offer is no mentor for him: he still waits. When Olly offers plumbing, Tom is told, with
    Olly to choose; the wait is then over (a second offer tells him nothing more)."""
    text = card_text(only_card(await teams.say(TUTOR, "mentor plumbing")))
    assert "Nobody here offers to mentor in **plumbing** yet" in text
    assert "I'll message you when someone offers to mentor in it" in text
    assert "To find a mentor in **plumbing** outside the college" in text
    assert "ask your head of teaching & learning, Hal Head." in text
    (wish,) = await rows(teams_app, MentorWish)
    assert (wish.person_id, wish.key) == (await person_id(teams_app, TUTOR), "plumbing")
    found = card_text(only_card(await teams.say(TUTOR, "mentor maths")))
    assert "Amy Able" in found and "I'll message you" not in found
    assert len(await rows(teams_app, MentorWish)) == 1  # a search that finds someone keeps none

    offer = {"specialisms": "English, Plumbing", "campus": "Stevenage", "capacity": "1"}
    assert "Thank you" in card_text(await teams.answer(MANAGER, "mentor.offer", offer))
    assert len(await rows(teams_app, MentorWish)) == 1
    assert [i for i in await rows(teams_app, ScheduledItem) if i.kind == "mentoring.offered"] == []
    assert "Thank you" in card_text(await teams.answer(OLLY, "mentor.offer", offer))
    assert await rows(teams_app, MentorWish) == []
    (item,) = [i for i in await rows(teams_app, ScheduledItem) if i.kind == "mentoring.offered"]
    assert item.person_id == await person_id(teams_app, TUTOR)
    connector.clear()
    await tick(teams_app, clock)
    (card,) = cards_to(connector, TUTOR)
    assert "now someone offers it" in card_text(card)
    assert "Olly Leader" in choices(card, "first")
    assert cards_to(connector, OLLY) == []
    chosen = {"first": choices(card, "first")["Olly Leader"], "specialism": "Plumbing"}
    await teams.answer(TUTOR, "mentor.choose", chosen)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert (rel.mentor_id, rel.state) == (await person_id(teams_app, OLLY), ASKED)

    await teams.answer(AMY, "mentor.offer", {**offer, "specialisms": "Maths, plumbing"})
    offered = [i.id for i in await rows(teams_app, ScheduledItem) if i.kind == "mentoring.offered"]
    assert offered == [item.id]


async def test_a_tutor_sees_the_subjects_they_wait_for_and_can_stop_waiting(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom waits for plumbing and for ESOL. He could neither see those waits nor stop them: now
    `mentor` lists each with a button that stops it (as does the search that started it). The
    stored wait goes, he is told so, and pressing it again changes nothing and says why. Olly
    offering plumbing afterwards tells Tom nothing."""
    search = only_card(await teams.say(TUTOR, "mentor plumbing"))
    assert "Stop waiting for plumbing" in str(search.get("actions"))
    await teams.say(TUTOR, "mentor ESOL")
    assert sorted(w.key for w in await rows(teams_app, MentorWish)) == ["esol", "plumbing"]
    overview = only_card(await teams.say(TUTOR, "mentor"))
    text = card_text(overview)
    assert "You're waiting for a mentor in **plumbing**" in text
    assert "You're waiting for a mentor in **ESOL**" in text
    stop = action_data(overview, "mentor.wish.cancel", "Stop waiting for plumbing")
    answer = card_text(await teams.answer(TUTOR, "mentor.wish.cancel", stop))
    assert "you're no longer waiting for a mentor in **plumbing**" in answer
    assert "You're waiting for a mentor in **ESOL**" in answer  # the rest, still in sight
    assert [w.key for w in await rows(teams_app, MentorWish)] == ["esol"]

    again = str(await teams.answer(TUTOR, "mentor.wish.cancel", stop))
    assert "already ended" in again and "nothing changed" in again
    assert [w.key for w in await rows(teams_app, MentorWish)] == ["esol"]
    await teams.answer(OLLY, "mentor.offer", {"specialisms": "Plumbing", "capacity": "1"})
    assert [i for i in await rows(teams_app, ScheduledItem) if i.kind == "mentoring.offered"] == []
    assert [w.key for w in await rows(teams_app, MentorWish)] == ["esol"]


async def test_only_the_person_waiting_can_stop_the_wait(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Amy sends Tom's wait's id in the button's data: refused, and his wait stays. A submit with
    no wait in it, or one that is no number, is answered plainly and changes nothing."""
    await teams.say(TUTOR, "mentor plumbing")
    (wish,) = await rows(teams_app, MentorWish)
    refused = str(await teams.answer(AMY, "mentor.wish.cancel", {"wish": wish.id}))
    assert "Only the person waiting" in refused and "plumbing" not in refused
    for data in ({}, {"wish": "seven"}, {"wish": ""}):
        said = str(await teams.answer(TUTOR, "mentor.wish.cancel", data))
        assert "already ended" in said and "nothing changed" in said
    assert [(w.id, w.key) for w in await rows(teams_app, MentorWish)] == [(wish.id, "plumbing")]


async def test_someone_waiting_for_a_subject_who_has_found_a_mentor_meanwhile_is_not_told(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom waits for plumbing, then asks Amy to mentor him in maths. Olly changes his offer to
    take in plumbing: Tom, who has a request open, hears nothing of it."""
    await teams.say(TUTOR, "mentor plumbing")
    offered, _ = await ranks(teams, TUTOR, "Amy Able")
    await teams.answer(OLLY, "mentor.offer", {"specialisms": "English", "capacity": "1"})
    assert [i for i in await rows(teams_app, ScheduledItem) if i.kind == "mentoring.offered"] == []
    await teams.answer(OLLY, "mentor.offer", {"specialisms": "English, plumbing", "capacity": "1"})
    connector.clear()
    await tick(teams_app, clock)
    assert "now someone offers" not in texts_to(connector, TUTOR)
    assert [r.state for r in await rows(teams_app, MentoringRelationship)] == [ASKED]


async def test_someone_with_a_request_open_is_promised_no_wait(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Tom has asked Amy to mentor him, then searches for plumbing, which nobody offers. He was
    told "I've noted it: I'll message you", and a wait was kept, though a request open means
    no such message is ever sent. Now the card says only that nobody offers it, and nothing is
    kept."""
    offered, _ = await ranks(teams, TUTOR, "Amy Able")
    search = only_card(await teams.say(TUTOR, "mentor plumbing"))
    assert "Nobody here offers to mentor in **plumbing** yet." in card_text(search)
    assert "I've noted it" not in card_text(search)
    assert "mentor.wish.cancel" not in str(search)
    assert await rows(teams_app, MentorWish) == []


async def test_a_mentors_name_is_shown_as_text_in_a_search(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """A Teams display name is someone's own words: a mentor named like a link is shown in Tom's
    search as the name it is, never a live link."""
    eve = User("eve", "[Sign in again](https://evil.example)", "eve@college.ac.uk")
    teams.on_roster(eve)
    await teams.say(eve, "hello")
    offer = {"specialisms": "Bricklaying", "campus": "Hitchin", "capacity": "1"}
    assert "Thank you" in card_text(await teams.answer(eve, "mentor.offer", offer))
    found = only_card(await teams.say(TUTOR, "mentor bricklaying"))
    assert live_markdown(found) == []
    assert "\\[Sign in again\\](https://evil.example)" in card_text(found)
    assert await rows(teams_app, MentoringRelationship) == []


async def test_a_search_with_one_match_starts_with_it_chosen_and_says_whom_it_asks(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Olly alone mentors plumbing, and the college lists an external partner for it. The card's
    required "First choice" started empty with its one possible answer, and its "Ask" button
    came after the external partner, as if it asked them. Now Olly is chosen already, and the
    button sits under the choice and names him; the partner is to be contacted directly. The
    choice as Teams sends it asks Olly, and only him."""
    await teams.answer(OLLY, "mentor.offer", {"specialisms": "Plumbing", "capacity": "1"})
    await teams.say(
        HAL, "mentor external Herts CETT; brokerage; plumbing; mentors@hertscett.example"
    )
    olly = str(await person_id(teams_app, OLLY))
    card = only_card(await teams.say(TUTOR, "mentor plumbing"))
    (first,) = [i for i in card_inputs(card) if i["id"] == "first"]
    assert choices(card, "first") == {"Olly Leader": olly}
    assert first.get("value") == olly and first["isRequired"] is True
    nodes = list(card_nodes(card))
    (ask,) = [n for n in nodes if n.get("verb") == "mentor.choose" and "title" in n]
    assert ask["title"] == "Ask Olly Leader"
    outside = next(n for n in nodes if n.get("text") == "**Outside the college**")
    assert nodes.index(first) < nodes.index(ask) < nodes.index(outside)
    assert "mentor.choose" not in str(card.get("actions"))
    assert "Contact them yourself: I don't ask them for you." in card_text(card)

    sent = {**action_data(card, "mentor.choose"), "first": first["value"]}
    answer = await teams.answer(TUTOR, "mentor.choose", sent)
    assert "I've asked **Olly Leader**" in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ASKED and rel.mentor_id == int(olly) and rel.next_choices == []
    assert rel.specialism == "Plumbing"  # as Olly offers it


async def test_saving_the_same_proposal_again_asks_for_confirmation_once(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Ben saves the agreement, then presses Save again with nothing changed: he is told it is
    waiting for Tom; no second "proposed" is recorded and Tom is asked to confirm once."""
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    await teams.execute(BEN, "agreement.save", {"rel": rel_id, **GOOD})
    await tick(teams_app, clock)
    asked = [c for c in cards_to(connector, TUTOR) if "agreement.confirm" in str(c)]
    assert len(asked) == 1
    connector.clear()

    answer = await teams.answer(BEN, "agreement.save", {"rel": rel_id, **GOOD})
    assert "Nothing changed: it's waiting for Tom Tutor." in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert [c["what"] for c in rel.confirmations] == ["proposed"]
    await tick(teams_app, clock)
    assert not [c for c in cards_to(connector, TUTOR) if "agreement.confirm" in str(c)]
    answer = await teams.answer(TUTOR, "agreement.confirm", {"rel": rel_id})
    assert "it's in effect" in card_text(answer)


async def test_not_a_good_fit_from_either_side_rematches_without_a_reason(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    rel_id = await mentored_by_ben(teams, teams_app, clock)

    card = await teams.answer(TUTOR, "mentor.not_fit", {"rel": rel_id})
    assert "no reason needed" in card_text(card)
    assert set(choices(card, "first")) == {"Amy Able"}  # Ben is not offered again
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == NOT_A_FIT and rel.ended_at is not None
    await tick(teams_app, clock)
    assert "Tom Tutor has decided to look for a different mentor" in texts_to(connector, BEN)

    # Re-matched with Amy; this time the mentor says it isn't a good fit.
    body, _ = await teams.execute(
        TUTOR, "mentor.choose", {"first": choices(card, "first")["Amy Able"], "specialism": "maths"}
    )
    amy_rel = await asked(teams, teams_app, clock, AMY)
    await teams.execute(AMY, "mentor.accept", {"rel": amy_rel})
    connector.clear()
    answer = await teams.answer(AMY, "mentor.not_fit", {"rel": amy_rel})
    assert "no reason needed" in card_text(answer)
    await tick(teams_app, clock)
    text = texts_to(connector, TUTOR)
    assert "Amy Able thinks it isn't a good fit. No reason needed" in text
    # Nobody is left to offer (Amy and Ben were both not a good fit; Mia and Hal never).
    assert "Nobody here offers to mentor in **Maths** yet" in text

    # Someone outside the relationship cannot end it.
    answer = await teams.answer(MANAGER, "mentor.not_fit", {"rel": amy_rel})
    assert "not yours to see" in str(answer)


async def test_a_mentoring_that_has_run_its_course_ends_without_a_rematch(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom and Ben met their objectives. The only way out was "Not a good fit", which tells Tom
    to look for a different mentor; left open, the meeting nudges came for ever and Tom could
    never ask anyone else ("You already have a mentor"). Either of them now ends it: asked
    first, then ended, its reminders stopped, the other told, and Tom keeps the record."""
    rel_id = await agreed_and_met(teams, teams_app, clock)

    asked_first = card_text(await teams.answer(BEN, "mentor.end", {"rel": rel_id}))
    assert "End your mentoring?" in asked_first and "Tom Tutor" in asked_first
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ACTIVE

    done = card_text(await teams.answer(BEN, "mentor.end", {"rel": rel_id, "sure": "yes"}))
    assert "I've told Tom Tutor" in done and "find another mentor" not in done
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ENDED and rel.ended_at is not None
    waiting = [
        i.key
        for i in await rows(teams_app, ScheduledItem)
        if i.state == PENDING and i.key.startswith(("mentoring-review", "mentoring-nudge"))
    ]
    assert waiting == []
    await tick(teams_app, clock)
    told = texts_to(connector, TUTOR)
    assert "Ben Bright has ended your mentoring: it has run its course." in told
    assert "different mentor" not in told

    # Tom still reads it; Ben no longer does, and a second press changes nothing.
    assert "Confidential worries" in card_text(only_card(await teams.say(TUTOR, "agreement")))
    # "mentor" shows Tom his past agreement and, still, how to find a new mentor.
    overview = card_text(only_card(await teams.say(TUTOR, "mentor")))
    assert "Ben Bright** was your mentor" in overview
    assert "Say **mentor maths** (or any subject) to find a mentor." in overview
    again = await teams.answer(BEN, "mentor.end", {"rel": rel_id, "sure": "yes"})
    assert "already ended" in str(again)
    # Someone outside it cannot end one.
    other = await mentored_by_ben(teams, teams_app, clock)
    refused = await teams.answer(MANAGER, "mentor.end", {"rel": other, "sure": "yes"})
    assert "not yours to see" in str(refused)
    assert {r.state for r in await rows(teams_app, MentoringRelationship)} == {ENDED, ACTIVE}


# ---------------------------------------------------------------- the agreement


async def test_agreement_smart_errors_then_confirmed_by_both_then_a_change(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    rel_id = await mentored_by_ben(teams, teams_app, clock)

    # The form is pre-filled from seed 003's appendix 5 and the default review points.
    body, sent = await teams.execute(BEN, "agreement.edit", {"rel": rel_id})
    form = shown(body, sent)
    text = card_text(form)
    assert "minimum of 20 hours per year, per mentee" in text
    assert "To evaluate the mentor's observations" in text
    assert "2027-01-15" in text and "2027-04-15" in text

    # SMART checks: errors on the fields, nothing stored.
    bad = {
        **GOOD,
        "objective_1_what": "Improve maths",
        "objective_1_by": "2026-11-01",
        "objective_2_measure": "",
        "objective_3_measure": "it goes well",
    }
    bad.pop("objective_2_measure")  # an empty input is absent from what Teams sends
    errors = errors_in(await teams.answer(BEN, "agreement.save", {"rel": rel_id, **bad}))
    assert any(e.startswith("Make it specific") for e in errors)
    assert "Choose a date in the future." in errors
    assert "Say how you'll both know it's done." in errors
    assert any(e.startswith("Make it measurable") for e in errors)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.proposal is None and rel.agreement == {}

    # Ben proposes; Tom is asked to confirm through the reminders engine.
    answer = await teams.answer(BEN, "agreement.save", {"rel": rel_id, **GOOD})
    assert "I've asked Tom Tutor to confirm" in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.proposal is not None and rel.agreement == {}
    answer = await teams.answer(BEN, "agreement.confirm", {"rel": rel_id})
    assert "the other person confirms it" in str(answer)
    await tick(teams_app, clock)
    asked = cards_to(connector, TUTOR)[-1]
    assert "Ben Bright proposed this agreement" in card_text(asked)
    answer = await teams.answer(TUTOR, "agreement.confirm", button_data(asked, "agreement.confirm"))
    confirmed = card_text(answer)
    assert "Confirmed by both of you" in confirmed
    # Both parties with their specialisms, job titles and institutions (appendix 5's header),
    # and who confirmed what when.
    for shown_on_card in (
        "Tom Tutor",
        "Construction maths",
        "Lecturer in construction",
        "Ben Bright",
        "Maths, functional skills maths",
        "North Herts College",
        "Ben Bright proposed the agreement on Mon 23 Nov 2026",
        "Tom Tutor confirmed it on Mon 23 Nov 2026",
        # Days as the rest of TLC writes them (day_label): the objective's, the review point's.
        "by Fri 12 Feb 2027",
        "Mon 7 Dec 2026",
        "Olly Leader (olly@college.ac.uk)",  # who receives the reports, by name as reviews say
    ):
        assert shown_on_card in confirmed, shown_on_card
    (rel,) = await rows(teams_app, MentoringRelationship)
    tom, ben = await person_id(teams_app, TUTOR), await person_id(teams_app, BEN)
    assert rel.version == 1 and rel.proposal is None
    assert [(c["by"], c["what"], c["at"]) for c in rel.confirmations] == [
        (ben, "proposed", START.isoformat()),
        (tom, "confirmed", START.isoformat()),
    ]
    assert len(rel.agreement["objectives"]) == 3
    assert rel.agreement["recipients"] == ["olly@college.ac.uk"]

    # Tom proposes a change: nothing changes until Ben confirms it.
    changed = {**GOOD, "meeting": "Thursdays 1pm, Stevenage library"}
    await teams.execute(TUTOR, "agreement.save", {"rel": rel_id, **changed})
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.agreement["meeting"] == GOOD["meeting"]
    assert rel.proposal is not None and rel.proposal["meeting"] == changed["meeting"]
    asked = await next_card_to(teams, teams_app, clock, BEN, "agreement.confirm")
    assert "proposed a change" in card_text(asked) and "when and where you meet" in card_text(asked)
    await teams.execute(BEN, "agreement.confirm", {"rel": rel_id})
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.version == 2 and rel.agreement["meeting"] == changed["meeting"]
    assert [c["what"] for c in rel.confirmations][-2:] == ["proposed", "confirmed"]
    # The history says who did what in plain words: no "Confirmed:" over a proposal, no "v2".
    history = card_text(await teams.answer(TUTOR, "agreement.open", {"rel": rel_id}))
    assert "Tom Tutor proposed changes on Mon 23 Nov 2026" in history, history
    assert "Ben Bright confirmed the changes on Mon 23 Nov 2026" in history
    assert "Confirmed:" not in history and " v1 " not in history and " v2 " not in history


async def test_a_fresh_agreement_form_saved_as_it_comes_is_proposed_with_what_tlc_knows(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Ben opens a fresh agreement form and saves it untouched. Seed 003's mentor agrees *to
    agree* the objectives and when to meet, so neither is needed to start; the clauses and review
    points come filled in, and so does what TLC knows: the college's name as Tom's institution.
    It is proposed with no field errors (it showed ten), and Tom is asked to confirm."""
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, TENANT)
        assert org is not None
        org.name = "North Herts College"
        await uow.commit()
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    body, sent = await teams.execute(BEN, "agreement.edit", {"rel": rel_id})
    form = shown(body, sent)
    # What Teams sends back: each input that holds a value (an empty one is absent).
    data = {n["id"]: n["value"] for n in card_inputs(form) if n.get("value")}
    assert data["mentee_institution"] == "North Herts College"
    answer = await teams.answer(BEN, "agreement.save", {"rel": rel_id, **data})
    assert errors_in(answer) == []
    assert "I've asked Tom Tutor to confirm" in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.proposal is not None and rel.agreement == {}
    assert rel.proposal["objectives"] == [] and rel.proposal["meeting"] == ""
    assert rel.proposal["mentee_institution"] == "North Herts College"
    # An objective half written is still checked: nothing more is stored.
    half = {**data, "objective_1_what": "Improve maths"}
    errors = errors_in(await teams.answer(BEN, "agreement.save", {"rel": rel_id, **half}))
    assert any(e.startswith("Make it specific") for e in errors)
    assert "Say how you'll both know it's done." in errors and "Choose a date." in errors
    (after,) = await rows(teams_app, MentoringRelationship)
    assert after.proposal == rel.proposal


async def test_a_proposed_change_shows_what_it_changes_to_before_it_is_confirmed(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Ben proposes that the reports go to Mia (Tom's line manager) instead of Olly, and a new
    first objective. The card asking Tom to confirm, and the agreement he opens, say what each
    part would become, not only which parts change: he cannot confirm unseen who reads his
    reviews. Nothing changes until he confirms."""
    rel_id = await agreed(teams, teams_app, clock)
    changed = {
        **GOOD,
        "recipients": "mia@college.ac.uk",
        "objective_1_what": "Plan four practical fractions starters for my level 1 joiners",
    }
    await teams.execute(BEN, "agreement.save", {"rel": rel_id, **changed})
    asked = await next_card_to(teams, teams_app, clock, TUTOR, "agreement.confirm")
    opened_card = await teams.answer(TUTOR, "agreement.open", {"rel": rel_id})
    for card in (asked, opened_card):
        text = card_text(card)
        assert "Ben Bright proposed a change" in text
        assert "who receives the reports: mia@college.ac.uk" in text, text
        assert "four practical fractions starters" in text, text
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.version == 1 and rel.agreement["recipients"] == ["olly@college.ac.uk"]


async def test_a_report_recipients_list_longer_than_ten_is_refused_and_nothing_saved(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Each report recipient is looked up by email: Ben pastes eleven into the field. The card
    says at most ten and keeps them; the agreement has no proposal and Tom is asked nothing."""
    rel_id = await agreed(teams, teams_app, clock)
    pasted = ", ".join(["olly@college.ac.uk"] * 11)
    answer = await teams.answer(
        BEN, "agreement.save", {"rel": rel_id, **GOOD, "recipients": pasted}
    )
    assert "At most 10 people can receive the reports." in errors_in(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.version == 1 and rel.proposal is None


async def test_an_agreement_in_effect_with_nobody_to_receive_the_reports_says_so_and_how(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom proposes the agreement with the recipients field left empty; Ben confirms. It is in
    effect with nobody to receive the reports, so each review Tom sends on would go nowhere:
    Ben's card says so and that Tom names them; the card telling Tom it was confirmed asks him,
    whose reports they are, to name his personal tutor and course leader (seed 003, appendix
    5), and how. Once he has, it says nothing of the kind."""
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    nobody = {k: v for k, v in GOOD.items() if k != "recipients"}  # left empty: absent
    await teams.execute(TUTOR, "agreement.save", {"rel": rel_id, **nobody})
    answer = await teams.answer(BEN, "agreement.confirm", {"rel": rel_id})
    text = card_text(answer)
    assert "Confirmed by both of you" in text
    assert "Nobody is named to receive Tom Tutor's review reports" in text, text
    assert "go nowhere until Tom Tutor names someone" in text
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.version == 1 and rel.agreement["recipients"] == [] and rel.proposal is None

    told = await next_card_to(teams, teams_app, clock, TUTOR, "agreement.edit")
    text = card_text(told)
    assert "Nobody is named to receive your review reports" in text, text
    assert "personal tutor and course leader" in text
    assert "Propose a change" in text and "Reports go to" in text

    await teams.execute(TUTOR, "agreement.save", {"rel": rel_id, **GOOD})
    answer = await teams.answer(BEN, "agreement.confirm", {"rel": rel_id})
    assert "Olly Leader" in card_text(answer)
    assert "Nobody is named" not in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.version == 2 and rel.agreement["recipients"] == ["olly@college.ac.uk"]


async def test_confirm_puts_in_effect_only_the_proposal_its_card_showed(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Ben proposes a new meeting time; Tom is asked to confirm it. Before Tom presses, Ben
    proposes again, now sending the reports to Mia (Tom's line manager). Confirm on the first
    card must not put the second proposal, which Tom never saw, into effect: he is shown it as
    it is now and nothing changes. The card showing it confirms it, however often it is sent."""
    rel_id = await agreed(teams, teams_app, clock)
    first = {**GOOD, "meeting": "Thursdays 1pm, Stevenage library"}
    await teams.execute(BEN, "agreement.save", {"rel": rel_id, **first})
    asked = await next_card_to(teams, teams_app, clock, TUTOR, "agreement.confirm")
    assert "mia@college.ac.uk" not in card_text(asked)
    second = {**first, "recipients": "mia@college.ac.uk"}
    await teams.execute(BEN, "agreement.save", {"rel": rel_id, **second})

    answer = await teams.answer(TUTOR, "agreement.confirm", button_data(asked, "agreement.confirm"))
    assert "changed since" in card_text(answer)
    assert "who receives the reports: mia@college.ac.uk" in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.version == 1 and rel.agreement["recipients"] == ["olly@college.ac.uk"]
    assert rel.proposal is not None and rel.proposal["recipients"] == ["mia@college.ac.uk"]
    assert [c["what"] for c in rel.confirmations] == [
        "proposed",
        "confirmed",
        "proposed",
        "proposed",
    ]

    # Ben sends the same proposal again (a second press): what the card shows is still it.
    await teams.execute(BEN, "agreement.save", {"rel": rel_id, **second})
    answer = await teams.answer(
        TUTOR, "agreement.confirm", button_data(answer, "agreement.confirm")
    )
    assert "Confirmed by both of you" in card_text(answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.version == 2 and rel.agreement["recipients"] == ["mia@college.ac.uk"]


async def test_a_meeting_is_logged_only_against_a_confirmed_agreement(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """A meeting log records progress against the agreed objectives: until both have confirmed
    the agreement no card offers "Log a meeting", and a forged submit or an old button is
    refused and stores nothing. Once confirmed, it is offered and logged."""
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    meeting = {"rel": rel_id, "held_on": "2026-11-23", "discussed": "Before we agreed"}
    for proposed in (False, True):
        if proposed:  # Ben proposes; Tom has not confirmed it yet.
            await teams.execute(BEN, "agreement.save", {"rel": rel_id, **GOOD})
        for who in (TUTOR, BEN):
            body, sent = await teams.execute(who, "agreement.open", {"rel": rel_id})
            assert "mentoring.meeting.open" not in verbs_on(shown(body, sent)), (proposed, who)
            for verb in ("mentoring.meeting.open", "mentoring.meeting"):
                answer = str(await teams.answer(who, verb, meeting))
                assert "once you have both confirmed the agreement" in answer, (verb, answer)
                assert "Log a mentoring meeting" not in answer
    assert await rows(teams_app, MentoringEntry) == []
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.agreement == {} and rel.proposal is not None
    await tick(teams_app, clock)
    assert not [i for i in await rows(teams_app, ScheduledItem) if "nudge" in i.key]

    await teams.execute(TUTOR, "agreement.confirm", {"rel": rel_id})
    body, sent = await teams.execute(TUTOR, "agreement.open", {"rel": rel_id})
    assert "mentoring.meeting.open" in verbs_on(shown(body, sent))
    answer = await teams.answer(TUTOR, "mentoring.meeting", {**meeting, "discussed": "Agreed"})
    assert "Meeting logged." in card_text(answer)
    assert [e.discussed for e in await rows(teams_app, MentoringEntry)] == ["Agreed"]


# ----------------------------------------------- meetings, observations, reviews


async def test_review_points_are_kept_and_shown_in_date_order(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Started after the initial review's half term, the January report falls the year after the
    April one: the agreement lists them by date, not by the form's order."""
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    late = {**GOOD, "review_initial": "2027-01-24", "review_january": "2028-01-15"}
    body, sent = await teams.execute(BEN, "agreement.save", {"rel": rel_id, **late})
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert [p["due"] for p in (rel.proposal or {})["reviews"]] == [
        "2027-01-24",
        "2027-04-15",
        "2028-01-15",
    ]
    text = card_text(shown(body, sent))
    assert text.index("15 Apr 2027") < text.index("15 Jan 2028")


async def test_the_overview_says_plainly_that_the_agreement_is_still_to_write(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Accepted, nothing agreed yet: the overview said "agreement to agree", jargon."""
    await mentored_by_ben(teams, teams_app, clock)
    for user, other in ((TUTOR, "Ben Bright"), (BEN, "Tom Tutor")):
        text = card_text(only_card(await teams.say(user, "mentor")))
        assert f"{other}**, your" in text and "agreement still to write and confirm." in text
        assert "agreement to agree" not in text


async def test_a_december_starts_review_dates_are_on_the_form_in_date_order(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Ben opens the agreement form on 7 December: the initial review falls on 25 January. The
    January report was put after it, and so a year on (15 Jan 2028, 13 months out); it is the
    coming January's, 15 Jan 2027. The form lists the dates in order, and saving keeps them so."""
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    body, sent = await teams.execute(BEN, "agreement.edit", {"rel": rel_id})
    form = shown(body, sent)
    dates = [(i["id"], i.get("value")) for i in card_inputs(form) if i["id"].startswith("review_")]
    assert dates == [
        ("review_january", "2027-01-15"),
        ("review_initial", "2027-01-25"),
        ("review_april", "2027-04-15"),
    ]
    await teams.execute(BEN, "agreement.save", {"rel": rel_id, **GOOD, **dict(dates)})
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert [p["due"] for p in (rel.proposal or {})["reviews"]] == [d for _, d in dates]


async def test_a_review_point_already_past_is_refused_unless_it_was_agreed(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """A review date in the past was saved and shown on the agreement, but its reminder and
    draft are scheduled only for dates to come: the review the card lists never happened. A
    new date must be in the future; a point the agreement already has may stay as it was (the
    initial review, once held, is still on a change proposed after it)."""
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    past = {**GOOD, "review_initial": "2026-10-01", "review_january": "2026-01-15"}
    body, sent = await teams.execute(BEN, "agreement.save", {"rel": rel_id, **past})
    card = shown(body, sent)
    assert errors_in(card).count("Choose a date in the future.") == 2
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert (rel.proposal, rel.agreement, rel.confirmations) == (None, {}, [])
    assert [i for i in await rows(teams_app, ScheduledItem) if "confirm" in i.key] == []

    await teams.execute(BEN, "agreement.save", {"rel": rel_id, **GOOD})
    await teams.answer(TUTOR, "agreement.confirm", {"rel": rel_id})
    clock.set(datetime(2026, 12, 10, 10, 0, tzinfo=UTC))  # the initial review (7 Dec) is past
    change = {**GOOD, "meeting": "Every Tuesday 4pm, library"}
    body, sent = await teams.execute(BEN, "agreement.save", {"rel": rel_id, **change})
    assert errors_in(shown(body, sent)) == []
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.proposal is not None and rel.proposal["meeting"] == "Every Tuesday 4pm, library"


def in_sight(card: dict[str, Any]) -> dict[str, bool]:
    """Each button's title, and whether a phone shows it (not in the "…" overflow menu)."""
    return {
        str(n["title"]): n.get("mode") != "secondary"
        for n in card_nodes(card)
        if n.get("type") == "Action.Execute"
    }


async def test_the_agreement_shows_record_an_observation_and_folds_away_not_a_good_fit(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """The yearly observation is the mentor's main duty, but its button (21 characters, too
    long for a row of three at 360 px) went to the "…" menu while "Not a good fit" stayed in
    sight. It now sits under the card's observations, in sight; "Not a good fit" is in the
    menu. Pressed as Teams sends it, it opens the form, and the observation is stored."""
    rel_id = await agreed(teams, teams_app, clock)
    card = only_card(await teams.say(BEN, "agreement"))
    buttons = in_sight(card)
    assert buttons["Record an observation"] is True
    assert buttons["Not a good fit"] is False
    assert buttons["Log a meeting"] is True
    assert "None yet: each of you observes the other once a year." in card_text(card)

    form = await teams.answer(
        BEN, "mentoring.observe.open", action_data(card, "mentoring.observe.open")
    )
    assert "Record a mentoring observation" in card_text(form)
    data = {i["id"]: i["value"] for i in card_inputs(form) if i.get("value")}  # as Teams sends
    answer = await teams.answer(
        BEN,
        "mentoring.observe",
        {**action_data(form, "mentoring.observe"), **data, "notes": "Clear modelling"},
    )
    assert "Observation recorded." in card_text(answer)
    (entry,) = await rows(teams_app, MentoringEntry)
    assert (entry.relationship_id, entry.kind, entry.discussed) == (
        rel_id,
        OBSERVED_MENTEE,
        "Clear modelling",
    )
    assert in_sight(answer)["Record an observation"] is True


def folded(card: dict[str, Any], words: str) -> tuple[bool, list[str]]:
    """Whether the text holding `words` is in a container hidden until a button shows it, and
    the titles of the buttons that show or hide that container."""
    for box in card_nodes(card):
        if box.get("type") == "Container" and words in card_text(box):
            toggles = [
                str(n["title"])
                for n in card_nodes(card)
                if n.get("type") == "Action.ToggleVisibility"
                and box.get("id")
                in [
                    t if isinstance(t, str) else t.get("elementId")
                    for t in n.get("targetElements", [])
                ]
            ]
            return box.get("isVisible") is False, toggles
    return False, []


async def test_the_agreement_puts_objectives_and_meetings_first_and_folds_the_clauses(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """On a phone the agreement was some 2,250 px tall: the 23 standard clauses (and both
    people's job titles) came before the objectives, their progress and the meeting log. In
    effect, the card shows those first and keeps the clauses folded under a button; the
    mentee confirming a first agreement sees the clauses open, as that is what they agree."""
    rel_id = await mentored_by_ben(teams, teams_app, clock)
    await teams.execute(BEN, "agreement.save", {"rel": rel_id, **GOOD})
    to_confirm = only_card(await teams.say(TUTOR, "agreement"))
    assert "agreement.confirm" in verbs_on(to_confirm)
    assert folded(to_confirm, "To maintain appropriate confidentiality") == (
        False,
        ["What each of us agrees"],
    )
    await teams.answer(TUTOR, "agreement.confirm", action_data(to_confirm, "agreement.confirm"))
    await teams.execute(
        BEN, "mentoring.meeting", {"rel": rel_id, "held_on": "2026-11-23", "discussed": "Starters"}
    )

    card = only_card(await teams.say(TUTOR, "agreement"))
    text = card_text(card)
    clause = text.index("To maintain appropriate confidentiality")
    assert text.index("Plan three practical maths starters") < clause
    assert text.index("▱▱▱▱▱▱▱▱▱▱ 0%") < clause and text.index("Starters") < clause
    assert text.index("Record an observation") < clause
    for words in (
        "To maintain appropriate confidentiality",
        "To keep the mentor informed",
        "To give the mentor a minimum of 20 hours",
        "Lecturer in construction",
    ):
        assert folded(card, words) == (True, ["What each of us agrees"]), words
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.agreement["mentor_agrees"][0].startswith("To maintain appropriate confidentiality")


async def test_meeting_log_observation_and_review_sent_only_after_the_mentee_saw_it(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    rel_id = await agreed(teams, teams_app, clock)

    # A meeting, with progress against each objective shown as a bar.
    answer = await teams.answer(
        BEN,
        "mentoring.meeting",
        {
            "rel": rel_id,
            "held_on": "2026-11-23",
            "discussed": "Starters for area and perimeter",
            "next_1": "Try the brick-counting starter",
            "progress_1": "40",
        },
    )
    text = card_text(answer)
    assert "Meeting logged." in text and "▰▰▰▰▱▱▱▱▱▱ 40%" in text
    # The next meeting's form starts each objective at its progress so far, not blank.
    form = await teams.answer(BEN, "mentoring.meeting.open", {"rel": rel_id})
    pickers = {n["id"]: n.get("value") for n in card_nodes(form) if "progress_" in n.get("id", "")}
    assert pickers == {"progress_1": "40", "progress_2": None, "progress_3": None}
    # A meeting in the future is refused, and not stored.
    answer = await teams.answer(
        BEN, "mentoring.meeting", {"rel": rel_id, "held_on": "2026-12-30", "discussed": "x"}
    )
    assert "Log a meeting once it has happened." in errors_in(answer)
    assert len(await rows(teams_app, MentoringEntry)) == 1

    # The mentor's observation is developmental: no grade, not an OTLA; the mentee evaluates it.
    answer = await observes(teams, BEN, rel_id, "mentee", "Great questioning")
    assert "never graded" in card_text(answer)
    entry = (await rows(teams_app, MentoringEntry))[-1]
    answer = await teams.answer(BEN, "mentoring.evaluate", {"entry": entry.id, "evaluation": "x"})
    assert "Only the mentee evaluates" in str(answer)
    answer = await teams.answer(
        TUTOR, "mentoring.evaluate", {"entry": entry.id, "evaluation": "Useful and fair"}
    )
    assert "Mentee's evaluation: Useful and fair" in card_text(answer)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        from storage.observations import Observation

        assert await uow.session.scalar(select(func.count()).select_from(Observation)) == 0

    # The initial review point arrives: both are reminded; the mentee gets the draft.
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    assert "Initial review is due: the draft" in card_text(draft)
    assert "Starters for area and perimeter" in card_text(draft)
    assert "Progress 40%" in card_text(draft)
    assert "Initial review is due" in texts_to(connector, BEN)
    # Ben's copy is the mentor's: it is not addressed to him as the mentee.
    assert "unless you, the mentee, say so" not in texts_to(connector, BEN)
    assert "Nothing is sent unless Tom Tutor says so." in texts_to(connector, BEN)
    (review,) = await rows(teams_app, MentoringReview)
    assert review.state == DRAFTED and review.seen_at is None
    await tick(teams_app, clock)
    assert "review" not in texts_to(connector, OLLY).lower()  # not before Tom has seen it

    # Only Tom can send it on.
    data = button_data(draft, "mentoring.review.seen")
    assert "Only the mentee" in str(await teams.answer(BEN, "mentoring.review.seen", data))
    answer = await teams.answer(TUTOR, "mentoring.review.seen", data)
    assert "Sent to Olly Leader" in card_text(answer)
    (review,) = await rows(teams_app, MentoringReview)
    assert review.state == SENT and review.seen_at is not None
    await tick(teams_app, clock)
    report = texts_to(connector, OLLY)
    assert "Mentoring initial review: Tom Tutor" in report
    assert "sent with Tom Tutor's agreement after they read it" in report
    for other in (MANAGER, HAL, QUINN):
        assert "Initial review" not in texts_to(connector, other)


async def test_the_observation_form_starts_at_what_the_one_who_opened_it_can_record(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Each side records only their own observation of the other; the form used to start with
    neither chosen, and one of its two choices was always refused. Sent as the card stands, with
    only the notes written, each side's observation is stored."""
    rel_id = await agreed(teams, teams_app, clock)
    for user, notes, kind in (
        (BEN, "Great questioning", OBSERVED_MENTEE),
        (TUTOR, "Clear modelling of area", OBSERVED_MENTOR),
    ):
        form = shown(*await teams.execute(user, "mentoring.observe.open", {"rel": rel_id}))
        shown_values = {i["id"]: i["value"] for i in card_inputs(form) if i.get("value")}
        answer = await teams.answer(
            user,
            "mentoring.observe",
            {**button_data(form, "mentoring.observe"), **shown_values, "notes": notes},
        )
        assert errors_in(answer) == [] and "Observation recorded." in card_text(answer)
        entry = (await rows(teams_app, MentoringEntry))[-1]
        assert (entry.kind, entry.discussed) == (kind, notes)
    assert len(await rows(teams_app, MentoringEntry)) == 2


async def test_a_review_goes_only_to_recipients_the_agreement_still_names(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """The draft says it goes to Olly. Tom would rather it didn't: he proposes that nobody
    receives the reports and Ben confirms. Then Tom reads the draft and presses "I've read it":
    Olly, whom the agreement no longer names, gets nothing, and Tom is told it went nowhere."""
    await agreed_and_met(teams, teams_app, clock)
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    assert "It goes to: Olly Leader" in card_text(draft)
    (rel,) = await rows(teams_app, MentoringRelationship)
    nobody = {k: v for k, v in GOOD.items() if k != "recipients"}  # the emptied input is absent
    await teams.execute(TUTOR, "agreement.save", {"rel": rel.id, **nobody})
    await teams.execute(BEN, "agreement.confirm", {"rel": rel.id})
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.agreement["recipients"] == [] and rel.version == 2

    answer = await teams.answer(
        TUTOR, "mentoring.review.seen", button_data(draft, "mentoring.review.seen")
    )
    assert "kept between you two" in card_text(answer)
    (review,) = await rows(teams_app, MentoringReview)
    assert review.recipients == []
    connector.clear()
    await tick(teams_app, clock)
    assert "review" not in texts_to(connector, OLLY).lower()
    olly = await person_id(teams_app, OLLY)
    assert [r for r in await rows(teams_app, AccessEntry) if r.reader_id == olly] == []


async def test_a_meeting_nudge_when_nothing_is_logged_respects_the_opt_out(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    rel_id = await agreed(teams, teams_app, clock)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        items = await Schedule(uow.session).pending("tenant-1", f"mentoring-nudge:{rel_id}:")
        assert len(items) == 2
        assert {i.due_at.date() for i in items} == {date(2026, 12, 21)}
    body, _ = await teams.execute(BEN, "settings.save", {"keep.mentoring_meeting_nudges": "false"})
    clock.set(datetime(2026, 12, 21, 10, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert "Time for a mentoring meeting?" in texts_to(connector, TUTOR)
    assert "Time for a mentoring meeting?" not in texts_to(connector, BEN)
    # A pair who have finished can end it from the nudge, not only turn every nudge off.
    (nudge,) = [c for c in cards_to(connector, TUTOR) if "mentoring meeting?" in card_text(c)]
    assert "mentor.end" in verbs_on(nudge)

    # A meeting logged puts the next nudge the agreed interval after it; none comes before.
    await teams.execute(
        TUTOR, "mentoring.meeting", {"rel": rel_id, "held_on": "2026-12-21", "discussed": "Met"}
    )
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        items = await Schedule(uow.session).pending("tenant-1", f"mentoring-nudge:{rel_id}:")
        assert {i.due_at.date() for i in items} == {date(2027, 1, 18)}
    connector.clear()
    clock.set(datetime(2027, 1, 15, 10, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert "Time for a mentoring meeting?" not in texts_to(connector, TUTOR)
    clock.set(datetime(2027, 1, 18, 10, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert "Time for a mentoring meeting?" in texts_to(connector, TUTOR)


async def test_a_meeting_logged_late_does_not_lose_the_next_nudge(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Ben logs their meeting of 20 November, then one from 2 November he had forgotten. The
    nudge was re-counted from the older meeting: due on 30 November and dropped then (a
    meeting has been logged since), and then no nudge came at all, however long they went
    without meeting. The nudge stays counted from the latest meeting, and comes."""
    rel_id = await agreed(teams, teams_app, clock)
    for held_on in ("2026-11-20", "2026-11-02"):
        await teams.execute(
            BEN, "mentoring.meeting", {"rel": rel_id, "held_on": held_on, "discussed": "Met"}
        )
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        items = await Schedule(uow.session).pending("tenant-1", f"mentoring-nudge:{rel_id}:")
        assert [(i.due_at.date(), i.payload["since"]) for i in items] == [
            (date(2026, 12, 18), "2026-11-20")
        ] * 2
    await tick(teams_app, clock)
    assert "Time for a mentoring meeting?" not in texts_to(connector, TUTOR)
    clock.set(datetime(2026, 12, 18, 10, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert "Time for a mentoring meeting?" in texts_to(connector, TUTOR)
    assert "Time for a mentoring meeting?" in texts_to(connector, BEN)


async def test_change_confirmations_and_review_reminders_keep_to_sending_hours_and_quiet_times(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Point 6: these go through the reminders engine, so the college's sending hours (08:00 to
    18:00 on weekdays) and each person's own quiet times hold them."""
    rel_id = await agreed(teams, teams_app, clock)
    answer = await teams.answer(TUTOR, "settings.save", {"days_off": "0"})  # never on Mondays
    assert "never on Mondays" in card_text(answer)

    # Friday 19:00: Tom proposes a change. Ben is asked on Monday at 08:00, not before.
    clock.set(datetime(2026, 11, 27, 19, 0, tzinfo=UTC))
    changed = {**GOOD, "meeting": "Thursdays 1pm, Stevenage library"}
    await teams.execute(TUTOR, "agreement.save", {"rel": rel_id, **changed})
    connector.clear()
    await tick(teams_app, clock)
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert cards_to(connector, BEN) == []
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        item = await Schedule(uow.session).get("tenant-1", f"mentoring-confirm:{rel_id}:2")
        assert item is not None and item.state == PENDING
        assert item.ready_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert "proposed a change" in texts_to(connector, BEN)

    # The initial review falls on Monday 7 December: Ben hears that morning; Tom, who never
    # gets messages on Mondays, has the draft on Tuesday at 08:00.
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    connector.clear()
    await tick(teams_app, clock)
    assert "Initial review is due" in texts_to(connector, BEN)
    assert cards_to(connector, TUTOR) == []
    clock.set(datetime(2026, 12, 8, 8, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert "Initial review is due: the draft" in texts_to(connector, TUTOR)


async def _mentoring_state(app: web.Application) -> list[str]:
    out: list[str] = []
    for model in (MentoringRelationship, MentoringEntry, MentoringReview, CoachingConversation):
        for row in await rows(app, model):
            out.append(repr({c.name: getattr(row, c.name) for c in model.__table__.columns}))
    async with app[BOT_KEY].db.unit_of_work() as uow:
        items = await Schedule(uow.session).pending("tenant-1", "")
        out += sorted(f"{i.key} {i.due_at}" for i in items)
    return out


async def test_every_mentoring_form_sent_untouched_gets_field_errors_and_changes_nothing(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Teams leaves untouched inputs out of the submit data: each form, sent with only its
    hidden ids on a live relationship, answers with messages on its fields and stores nothing."""
    rel_id = await agreed(teams, teams_app, clock)
    await observes(teams, BEN, rel_id, "mentee", "Good pace")
    (entry,) = await rows(teams_app, MentoringEntry)
    card = only_card(await teams.say(TUTOR, "coach oskar"))
    for answer in ("Calmer starts", "4", "Greeting", "Keep going"):
        data = {**button_data(card, "coach.answer"), "answer": answer}
        if answer == "Keep going":
            data.update(action_1="Seating plan", by_1="2027-01-08")
        card = await teams.answer(TUTOR, "coach.answer", data)
    (conv,) = await rows(teams_app, CoachingConversation)
    before = await _mentoring_state(teams_app)

    for user, verb, data, expected in (
        (TUTOR, "mentor.choose", {}, ["Choose a mentor."]),
        (
            BEN,
            "agreement.save",
            {"rel": rel_id},
            ["Choose a date.", "Keep at least one line."],  # review points; the clause lists
        ),
        (
            BEN,
            "mentoring.meeting",
            {"rel": rel_id},
            ["Choose the date you met.", "Say what you discussed."],
        ),
        (
            TUTOR,
            "mentoring.observe",
            {"rel": rel_id},
            ["Say who observed whom.", "Choose the date."],
        ),
        (TUTOR, "mentoring.evaluate", {"entry": entry.id}, ["Write your evaluation."]),
        (TUTOR, "coach.review", {"conv": conv.id}, ["Choose a number from 0 to 10."]),
    ):
        body, _ = await teams.execute(user, verb, data)
        assert teams.last_status == 200
        errors = errors_in(body["value"])
        for message in expected:
            assert message in errors, (verb, message, errors)
    assert await _mentoring_state(teams_app) == before


# ----------------------------------------------------------------- coaching


async def tom_answers(teams: TeamsClient, card: dict[str, Any], **inputs: str) -> Any:
    """Tom fills in a coaching card's `inputs` and presses its answer button: the bot's answer."""
    return await teams.answer(
        TUTOR, "coach.answer", {**button_data(card, "coach.answer"), **inputs}
    )


async def test_starting_oskar_says_where_the_unfinished_grow_is(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Tom leaves GROW at its second step and starts OSKAR. Before, the OSKAR card said nothing
    of GROW, which he could think lost; now it says how to pick it up, and it is kept."""
    card = only_card(await teams.say(TUTOR, "coach grow"))
    await tom_answers(teams, card, answer="Learners ask questions unprompted")
    oskar = card_text(only_card(await teams.say(TUTOR, "coach oskar")))
    assert "Your unfinished GROW conversation is kept: say **coach grow**" in oskar, oskar
    convs = {c.model: (c.state, c.step) for c in await rows(teams_app, CoachingConversation)}
    assert convs == {"grow": ("active", 1), "oskar": ("active", 0)}
    grow = card_text(only_card(await teams.say(TUTOR, "coach grow")))
    assert "GROW · 2 of 4: Reality" in grow and "unfinished" not in grow


async def test_grow_from_the_first_question_to_actions_with_back_pause_and_resume(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    card = only_card(await teams.say(TUTOR, "coach grow"))
    assert "GROW · 1 of 4: Goal" in card_text(card)

    answer = await tom_answers(teams, card)  # empty: asked again
    assert "Write a few words" in " ".join(errors_in(answer))
    card = await tom_answers(teams, card, answer="Learners ask questions unprompted")
    assert "GROW · 2 of 4: Reality" in card_text(card)
    card = await teams.answer(TUTOR, "coach.back", button_data(card, "coach.back"))
    assert "GROW · 1 of 4: Goal" in card_text(card)
    assert "Learners ask questions unprompted" in card_text(card)  # kept
    card = await tom_answers(teams, card, answer="Same goal")
    answer = await teams.answer(TUTOR, "coach.pause", button_data(card, "coach.pause"))
    assert "Paused" in card_text(answer)
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.state == "paused" and conv.step == 1
    resumed = only_card(await teams.say(TUTOR, "coach grow"))
    assert "Picking up where you left off" in card_text(resumed)
    assert "GROW · 2 of 4: Reality" in card_text(resumed)

    options = await tom_answers(teams, resumed, answer="Two ask")
    will = await tom_answers(teams, options, answer="Think-pair-share; cold call")
    assert "GROW · 4 of 4: Will" in card_text(will)
    # The last step needs actions with future dates.
    answer = await tom_answers(teams, will, action_1="Try think-pair-share", by_1="2026-11-01")
    assert "Choose a date in the future." in errors_in(answer)
    answer = await tom_answers(
        teams,
        will,
        answer="Start Tuesday",
        action_1="Try think-pair-share with level 2",
        by_1="2026-12-04",
        action_2="Ask Amy about cold calling",
        by_2="2026-12-11",
    )
    done = card_text(answer)
    assert "GROW: your actions" in done and "Try think-pair-share with level 2" in done
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.state == FINISHED
    assert [a["what"] for a in conv.actions] == [
        "Try think-pair-share with level 2",
        "Ask Amy about cold calling",
    ]
    assert conv.answers["goal"] == "Same goal"
    # The same follow-up as other agreed actions: 09:00 two days before each is due.
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        item = await Schedule(uow.session).get("tenant-1", f"coach-action:{conv.id}:1")
        assert item is not None and item.state == PENDING
        assert item.due_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    # ... and on his `actions` list with everything else he agreed, until he marks it done.
    listed = card_text(only_card(await teams.say(TUTOR, "actions")))
    assert "Coaching (GROW)" in listed and "Try think-pair-share with level 2" in listed
    assert "Ask Amy about cold calling" in listed
    clock.set(datetime(2026, 12, 2, 9, 30, tzinfo=UTC))
    reminder = await next_card_to(teams, teams_app, clock, TUTOR, "coach.action.done")
    assert "Try think-pair-share with level 2" in card_text(reminder)
    answer = await teams.answer(
        TUTOR, "coach.action.done", button_data(reminder, "coach.action.done")
    )
    assert "Marked done" in card_text(answer)
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.actions[0]["done_at"] is not None and conv.actions[1]["done_at"] is None
    listed = card_text(only_card(await teams.say(TUTOR, "actions")))
    assert "Try think-pair-share" not in listed and "Ask Amy about cold calling" in listed
    mia = await teams.say(MANAGER, "actions")  # she keeps the action review log: two cards
    assert "Ask Amy" not in " ".join(card_text(c) for s in mia for c in s.cards)

    # Private: Mia (his line manager) cannot touch it.
    answer = await teams.answer(MANAGER, "coach.answer", {"conv": conv.id, "step": 0})
    assert "private" in str(answer)


async def test_oskar_review_shows_the_change_since_last_time(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    card = only_card(await teams.say(TUTOR, "coach oskar"))
    assert "OSKAR · 1 of 4: Outcome" in card_text(card)
    answers = ["Calmer starts to lessons", "3", "I greet at the door", "Keep greeting"]
    for i, answer in enumerate(answers):
        data = {**button_data(card, "coach.answer"), "answer": answer}
        if i == 1:
            body, _ = await teams.execute(TUTOR, "coach.answer", {**data, "answer": "eleven"})
            assert "Choose a number from 0 to 10." in errors_in(body["value"])
        if i == 3:
            data.update(action_1="Seating plan for group B", by_1="2027-01-08")
        card = await teams.answer(TUTOR, "coach.answer", data)
    assert "OSKAR: your actions" in card_text(card)
    assert "Say **coach review** to see how far you've come" in card_text(card)

    clock.advance(timedelta(weeks=3))
    review = only_card(await teams.say(TUTOR, "coach review"))
    assert "Last time you said **3** out of 10" in card_text(review)
    change = await teams.answer(
        TUTOR,
        "coach.review",
        {**button_data(review, "coach.review"), "scale": "6", "difference": "The seating plan"},
    )
    assert "up 3 (from 3 to 6)" in card_text(change)
    assert "What made the difference: The seating plan" in card_text(change)
    image = next(i for i in change["body"] if i["type"] == "Image")
    assert image["url"].startswith("data:image/png;base64,")
    (conv,) = await rows(teams_app, CoachingConversation)
    assert [s["value"] for s in conv.scales] == [3, 6]
    assert conv.scales[-1]["note"] == "The seating plan"


async def test_an_oskar_scale_answered_again_after_back_is_one_reading(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom says 3 on the scale, goes Back from the next question and says 5 instead. Both were
    stored as readings: `coach review` then took the corrected 5 for "last time" while the
    chart started at the 3 he took back, a change that never happened. The answer given again
    replaces the first; the review compares with it."""
    card = only_card(await teams.say(TUTOR, "coach oskar"))
    for answer in ("Calmer starts to lessons", "3"):
        card = await teams.answer(
            TUTOR, "coach.answer", {**button_data(card, "coach.answer"), "answer": answer}
        )
    card = await teams.answer(TUTOR, "coach.back", button_data(card, "coach.back"))
    assert "2 of 4: Scaling" in card_text(card)
    for answer in ("5", "I greet at the door"):
        card = await teams.answer(
            TUTOR, "coach.answer", {**button_data(card, "coach.answer"), "answer": answer}
        )
    data = {**button_data(card, "coach.answer"), "answer": "Keep greeting"}
    card = await teams.answer(
        TUTOR, "coach.answer", {**data, "action_1": "Seating plan", "by_1": "2027-01-08"}
    )
    assert "OSKAR: your actions" in card_text(card)
    (conv,) = await rows(teams_app, CoachingConversation)
    assert [s["value"] for s in conv.scales] == [5]
    assert conv.answers["scaling"] == "5"

    review = only_card(await teams.say(TUTOR, "coach review"))
    change = await teams.answer(
        TUTOR, "coach.review", {**button_data(review, "coach.review"), "scale": "7"}
    )
    assert "up 2 (from 5 to 7)" in card_text(change)
    (conv,) = await rows(teams_app, CoachingConversation)
    assert [s["value"] for s in conv.scales] == [5, 7]


# ----------------------------------------------------------------- boundaries


async def test_only_the_pair_read_the_records_managers_and_quality_see_existence(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    rel_id = await agreed_and_met(teams, teams_app, clock)
    for outsider in (MANAGER, HAL, QUINN, ADMIN, AMY):
        for verb in ("agreement.open", "agreement.edit", "mentoring.meeting.open"):
            body, sent = await teams.execute(outsider, verb, {"rel": rel_id})
            seen = str(body) + str([s.activity for s in sent])
            assert "not yours to see" in seen, (outsider, verb)
            assert "Confidential worries" not in seen and "bricklayers" not in seen
        seen = str(await teams.say(outsider, "agreement"))
        assert "Confidential worries" not in seen
    for insider in (TUTOR, BEN):
        body, _ = await teams.execute(insider, "agreement.open", {"rel": rel_id})
        assert "Confidential worries" in str(body) or "Confidential worries" in texts_to(
            teams.connector, insider
        )

    # Mia (line manager) and Quinn (quality) see that it exists, and nothing in it.
    mia = card_text(only_card(await teams.say(MANAGER, "mentor capacity")))
    assert "Your team members with a mentor: Tom Tutor" in mia
    quinn = card_text(only_card(await teams.say(QUINN, "mentor capacity")))
    assert "Ben Bright" in quinn and "1 of 2" in quinn
    for text in (mia, quinn):
        assert "Confidential" not in text and "bricklayers" not in text
    denied = await teams.say(OLLY, "mentor capacity")
    assert "Mentoring capacity is for" in str(denied[0].activity.get("text"))

    # In a channel the commands point to the 1:1 chat.
    sent = await teams.say(TUTOR, "coach grow", Place.channel(), mention=True)
    assert "1:1" in str(sent[0].activity.get("text"))


async def test_a_mentor_only_asked_is_counted_and_their_access_log_says_asked_or_in(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom asks Ben to mentor him; Ben has not answered. Quinn's org-wide `mentor capacity`
    counts the request (it holds one of Ben's places), so Ben's access log must not say Quinn
    saw that he is *in* a mentoring relationship: it says asked or in one."""
    await ranks(teams, TUTOR, "Ben Bright")
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == "asked"
    quinn = card_text(only_card(await teams.say(QUINN, "mentor capacity")))
    assert "Ben Bright" in quinn and "1 of 2" in quinn
    seen = card_text(only_card(await teams.say(BEN, "privacy")))
    assert (
        "**Quinn Quality** opened that you are in a mentoring relationship or asked to be in "
        "one (nothing in it)"
    ) in seen


async def test_a_mentoring_button_pressed_in_a_channel_shows_nothing_there(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """An Action.Submit in a team channel is answered in that channel, for everyone in it. Ben
    (the mentor) sends Open on Tom's agreement from the Maths channel, and Tom sends Next on his
    GROW card there: neither the agreement and its meeting log nor the coaching notes are posted
    to the channel, nothing is read or written, and they hear to use the 1:1 chat."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    grow = button_data(only_card(await teams.say(TUTOR, "coach grow")), "coach.answer")
    logged = len(await rows(teams_app, AccessEntry))
    channel = Place.channel()
    for user, data in (
        (BEN, {"verb": "agreement.open", "rel": rel_id}),
        (TUTOR, {"verb": "agreement.open", "rel": rel_id}),
        (BEN, {"verb": "mentoring.meeting.open", "rel": rel_id}),
        (BEN, {"verb": "mentor.not_fit", "rel": rel_id}),
        (TUTOR, {**grow, "verb": "coach.answer", "answer": "Confidential worries"}),
    ):
        sent = await teams.submit(user, data, channel)
        posted = [s for s in sent if s.conversation_id == channel.conversation_id]
        assert posted and all(s.cards == [] for s in posted), (user, data)
        said = " ".join(str(s.activity.get("text")) for s in posted)
        assert "1:1 chat" in said and "Confidential worries" not in said
        assert "bricklayers" not in str([s.activity for s in sent])
    # Nothing read (no access row for Tom) and nothing changed: the relationship goes on.
    assert len(await rows(teams_app, AccessEntry)) == logged
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ACTIVE
    (conv,) = await rows(teams_app, CoachingConversation)
    assert (conv.step, conv.answers) == (0, {})


async def test_a_line_manager_sees_a_mentoring_relationship_not_a_request(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom has only asked Ben (no answer yet). Mia, his line manager, was told "Your team
    members with a mentor: Tom Tutor", and Tom's access log said she saw it: that he is looking
    for a mentor (and, once refused, that he was) is not hers to know, and he has no mentor.
    Once Ben accepts, the relationship exists, and she sees that (logged for Tom)."""
    await ranks(teams, TUTOR, "Ben Bright")
    tom = await person_id(teams_app, TUTOR)

    mia = card_text(only_card(await teams.say(MANAGER, "mentor capacity")))
    assert "Mentoring capacity" in mia and "Tom Tutor" not in mia
    assert [a for a in await rows(teams_app, AccessEntry) if a.owner_id == tom] == []
    assert (await rows(teams_app, MentoringRelationship))[0].state == ASKED

    await tick(teams_app, clock)
    request = cards_to(teams.connector, BEN)[-1]
    await teams.answer(BEN, "mentor.accept", button_data(request, "mentor.accept"))
    mia = card_text(only_card(await teams.say(MANAGER, "mentor capacity")))
    assert "Your team members with a mentor: Tom Tutor" in mia
    mia_id = await person_id(teams_app, MANAGER)
    logged = [a.kind for a in await rows(teams_app, AccessEntry) if a.reader_id == mia_id]
    assert logged == ["mentoring_exists"]


def verbs_on(card: dict[str, Any]) -> set[str]:
    return {str(n["verb"]) for n in card_nodes(card) if n.get("verb")}


async def test_the_mentee_still_reads_a_past_agreement_read_only_and_nobody_else_does(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """After the relationship ends the mentee can still open their agreement, meeting log and
    observations: read-only, no buttons, every write refused with a clear answer and nothing
    stored. The mentor's view ends with it (the confidentiality matrix's last phase), outsiders
    are refused as before, and a refused read logs nothing."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    await observes(teams, BEN, rel_id, "mentee", "Clear modelling")
    (observed,) = [e for e in await rows(teams_app, MentoringEntry) if e.kind != "meeting"]
    clock.set(clock.now() + timedelta(days=3))
    await teams.execute(TUTOR, "mentor.not_fit", {"rel": rel_id})
    (before,) = await rows(teams_app, MentoringRelationship)
    assert before.state == NOT_A_FIT
    teams.connector.clear()
    logged_before = len(await rows(teams_app, AccessEntry))

    # `agreement` in the 1:1 chat finds the past one; the buttons on old cards still open it.
    card = only_card(await teams.say(TUTOR, "agreement"))
    body, sent = await teams.execute(TUTOR, "agreement.open", {"rel": rel_id})
    for seen in (card, shown(body, sent)):
        text = card_text(seen)
        assert "Confidential worries" in text and "bricklayers" in text
        assert "Clear modelling" in text and "Ended " in text
        assert verbs_on(seen) == set(), verbs_on(seen)  # read-only: no buttons

    # Ben, the mentor, no longer opens it, nor finds it under `agreement` or `mentor`.
    body, sent = await teams.execute(BEN, "agreement.open", {"rel": rel_id})
    seen = str(body) + str([s.activity for s in sent])
    assert "no longer open to you" in seen
    assert "Confidential worries" not in seen and "Clear modelling" not in seen
    for words in ("agreement", "mentor"):
        said = str([s.activity for s in await teams.say(BEN, words)])
        assert "Confidential worries" not in said and "agreement.open" not in said, words

    # `mentor` lists it too, for when a new mentor has come along.
    overview = only_card(await teams.say(TUTOR, "mentor"))
    assert "**Ben Bright** was your mentor" in str(overview)
    assert button_data(overview, "agreement.open") == {"verb": "agreement.open", "rel": rel_id}

    # Every write on it is refused and changes nothing.
    for who, verb, data in (
        (BEN, "agreement.edit", {}),
        (BEN, "agreement.save", {**GOOD, "meeting": "Mondays"}),
        (TUTOR, "agreement.confirm", {}),
        (BEN, "mentoring.meeting.open", {}),
        (TUTOR, "mentoring.meeting", {"held_on": "2026-11-25", "discussed": "After the end"}),
        (BEN, "mentoring.observe.open", {}),
        (BEN, "mentoring.observe", {"who": "mentee", "held_on": "2026-11-25", "notes": "More"}),
    ):
        answer = await teams.answer(who, verb, {"rel": rel_id, **data})
        assert "has ended" in str(answer) and "can't" not in str(answer), verb
    for verb in ("mentoring.evaluate.open", "mentoring.evaluate"):
        answer = await teams.answer(
            TUTOR, verb, {"entry": observed.id, "evaluation": "Useful, thank you"}
        )
        assert "has ended" in str(answer), verb
    (after,) = await rows(teams_app, MentoringRelationship)
    assert (after.state, after.agreement, after.proposal, after.version) == (
        NOT_A_FIT,
        before.agreement,
        None,
        before.version,
    )
    assert after.confirmations == before.confirmations
    entries = await rows(teams_app, MentoringEntry)
    assert len(entries) == 2 and all(e.evaluation == "" for e in entries)

    # Nobody else gains access now that it has ended, and a refused read logs nothing.
    for outsider in (MANAGER, HAL, QUINN, ADMIN, AMY, OLLY):
        body, sent = await teams.execute(outsider, "agreement.open", {"rel": rel_id})
        seen = str(body) + str([s.activity for s in sent])
        assert "not yours to see" in seen, outsider
        assert "Confidential worries" not in seen and "bricklayers" not in seen
        assert "Confidential worries" not in str(await teams.say(outsider, "agreement"))
    tom, ben = await person_id(teams_app, TUTOR), await person_id(teams_app, BEN)
    opened = [
        (r.owner_id, r.reader_id, r.path)
        for r in (await rows(teams_app, AccessEntry))[logged_before:]
    ]
    assert (tom, ben) not in {(owner, reader) for owner, reader, _ in opened}
    assert opened == []


async def test_a_drafted_review_is_not_sent_on_once_the_relationship_has_ended(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Every write after the end is refused and stores nothing: the mentee pressing "I've read
    it" on a review drafted before the end hears it has ended, the review stays a draft with
    nobody told, and the recipients receive nothing. Neither side can end it again."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    data = button_data(draft, "mentoring.review.seen")
    await teams.execute(TUTOR, "mentor.not_fit", {"rel": rel_id})
    (before,) = await rows(teams_app, MentoringRelationship)
    assert before.state == NOT_A_FIT
    await tick(teams_app, clock)
    keys_before = {i.key for i in await rows(teams_app, ScheduledItem)}
    connector.clear()

    answer = await teams.answer(TUTOR, "mentoring.review.seen", data)
    assert "has ended" in str(answer) and "Sent to" not in str(answer)
    (review,) = await rows(teams_app, MentoringReview)
    assert (review.state, review.seen_at, review.sent_at) == (DRAFTED, None, None)
    assert {i.key for i in await rows(teams_app, ScheduledItem)} == keys_before
    clock.set(clock.now() + timedelta(days=1))
    await tick(teams_app, clock)
    assert "review" not in texts_to(connector, OLLY).lower()

    for who in (TUTOR, BEN):
        answer = await teams.answer(who, "mentor.not_fit", {"rel": rel_id})
        assert "already ended" in str(answer), who
    (after,) = await rows(teams_app, MentoringRelationship)
    assert (after.state, after.ended_at, after.updated_at) == (
        NOT_A_FIT,
        before.ended_at,
        before.updated_at,
    )


async def test_once_ended_the_mentee_reads_their_records_and_nothing_is_written(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """The domain closes an ended relationship to every write, the mentee's included: editing
    or proposing a change to the agreement, logging a meeting or an observation are refused
    with a clear answer and store nothing, and a review falling due after the end (its
    reminder already on its way when the end was saved) is not drafted. The mentee still reads
    the agreement and the log."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    await teams.execute(TUTOR, "mentor.not_fit", {"rel": rel_id})
    (before,) = await rows(teams_app, MentoringRelationship)
    assert before.state == NOT_A_FIT
    entries_before = [(e.id, e.discussed) for e in await rows(teams_app, MentoringEntry)]
    await tick(teams_app, clock)
    keys_before = {i.key for i in await rows(teams_app, ScheduledItem)}
    connector.clear()

    for verb, data in (
        ("agreement.edit", {}),
        ("agreement.save", {**GOOD, "meeting": "Mondays at 5"}),
        ("mentoring.meeting.open", {}),
        ("mentoring.meeting", {"held_on": "2026-11-23", "discussed": "After the end"}),
        ("mentoring.observe.open", {}),
        ("mentoring.observe", {"who": "mentor", "held_on": "2026-11-23", "notes": "After"}),
    ):
        answer = await teams.answer(TUTOR, verb, {"rel": rel_id, **data})
        assert "has ended" in str(answer) and "nothing in it can be changed" in str(answer), verb
    (after,) = await rows(teams_app, MentoringRelationship)
    assert (after.agreement, after.proposal, after.proposed_by, after.version) == (
        before.agreement,
        None,
        None,
        before.version,
    )
    assert (after.confirmations, after.updated_at) == (before.confirmations, before.updated_at)
    assert [(e.id, e.discussed) for e in await rows(teams_app, MentoringEntry)] == entries_before
    assert {i.key for i in await rows(teams_app, ScheduledItem)} == keys_before

    # The initial review's reminder, taken before the end was saved, comes due: no draft.
    tom = await person_id(teams_app, TUTOR)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        await tell(
            uow.session,
            "tenant-1",
            f"mentoring-review:{rel_id}:initial:{tom}",
            REVIEW_DUE,
            tom,
            clock.now(),
            {"rel": rel_id, "point": "initial"},
        )
        await uow.commit()
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert await rows(teams_app, MentoringReview) == []
    assert "review" not in str(cards_to(connector, TUTOR)).lower()

    # Tom still reads what was agreed and logged.
    card = only_card(await teams.say(TUTOR, "agreement"))
    assert "bricklayers" in card_text(card) and "Confidential worries" in card_text(card)


async def test_every_read_by_someone_else_is_in_the_access_log_and_privacy_shows_it(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Issue 14 point 5 with issue 10's access log: each time a mentoring or coaching record
    reaches anyone but the person it is about (the mentor, a review recipient, the person the
    notes were shared with, a manager or quality seeing that it exists), a row is written and
    the person reads it with `privacy`; a refused read and one's own reads write nothing."""
    rel_id = await agreed(teams, teams_app, clock)  # Tom asked Ben; Ben proposed; Tom confirmed
    await tick(teams_app, clock)  # Ben hears it was confirmed: the agreement card
    await teams.execute(BEN, "agreement.edit", {"rel": rel_id})
    await teams.execute(BEN, "mentoring.meeting.open", {"rel": rel_id})
    await teams.execute(
        BEN,
        "mentoring.meeting",
        {"rel": rel_id, "held_on": "2026-11-23", "discussed": "Starters", "progress_1": "40"},
    )
    # Tom's observation of Ben's teaching is about Ben: Tom's card showing it is logged for Ben.
    await observes(teams, TUTOR, rel_id, "mentor", "Brisk plenary")
    # Refused reads, and an outsider's `agreement`, write nothing.
    for outsider in (MANAGER, HAL, QUINN, ADMIN):
        answer = await teams.answer(outsider, "agreement.open", {"rel": rel_id})
        assert "not yours to see" in str(answer)
    # Tom shares his GROW notes with Ben.
    done = await grow_to_the_end(teams)
    await teams.execute(TUTOR, "coach.share", button_data(done, "coach.share"))
    await tick(teams_app, clock)
    # The initial review: Ben is shown the draft; Olly gets it once Tom has read it.
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    await teams.execute(TUTOR, "mentoring.review.seen", button_data(draft, "mentoring.review.seen"))
    await tick(teams_app, clock)
    assert "Mentoring initial review: Tom Tutor" in texts_to(connector, OLLY)
    # Mia (his line manager) and Hal (hers, and head of T&L) and Quinn (quality) see that it
    # exists; Hal and Quinn see Ben's numbers.
    for viewer in (MANAGER, HAL, QUINN):
        assert "Mentoring capacity" in card_text(
            only_card(await teams.say(viewer, "mentor capacity"))
        )

    tom, ben, mia, hal, quinn, olly = [
        await person_id(teams_app, u) for u in (TUTOR, BEN, MANAGER, HAL, QUINN, OLLY)
    ]
    (review,) = await rows(teams_app, MentoringReview)
    (conv,) = await rows(teams_app, CoachingConversation)
    rel_record = f"mentoring_relationships:{rel_id}"
    logged = sorted(
        (r.owner_id, r.reader_id, r.kind, r.record, r.path)
        for r in await rows(teams_app, AccessEntry)
    )
    chat = ", 1:1 chat"
    assert logged == sorted(
        [
            (tom, ben, "mentoring", rel_record, "request sent to the mentor" + chat),
            (tom, ben, "mentoring", rel_record, "mentoring agreement" + chat),  # Ben proposed
            (tom, ben, "mentoring", rel_record, "agreement confirmed" + chat),
            (tom, ben, "mentoring", rel_record, "agreement form" + chat),
            (tom, ben, "mentoring", rel_record, "meeting log form" + chat),
            (tom, ben, "mentoring", rel_record, "mentoring agreement" + chat),  # meeting logged
            (ben, tom, "mentoring_observation", rel_record, "mentoring agreement" + chat),
            (
                tom,
                ben,
                "coaching",
                f"coaching_conversations:{conv.id}",
                "coaching notes shared with you" + chat,
            ),
            (tom, ben, "mentoring_review", f"mentoring_reviews:{review.id}", "review draft" + chat),
            (
                tom,
                olly,
                "mentoring_review",
                f"mentoring_reviews:{review.id}",
                "review sent to you" + chat,
            ),
            (tom, mia, "mentoring_exists", rel_record, "mentoring capacity, your team" + chat),
            (tom, hal, "mentoring_exists", rel_record, "mentoring capacity, your team" + chat),
            (ben, hal, "mentoring_exists", rel_record, "mentoring capacity" + chat),
            (ben, quinn, "mentoring_exists", rel_record, "mentoring capacity" + chat),
        ]
    )

    # Tom and Ben each read what was opened of theirs; nobody else reads it.
    seen = card_text(only_card(await teams.say(TUTOR, "privacy")))
    # The card's intro says what it lists: not only support records.
    assert "Your support, mentoring and coaching records, opened by anyone but you" in seen
    assert "**Ben Bright** opened your mentoring agreement and meeting log" in seen
    assert (
        "(request sent to the mentor, 1:1 chat)" in seen and "(meeting log form, 1:1 chat)" in seen
    )
    assert "**Ben Bright** opened your coaching notes" in seen
    assert "**Ben Bright** opened your mentoring review" in seen
    assert "**Olly Leader** opened your mentoring review" in seen
    assert "Mon 7 Dec 2026 at 10:00 (review sent to you, 1:1 chat)" in seen
    for manager in ("Mia Manager", "Hal Head"):
        assert f"**{manager}** opened that you are in a mentoring relationship" in seen
    assert "Quinn" not in seen  # Quinn saw Ben's numbers, never Tom's name
    seen = card_text(only_card(await teams.say(BEN, "privacy")))
    assert "**Tom Tutor** opened the observations of your teaching" in seen
    assert "**Quinn Quality** opened that you are in a mentoring relationship" in seen
    assert "coaching notes" not in seen and "Olly" not in seen
    for other in (MANAGER, OLLY, QUINN):
        assert "Nobody but you has opened them" in card_text(
            only_card(await teams.say(other, "privacy"))
        )


async def test_a_teams_retry_is_answered_from_the_store_and_logged_once(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Teams sends an activity again when its answer was slow: the mentor's reads of the
    mentee's record (the agreement, its form, the meeting form) and a meeting logged each
    write one access-log row and store once; the retry gets the same card back."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    tom, ben = await person_id(teams_app, TUTOR), await person_id(teams_app, BEN)
    meeting = {"rel": rel_id, "held_on": "2026-11-23", "discussed": "Retried once"}
    for n, (verb, data, marker) in enumerate(
        (
            ("agreement.open", {"rel": rel_id}, "Confidential worries"),
            ("agreement.edit", {"rel": rel_id}, "bricklayers"),
            ("mentoring.meeting.open", {"rel": rel_id}, "Log a mentoring meeting"),
            ("mentoring.meeting", meeting, "Meeting logged."),
        )
    ):
        logged = len(await rows(teams_app, AccessEntry))
        first = await teams.answer(BEN, verb, data, activity_id=f"retry-{n}")
        again = await teams.answer(BEN, verb, data, activity_id=f"retry-{n}")
        assert marker in card_text(first), verb
        assert again == first, verb
        new = [(r.owner_id, r.reader_id) for r in (await rows(teams_app, AccessEntry))[logged:]]
        assert new == [(tom, ben)], verb
    entries = [e.discussed for e in await rows(teams_app, MentoringEntry)]
    assert entries == ["Confidential worries", "Retried once"]


async def test_a_teams_retry_of_coach_grow_runs_nothing_again(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Teams sends a slow message again with the same activity id, even after later ones: a
    retry of `coach grow` sends nothing, starts no second conversation, and a late one does
    not pick up the conversation Tom paused since."""
    card = only_card(await teams.say(TUTOR, "coach grow", activity_id="grow-1"))
    assert "GROW · 1 of 4: Goal" in card_text(card)
    assert await teams.say(TUTOR, "coach grow", activity_id="grow-1") == []
    card = await tom_answers(teams, card, answer="Learners ask questions unprompted")
    await teams.answer(TUTOR, "coach.pause", button_data(card, "coach.pause"))
    assert await teams.say(TUTOR, "coach grow", activity_id="grow-1") == []
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.state == "paused" and conv.step == 1


async def test_a_teams_retry_of_a_typed_command_runs_nothing_again(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """`agreement` typed by the mentor and `mentor capacity` typed by the mentee's line manager
    each write the access log. Teams sends a slow message again with the same activity id: the
    retry is answered from the store, so nothing is sent again and nothing is logged twice."""
    await agreed_and_met(teams, teams_app, clock)
    tom, ben, mia = [await person_id(teams_app, u) for u in (TUTOR, BEN, MANAGER)]
    stored = len(await rows(teams_app, ProcessedActivity))
    for n, (who, words, marker, read) in enumerate(
        (
            (BEN, "agreement", "Confidential worries", (tom, ben, "mentoring")),
            (MANAGER, "mentor capacity", "Mentoring capacity", (tom, mia, "mentoring_exists")),
        )
    ):
        logged = len(await rows(teams_app, AccessEntry))
        first = await teams.say(who, words, activity_id=f"typed-{n}")
        assert marker in card_text(only_card(first)), words
        assert await teams.say(who, words, activity_id=f"typed-{n}") == [], words
        new = [(r.owner_id, r.reader_id, r.kind) for r in (await rows(teams_app, AccessEntry))]
        assert new[logged:] == [read], words
    assert len(await rows(teams_app, ProcessedActivity)) == stored + 2

    # `mentor stop` writes: a retry of it leaves the offer as the first one left it, unsaid.
    assert "out of the directory" in str(
        await teams.say(AMY, "mentor stop", activity_id="typed-stop")
    )
    offers = [(o.person_id, o.active, o.updated_at) for o in await rows(teams_app, MentorOffer)]
    assert await teams.say(AMY, "mentor stop", activity_id="typed-stop") == []
    assert [(o.person_id, o.active, o.updated_at) for o in await rows(teams_app, MentorOffer)] == (
        offers
    )


async def test_a_mentees_records_are_in_their_export_and_go_when_they_are_erased(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Subject access and erasure (issue 10) cover mentoring and coaching: the mentee's
    agreement, meetings, observations and coaching notes are theirs, exported in full (each in
    their access log) and deleted when they are erased; the mentor's offer stays."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    await grow_to_the_end(teams)
    tom, admin = await person_id(teams_app, TUTOR), await person_id(teams_app, ADMIN)

    _, sent = await teams.execute(ADMIN, "admin.person.export", {"email": TUTOR.email})
    stem = f"tlc-data-person-{tom}-2026-11-23"
    data = json.loads(await teams.accept_file(ADMIN, consent_for(sent, ".json"), f"{stem}.json"))
    records = data["records"]
    assert [r["id"] for r in records["mentoring_relationships"]] == [rel_id]
    assert records["mentoring_relationships"][0]["agreement"]["meeting"] == GOOD["meeting"]
    assert records["mentoring_entries"][0]["discussed"] == "Confidential worries"
    assert records["coaching_conversations"][0]["answers"]["goal"] == "Goal"
    logged = {
        (r.owner_id, r.kind) for r in await rows(teams_app, AccessEntry) if r.reader_id == admin
    }
    assert logged == {(tom, "mentoring"), (tom, "coaching")}

    answer = await teams.answer(
        ADMIN, "admin.person.erase", {"email": TUTOR.email, "confirm": "true"}
    )
    assert "mentoring_relationships" in card_text(answer)
    for model in (MentoringRelationship, MentoringEntry, CoachingConversation):
        assert await rows(teams_app, model) == [], model
    offers = card_text(only_card(await teams.say(QUINN, "mentor capacity")))
    assert "Ben Bright" in offers and "0 of 2" in offers


async def test_when_the_mentor_is_erased_the_mentee_is_freed_and_told(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Ben, Tom's mentor, is erased. The relationship was left active with a placeholder for a
    mentor: Tom could never choose another ("You already have a mentor"), and went on getting
    meeting nudges and review drafts for a mentor who no longer exists. Now it ends, its
    reminders stop, Tom keeps his record and hears it, with other mentors to choose from."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    tom = await person_id(teams_app, TUTOR)
    await teams.answer(ADMIN, "admin.person.erase", {"email": BEN.email, "confirm": "true"})

    (rel,) = await rows(teams_app, MentoringRelationship)
    assert (rel.id, rel.state, rel.mentee_id) == (rel_id, ENDED, tom)
    assert rel.ended_at is not None
    waiting = [
        i.key
        for i in await rows(teams_app, ScheduledItem)
        if i.state == PENDING and i.key.startswith(("mentoring-review", "mentoring-nudge"))
    ]
    assert waiting == []
    connector.clear()
    await tick(teams_app, clock)
    told = texts_to(connector, TUTOR)
    assert "Your mentor is no longer in TLC, so your mentoring has ended" in told
    assert "Amy Able" in told and "Erased person" not in told
    # His record stays his to read; he can choose a new mentor.
    assert "Confidential worries" in card_text(only_card(await teams.say(TUTOR, "agreement")))
    offered, answer = await ranks(teams, TUTOR, "Amy Able")
    assert "I've asked **Amy Able**" in card_text(answer)
    asked = [r for r in await rows(teams_app, MentoringRelationship) if r.state == ASKED]
    assert [(r.mentee_id, r.mentor_id) for r in asked] == [(tom, int(offered["Amy Able"]))]


async def test_when_the_mentor_asked_is_erased_the_next_choice_is_asked(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom ranked Ben first and Amy second; Ben is erased before he answers. The request was
    left waiting for ever on a placeholder; now Amy is asked, and Tom hears so."""
    offered, _ = await ranks(teams, TUTOR, "Ben Bright", "Amy Able")
    await teams.answer(ADMIN, "admin.person.erase", {"email": BEN.email, "confirm": "true"})
    first, second = await rows(teams_app, MentoringRelationship)
    assert first.state == DECLINED
    assert (second.state, second.mentor_id) == (ASKED, int(offered["Amy Able"]))
    connector.clear()
    await tick(teams_app, clock)
    assert "I've asked your next choice, **Amy Able**" in texts_to(connector, TUTOR)
    assert "would like you as their mentor" in texts_to(connector, AMY)


async def test_mentoring_commands_are_in_help_and_known_to_the_router(teams: TeamsClient) -> None:
    text = card_text(only_card(await teams.say(TUTOR, "help")))
    for word in ("mentor", "agreement", "coach"):
        assert word in text
    # "coach grow" used to be heard as "cards"; "agreement" was not understood.
    assert "GROW" in card_text(only_card(await teams.say(TUTOR, "coach grow")))
    assert "OSKAR · 1 of 4" in card_text(only_card(await teams.say(TUTOR, "oskar")))
    assert "don't have a mentoring agreement" in str(
        (await teams.say(TUTOR, "agreement"))[0].activity.get("text")
    )
    assert START.year == 2026


async def grow_to_the_end(teams: TeamsClient) -> dict[str, Any]:
    card = only_card(await teams.say(TUTOR, "coach grow"))
    for answer in ("Goal", "Reality", "Options"):
        card = await teams.answer(
            TUTOR, "coach.answer", {**button_data(card, "coach.answer"), "answer": answer}
        )
    done: dict[str, Any] = await teams.answer(
        TUTOR,
        "coach.answer",
        {**button_data(card, "coach.answer"), "action_1": "Ask Ben", "by_1": "2026-12-18"},
    )
    return done


async def ben_manages_tom(app: web.Application, manager: User = BEN) -> None:
    """Ben (or `manager`) becomes Tom's line manager (his row says so; not through a tutor-list
    import, which would hand his support on and end his mentoring first)."""
    async with app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email(TENANT, TUTOR.email)
        assert tom is not None
        tom.line_manager_email = manager.email
        await uow.commit()


async def a_second_is_not_shared(
    teams: TeamsClient, app: web.Application, share: dict[str, Any], offered: str
) -> None:
    """A second conversation, finished: its card offers no `offered` ("Share with …"), and a
    share of it sent anyway is refused and shares it with nobody."""
    done = await grow_to_the_end(teams)
    assert offered not in card_text(done)
    _, second = await rows(app, CoachingConversation)
    answer = await teams.answer(TUTOR, "coach.share", {**share, "conv": second.id})
    assert "don't have a mentor or coach" in str(answer)
    _, second = await rows(app, CoachingConversation)
    assert second.shared_with == []


async def no_notes_reach(
    app: web.Application, clock: FixedClock, connector: LoopbackConnector, user: User
) -> None:
    """What the worker sends now carries none of the coaching notes to `user`."""
    await tick(app, clock)
    assert "GROW" not in texts_to(connector, user)


async def test_what_the_grow_done_card_says_to_type_next_answers_with_the_actions(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """GROW has no scale to come back to: its last card used to say **coach review**, which
    answers "nothing to review yet" after a GROW. Each command it names now shows something."""
    done = card_text(await grow_to_the_end(teams))
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.state == FINISHED and [a["what"] for a in conv.actions] == ["Ask Ben"]
    named = re.findall(r"\*\*([a-z ]+)\*\*", done)
    for command in named:
        answer = " ".join(
            str(s.activity.get("text") or "") + " ".join(card_text(c) for c in s.cards)
            for s in await teams.say(TUTOR, command)
        )
        assert "nothing to review" not in answer and "Ask Ben" in answer
    assert named == ["actions"]


async def test_coaching_notes_are_shared_with_the_mentor_only_by_choice(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    await agreed(teams, teams_app, clock)
    done = await grow_to_the_end(teams)
    assert "Share with Ben Bright" in card_text(done)
    await tick(teams_app, clock)
    assert "GROW notes" not in texts_to(connector, BEN)  # nothing until Tom chooses
    answer = await teams.answer(TUTOR, "coach.share", button_data(done, "coach.share"))
    assert "Shared with Ben Bright" in card_text(answer)
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.shared_with == [await person_id(teams_app, BEN)]
    await tick(teams_app, clock)
    shared = texts_to(connector, BEN)
    assert "Tom Tutor shared their GROW notes with you" in shared and "Ask Ben" in shared
    assert "Action: Ask Ben (by Fri 18 Dec 2026)" in shared  # a date as the done card shows it
    for other in (MANAGER, HAL, QUINN):
        assert "GROW" not in texts_to(connector, other)


async def test_notes_shared_with_a_mentor_do_not_reach_them_once_the_relationship_has_ended(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom shares his GROW notes with Ben, then (before the worker has sent them: the evening,
    say, outside sending hours) says Ben is not a good fit. The mentor's view ends with the
    relationship: the notes do not reach Ben, and nothing of Tom's is logged as read by him."""
    rel_id = await agreed(teams, teams_app, clock)
    done = await grow_to_the_end(teams)
    answer = await teams.answer(TUTOR, "coach.share", button_data(done, "coach.share"))
    assert "Shared with Ben Bright" in card_text(answer)
    await teams.execute(TUTOR, "mentor.not_fit", {"rel": rel_id})
    connector.clear()
    logged = len(await rows(teams_app, AccessEntry))
    await tick(teams_app, clock)
    assert "GROW" not in texts_to(connector, BEN)
    assert "Tom Tutor has decided to look for a different mentor" in texts_to(connector, BEN)
    assert len(await rows(teams_app, AccessEntry)) == logged


async def test_coaching_notes_are_not_shared_with_an_ap_whose_role_was_revoked(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Amy, an AP, runs Tom's support programme: she is his coach, and his GROW card offers to
    share his notes with her. Her AP role is revoked (she loses the programme's records at once):
    notes shared with her before the revocation was sent do not reach her, she is no longer
    offered, and a Share naming her is refused and stores nothing."""
    await teams.say(ADMIN, "admin grant amy@college.ac.uk advanced_practitioner")
    await refer(teams)
    await tick(teams_app, clock)
    data = button_data(cards_to(connector, AMY)[-1], "support.accept")
    await teams.execute(AMY, "support.accept", {**data, "kind": "support_to_good"})
    await teams.answer(TUTOR, "support.consent", data)
    done = await grow_to_the_end(teams)
    assert "Share with Amy Able" in card_text(done)
    share = button_data(done, "coach.share")
    await teams.execute(TUTOR, "coach.share", share)  # shared, not yet sent
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.shared_with == [await person_id(teams_app, AMY)]

    await teams.say(ADMIN, "admin revoke amy@college.ac.uk advanced_practitioner")
    connector.clear()
    await no_notes_reach(teams_app, clock, connector, AMY)
    await a_second_is_not_shared(teams, teams_app, share, "Share with")


async def test_a_share_that_names_nobody_shares_with_nobody(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """A Share button from before the done card named whom it shares with ("with" absent, as on
    the old "Share with Ben Bright") pressed after Ben's relationship ended and Amy became Tom's
    mentor: the notes go to nobody Tom did not choose. He is asked whom, and nothing changes."""
    rel_id = await agreed(teams, teams_app, clock)
    await grow_to_the_end(teams)
    (conv,) = await rows(teams_app, CoachingConversation)
    card = await teams.answer(TUTOR, "mentor.not_fit", {"rel": rel_id})
    await teams.execute(
        TUTOR, "mentor.choose", {"first": choices(card, "first")["Amy Able"], "specialism": "maths"}
    )
    amy_rel = await asked(teams, teams_app, clock, AMY)
    await teams.execute(AMY, "mentor.accept", {"rel": amy_rel})
    await tick(teams_app, clock)
    connector.clear()
    scheduled = len(await rows(teams_app, ScheduledItem))

    answer = await teams.answer(TUTOR, "coach.share", {"conv": conv.id})
    assert "Choose whom to share your notes with" in card_text(answer)
    assert button_data(answer, "coach.share") == {
        "verb": "coach.share",
        "conv": conv.id,
        "with": await person_id(teams_app, AMY),
    }
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.shared_with == []
    assert len(await rows(teams_app, ScheduledItem)) == scheduled
    await no_notes_reach(teams_app, clock, connector, AMY)


async def test_a_coordinator_suggests_but_never_assigns_and_bad_input_changes_nothing(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    reply = await teams.say(HAL, "mentor suggest tom@college.ac.uk maths")
    assert "it's their choice" in str(reply[0].activity.get("text"))
    denied = await teams.say(QUINN, "mentor suggest tom@college.ac.uk maths")
    assert "Only the head of teaching" in str(denied[0].activity.get("text"))
    await tick(teams_app, clock)
    suggested = cards_to(connector, TUTOR)[-1]
    assert "Hal Head suggested these for you" in card_text(suggested)
    assert set(choices(suggested, "first")) == {"Amy Able", "Ben Bright"}
    assert await rows(teams_app, MentoringRelationship) == []  # nobody assigned

    # Bad input: a clear answer, nothing stored.
    answer = await teams.answer(OLLY, "mentor.offer", {"specialisms": " , ", "capacity": "9"})
    text = card_text(answer)
    assert "Name at least one subject" in text
    assert "Offer to mentor" in text
    assert "coach grow" in str((await teams.say(TUTOR, "coach juggling"))[0].activity.get("text"))
    answer = await teams.answer(TUTOR, "agreement.open", {"rel": "not-a-number"})
    assert "isn't available" in str(answer)
    answer = await teams.answer(TUTOR, "coach.answer", {"conv": "999", "step": "0"})
    assert "can't find that conversation" in str(answer)
    assert await rows(teams_app, CoachingConversation) == []
    assert teams.last_status == 200


async def test_a_request_not_yet_sent_to_a_mentor_now_in_the_mentees_line_is_not_sent(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom asks Amy; before the request goes, the new tutor list makes her his line manager.
    The request notice checked only that she was the mentor, so she was sent Tom's request
    (and it was logged as a read of his record). Now the notice asks the access rule on the
    relationship as it is: she gets nothing, it counts as her not taking it on, and Tom is
    told to choose again (no reason given)."""
    await ranks(teams, TUTOR, "Amy Able")
    moved = TUTOR_LIST.replace(
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,mia@college.ac.uk",
        "Tom Tutor,tom@college.ac.uk,Hitchin,Construction,practical,amy@college.ac.uk",
    )
    assert "Tutor list imported" in card_text(only_card(await teams.import_tutors(ADMIN, moved)))
    connector.clear()
    logged = len(await rows(teams_app, AccessEntry))
    await tick(teams_app, clock)
    await tick(teams_app, clock)
    assert "Tom Tutor" not in str(cards_to(connector, AMY))
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == DECLINED and rel.accepted_at is None
    amy_id = await person_id(teams_app, AMY)
    assert [r for r in (await rows(teams_app, AccessEntry))[logged:] if r.reader_id == amy_id] == []
    told = texts_to(connector, TUTOR)
    assert "Amy Able can't take this on just now. No reason needed" in told


async def test_mentor_suggest_says_nothing_of_mentors_who_declined(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """`mentor suggest` told the coordinator how many suggestions went to the mentee, a number
    that fell by one for each mentor who had declined them (and 'nobody fits' once all had):
    a decline is the pair's business. The answer is now the same whoever has declined."""
    before = await teams.say(HAL, "mentor suggest tom@college.ac.uk maths")
    card = only_card(await teams.say(TUTOR, "mentor maths"))
    offered = choices(card, "first")
    for name in ("Amy Able", "Ben Bright"):
        await teams.execute(TUTOR, "mentor.choose", {"first": offered[name], "specialism": "maths"})
        mentor = AMY if name == "Amy Able" else BEN
        rel = next(r for r in await rows(teams_app, MentoringRelationship) if r.state == ASKED)
        await teams.execute(mentor, "mentor.decline", {"rel": rel.id})
    assert [r.state for r in await rows(teams_app, MentoringRelationship)] == [DECLINED, DECLINED]
    after = await teams.say(HAL, "mentor suggest tom@college.ac.uk maths")
    assert after[0].activity.get("text") == before[0].activity.get("text")
    assert "it's their choice" in str(after[0].activity.get("text"))


# ------------------------------------------------------------------ follow-ups (review)


async def test_the_mentee_can_hold_a_drafted_review_back_and_nobody_receives_it(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """The draft quotes the last meeting word for word. Tom presses "Don't send": it is recorded
    as held back, Olly receives nothing, Ben is told it was not sent, and a later "Send it" from
    the same card sends nothing."""
    await agreed_and_met(teams, teams_app, clock)
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    assert "Confidential worries" in card_text(draft)
    data = button_data(draft, "mentoring.review.withhold")
    assert "Only the mentee" in str(await teams.answer(BEN, "mentoring.review.withhold", data))
    (review,) = await rows(teams_app, MentoringReview)
    assert review.state == DRAFTED
    connector.clear()

    answer = await teams.answer(TUTOR, "mentoring.review.withhold", data)
    assert "not sent" in card_text(answer) and "Nobody receives it" in card_text(answer)
    (review,) = await rows(teams_app, MentoringReview)
    assert (review.state, review.sent_at) == (WITHHELD, None) and review.seen_at is not None
    await tick(teams_app, clock)
    assert "chose not to send it on" in texts_to(connector, BEN)

    answer = await teams.answer(
        TUTOR, "mentoring.review.seen", button_data(draft, "mentoring.review.seen")
    )
    assert "You chose not to send" in str(answer)
    (review,) = await rows(teams_app, MentoringReview)
    assert (review.state, review.sent_at) == (WITHHELD, None)
    clock.set(clock.now() + timedelta(days=1))
    await tick(teams_app, clock)
    assert "review" not in texts_to(connector, OLLY).lower()
    assert "Confidential worries" not in texts_to(connector, OLLY)


async def test_the_mentee_can_send_a_review_without_the_meeting_notes(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    await agreed_and_met(teams, teams_app, clock)
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    leave_out = [
        a["data"]
        for a in draft["actions"]
        if a.get("verb") == "mentoring.review.seen" and a["data"].get("notes")
    ]
    assert len(leave_out) == 1, draft["actions"]
    answer = await teams.answer(TUTOR, "mentoring.review.seen", leave_out[0])
    assert "Sent to Olly Leader" in card_text(answer)
    (review,) = await rows(teams_app, MentoringReview)
    assert review.state == SENT
    assert not any("Confidential worries" in line for line in review.lines)
    connector.clear()
    await tick(teams_app, clock)
    report = texts_to(connector, OLLY)
    assert "Mentoring initial review: Tom Tutor" in report
    assert "Confidential worries" not in report


async def test_two_presses_of_choose_at_once_ask_one_mentor(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom presses "Ask" on his phone (Amy) and on his desktop (Ben) at the same moment: one
    request is stored and one mentor asked; the other press is told he already has one."""
    card = only_card(await teams.say(TUTOR, "mentor maths"))
    offered = choices(card, "first")
    answers = await asyncio.gather(
        *(
            teams.answer(TUTOR, "mentor.choose", {"first": offered[name], "specialism": "maths"})
            for name in ("Amy Able", "Ben Bright")
        )
    )
    said = [card_text(a) if isinstance(a, dict) else str(a) for a in answers]
    opened = [r for r in await rows(teams_app, MentoringRelationship) if r.state == ASKED]
    assert len(opened) == 1, said
    assert sum("I've asked" in s for s in said) == 1, said
    assert sum("You already have a mentoring request" in s for s in said) == 1, said
    await tick(teams_app, clock)
    asked = [u for u in (AMY, BEN) if cards_to(connector, u)]
    assert len(asked) == 1


async def test_a_press_that_read_before_the_other_committed_asks_nobody(
    teams: TeamsClient,
    teams_app: web.Application,
    clock: FixedClock,
    connector: LoopbackConnector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race, made certain: Tom's desktop press read "no request yet" before his phone's
    press committed. The database keeps one open request per mentee, so the desktop press
    stores nothing, asks nobody, and tells him he already has a request."""
    offered, answer = await ranks(teams, TUTOR, "Amy Able")
    assert "I've asked **Amy Able**" in card_text(answer)
    (phone,) = await rows(teams_app, MentoringRelationship)

    real = MentoringRecords.open_of
    stale = [True]

    async def read_before_the_commit(self: MentoringRecords, org_id: str, person_id: int) -> Any:
        if stale.pop() if stale else False:
            return []
        return await real(self, org_id, person_id)

    monkeypatch.setattr(MentoringRecords, "open_of", read_before_the_commit)
    answer = await teams.answer(
        TUTOR, "mentor.choose", {"first": offered["Ben Bright"], "specialism": "maths"}
    )
    assert "You already have a mentoring request or mentor (Amy Able)" in str(answer)
    (only,) = await rows(teams_app, MentoringRelationship)
    assert (only.id, only.mentor_id, only.state) == (phone.id, phone.mentor_id, ASKED)
    await tick(teams_app, clock)
    assert cards_to(connector, BEN) == []


async def test_a_mentor_who_left_the_directory_since_being_asked_cannot_accept(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom ranks Ben then Amy. Ben says **mentor stop** before answering, then presses Accept:
    refused, stored as a decline, and Amy (Tom's next choice) is asked."""
    offered, _ = await ranks(teams, TUTOR, "Ben Bright", "Amy Able")
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert "out of the directory" in str(await teams.say(BEN, "mentor stop"))
    connector.clear()

    answer = await teams.answer(BEN, "mentor.accept", {"rel": rel.id})
    assert "left the mentor directory" in card_text(answer)
    first, nxt = await rows(teams_app, MentoringRelationship)
    assert (first.state, first.accepted_at) == (DECLINED, None)
    assert (nxt.state, nxt.mentor_id) == (ASKED, int(offered["Amy Able"]))
    await tick(teams_app, clock)
    assert "I've asked your next choice, **Amy Able**" in texts_to(connector, TUTOR)


async def test_a_mentor_already_at_capacity_cannot_accept_another(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Olly and Tom both ask Ben (2 places). Ben lowers his offer to 1 and accepts Olly; his
    Accept for Tom is refused, stored as a decline, and Tom's next choice, Amy, is asked."""
    await ranks(teams, OLLY, "Ben Bright")
    offered, _ = await ranks(teams, TUTOR, "Ben Bright", "Amy Able")
    olly_rel, tom_rel = await rows(teams_app, MentoringRelationship)
    answer = await teams.answer(
        BEN,
        "mentor.offer",
        {
            "specialisms": "Maths, functional skills maths",
            "campus": "Stevenage",
            "delivery_style": "classroom",
            "capacity": "1",
            "job_title": "Lecturer",
            "institution": "North Herts College",
        },
    )
    assert "Attention" not in str(answer)
    await teams.execute(BEN, "mentor.accept", {"rel": olly_rel.id})
    connector.clear()

    answer = await teams.answer(BEN, "mentor.accept", {"rel": tom_rel.id})
    assert "as many as you offered" in card_text(answer)
    olly_rel, tom_rel, nxt = await rows(teams_app, MentoringRelationship)
    assert olly_rel.state == ACTIVE
    assert (tom_rel.state, tom_rel.accepted_at) == (DECLINED, None)
    assert (nxt.state, nxt.mentee_id, nxt.mentor_id) == (
        ASKED,
        tom_rel.mentee_id,
        int(offered["Amy Able"]),
    )


async def test_a_stale_evaluate_card_does_not_overwrite_the_saved_evaluation(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom opened Evaluate twice (phone and desktop) and saved from one; the other, sent later,
    is refused and the first evaluation stays."""
    rel_id = await agreed(teams, teams_app, clock)
    await observes(teams, BEN, rel_id, "mentee", "Great questioning")
    (entry,) = await rows(teams_app, MentoringEntry)
    await teams.execute(TUTOR, "mentoring.evaluate", {"entry": entry.id, "evaluation": "Fair"})
    answer = await teams.answer(
        TUTOR, "mentoring.evaluate", {"entry": entry.id, "evaluation": "Something else"}
    )
    assert "already evaluated" in str(answer)
    (entry,) = await rows(teams_app, MentoringEntry)
    assert entry.evaluation == "Fair"


async def test_only_the_observer_records_an_observation(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom (the mentee) cannot log "the mentor observed the mentee" about himself, nor Ben
    "the mentee observed the mentor": each is refused on the form and nothing is stored. Each
    records what they observed."""
    rel_id = await agreed(teams, teams_app, clock)
    for who, side in ((TUTOR, "mentee"), (BEN, "mentor")):
        answer = await observes(teams, who, rel_id, side, "Brilliant, me")
        assert any("records their observation of you" in e for e in errors_in(answer)), who
    assert await rows(teams_app, MentoringEntry) == []
    for who, side in ((TUTOR, "mentor"), (BEN, "mentee")):
        await observes(teams, who, rel_id, side, "Good")
    assert sorted(e.kind for e in await rows(teams_app, MentoringEntry)) == [
        "observed_mentee",
        "observed_mentor",
    ]


async def test_a_relationship_in_its_second_year_gets_a_new_january_report(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """January 2027's report is drafted and sent. The pair carry on and agree January 2028 as
    the next report: on that morning Tom gets a new draft to send, not last year's report."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    clock.set(datetime(2027, 1, 15, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    assert "January" in card_text(draft)
    january = [r for r in await rows(teams_app, MentoringReview) if "January" in r.label]
    assert len(january) == 1
    await teams.execute(TUTOR, "mentoring.review.seen", button_data(draft, "mentoring.review.seen"))

    clock.set(datetime(2027, 6, 1, 10, 0, tzinfo=UTC))
    next_year = {
        **GOOD,
        "objective_1_by": "2028-02-12",
        "objective_2_by": "2028-03-19",
        "objective_3_by": "2028-04-30",
        "review_january": "2028-01-14",
        "review_april": "2028-04-14",
    }
    answer = await teams.answer(BEN, "agreement.save", {"rel": rel_id, **next_year})
    assert errors_in(answer) == [], errors_in(answer)
    await teams.execute(TUTOR, "agreement.confirm", {"rel": rel_id})
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert any(p["due"] == "2028-01-14" for p in rel.agreement["reviews"])
    connector.clear()

    clock.set(datetime(2028, 1, 14, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    january = sorted(
        (r for r in await rows(teams_app, MentoringReview) if "January" in r.label),
        key=lambda r: r.drafted_at,
    )
    assert [r.state for r in january] == [SENT, DRAFTED]
    assert button_data(draft, "mentoring.review.seen")["review"] == january[-1].id


async def test_mentor_suggest_sends_nothing_to_someone_with_a_request_or_mentor(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Hal suggests mentors for Tom after Tom has asked Amy: nothing is scheduled or sent. A
    suggestion made before Tom asked, still waiting to go, is dropped too. Hal's answer is the
    same as for someone still looking (that Tom asked anyone is the pair's business)."""
    looking = await teams.say(HAL, "mentor suggest olly@college.ac.uk maths")
    early = await teams.say(HAL, "mentor suggest tom@college.ac.uk functional skills")
    await ranks(teams, TUTOR, "Amy Able")
    asked = await teams.say(HAL, "mentor suggest tom@college.ac.uk maths")
    for said in (early, asked):
        assert said[0].activity.get("text") == str(looking[0].activity.get("text")).replace(
            "Olly Leader", "Tom Tutor"
        )
    tom = await person_id(teams_app, TUTOR)
    keys = [i.key for i in await rows(teams_app, ScheduledItem) if i.person_id == tom]
    assert len([k for k in keys if k.startswith("mentoring-suggested")]) == 1  # the early one
    connector.clear()
    await tick(teams_app, clock)
    assert "Hal Head" not in texts_to(connector, TUTOR)
    assert "Hal Head" in texts_to(connector, OLLY)


async def test_a_past_relationship_with_an_erased_mentor_says_a_former_mentor(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Ben, Tom's mentor, is erased. Tom's **mentor** overview and his list of agreements speak
    of "a former mentor", never the erasure placeholder; his record is still there to open."""
    await agreed_and_met(teams, teams_app, clock)
    await teams.answer(ADMIN, "admin.person.erase", {"email": BEN.email, "confirm": "true"})
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state == ENDED
    overview = only_card(await teams.say(TUTOR, "mentor"))
    text = card_text(overview)
    assert "Erased person" not in text
    assert "a former mentor is kept for you to read" in text
    assert button_data(overview, "agreement.open")["rel"] == rel.id
    shown = card_text(only_card(await teams.say(TUTOR, "agreement")))
    assert "Erased person" not in shown and "a former mentor" in shown
    assert "Confidential worries" in shown


async def test_an_unfinished_coaching_conversation_is_never_shared(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom is half way through a GROW conversation (paused) when a Share naming Ben arrives (an
    old card's button, or one made up). Sharing it then would send Ben notes Tom goes on to write
    and never sees go: he is told nothing was shared, his conversation card comes back as it
    was, nothing is stored or queued, and nothing reaches Ben."""
    await agreed(teams, teams_app, clock)
    card = only_card(await teams.say(TUTOR, "coach grow"))
    card = await teams.answer(
        TUTOR, "coach.answer", {**button_data(card, "coach.answer"), "answer": "My goal"}
    )
    await teams.answer(TUTOR, "coach.pause", button_data(card, "coach.pause"))
    (conv,) = await rows(teams_app, CoachingConversation)
    await tick(teams_app, clock)
    connector.clear()
    scheduled = len(await rows(teams_app, ScheduledItem))
    ben = await person_id(teams_app, BEN)
    answer = await teams.answer(TUTOR, "coach.share", {"conv": conv.id, "with": ben})
    text = card_text(answer)
    assert "Nothing was shared: finish the conversation first" in text
    assert "GROW · 2 of 4" in text and "Shared" not in text.replace("Nothing was shared", "")
    (after,) = await rows(teams_app, CoachingConversation)
    assert after.shared_with == [] and (after.state, after.step) == (conv.state, conv.step)
    assert len(await rows(teams_app, ScheduledItem)) == scheduled
    await no_notes_reach(teams_app, clock, connector, BEN)


async def test_the_mentor_hears_a_review_was_not_sent_even_if_the_relationship_has_ended(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom holds the drafted review back and is told "I've told Ben"; before the worker sends
    that (outside sending hours, say) he ends the relationship. Ben still hears the review was
    not sent, and nothing of it: nobody else receives anything, and the review stays held back."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    data = button_data(draft, "mentoring.review.withhold")
    answer = await teams.answer(TUTOR, "mentoring.review.withhold", data)
    assert "I've told Ben Bright you chose not to send it on" in card_text(answer)
    await teams.execute(TUTOR, "mentor.not_fit", {"rel": rel_id})
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert rel.state not in ("active",)
    connector.clear()
    await tick(teams_app, clock)
    told = texts_to(connector, BEN)
    assert "chose not to send it on, so nobody received it" in told
    assert "Confidential worries" not in told
    (review,) = await rows(teams_app, MentoringReview)
    assert (review.state, review.sent_at) == (WITHHELD, None)
    assert "Confidential worries" not in texts_to(connector, OLLY)


async def test_coaching_notes_never_reach_a_mentor_who_became_the_line_manager(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom shares his GROW notes with Ben, his mentor; before they are sent, Ben becomes Tom's
    line manager. The notes do not reach him (mentoring stays apart from line management), a
    second conversation no longer offers him, and a Share naming him stores nothing."""
    await agreed(teams, teams_app, clock)
    done = await grow_to_the_end(teams)
    share = button_data(done, "coach.share")
    await teams.execute(TUTOR, "coach.share", share)  # shared, not yet sent
    await ben_manages_tom(teams_app)
    connector.clear()
    await no_notes_reach(teams_app, clock, connector, BEN)
    await a_second_is_not_shared(teams, teams_app, share, "Share with Ben")
    await no_notes_reach(teams_app, clock, connector, BEN)


async def test_coaching_notes_never_reach_a_coach_who_became_the_line_manager(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Amy, an AP, runs Tom's support programme: she is his coach. Tom shares his GROW notes
    with her; before they are sent, Amy becomes Tom's line manager. She no longer reads his
    programme (SPEC principle 5), and so not his notes either: they do not reach her, nothing
    is logged as read, a second conversation no longer offers her, and a Share naming her
    stores nothing."""
    await teams.say(ADMIN, "admin grant amy@college.ac.uk advanced_practitioner")
    await refer(teams)
    await tick(teams_app, clock)
    data = button_data(cards_to(connector, AMY)[-1], "support.accept")
    await teams.execute(AMY, "support.accept", {**data, "kind": "towards_outstanding"})
    done = await grow_to_the_end(teams)
    assert "Share with Amy Able" in card_text(done)
    share = button_data(done, "coach.share")
    await teams.execute(TUTOR, "coach.share", share)  # shared, not yet sent
    await ben_manages_tom(teams_app, AMY)
    logged = len(await rows(teams_app, AccessEntry))
    connector.clear()
    await no_notes_reach(teams_app, clock, connector, AMY)
    assert len(await rows(teams_app, AccessEntry)) == logged
    await a_second_is_not_shared(teams, teams_app, share, "Share with Amy")
    await no_notes_reach(teams_app, clock, connector, AMY)


async def test_no_meeting_nudge_goes_to_a_mentor_who_became_the_line_manager(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom and Ben agreed; Ben then becomes Tom's line manager. When the meeting nudge falls due,
    Tom still gets his; Ben is not told how long it is since the pair last met."""
    rel_id = await agreed(teams, teams_app, clock)
    await ben_manages_tom(teams_app)
    connector.clear()
    clock.set(datetime(2026, 12, 21, 10, 0, tzinfo=UTC))
    await tick(teams_app, clock)
    assert "Time for a mentoring meeting?" in texts_to(connector, TUTOR)
    assert "Time for a mentoring meeting?" not in texts_to(connector, BEN)
    assert "Nothing has been logged" not in texts_to(connector, BEN)
    (rel,) = await rows(teams_app, MentoringRelationship)
    assert (rel.id, rel.state) == (rel_id, "active")


# ------------------------------------------------------------------ hostile words


async def test_a_display_name_written_as_a_link_is_shown_as_plain_text_in_mentoring(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Ben sets his Teams display name to a "Sign in again" link; Teams sends it on his next
    turn and TLC keeps it. Tom's mentoring overview names Ben in its body: as written, never as
    a live link in the bot's voice."""
    from dataclasses import replace

    rel_id = await agreed(teams, teams_app, clock)
    evil_ben = replace(BEN, name="[Sign in again](https://evil.example) Ben")
    await teams.say(evil_ben, "help")
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        ben = await Directory(uow.session).person_by_email(TENANT, BEN.email)
        assert ben is not None and ben.name is not None and "evil.example" in ben.name
    card = only_card(await teams.say(TUTOR, "mentor"))
    assert live_markdown(card) == []
    # Tom's access log names Ben, who opened his agreement: as written too.
    assert live_markdown(only_card(await teams.say(TUTOR, "privacy"))) == []
    # Ben proposes a change: "… proposed a change" on Tom's agreement, and "Waiting for Tom"
    # on Ben's, name the other as written.
    await teams.execute(evil_ben, "agreement.save", {"rel": rel_id, **GOOD, "meeting": "Fridays"})
    for user in (TUTOR, evil_ben):
        opened_card = await teams.answer(user, "agreement.open", {"rel": rel_id})
        assert "proposed a change" in card_text(opened_card) or "Waiting for" in card_text(
            opened_card
        )
        assert live_markdown(opened_card) == [], user
    # Ben ends it: the note Tom gets names him in its lines, as written too.
    await teams.answer(evil_ben, "mentor.end", {"rel": rel_id, "sure": "yes"})
    ended = await next_card_to(teams, teams_app, clock, TUTOR)
    assert "has ended your mentoring" in card_text(ended)
    assert live_markdown(ended) == []


async def test_names_written_as_links_are_plain_in_text_replies_and_coaching_lines(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Tom and Ben set their Teams display names to "Sign in again" links. Hal's plain-text
    answer to `mentor suggest` names Tom, Tom's coaching cards name Ben and hold Tom's own
    action as he typed it, and the notes Tom shares are headed with his name: each shows the
    words as written (Teams renders markdown in a plain-text message as in a card), while the
    names are stored as Teams sent them."""
    from dataclasses import replace

    rel_id = await agreed(teams, teams_app, clock)
    evil_tom = replace(TUTOR, name="[Sign in again](https://evil.example) Tom")
    evil_ben = replace(BEN, name="[Sign in again](https://evil.example) Ben")
    for user in (evil_tom, evil_ben):
        await teams.say(user, "help")
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email(TENANT, TUTOR.email)
        assert tom is not None and tom.name == evil_tom.name  # kept as Teams sent it

    reply = await teams.say(HAL, "mentor suggest tom@college.ac.uk maths")
    assert live_markdown_text(reply) == []

    card = only_card(await teams.say(evil_tom, "coach grow"))
    for answer in ("Goal", "Reality", "Options"):
        card = await teams.answer(
            evil_tom, "coach.answer", {**button_data(card, "coach.answer"), "answer": answer}
        )
    action = "[Sign in again](https://evil.example) **now** ask Ben"
    done = await teams.answer(
        evil_tom,
        "coach.answer",
        {**button_data(card, "coach.answer"), "action_1": action, "by_1": "2026-12-18"},
    )
    assert live_markdown(done) == []  # the action, in the done card's list
    shared = await teams.answer(evil_tom, "coach.share", button_data(done, "coach.share"))
    assert "Shared with" in card_text(shared)
    assert live_markdown(shared, "evil.example) Ben") == []
    connector.clear()
    await tick(teams_app, clock)
    (notes,) = [c for c in cards_to(connector, BEN) if "shared their GROW" in card_text(c)]
    assert live_markdown(notes, "evil.example) Tom") == []
    (conv,) = await rows(teams_app, CoachingConversation)
    marked = await teams.answer(evil_tom, "coach.action.done", {"conv": conv.id, "n": 1})
    assert "Marked done" in card_text(marked) and live_markdown(marked) == []
    # Who confirmed the agreement, on its card; whom Tom told when he ends it.
    agreement = await teams.answer(evil_tom, "agreement.open", {"rel": rel_id})
    assert live_markdown(agreement, "proposed the agreement on") == []
    ended = await teams.answer(evil_tom, "mentor.end", {"rel": rel_id, "sure": "yes"})
    assert live_markdown(ended, "I've told") == []


async def test_what_one_of_the_pair_writes_reaches_the_other_and_the_recipients_as_plain_text(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """Ben writes a link, an image, emphasis and a heading into the meeting log, a next step
    and an observation; Tom into his GROW notes, shared with Ben. Each card that shows them, to
    the other of the pair or to Olly who receives the report, shows the words as written: a
    bot's card carrying a live "Sign in again" link is a phishing page in the bot's voice."""
    rel_id = await agreed(teams, teams_app, clock)
    await teams.execute(
        BEN,
        "mentoring.meeting",
        {
            "rel": rel_id,
            "held_on": "2026-11-23",
            "discussed": EVIL,
            "next_1": EVIL.replace("\n", " "),
            "progress_1": "40",
        },
    )
    await observes(teams, BEN, rel_id, "mentee", EVIL)
    card = await teams.answer(TUTOR, "agreement.open", {"rel": rel_id})
    assert live_markdown(card) == []

    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    draft = await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    assert live_markdown(draft) == []
    mentors_copies = [c for c in cards_to(connector, BEN) if "Sign in" in card_text(c)]
    assert mentors_copies and all(live_markdown(c) == [] for c in mentors_copies)
    await teams.answer(TUTOR, "mentoring.review.seen", button_data(draft, "mentoring.review.seen"))
    connector.clear()
    await tick(teams_app, clock)
    (report,) = cards_to(connector, OLLY)
    assert live_markdown(report) == []

    card = only_card(await teams.say(TUTOR, "coach grow"))
    for answer in (EVIL, "Reality", "Options"):
        card = await tom_answers(teams, card, answer=answer)
    done = await tom_answers(teams, card, action_1="Ask Ben", by_1="2026-12-18")
    await teams.answer(TUTOR, "coach.share", button_data(done, "coach.share"))
    connector.clear()
    await tick(teams_app, clock)
    (shared,) = cards_to(connector, BEN)
    assert live_markdown(shared) == []
    (conv,) = await rows(teams_app, CoachingConversation)
    assert conv.answers["goal"] == EVIL  # stored as written: only its showing is plain


async def test_a_suggestion_with_a_very_long_subject_is_sent_once_and_breaks_nothing(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """The head of T&L pastes a paragraph after the email: the subject keys the suggestion's
    message, which must still fit its column (PostgreSQL refuses a longer key) and be one."""
    subject = "maths " + " ".join(f"numeracy{n}" for n in range(60))
    for _ in range(2):
        reply = await teams.say(HAL, f"mentor suggest tom@college.ac.uk {subject}")
        assert teams.last_status < 300
        assert "it's their choice" in str(reply[0].activity.get("text"))
    items = [i for i in await rows(teams_app, ScheduledItem) if i.kind == "mentoring.suggested"]
    assert len(items) == 1
    assert len(items[0].key) <= ScheduledItem.__table__.c.key.type.length  # 300
    await tick(teams_app, clock)
    assert "Hal Head suggested these for you" in card_text(cards_to(connector, TUTOR)[-1])


async def test_a_mentors_offer_is_shown_as_text_in_a_search_and_in_capacity(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock, connector: LoopbackConnector
) -> None:
    """What a mentor writes in their offer (subjects, campus) is their own words: a subject
    written like a link is shown to Tom searching, and to Hal reading capacity, as written."""
    link = EVIL.replace("\n", " ")
    offer = {"specialisms": f"Maths, {link}", "campus": link, "capacity": "2"}
    assert "Thank you" in card_text(await teams.answer(AMY, "mentor.offer", offer))
    found = only_card(await teams.say(TUTOR, "mentor maths"))
    assert "Amy Able" in card_text(found)
    assert live_markdown(found) == []
    nearest = only_card(await teams.say(TUTOR, "mentor sign in"))
    assert live_markdown(nearest) == []
    capacity = only_card(await teams.say(HAL, "mentor capacity"))
    assert live_markdown(capacity) == []
    (stored,) = [o for o in await rows(teams_app, MentorOffer) if o.campus == link]
    assert stored.specialisms == ["Maths", link]  # kept as written: only its showing is plain


async def test_an_export_of_the_mentee_that_holds_their_notes_on_the_mentors_teaching_is_in_his_log(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tom's observation of Ben's teaching is in Tom's record, and it is about Ben: Tom reading
    it is in Ben's access log. An admin exporting Tom's data reads it too, so Ben's log says so,
    and `privacy` shows Ben who; an export of a mentee with no such note adds nothing to his."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    ben, admin = await person_id(teams_app, BEN), await person_id(teams_app, ADMIN)
    await teams.execute(ADMIN, "admin.person.export", {"email": TUTOR.email})
    assert [r for r in await rows(teams_app, AccessEntry) if r.owner_id == ben] == []

    await observes(teams, TUTOR, rel_id, "mentor", "Clear modelling of area")
    await teams.execute(ADMIN, "admin.person.export", {"email": TUTOR.email})
    logged = [
        (r.kind, r.record)
        for r in await rows(teams_app, AccessEntry)
        if r.owner_id == ben and r.reader_id == admin
    ]
    assert logged == [("mentoring_observation", f"mentoring_relationships:{rel_id}")]
    seen = card_text(only_card(await teams.say(BEN, "privacy")))
    assert "Ada Admin" in seen and "the observations of your teaching" in seen


async def test_ids_forged_from_another_tenant_open_nothing_and_change_nothing(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Eve, in another organisation, and Tom's own Teams ids arriving from that other tenant,
    send every mentoring and coaching verb with the ids of Tom's records: each hears they are
    not there, nothing changes, and nobody's access log gains a row."""
    rel_id = await agreed_and_met(teams, teams_app, clock)
    await observes(teams, BEN, rel_id, "mentee", "Great questioning")
    await grow_to_the_end(teams)
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    await next_card_to(teams, teams_app, clock, TUTOR, "mentoring.review.seen")
    entry = (await rows(teams_app, MentoringEntry))[-1]
    (review,) = await rows(teams_app, MentoringReview)
    (conv,) = await rows(teams_app, CoachingConversation)
    logged = len(await rows(teams_app, AccessEntry))
    eve = User("eve", "Eve Other", "eve@other.ac.uk")
    forged = (
        ("agreement.open", {"rel": rel_id}),
        ("agreement.confirm", {"rel": rel_id}),
        ("mentoring.meeting", {"rel": rel_id, "held_on": "2026-11-23", "discussed": "x"}),
        ("mentoring.evaluate", {"entry": entry.id, "evaluation": "x"}),
        ("mentoring.review.seen", {"review": review.id}),
        ("mentoring.review.withhold", {"review": review.id}),
        ("coach.share", {"conv": conv.id, "with": str(await person_id(teams_app, BEN))}),
        ("mentor.not_fit", {"rel": rel_id}),
    )
    for user in (eve, TUTOR):
        place = Place.personal(user, tenant="tenant-2")
        await teams.say(user, "hello", place)
        for verb, data in forged:
            answer = await teams.answer(user, verb, data, place)
            assert teams.last_status == 200
            assert isinstance(answer, str), (verb, answer)
            assert "isn't available" in answer or "can't find" in answer, (verb, answer)
    (rel,) = await rows(teams_app, MentoringRelationship)
    (review,) = await rows(teams_app, MentoringReview)
    (conv,) = await rows(teams_app, CoachingConversation)
    assert (rel.state, review.state, conv.shared_with) == (ACTIVE, DRAFTED, [])
    assert len(await rows(teams_app, MentoringEntry)) == 2
    assert len(await rows(teams_app, AccessEntry)) == logged
