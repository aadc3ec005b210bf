"""One person, one row: every way TLC first meets someone ends in the same merge rule, and
events for the same person at once (in one process, or in two instances on PostgreSQL) neither
fail nor leave two rows. Each Playground sequence ends with a proactive message reaching them."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app.turn import Message, UserRef, Where
from bot.clock import FixedClock
from bot.domain.access import Role
from bot.domain.tutors import TutorRow
from bot.teams.notifier import TeamsSender
from bot.teams.web import BOT_KEY
from storage.db import Database
from storage.models import ConversationRef, Person, Team, TeamMember
from storage.outbox import Reach, RosterEntry
from storage.people import Directory, retry_identity
from tests.conftest import ADMIN, START
from tests.support.teams import Place, TeamsClient, User, shared_file

ORG = "tenant-1"
TOM = User("tom", "Tom Tutor", "tom@college.ac.uk")
AAD, TEAMS_ID, EMAIL = TOM.aad, TOM.teams_id, TOM.email
TEAM = Place.channel("19:team@thread.tacv2", "19:general@thread.tacv2").where(
    "https://smba.example/"
)


def _row(email: str = EMAIL) -> TutorRow:
    return TutorRow(
        name="Tom Tutor (list)",
        email=email,
        campus="North",
        curriculum_area="ESOL",
        line_manager_email="mia@college.ac.uk",
        learning_in_libraries=False,
        start_date=date(2026, 9, 1),
    )


# Each way TLC can first meet Tom, as the Directory sees it.
async def _message(d: Directory) -> None:
    person = await d.seen(ORG, UserRef(TEAMS_ID, AAD, "Tom Tutor", EMAIL), START)
    await d.remember_conversation(
        ORG,
        Where(f"a:personal-{TEAMS_ID}", "personal", "https://smba.example/"),
        person,
        None,
        START,
    )


async def _install(d: Directory) -> None:
    await d.seen(ORG, UserRef(TEAMS_ID, AAD, "Tom Tutor"), START)  # no email on the activity


async def _members_added(d: Directory) -> None:
    team = await d.team(ORG, TEAM, START)
    assert team is not None
    await d.add_member(team, await d.seen(ORG, UserRef(TEAMS_ID, AAD, ""), START))


async def _roster(d: Directory) -> None:
    team = await d.team(ORG, TEAM, START)
    assert team is not None
    await Reach(d.session).link_roster(team, [RosterEntry(TEAMS_ID, AAD, EMAIL)], START)


async def _csv(d: Directory) -> None:
    await d.import_tutors(ORG, [_row()], START)


async def _grant(d: Directory) -> None:
    await d.grant(
        await d.by_email(ORG, EMAIL.upper(), START), Role.QUALITY_COORDINATOR, None, START
    )


SOURCES: dict[str, Callable[[Directory], Awaitable[None]]] = {
    "message": _message,
    "install": _install,
    "membersAdded": _members_added,
    "roster": _roster,
    "csv": _csv,
    "grant": _grant,
}


async def _apply(db: Database, source: str) -> None:
    async def once() -> None:
        async with db.unit_of_work() as uow:
            await SOURCES[source](Directory(uow.session))
            await uow.commit()

    await retry_identity(once)


async def _people(db: Database) -> list[Person]:
    async with db.unit_of_work() as uow:
        return list(
            await uow.session.scalars(
                select(Person).where(Person.email.is_distinct_from("mia@college.ac.uk"))
            )
        )


async def _setup(db: Database) -> None:
    async with db.unit_of_work() as uow:
        await Directory(uow.session).organisation(ORG, START)
        await uow.commit()


async def _assert_one_tom(db: Database, *sources: str) -> None:
    [tom] = await _people(db)
    given = set(sources)
    teams_side = bool({"message", "roster", "install", "membersAdded"} & given)
    email_side = bool({"message", "roster", "csv", "grant"} & given)
    assert tom.aad_object_id == (AAD if teams_side else None)
    assert tom.teams_user_id == (TEAMS_ID if teams_side else None)
    assert tom.email == (EMAIL if email_side else None)
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        roles = await d.roles(tom.id)
        if "csv" in sources:
            assert Role.TUTOR in roles and tom.campus == "North" and tom.is_tutor
        if "grant" in sources:
            assert Role.QUALITY_COORDINATOR in roles
        if "message" in sources:
            ref = await d.personal_conversation(tom.id)
            assert ref is not None
        members = await uow.session.scalar(select(func.count(TeamMember.id)))
        assert members == (1 if {"membersAdded", "roster"} & set(sources) else 0)


# Every order of the sources, two or three at a time, leaving out those where nothing could
# tell it is one person (Teams ids only, then an email only, and nothing carrying both).
ORDERS = [
    order
    for n in (2, 3)
    for order in itertools.permutations(SOURCES, n)
    if {"message", "roster"} & set(order)
    or not ({"csv", "grant"} & set(order) and {"install", "membersAdded"} & set(order))
]


async def test_every_first_sighting_ends_in_one_row(sqlite_db: Database) -> None:
    for order in ORDERS:
        async with sqlite_db.unit_of_work() as uow:
            for model in (TeamMember, ConversationRef, Team, Person):
                for row in await uow.session.scalars(select(model)):
                    await uow.session.delete(row)
            await uow.commit()
        await _setup(sqlite_db)
        for source in order:
            await _apply(sqlite_db, source)
        try:
            await _assert_one_tom(sqlite_db, *order)
        except (AssertionError, ValueError) as exc:
            raise AssertionError(f"after {' then '.join(order)}: {exc}") from exc


async def test_a_merge_moves_everything_that_pointed_at_the_duplicate(db: Database) -> None:
    """membersAdded without an email, then the tutor list: two rows until a roster page shows
    they are one person; then one row keeps the team, the roles and the chat."""
    await _setup(db)
    for source in ("membersAdded", "install", "csv", "grant"):
        await _apply(db, source)
    assert len(await _people(db)) == 2
    await _apply(db, "roster")
    await _assert_one_tom(db, "membersAdded", "install", "csv", "grant", "roster")


@pytest.mark.parametrize("engines", [1, 2], ids=["one-process", "two-instances"])
async def test_events_for_one_person_at_once_leave_one_row(db: Database, engines: int) -> None:
    """Two rows for Tom (membersAdded without an email; the tutor list), then every source at
    once, several times over, from one or two engines (two instances on PostgreSQL)."""
    others = [Database(db.url) for _ in range(engines - 1)]
    try:
        pool = [db, *others]
        for attempt in range(3):
            async with db.unit_of_work() as uow:
                for person in await uow.session.scalars(select(Person)):
                    await uow.session.delete(person)
                await uow.commit()
            await _setup(db)
            await _apply(db, "membersAdded")
            await _apply(db, "csv")
            assert len(await _people(db)) == 2, attempt
            names = ["roster", "message", "install", "roster", "message", "grant", "csv"]
            await asyncio.gather(
                *(_apply(pool[i % len(pool)], name) for i, name in enumerate(names))
            )
            await _assert_one_tom(db, *names, "membersAdded")
    finally:
        for other in others:
            await other.dispose()


# Over HTTP, as the Playground produces them.


async def _import_csv(teams: TeamsClient, csv: str) -> None:
    attachment = shared_file(teams.connector, "tutors.csv", csv)
    await teams.say(ADMIN, "admin import", attachments=[attachment])
    assert teams.last_status < 300


def _csv_for(*users: User) -> str:
    lines = ["name,email,campus,curriculum_area,delivery_style,line_manager_email"]
    lines += [f"{u.name},{u.email},North,ESOL,classroom," for u in users]
    return "\n".join(lines) + "\n"


async def _rows(app: web.Application, user: User) -> list[Person]:
    async with app[BOT_KEY].db.unit_of_work() as uow:
        return list(
            await uow.session.scalars(
                select(Person).where(
                    (Person.email == user.email) | (Person.aad_object_id == user.aad)
                )
            )
        )


async def _reaches(app: web.Application, clock: FixedClock, user: User) -> None:
    """A proactive message to the person as the tutor list knows them (by email) reaches their
    1:1 chat; afterwards they are one row."""
    bot = app[BOT_KEY]
    async with bot.db.unit_of_work() as uow:
        listed = await Directory(uow.session).person_by_email(ORG, user.email)
    assert listed is not None
    sender = TeamsSender(bot.db, bot.connector, clock=clock)
    try:
        await sender.to_person(listed, Message(text=f"Hello {user.name}, from TLC"))
    finally:
        await sender.close()
    rows = await _rows(app, user)
    assert len(rows) == 1, [(p.id, p.email, p.aad_object_id) for p in rows]
    async with bot.db.unit_of_work() as uow:
        ref = await Directory(uow.session).personal_conversation(rows[0].id)
        assert ref is not None and ref.conversation_id == f"a:personal-{user.teams_id}"


async def _installed_team(teams: TeamsClient) -> Place:
    channel = Place.channel()
    await teams.say(ADMIN, "hello")
    await teams.install(ADMIN, channel)
    assert teams.last_status < 300
    return channel


async def test_member_added_then_tutor_list_reaches_the_tutor(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    channel = await _installed_team(teams)
    teams.on_roster(TOM)
    await teams.members_added(ADMIN, channel, [TOM])  # no email, as Teams sends it
    assert teams.last_status < 300
    await _import_csv(teams, _csv_for(TOM))
    await _reaches(teams_app, clock, TOM)
    sent = teams.connector.messages()
    assert sent[-1].conversation_id == f"a:personal-{TOM.teams_id}"
    assert "Hello Tom Tutor" in sent[-1].text


async def test_member_added_unknown_then_tutor_list_is_joined_up_by_the_roster(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """The member's details could not be read when they joined (two rows for a while): the
    roster page read to reach them joins the rows up, and the message goes."""
    # Tom is not on the team's roster yet (the shared cast's Tom Tutor has his email).
    teams.connector.members.clear()
    teams.on_roster(ADMIN)
    channel = await _installed_team(teams)
    await teams.members_added(ADMIN, channel, [TOM])
    await _import_csv(teams, _csv_for(TOM))
    assert len(await _rows(teams_app, TOM)) == 2
    teams.on_roster(TOM)
    await _reaches(teams_app, clock, TOM)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        tom = await Directory(uow.session).person_by_email(ORG, TOM.email)
        assert tom is not None and tom.aad_object_id == TOM.aad
        team = await uow.session.scalar(select(Team))
        assert team is not None
        member = await uow.session.scalar(select(TeamMember).where(TeamMember.person_id == tom.id))
        assert member is not None
    assert teams.connector.messages()[-1].conversation_id == f"a:personal-{TOM.teams_id}"


async def test_install_update_and_message_at_once_for_listed_tutors(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    """The Playground's first contact: installationUpdate, conversationUpdate (bot and person
    added) and a message, all at once, for tutors already on the tutor list."""
    channel = await _installed_team(teams)
    tutors = [User(f"t{i}", f"Tutor {i}", f"t{i}@college.ac.uk") for i in range(4)]
    teams.on_roster(*tutors)
    await _import_csv(teams, _csv_for(*tutors))

    async def post(activity: dict[str, object]) -> int:
        async with teams.http.post(teams.bot_url, json=activity) as resp:
            return resp.status

    statuses: list[int] = []
    for u in tutors:
        personal = Place.personal(u)
        install = teams._base(u, personal, "installationUpdate")
        install["action"] = "add"
        update = teams._base(u, channel, "conversationUpdate")
        update["membersAdded"] = [u.as_from()]
        hello = teams._base(u, personal, "message")
        hello["text"] = "hello"
        statuses += await asyncio.gather(post(install), post(update), post(hello))
    assert all(s < 300 for s in statuses), statuses
    sorry = [s for s in teams.connector.sent if "went wrong" in s.text]
    assert not sorry
    for u in tutors:
        await _reaches(teams_app, clock, u)
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        refs = await uow.session.scalar(
            select(func.count(ConversationRef.id)).where(ConversationRef.kind == "personal")
        )
        assert refs == len(tutors) + 1  # each tutor's chat and the admin's


async def test_a_role_granted_before_they_say_hello_is_theirs_when_they_do(
    teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    await teams.say(ADMIN, "hello")
    await teams.say(ADMIN, f"admin grant {TOM.email} quality coordinator")
    assert len(await _rows(teams_app, TOM)) == 1  # recorded by email, not refused
    teams.on_roster(TOM)
    await teams.say(TOM, "hello")
    [tom] = await _rows(teams_app, TOM)
    assert tom.aad_object_id == TOM.aad and tom.name == TOM.name
    async with teams_app[BOT_KEY].db.unit_of_work() as uow:
        assert Role.QUALITY_COORDINATOR in await Directory(uow.session).roles(tom.id)
    await _reaches(teams_app, clock, TOM)
