"""A college's first day in Teams (issue 11): the team's people from the roster in every picker,
an explanation (and a fixing button for admins) where a picker would be empty, and a guided
setup an admin finishes without a terminal."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.app.support.records import OFFER
from bot.clock import FixedClock
from bot.domain.access import Role
from bot.teams.web import BOT_KEY
from cards.schema import problems
from storage.mentoring import MentoringRelationship
from storage.models import Organisation, Person, TeamMember
from storage.people import Directory
from storage.privacy import AccessEntry
from storage.reminders import ScheduledItem
from tests.conftest import ADMIN, MANAGER, TUTOR, YEAR_2026
from tests.support.bot import next_card_to
from tests.support.cards import card_nodes, card_text
from tests.support.teams import TENANT, Place, TeamsClient, User

MATHS = Place.channel("19:team-maths@thread.tacv2", team_name="Maths", channel_name="General")
# Team members TLC has never heard from: they only exist on the team's roster.
RITA = User("rita", "Rita Reader", "rita@college.ac.uk")
SAM = User("sam", "Sam Scholar", "sam@college.ac.uk")


def cards_in(sent: list[Any]) -> list[dict[str, Any]]:
    return [c for s in sent for c in s.cards]


def inputs(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [n for n in card_nodes(card) if n.get("type") == kind]


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["title"]: a for a in inputs(card, "Action.Execute")}


async def people(app: web.Application) -> dict[str, Person]:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        rows = (await uow.session.scalars(select(Person))).all()
        return {p.email or p.name: p for p in rows}


async def organisation(app: web.Application) -> Organisation:
    """The college's organisation row as stored (its name, its settings)."""
    async with app[BOT_KEY].db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, TENANT)
    assert org is not None
    return org


async def grant(app: web.Application, user: User, role: Role) -> None:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        directory = Directory(uow.session)
        person = await directory.person_by_email(TENANT, user.email)
        assert person is not None
        await directory.grant(person, role, None, person.created_at)
        await uow.commit()


def on_roster(teams: TeamsClient, *users: User) -> None:
    teams.on_roster(*users)


