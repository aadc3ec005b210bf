"""Bootstrapping admins, capturing people and places from Teams events, importing the tutor list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from bot.domain.access import Role
from bot.teams.web import BOT_KEY
from storage.models import Channel, ConversationRef, Person, Team, TeamMember
from storage.people import Directory
from tests.conftest import ADMIN, MANAGER, TUTOR
from tests.support.teams import Place, TeamsClient, User, card_text, only_card

CSV = (
    "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries,start_date\n"
    "Tom Tutor,tom@college.ac.uk,North,ESOL,classroom,mia@college.ac.uk,no,2026-09-01\n"
    "Bad Row,not-an-email,North,ESOL,classroom,,no,\n"
    "Lil Tutor,lil@college.ac.uk,Library,Digital,practical,mia@college.ac.uk,yes,01/10/2026\n"
    "Odd Date,odd@college.ac.uk,North,ESOL,classroom,,maybe,2026-13-01\n"
)


async def _roles(app: web.Application, user: User) -> frozenset[Role]:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        d = Directory(uow.session)
        person = await d.person_by_aad("tenant-1", user.aad)
        assert person is not None
        return await d.roles(person.id)


async def test_tlc_admins_become_org_admins_when_first_seen(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    await teams.say(TUTOR, "hello")
    assert Role.ORG_ADMIN in await _roles(teams_app, ADMIN)
    assert Role.ORG_ADMIN not in await _roles(teams_app, TUTOR)


async def test_whoever_installs_in_a_team_becomes_admin_and_is_greeted(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    channel = Place.channel()
    sent = await teams.install(MANAGER, channel)
    greeting, setup = [c for s in sent for c in s.cards]
    assert "Hello, I'm TLC" in card_text(greeting)
    assert "Set up TLC" in card_text(setup)  # a new organisation: the guided setup too
    assert Role.ORG_ADMIN in await _roles(teams_app, MANAGER)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        team = await uow.session.scalar(select(Team))
        assert (
            team is not None
            and team.team_id == "19:team-maths@thread.tacv2"
            and team.name == "Maths"
        )
        channel_row = await uow.session.scalar(select(Channel))
        assert channel_row is not None and channel_row.name == "General"
        ref = await uow.session.scalar(select(ConversationRef))
        assert (
            ref is not None
            and ref.kind == "channel"
            and ref.service_url == teams.connector.service_url
        )


async def test_a_personal_install_does_not_make_an_admin(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    sent = await teams.install(TUTOR, Place.personal(TUTOR))
    assert "Hello, I'm TLC" in card_text(only_card(sent))
    assert Role.ORG_ADMIN not in await _roles(teams_app, TUTOR)


async def test_members_added_to_a_team_are_remembered(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    channel = Place.channel()
    sent = await teams.members_added(MANAGER, channel, [TUTOR, MANAGER])
    assert sent == []  # people joining is no reason to post in the channel
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        people = (await uow.session.scalars(select(Person).order_by(Person.name))).all()
        assert [p.name for p in people] == ["Mia Manager", "Tom Tutor"]
        members = (await uow.session.scalars(select(TeamMember))).all()
        assert len(members) == 2


async def test_people_are_looked_up_for_their_email(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(TUTOR, "hello")
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_aad("tenant-1", TUTOR.aad)
        assert person is not None and person.email == "tom@college.ac.uk"


async def test_admin_grants_and_revokes_roles_by_command(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    await teams.say(TUTOR, "hello")
    sent = await teams.say(ADMIN, "admin grant tom@college.ac.uk quality coordinator")
    assert "now has the role **Quality coordinator**" in card_text(only_card(sent))
    assert Role.QUALITY_COORDINATOR in await _roles(teams_app, TUTOR)
    sent = await teams.say(ADMIN, "admin revoke tom@college.ac.uk quality_coordinator")
    assert "no longer has" in card_text(only_card(sent))
    assert Role.QUALITY_COORDINATOR not in await _roles(teams_app, TUTOR)
    sent = await teams.say(ADMIN, "admin roles")
    assert "Ada Admin" in card_text(only_card(sent))


async def test_tutor_list_sent_as_a_file_in_chat(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    await teams.say(ADMIN, "hello")
    teams.connector.files["tutors.csv"] = CSV.encode()
    attachment = {
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "name": "tutors.csv",
        "content": {"downloadUrl": teams.connector.file_url("tutors.csv"), "fileType": "csv"},
    }
    sent = await teams.say(ADMIN, "admin import", attachments=[attachment])
    text = card_text(only_card(sent))
    assert "Line 3" in text and "Line 5" in text
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        d = Directory(uow.session)
        lil = await d.person_by_email("tenant-1", "lil@college.ac.uk")
        assert lil is not None and lil.learning_in_libraries and lil.delivery_style == "practical"
        assert str(lil.start_date) == "2026-10-01"
        assert await d.person_by_email("tenant-1", "odd@college.ac.uk") is None
        tom = await d.person_by_email("tenant-1", "tom@college.ac.uk")
        assert tom is not None and tom.line_manager_email == "mia@college.ac.uk"


async def test_a_tutor_cannot_import_the_tutor_list(teams: TeamsClient) -> None:
    teams.connector.files["tutors.csv"] = CSV.encode()
    attachment = {
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "name": "tutors.csv",
        "content": {"downloadUrl": teams.connector.file_url("tutors.csv"), "fileType": "csv"},
    }
    sent = await teams.say(TUTOR, "admin import", attachments=[attachment])
    assert "only an org admin or the quality team" in sent[0].text


def test_import_tutors_from_the_command_line(tmp_path: Path) -> None:
    csv_path = tmp_path / "tutors.csv"
    csv_path.write_text(CSV)
    db = tmp_path / "cli.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "import-tutors", str(csv_path), "--org", "tenant-1"],
        env={"DATABASE_URL": f"sqlite+aiosqlite:///{db}", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "2 new, 0 updated, 2 rows with problems" in result.stdout
    assert "line 3: email" in result.stdout
    assert result.returncode == 1  # some rows need fixing


async def test_teams_greets_once_on_install_and_the_emulator_on_conversation_update(
    teams: TeamsClient,
) -> None:
    channel = Place.channel()
    assert (
        await teams.members_added(MANAGER, channel, [], bot=True) == []
    )  # Teams: no second greeting
    activity = teams._base(TUTOR, Place.personal(TUTOR), "conversationUpdate")
    activity["channelId"] = "emulator"
    activity["membersAdded"] = [{"id": "28:tlc-bot", "name": "TLC"}]
    sent = await teams.post(activity)
    assert "Hello, I'm TLC" in card_text(only_card(sent))


async def test_a_name_learnt_later_is_stored(
    teams: TeamsClient, teams_app: web.Application
) -> None:
    nameless = teams._base(TUTOR, Place.personal(TUTOR), "installationUpdate")
    nameless["from"] = {"id": TUTOR.teams_id, "aadObjectId": TUTOR.aad}
    nameless["action"] = "add"
    await teams.post(nameless)
    await teams.say(TUTOR, "help")
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        person = await Directory(uow.session).person_by_aad("tenant-1", TUTOR.aad)
        assert person is not None and person.name == "Tom Tutor"


async def test_first_contact_events_at_once_for_a_new_tenant(teams: TeamsClient) -> None:
    import asyncio

    channel = Place.channel()
    install = teams._base(MANAGER, channel, "installationUpdate")
    install["action"] = "add"
    update = teams._base(MANAGER, channel, "conversationUpdate")
    update["membersAdded"] = [{"id": "28:tlc-bot", "name": "TLC"}, MANAGER.as_from()]
    statuses = []
    for _ in range(3):

        async def post(a: dict[str, object]) -> int:
            async with teams.http.post(teams.bot_url, json=a) as resp:
                return resp.status

        statuses += await asyncio.gather(post(install), post(update), post(dict(install, id="x2")))
    assert all(s < 300 for s in statuses), statuses
