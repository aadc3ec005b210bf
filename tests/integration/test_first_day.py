"""A college's first day in Teams (issue 11): the team's people from the roster in every picker,
an explanation (and a fixing button for admins) where a picker would be empty, and a guided
setup an admin finishes without a terminal."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.domain.access import Role
from bot.teams.web import BOT_KEY
from storage.models import Organisation, Person, TeamMember
from storage.people import Directory
from tests.conftest import ADMIN, MANAGER, TUTOR
from tests.support.teams import TENANT, Place, TeamsClient, User, card_nodes, card_text

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
    assert "\u2705 2. The tutor list (1 tutors on the list)" in text
    assert "1 new" in text and "1 rows not imported" in text
    assert (await people(teams_app))[TUTOR.email].is_tutor
    # An untouched paste box (Teams leaves it out) is refused.
    response, _ = await teams.execute(ADMIN, "admin.setup.tutors", {})
    assert "Paste the tutor list" in card_text(response["value"])
    # Step 3: term dates; a term ending before it starts is refused and nothing is stored.
    dates = {
        "autumn_start": "2026-09-07",
        "autumn_end": "2026-12-18",
        "spring_start": "2027-01-05",
        "spring_end": "2027-03-26",
        "summer_start": "2027-04-12",
        "summer_end": "2027-07-09",
    }
    response, _ = await teams.execute(
        ADMIN, "admin.setup.terms", {**dates, "summer_end": "2027-04-01"}
    )
    assert "ends before it starts" in card_text(response["value"])
    response, _ = await teams.execute(ADMIN, "admin.setup.terms", dates)
    assert "\u2705 3. Term dates (your own dates)" in card_text(response["value"])
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, TENANT)
        assert org is not None and org.settings["terms"][0] == {
            "name": "autumn",
            "start": "2026-09-07",
            "end": "2026-12-18",
        }
    # Once set up, `admin` is the admin card again, with the setup one tap away.
    [admin_card] = cards_in(await teams.say(ADMIN, "admin"))
    assert "Set up TLC" in buttons(admin_card)


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