async def test_installing_in_a_team_reads_its_roster_page_by_page_and_records_everyone(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    on_roster(teams, RITA, SAM)
    await teams.install(ADMIN, MATHS)
    assert any("pagedmembers" in path for _, path in teams.connector.requests)
    known = await people(teams_app)
    for user in (RITA, SAM, TUTOR, MANAGER):
        assert known[user.email].name == user.name
        assert known[user.email].teams_user_id == user.teams_id
        assert known[user.email].aad_object_id == user.aad
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        members = set(await uow.session.scalars(select(TeamMember.person_id)))
    assert {known[u.email].id for u in (RITA, SAM, TUTOR, MANAGER, ADMIN)} <= members


async def test_an_empty_tutor_picker_says_why_and_an_admin_fills_it_from_the_team(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    on_roster(teams, RITA, SAM)
    await teams.install(ADMIN, MATHS)
    await grant(teams_app, MANAGER, Role.LINE_MANAGER)
    # A manager's first walk: nobody is on the tutor list yet.
    [form] = cards_in(await teams.say(MANAGER, "walk", MATHS, mention=True))
    text = card_text(form)
    assert not inputs(form, "Input.ChoiceSet") or all(
        c["choices"] for c in inputs(form, "Input.ChoiceSet")
    )
    assert "tutor list" in text and "Ada Admin" in text  # what is missing, and who can fix it
    assert "Use this team's members as tutors" not in buttons(form)  # not the manager's to do
    # The admin's own walk form offers the fix; pressing it fills the picker with real names.
    await grant(teams_app, ADMIN, Role.LINE_MANAGER)
    [form] = cards_in(await teams.say(ADMIN, "walk", MATHS, mention=True))
    fix = buttons(form)["Use this team's members as tutors"]
    response, _ = await teams.execute(ADMIN, fix["verb"], fix["data"], MATHS)
    [picker] = [c for c in inputs(response["value"], "Input.ChoiceSet") if c["id"] == "tutors"]
    names = {c["title"] for c in picker["choices"]}
    assert {RITA.name, SAM.name, TUTOR.name} <= names
    assert "Someone" not in names and MANAGER.name not in names  # a manager is not a tutor
    known = await people(teams_app)
    assert known[RITA.email].is_tutor and known[SAM.email].is_tutor
    assert not known[MANAGER.email].is_tutor


async def test_a_tutor_on_the_list_but_never_seen_is_in_the_picker_from_the_roster(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    await teams.execute(
        ADMIN,
        "admin.setup.tutors",
        {"tutor_csv": f"name,email\n{RITA.name},{RITA.email}\n"},
    )
    await teams.say(MANAGER, "hello")
    await grant(teams_app, MANAGER, Role.LINE_MANAGER)
    on_roster(teams, RITA)
    # Nobody installed TLC in this team through an event TLC saw: asking for the picker reads it.
    [form] = cards_in(await teams.say(MANAGER, "walk", MATHS, mention=True))
    [picker] = [c for c in inputs(form, "Input.ChoiceSet") if c["id"] == "tutors"]
    assert [c["title"] for c in picker["choices"]] == [RITA.name]
    known = await people(teams_app)
    assert known[RITA.email].teams_user_id == RITA.teams_id


async def test_an_admins_first_admin_offers_the_guided_setup_and_each_step_shows_done(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    [admin_tools, setup] = cards_in(await teams.say(ADMIN, "admin"))
    assert "TLC admin" in card_text(admin_tools)
    text = card_text(setup)
    assert "Set up TLC" in text and "\u2b1c 1. Who's who" in text
    assert "\u2b1c 2. The tutor list (no tutors yet)" in text
    assert "\u2b1c 3. Term dates" in text
    # Step 1: roles by email (people TLC has not met yet) and from the picker.
    response, _ = await teams.execute(
        ADMIN,
        "admin.setup.roles",
        {"quality_emails": "quinn@college.ac.uk", "managers_emails": MANAGER.email},
    )
    text = card_text(response["value"])
    assert "\u2705 **Quality team**: quinn@college.ac.uk" in text
    assert "\u2705 **Line managers**" in text and "\u2b1c **Advanced practitioners" in text
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        directory = Directory(uow.session)
        quinn = await directory.person_by_email(TENANT, "quinn@college.ac.uk")
        assert quinn is not None
        assert Role.QUALITY_COORDINATOR in await directory.roles(quinn.id)
    # A bad email is refused and changes nothing.
    response, _ = await teams.execute(ADMIN, "admin.setup.roles", {"aps_emails": "not an email"})
    assert "Not an email address" in card_text(response["value"])
    # Step 2: the tutor list pasted into the card.
    response, _ = await teams.execute(
        ADMIN,
        "admin.setup.tutors",
        {"tutor_csv": "name,email,campus\nTom Tutor,tom@college.ac.uk,North\nBad,nope,x\n"},
    )
    text = card_text(response["value"])
    assert "\u2705 2. The tutor list (1 tutor on the list)" in text
    assert "1 new" in text and "1 row not imported" in text
    assert (await people(teams_app))[TUTOR.email].is_tutor
    # Two more tutors and two bad rows: the plural, for the count and the rows left out.
    more = "name,email\nRita Reader,rita@college.ac.uk\nSam Scholar,sam@college.ac.uk\nX,no\nY,\n"
    response, _ = await teams.execute(ADMIN, "admin.setup.tutors", {"tutor_csv": more})
    text = card_text(response["value"])
    assert "\u2705 2. The tutor list (3 tutors on the list)" in text
    assert "2 new" in text and "2 rows not imported" in text
    known = await people(teams_app)
    assert known[RITA.email].is_tutor and known[SAM.email].is_tutor
    # An untouched paste box (Teams leaves it out) is refused.
    response, _ = await teams.execute(ADMIN, "admin.setup.tutors", {})
    assert "Paste the tutor list" in card_text(response["value"])
    # Step 3: term dates; a term ending before it starts is refused and nothing is stored.
    dates = YEAR_2026
    response, _ = await teams.execute(
        ADMIN, "admin.setup.terms", {**dates, "summer_end": "2027-04-01"}
    )
    assert "ends before it starts" in card_text(response["value"])
    response, _ = await teams.execute(ADMIN, "admin.setup.terms", dates)
    assert "\u2705 3. Term dates (your own dates)" in card_text(response["value"])
    assert (await organisation(teams_app)).settings["terms"][0] == {
        "name": "autumn",
        "start": "2026-09-07",
        "end": "2026-12-18",
    }
    # Once set up, `admin` is the admin card again, with the setup one tap away.
    [admin_card] = cards_in(await teams.say(ADMIN, "admin"))
    assert "Set up TLC" in buttons(admin_card)


async def test_the_admin_names_the_college_on_the_setup_card_for_document_headers(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Teams never tells a bot its organisation's name: the setup card asks, and every document
    TLC makes carries it in its header (documents.organisation_name)."""
    [_, setup] = cards_in(await teams.say(ADMIN, "admin"))
    assert "\u2b1c Your college's name" in card_text(setup)
    # Left untouched, Teams leaves the box out: refused, and nothing stored.
    response, _ = await teams.execute(ADMIN, "admin.setup.name", {})
    assert "Write your college's name." in card_text(response["value"])
    response, _ = await teams.execute(ADMIN, "admin.setup.name", {"org_name": "x" * 201})
    assert "At most 200 characters." in card_text(response["value"])
    assert (await organisation(teams_app)).name == ""
    response, _ = await teams.execute(
        ADMIN, "admin.setup.name", {"org_name": "  Northfield   College "}
    )
    text = card_text(response["value"])
    assert "College name saved" in text and "\u2705 Your college's name" in text
    assert (await organisation(teams_app)).name == "Northfield College"
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        trail = await Directory(uow.session).audit_trail(TENANT, "settings")
        assert [e.action for e in trail] == ["name"]
    # A tutor cannot rename it.
    response, _ = await teams.execute(TUTOR, "admin.setup.name", {"org_name": "Mine"})
    assert "only an org admin" in str(response)
    assert (await organisation(teams_app)).name == "Northfield College"


async def test_an_empty_whos_who_save_says_so_beside_its_button_and_gives_no_role(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """*Save who's who* pressed with nothing picked or typed (Teams leaves the untouched inputs
    out): the message is right above the button, not at the top of the tall card where a phone
    has scrolled away from it; the card stays valid and nobody is given a role."""
    await teams.say(ADMIN, "hello")
    await teams.say(MANAGER, "hello")
    response, _ = await teams.execute(ADMIN, "admin.setup.roles", {})
    card = response["value"]
    assert problems(card) == []
    body = card["body"]
    [at] = [
        i
        for i, n in enumerate(body)
        if n.get("type") == "ActionSet" and n["actions"][0]["title"] == "Save who's who"
    ]
    above = body[at - 1]
    assert "No new roles: pick people or type their emails" in above.get("text", ""), above
    assert above["color"] == "attention"
    assert "No new roles" not in card_text({"body": body[: at - 1]})
    for user in (ADMIN, MANAGER):
        assert await _roles(teams_app, user) <= {Role.ORG_ADMIN}


async def test_the_setup_card_in_a_channel_names_no_role_holders_and_has_no_people_picker(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The team welcome brings the setup card into the channel (the first day needs it there:
    the college's name, the team's members as tutors, term dates), and `admin setup` typed there
    shows the same card; but the whole team reads it, so it neither names who holds which role
    nor lists everyone TLC knows in a picker, and it says who's who is set in the 1:1 chat.
    The 1:1 card still has both; a setup button pressed in the channel answers the same way."""
    on_roster(teams, RITA, SAM)
    welcome = cards_in(await teams.install(ADMIN, MATHS))
    [setup] = [c for c in welcome if "Set up TLC" in card_text(c)]
    await grant(teams_app, MANAGER, Role.LINE_MANAGER)
    [typed] = cards_in(await teams.say(ADMIN, "admin setup", MATHS, mention=True))
    [pressed, _] = await teams.execute(ADMIN, "admin.setup.name", {"org_name": "Northfield"}, MATHS)
    for card in (setup, typed, pressed["value"]):
        text = card_text(card)
        assert [i["id"] for i in inputs(card, "Input.ChoiceSet")] == []  # no picker of everyone
        assert "1. Who's who" in text and "admin setup" in text and "1:1 chat" in text
        assert not {"quality_emails", "managers_emails", "aps_emails"} & {
            i["id"] for i in inputs(card, "Input.Text")
        }
        assert "Save who's who" not in buttons(card)
        for user in (RITA, SAM, MANAGER):  # (Tom Tutor is the tutor list's example)
            assert user.name not in text, user.name  # nobody named: no holders, no picker
        assert any(t.startswith("Use Maths") for t in buttons(card))  # the first day's steps
    assert (await people(teams_app))[MANAGER.email].name == MANAGER.name
    # In the 1:1 chat: who holds which role, and the picker of everyone TLC knows.
    [personal] = [c for c in cards_in(await teams.say(ADMIN, "admin setup")) if "Set up" in str(c)]
    assert f"\u2705 **Line managers**: {MANAGER.name}" in card_text(personal)
    [picker] = [c for c in inputs(personal, "Input.ChoiceSet") if c["id"] == "managers"]
    assert {RITA.name, SAM.name, TUTOR.name, MANAGER.name} <= {
        c["title"] for c in picker["choices"]
    }
    assert (await organisation(teams_app)).name == "Northfield"


async def test_save_whos_who_pressed_on_an_old_setup_card_in_a_channel_is_refused(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """A setup card posted in a channel before its channel version dropped the people pickers
    still has "Save who's who": pressed there, it gives nobody a role and points to the 1:1 chat
    (its answer is the channel's card, with no picker of everyone TLC knows)."""
    on_roster(teams, RITA, SAM)
    await teams.install(ADMIN, MATHS)
    known = await people(teams_app)
    old_card = {"managers": str(known[RITA.email].id), "quality_emails": SAM.email}
    response, _ = await teams.execute(ADMIN, "admin.setup.roles", old_card, MATHS)
    assert teams.last_status == 200
    answer = response["value"]
    text = card_text(answer) if isinstance(answer, dict) else str(answer)
    assert "Saved" not in text and "role given" not in text
    assert "1:1 chat" in text and "admin setup" in text
    if isinstance(answer, dict):
        assert [i["id"] for i in inputs(answer, "Input.ChoiceSet")] == []
        assert RITA.name not in text and SAM.name not in text
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        directory = Directory(uow.session)
        holders = await directory.holder_ids(TENANT, Role.LINE_MANAGER, Role.QUALITY_COORDINATOR)
        assert holders == frozenset()
        assert await directory.person_by_email(TENANT, SAM.email) is not None  # (on the roster)
    # The same press in the 1:1 chat gives the roles.
    response, _ = await teams.execute(ADMIN, "admin.setup.roles", old_card)
    assert "Saved: 2 roles given" in card_text(response["value"])


async def test_only_admins_can_use_the_setup_buttons(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(TUTOR, "hello")
    response, _ = await teams.execute(TUTOR, "admin.setup.roles", {"quality_emails": TUTOR.email})
    assert "only an org admin" in str(response)
    response, _ = await teams.execute(TUTOR, "admin.setup.terms", {})
    assert "only an org admin" in str(response)
    assert Role.QUALITY_COORDINATOR not in await _roles(teams_app, TUTOR)


async def _roles(app: web.Application, user: User) -> frozenset[Role]:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        directory = Directory(uow.session)
        person = await directory.person_by_email(TENANT, user.email)
        return await directory.roles(person.id) if person else frozenset()


async def test_a_roster_teams_cannot_give_leaves_the_install_working_and_is_read_later(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    on_roster(teams, RITA)
    teams.connector.fail_with[MATHS.team_id or ""] = 503
    sent = await teams.install(ADMIN, MATHS)
    assert teams.last_status == 200 and "Hello, I'm TLC" in card_text(cards_in(sent)[0])
    assert RITA.email not in await people(teams_app)
    del teams.connector.fail_with[MATHS.team_id or ""]
    await grant(teams_app, ADMIN, Role.LINE_MANAGER)
    await teams.say(ADMIN, "walk", MATHS, mention=True)  # asking for the picker reads it now
    assert (await people(teams_app))[RITA.email].name == RITA.name


# --- tutors' details after "use this team's members as tutors" (point 4) ------------------------


async def _maths_tutors_added(teams: TeamsClient, app: web.Application) -> dict[str, Any]:
    """An admin installs TLC in Maths and makes its members tutors from the setup card; the
    answer is the card listing the people just added."""
    on_roster(teams, RITA, SAM)
    await teams.install(ADMIN, MATHS)
    await grant(app, MANAGER, Role.LINE_MANAGER)
    [setup] = [c for c in cards_in(await teams.say(ADMIN, "admin setup")) if "Set up" in str(c)]
    use = next(b for t, b in buttons(setup).items() if t.startswith("Use Maths"))
    response, _ = await teams.execute(ADMIN, use["verb"], use["data"])
    return dict(response["value"])


async def _details(app: web.Application, user: User) -> tuple[str, str, str | None]:
    person = (await people(app))[user.email]
    return person.campus, person.curriculum_area, person.delivery_style


async def test_tutors_added_from_a_team_are_listed_and_each_persons_details_are_edited(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    listing = await _maths_tutors_added(teams, teams_app)
    text = card_text(listing)
    assert "Tutors' details in Maths" in text and "now tutors" in text
    assert {f"Edit {u.name}" for u in (RITA, SAM, TUTOR)} <= set(buttons(listing))
    assert f"Edit {MANAGER.name}" not in buttons(listing)  # a manager is not made a tutor
    # Rita's editor, then a save with every input filled.
    edit = buttons(listing)[f"Edit {RITA.name}"]
    response, _ = await teams.execute(ADMIN, edit["verb"], edit["data"])
    form = response["value"]
    assert {i["id"] for i in inputs(form, "Input.Text")} == {"campus", "curriculum_area"}
    save = buttons(form)["Save"]
    response, _ = await teams.execute(
        ADMIN,
        save["verb"],
        {
            **save["data"],
            "campus": " North ",
            "curriculum_area": "Construction",
            "delivery_style": "practical",
        },
    )
    text = card_text(response["value"])
    assert f"Saved {RITA.name}'s details." in text and "North · Construction" in text
    assert await _details(teams_app, RITA) == ("North", "Construction", "practical")
    assert await _details(teams_app, SAM) == ("", "", None)  # only the person edited
    rita_id = (await people(teams_app))[RITA.email].id
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        trail = await Directory(uow.session).audit_trail(TENANT, f"person:{rita_id}")
        assert "tutor details" in [e.action for e in trail]
    # The editor shows what is stored; a box left empty (Teams leaves it out) clears it.
    response, _ = await teams.execute(ADMIN, edit["verb"], edit["data"])
    values = {i["id"]: i.get("value") for i in inputs(response["value"], "Input.Text")}
    assert values == {"campus": "North", "curriculum_area": "Construction"}
    response, _ = await teams.execute(
        ADMIN, save["verb"], {**save["data"], "campus": "North", "delivery_style": "none"}
    )
    assert await _details(teams_app, RITA) == ("North", "", None)


async def test_bad_tutor_details_are_refused_with_field_errors_and_change_nothing(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    listing = await _maths_tutors_added(teams, teams_app)
    save_data = {"person_id": (await people(teams_app))[RITA.email].id, "page": 0}
    await teams.execute(
        ADMIN, "admin.tutors.save", {**save_data, "campus": "North", "delivery_style": "classroom"}
    )
    before = await _details(teams_app, RITA)
    assert before == ("North", "", "classroom")
    response, _ = await teams.execute(
        ADMIN,
        "admin.tutors.save",
        {**save_data, "campus": "x" * 201, "curriculum_area": "Maths", "delivery_style": "remote"},
    )
    form = response["value"]
    text = card_text(form)
    assert "Keep it to 200 characters" in text
    assert "Choose practical / vocational, classroom-based or not set" in text
    assert f"{RITA.name}: details" in text  # the same person's form, with the errors on it
    assert await _details(teams_app, RITA) == before
    # Someone who is not a tutor (the manager), an unknown id, or no id: refused, nothing changed.
    manager = (await people(teams_app))[MANAGER.email]
    for person_id in (manager.id, 99_999):
        response, _ = await teams.execute(
            ADMIN, "admin.tutors.save", {"person_id": person_id, "campus": "South"}
        )
        assert "not on your tutor list" in card_text(response["value"])
    response, _ = await teams.execute(ADMIN, "admin.tutors.save", {"campus": "South"})
    assert "Pick a tutor from the list" in card_text(response["value"])
    response, _ = await teams.execute(ADMIN, "admin.tutors.edit", {"person_id": manager.id})
    assert "not on your tutor list" in card_text(response["value"])
    known = await people(teams_app)
    assert known[MANAGER.email].campus == "" and "South" not in {p.campus for p in known.values()}
    assert listing  # (the list was shown first)


async def test_only_admins_can_see_or_change_tutors_details(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await _maths_tutors_added(teams, teams_app)
    rita = (await people(teams_app))[RITA.email]
    for user in (TUTOR, MANAGER):
        for verb, data in (
            ("admin.tutors.save", {"person_id": rita.id, "campus": "Hacked"}),
            ("admin.tutors.edit", {"person_id": rita.id}),
            ("admin.tutors.list", {"page": 0}),
        ):
            response, _ = await teams.execute(user, verb, data)
            assert "only an org admin" in str(response), (user, verb)
            assert RITA.name not in str(response)
        sent = await teams.say(user, "admin tutors")
        assert RITA.name not in str([s.text for s in sent] + cards_in(sent))
    assert await _details(teams_app, RITA) == ("", "", None)
    # In a channel the list is not posted for everyone to read.
    sent = await teams.say(ADMIN, "admin tutors", MATHS, mention=True)
    assert RITA.name not in str([s.text for s in sent] + cards_in(sent))


async def test_the_tutor_list_is_a_short_page_at_a_time(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    rows = "".join(f"Tutor {n:02},t{n}@college.ac.uk\n" for n in range(1, 9))
    await teams.execute(ADMIN, "admin.setup.tutors", {"tutor_csv": "name,email\n" + rows})
    [first] = cards_in(await teams.say(ADMIN, "admin tutors"))
    edits = [t for t in buttons(first) if t.startswith("Edit ")]
    assert edits == [f"Edit Tutor {n:02}" for n in range(1, 7)]
    assert "Page 1 of 2 (8 tutors)" in card_text(first) and "Previous" not in buttons(first)
    nxt = buttons(first)["Next"]
    response, _ = await teams.execute(ADMIN, nxt["verb"], nxt["data"])
    second = response["value"]
    assert [t for t in buttons(second) if t.startswith("Edit ")] == [
        "Edit Tutor 07",
        "Edit Tutor 08",
    ]
    assert "Next" not in buttons(second) and "Previous" in buttons(second)
    # Saving from page 2 comes back to page 2.
    edit = buttons(second)["Edit Tutor 08"]
    response, _ = await teams.execute(ADMIN, edit["verb"], edit["data"])
    save = buttons(response["value"])["Save"]
    response, _ = await teams.execute(ADMIN, save["verb"], {**save["data"], "campus": "East"})
    assert "Page 2 of 2" in card_text(response["value"])
    assert (await people(teams_app))["t8@college.ac.uk"].campus == "East"


async def test_a_roster_that_cannot_be_stored_is_logged_and_read_again_later(
    teams: TeamsClient,
    teams_app: web.Application,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Point 1: a roster update never fails silently. The store fails once (as when another
    turn holds the database); the install still answers, the failure is logged, nothing of the
    roster is kept, and the next picker reads it again."""
    on_roster(teams, RITA)
    add_member = Directory.add_member
    failures = iter([OperationalError("INSERT", {}, Exception("database is locked"))])

    async def fails_once(self: Directory, team: Any, person: Person, now: Any = None) -> None:
        failure = next(failures, None) if person.email == RITA.email else None
        if failure is not None:  # the roster's own write, not the installer's
            raise failure
        await add_member(self, team, person, now)

    monkeypatch.setattr(Directory, "add_member", fails_once)
    with caplog.at_level(logging.WARNING, logger="bot.app.roster"):
        sent = await teams.install(ADMIN, MATHS)
    assert teams.last_status == 200 and "Hello, I'm TLC" in card_text(cards_in(sent)[0])
    assert any("to be read again" in r.getMessage() for r in caplog.records), [
        (r.name, r.getMessage()) for r in caplog.records
    ]
    assert RITA.email not in await people(teams_app)  # the savepoint kept nothing of it
    await grant(teams_app, ADMIN, Role.LINE_MANAGER)
    await teams.say(ADMIN, "walk", MATHS, mention=True)  # the picker reads it again
    assert (await people(teams_app))[RITA.email].name == RITA.name


async def test_the_otla_pickers_say_why_they_are_empty_and_then_offer_the_teams_people(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Point 3 for observations: an empty tutor picker says what is missing and who fixes it
    (with the fixing button for an admin only); once the team's members are tutors and someone
    from the roster holds the observer role, both pickers offer their real names."""
    await teams.say(ADMIN, "hello")
    await teams.say(MANAGER, "hello")
    await grant(teams_app, ADMIN, Role.QUALITY_COORDINATOR)
    await grant(teams_app, MANAGER, Role.QUALITY_COORDINATOR)
    [empty] = cards_in(await teams.say(ADMIN, "observe"))
    text = card_text(empty)
    assert "nobody is on the tutor list yet" in text and "Set up TLC" in text
    assert all(c["choices"] for c in inputs(empty, "Input.ChoiceSet"))
    assert "Set up TLC" in buttons(empty) and "Allocate" not in buttons(empty)
    [theirs] = cards_in(await teams.say(MANAGER, "observe"))
    assert "nobody is on the tutor list yet" in card_text(theirs)
    assert "Set up TLC" not in buttons(theirs)  # not theirs to fix
    # The team's members become tutors; Sam, known only from the roster, is made an observer.
    on_roster(teams, RITA, SAM)
    await teams.install(ADMIN, MATHS)
    [setup] = [c for c in cards_in(await teams.say(ADMIN, "admin setup")) if "Set up" in str(c)]
    use = next(b for t, b in buttons(setup).items() if t.startswith("Use Maths"))
    await teams.execute(ADMIN, use["verb"], use["data"])
    await grant(teams_app, SAM, Role.OBSERVER)
    [form] = cards_in(await teams.say(ADMIN, "observe"))
    pickers = {c["id"]: {x["title"] for x in c["choices"]} for c in inputs(form, "Input.ChoiceSet")}
    assert {RITA.name, TUTOR.name} <= pickers["tutor_id"]
    assert SAM.name in pickers["observer_id"]
    assert "Someone" not in pickers["tutor_id"] | pickers["observer_id"]


async def test_an_admin_without_a_walk_role_is_told_how_to_give_it_to_themselves(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The admin's first `walk` (README: "pick yourself as a line manager too if you want to log
    a walk"): not "ask your TLC admin", since they are it, but the command that gives them the
    role; nothing is stored until they use it, and then the HA27 opens. In the channel, which
    the whole team reads, the command does not show the admin's email; in 1:1 it does."""
    await teams.install(ADMIN, MATHS)
    [sent] = await teams.say(ADMIN, "walk", MATHS, mention=True)
    assert "Ask your TLC admin" not in sent.text
    assert ADMIN.email not in sent.text
    assert "in our 1:1 chat: **admin grant** *your email* **line_manager**" in sent.text
    [sent] = await teams.say(ADMIN, "walk")
    assert f"in our 1:1 chat: **admin grant {ADMIN.email} line_manager**" in sent.text
    assert Role.LINE_MANAGER not in await _roles(teams_app, ADMIN)
    # A tutor still hears who to ask, and is not told a command only admins may use.
    [sent] = await teams.say(TUTOR, "walk", MATHS, mention=True)
    assert "Ask your TLC admin" in sent.text and "admin grant" not in sent.text
    # The admin follows the advice, word for word, in the 1:1 chat: the walk form opens.
    await teams.say(ADMIN, f"admin grant {ADMIN.email} line_manager")
    assert Role.LINE_MANAGER in await _roles(teams_app, ADMIN)
    [form] = cards_in(await teams.say(ADMIN, "walk", MATHS, mention=True))
    assert "Learning walk (HA27)" in card_text(form)


async def test_someone_who_is_not_an_admin_is_told_who_is(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The person who installs TLC is not made an admin when TLC_ADMINS names the college's
    admins; `admin` then must not leave them at "ask your TLC admin" with no idea who that is."""
    await teams.install(TUTOR, MATHS)  # TLC_ADMINS names Ada, at the same college: no bootstrap
    [sent] = await teams.say(TUTOR, "admin")
    assert "nobody here is one yet" in sent.text
    assert "first message me" in sent.text  # how the named admins become admins
    assert Role.ORG_ADMIN not in await _roles(teams_app, TUTOR)
    await teams.say(ADMIN, "hello")  # Ada, named in TLC_ADMINS, arrives
    [sent] = await teams.say(TUTOR, "admin")
    assert "Your TLC admins: Ada Admin" in sent.text
    assert Role.ORG_ADMIN not in await _roles(teams_app, TUTOR)


async def test_a_pasted_tutor_list_with_blank_cells_says_what_is_missing_in_plain_words(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """A spreadsheet row with its email (or name) left blank: the setup card says that cell is
    missing, not pydantic's "Input should be a valid string", and stores nobody from it."""
    await teams.say(ADMIN, "hello")
    csv = (
        "name,email,campus\nTom Tutor,tom@college.ac.uk,North\nNo Email,,South\n,x@college.ac.uk,\n"
    )
    response, _ = await teams.execute(ADMIN, "admin.setup.tutors", {"tutor_csv": csv})
    text = card_text(response["value"])
    assert "line 3: email: missing" in text and "line 4: name: missing" in text, text
    assert "Input should be" not in text and "String should" not in text
    known = await people(teams_app)
    assert known[TUTOR.email].is_tutor
    assert "x@college.ac.uk" not in known and "No Email" not in known


QUALITY_COMMANDS = ("walks summary", "themes", "completion", "observations plan")


async def test_an_admin_without_a_quality_role_is_told_how_to_give_it_to_themselves(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """As for `walk`: an org admin's `walks summary`, `themes`, `completion` or `observations
    plan` says how to take the quality team's role, not only that it is theirs; nothing is stored
    until the admin does, and then each opens. Others hear the refusal as before."""
    await teams.say(ADMIN, "hello")
    for command in QUALITY_COMMANDS:
        [sent] = await teams.say(ADMIN, command)
        assert sent.text.startswith("Sorry, that "), command
        assert f"admin grant {ADMIN.email} quality_coordinator" in sent.text, command
        assert "*Quality team* in **admin setup**" in sent.text, command
    assert Role.QUALITY_COORDINATOR not in await _roles(teams_app, ADMIN)
    # A line manager or a tutor is not told a command only admins may use.
    await teams.say(MANAGER, "hello")
    await grant(teams_app, MANAGER, Role.LINE_MANAGER)
    for user, command, refused in (
        (MANAGER, "walks summary", "Sorry, that is for the quality team."),
        (MANAGER, "observations plan", "Sorry, that view is for the quality team."),
        (TUTOR, "themes", "Sorry, that picture is for the quality team and line managers."),
        (TUTOR, "completion", "Sorry, that picture is for the quality team and line managers."),
    ):
        [sent] = await teams.say(user, command)
        assert sent.text == refused, (user.name, command)
    # The admin follows the advice, word for word: each one opens.
    await teams.say(ADMIN, f"admin grant {ADMIN.email} quality_coordinator")
    assert Role.QUALITY_COORDINATOR in await _roles(teams_app, ADMIN)
    for command in QUALITY_COMMANDS:
        sent = await teams.say(ADMIN, command)
        assert cards_in(sent) and not any("Sorry" in s.text for s in sent), command


async def test_an_admin_without_a_walk_planning_or_allocating_role_is_told_how_to_take_it(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The same for planning walks (`walk plan`), the PMG paragraph (`walks pmg`) and allocating
    observers (`observe import`): an org admin hears which role and the grant command; a tutor
    hears the refusal as before; once the admin grants it, `walk plan` opens."""
    await teams.say(ADMIN, "hello")
    for command, role in (
        ("walk plan", "line_manager"),
        ("walks pmg", "line_manager"),
        ("observe import", "quality_coordinator"),
    ):
        [sent] = await teams.say(ADMIN, command)
        assert sent.text.startswith("Sorry, "), command
        assert f"admin grant {ADMIN.email} {role}" in sent.text, command
    assert await _roles(teams_app, ADMIN) == {Role.ORG_ADMIN}
    for command, refused in (
        ("walk plan", "Sorry, learning walks are planned by managers and the quality team."),
        ("walks pmg", "Sorry, the PMG paragraph is for line managers."),
        ("observe import", "Sorry, only the quality coordinator allocates observers."),
    ):
        [sent] = await teams.say(TUTOR, command)
        assert sent.text == refused, command
    await teams.say(ADMIN, f"admin grant {ADMIN.email} line_manager")
    sent = await teams.say(ADMIN, "walk plan")
    assert cards_in(sent) and not any("Sorry" in s.text for s in sent)


async def test_the_role_log_says_a_tutor_came_from_the_team(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Each role TLC gives is audited with why, as the tutor list's ("tutor list") and the setup
    card's ("setup") are; the tutor role given to a team's members had no why, so the role log
    said only "Tutor given by Ada Admin"."""
    await _maths_tutors_added(teams, teams_app)
    ids = {p.id: email for email, p in (await people(teams_app)).items()}
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        changes = await Directory(uow.session).role_changes(TENANT)
    given = {
        ids[int(e.subject.removeprefix("person:"))]: e.detail
        for e in changes
        if e.action == "grant tutor"
    }
    assert given == {u.email: "a member of Maths" for u in (RITA, SAM, TUTOR)}
    log = card_text(cards_in(await teams.say(ADMIN, "admin audit"))[0])
    assert f"{RITA.name} — Tutor given by {ADMIN.name} (a member of Maths)" in log


async def test_a_line_manager_with_no_team_yet_is_told_why_mentor_capacity_is_empty(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """On the first day an admin gives Mia the line manager role before any tutor list names
    her as anyone's line manager: `mentor capacity` told her it "is for line managers", which
    she is. She is told instead that nobody is in her team yet and how that changes, and
    nothing is read or logged about anyone."""
    await teams.say(ADMIN, "hello")
    await teams.say(ADMIN, f"admin grant {MANAGER.email} line_manager")
    assert Role.LINE_MANAGER in await _roles(teams_app, MANAGER)
    [sent] = await teams.say(MANAGER, "mentor capacity")
    assert "is for line managers" not in sent.text
    assert "Nobody on the tutor list has you as their line manager yet" in sent.text
    assert "line_manager_email" in sent.text
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert (await uow.session.scalars(select(AccessEntry))).all() == []
    # Someone with no such role still hears who it is for.
    [sent] = await teams.say(TUTOR, "mentor capacity")
    assert "is for line managers" in sent.text


async def test_using_a_teams_members_again_says_they_are_already_tutors(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """The setup card's "Use Maths's members" pressed a second time (it stays on the card) said
    "0 of Maths's members are now tutors. 2 with another role … were left out.": as if nobody
    were a tutor. It says they already are, and gives no role twice."""
    await _maths_tutors_added(teams, teams_app)
    [setup] = [c for c in cards_in(await teams.say(ADMIN, "admin setup")) if "Set up" in str(c)]
    use = next(b for t, b in buttons(setup).items() if t.startswith("Use Maths"))
    response, _ = await teams.execute(ADMIN, use["verb"], use["data"])
    text = card_text(response["value"])
    assert "0 of Maths's members are now tutors" not in text, text
    assert "Nobody new: 3 of Maths's members are already tutors." in text, text
    assert "2 with another role (managers, quality team, APs, admins) were left out." in text
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        changes = await Directory(uow.session).role_changes(TENANT)
    assert sum(e.action == "grant tutor" for e in changes) == 3  # Rita, Sam and Tom, once each


async def test_the_setup_cards_placeholder_term_dates_are_not_called_the_usual_ones(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Until a college saves its own, TLC paces walks, observations and offers by placeholder
    terms that cover the whole year (autumn to 31 December, spring from 1 January, a bank
    holiday, summer to 31 July). The setup card called them "the usual English FE dates", so an
    admin could leave step 3 as it was. It says they are placeholders to replace."""
    [_, setup] = cards_in(await teams.say(ADMIN, "admin"))
    text = card_text(setup)
    assert "usual English FE dates" not in text, text
    assert "3. Term dates (placeholders covering the whole year: put in your own)" in text
    assert "terms" not in (await organisation(teams_app)).settings
    response, _ = await teams.execute(ADMIN, "admin.setup.terms", YEAR_2026)
    assert "\u2705 3. Term dates (your own dates)" in card_text(response["value"])
    assert "terms" in (await organisation(teams_app)).settings


async def test_the_support_offer_to_tutors_added_mid_term_does_not_say_a_new_term(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """Tutors added on a college's first day, in the middle of a term (23 November), get the
    term's offer of support the next day: it opened "A new term: fancy some support…", five
    weeks before the term's end. It says "This term", true whenever in a term it comes."""
    await _maths_tutors_added(teams, teams_app)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        offers = (
            await uow.session.scalars(select(ScheduledItem).where(ScheduledItem.kind == OFFER))
        ).all()
    tom = (await people(teams_app))[TUTOR.email].id
    assert [o.payload["reason"] for o in offers if o.person_id == tom] == ["term"]
    clock.advance(timedelta(days=1))
    card = await next_card_to(teams, teams_app, clock, TUTOR, having="support.open")
    text = card_text(card)
    assert "A new term" not in text, text
    assert text.startswith("Support, if you'd like it\nThis term: fancy some support"), text


async def test_help_lists_only_the_commands_the_person_can_use(teams: TeamsClient) -> None:
    """The README: `help` shows the ones you can use. A tutor's help listed `themes` and
    `completion` under "Also here", which answer a tutor only "Sorry, ..."; their line manager,
    who may use them, still sees both."""
    teams.on_roster(TUTOR, MANAGER)
    await teams.say(ADMIN, "hello")
    await teams.import_tutors(
        ADMIN, f"name,email,line_manager_email\nTom Tutor,{TUTOR.email},{MANAGER.email}\n"
    )
    for user in (TUTOR, MANAGER):
        await teams.say(user, "hello")

    def also(sent: list[Any]) -> str:
        [card] = cards_in(sent)
        return next(line for line in card_text(card).splitlines() if line.startswith("Also here"))

    tutor_sees = also(await teams.say(TUTOR, "help"))
    assert "**walks**" in tutor_sees
    assert "themes" not in tutor_sees and "completion" not in tutor_sees
    for refused in ("themes", "completion"):
        assert "Sorry" in "".join(s.text or "" for s in await teams.say(TUTOR, refused))
    manager_sees = also(await teams.say(MANAGER, "help"))
    assert "**themes**" in manager_sees and "**completion**" in manager_sees


async def test_a_mentor_search_with_nobody_to_suggest_names_who_can_help(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    """Day 1: nobody offers to mentor and no external mentors are listed. Tom was told to "ask
    your head of teaching & learning", whom the college has not named: now he hears his TLC
    admins by name, and once someone holds the role, them by name. Nobody is asked anything."""
    hana = User("hana", "Hana Head", "hana@college.ac.uk")
    teams.on_roster(TUTOR, hana)
    await teams.say(ADMIN, "hello")
    await teams.import_tutors(ADMIN, f"name,email\nTom Tutor,{TUTOR.email}\n")
    await teams.say(TUTOR, "hello")

    def dead_end(sent: list[Any]) -> str:
        [card] = cards_in(sent)
        return next(line for line in card_text(card).splitlines() if "hasn't listed" in line)

    said = dead_end(await teams.say(TUTOR, "mentor maths"))
    assert "ask your TLC admin, Ada Admin" in said and "nobody here is head of" in said
    await teams.say(hana, "hello")
    granted = await teams.say(ADMIN, f"admin grant {hana.email} head_of_teaching_and_learning")
    assert "Saved: roles" in card_text(cards_in(granted)[0])
    said = dead_end(await teams.say(TUTOR, "mentor maths"))
    assert "ask your head of teaching & learning, Hana Head." in said
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        asked = await uow.session.scalar(select(func.count()).select_from(MentoringRelationship))
    assert asked == 0
