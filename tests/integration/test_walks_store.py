"""The learning-walk store and its end-of-window notices, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot.app.commands import build_notice_kinds
from bot.app.turn import Message, UserRef
from bot.app.walks.plans import schedule_window_notices
from bot.app.worker import Worker
from bot.domain.access import QUALITY_TEAM, Role
from bot.domain.tutors import TutorRow
from bot.domain.walks import CHANNEL_READERS, WalkPlan, WalkWindow
from storage.db import Database
from storage.models import ConversationRef, Person, Team, get_in_org
from storage.people import Directory
from storage.reminders import Schedule
from storage.walks import SAVED, StoredWalkPlan, WalkStore
from tests.support.teams import Place

ORG = "org-1"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MON, FRI = date(2026, 11, 23), date(2026, 11, 27)


@dataclass
class Recorder:
    """A hand-written Sender: keeps what would have gone to Teams."""

    to: list[tuple[int, Message]] = field(default_factory=list)

    async def to_person(self, person: Person, message: Message) -> str:
        self.to.append((person.id, message))
        return f"activity-{len(self.to)}"

    async def to_conversation(self, ref: ConversationRef, message: Message) -> str:
        raise AssertionError("walk notices go to people, not conversations")


async def seed(db: Database) -> dict[str, int]:
    """A Maths team: Mia manages Tom and Lee (Learning in Libraries); Quinn is quality."""
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation(ORG, NOW)
        ids: dict[str, int] = {}
        for name, lil in (("tom", False), ("lee", True)):
            row = TutorRow.model_validate(
                {
                    "name": name.title(),
                    "email": f"{name}@c.ac.uk",
                    "line_manager_email": "mia@c.ac.uk",
                    "learning_in_libraries": lil,
                }
            )
            [(person, _)] = await directory.import_tutors(ORG, [row], NOW)
            ids[name] = person.id
        quinn = await directory.seen(ORG, UserRef("29:q", "aad-q", "Quinn", "quinn@c.ac.uk"), NOW)
        await directory.grant(quinn, Role.QUALITY_COORDINATOR, None, NOW)
        ids["quinn"] = quinn.id
        mia = await directory.person_by_email(ORG, "mia@c.ac.uk")
        assert mia is not None
        ids["mia"] = mia.id
        where = Place.channel("19:maths").where("https://x/")
        team = await directory.team(ORG, where, NOW)
        assert team is not None
        for pid in (ids["tom"], ids["lee"], mia.id):
            person = await directory.person(ORG, pid)
            assert person is not None
            await directory.add_member(team, person)
        ids["team"] = team.id
        await uow.commit()
    return ids


async def week_plan(store: WalkStore, team_id: int, focus: str) -> tuple[StoredWalkPlan, bool]:
    """The team's autumn plan saved as one window, the week of 23 November, on `focus` (and no
    channel, by no one): the row, and whether it is new."""
    plan = WalkPlan("2026/27-autumn", focus, windows=(WalkWindow(MON, FRI),))
    return await store.save_plan(ORG, team_id, plan, channel=None, by=None, now=NOW)


async def test_plans_replace_their_windows_and_walks_record_their_tutors(db: Database) -> None:
    ids = await seed(db)
    async with db.unit_of_work() as uow:
        store = WalkStore(uow.session)
        plan = WalkPlan(
            "2026/27-autumn",
            "Questioning",
            "QIP 2.1",
            (WalkWindow(MON, FRI, "ESOL"), WalkWindow(date(2026, 12, 1), date(2026, 12, 4))),
            frozenset({ids["mia"]}),
        )
        _, created = await store.save_plan(
            ORG, ids["team"], plan, channel="19:maths", by=ids["mia"], now=NOW
        )
        assert created
        row, created = await week_plan(store, ids["team"], "Pace")
        assert not created and row.teams_channel_id == "19:maths"
        walk = store.new_walk(ORG, ids["team"], "19:maths", ids["mia"], NOW)
        walk.set_tutors([ids["tom"], ids["lee"], ids["tom"]])
        walk.walk_date, walk.state = MON, SAVED
        draft = store.new_walk(ORG, ids["team"], "19:maths", ids["mia"], NOW)
        draft.set_tutors([ids["lee"]])
        await uow.commit()

    async with db.unit_of_work() as uow:
        store = WalkStore(uow.session)
        stored = await store.plan(ORG, ids["team"], "2026/27-autumn")
        assert stored is not None and stored.focus == "Pace"
        assert stored.to_domain().windows == (WalkWindow(MON, FRI),)
        walked = await store.walked_on(ORG, [ids["tom"], ids["lee"]], MON, FRI)
        assert walked == {ids["tom"]: [MON], ids["lee"]: [MON]}  # drafts don't count
        assert [d.tutor_ids for d in await store.drafts(ORG, ids["mia"])] == [[ids["lee"]]]
        people = Directory(uow.session)
        assert {p.name for p in await people.team_tutors(ORG, ids["team"])} == {"Tom", "Lee"}
        managers_of_team = await people.holders(ORG, Role.LINE_MANAGER, team_pk=ids["team"])
        assert [p.id for p in managers_of_team] == [ids["mia"]]
        assert [p.id for p in await people.holders(ORG, *QUALITY_TEAM)] == [ids["quinn"]]
        tutors = await people.team_tutors(ORG, ids["team"])
        managers = await people.line_manager_ids(tutors)
        assert managers[ids["tom"]] == frozenset({ids["mia"]})
        # An HA27 save reads its tutors and their line managers in one statement: the same.
        both = await people.people_and_line_managers(ORG, [ids["lee"], ids["tom"], 10**9])
        assert sorted(p.id for p in both[0]) == sorted(p.id for p in tutors)
        assert both[1] == managers
        assert await store.team_for_save(ORG, ids["team"], "2026/27", member=ids["quinn"]) is None
        found = await store.team_for_save(ORG, ids["team"], "2026/27")
        assert found is not None and found.team.id == ids["team"]
        assert len(await store.for_tutor(ORG, ids["lee"])) == 1


async def test_a_teams_people_and_plan_are_found_only_in_its_own_organisation(db: Database) -> None:
    """Team ids come from cards and can be forged: asked from another organisation, the team
    has no managers, readers, tutors or plan (and an id too large for a column is nobody)."""
    ids = await seed(db)
    async with db.unit_of_work() as uow:
        await week_plan(WalkStore(uow.session), ids["team"], "Pace")
        await Directory(uow.session).organisation("org-2", NOW)
        await uow.commit()
    async with db.unit_of_work() as uow:
        people, store = Directory(uow.session), WalkStore(uow.session)
        readers = (*QUALITY_TEAM, Role.LINE_MANAGER)
        for org, team_pk in ((ORG, ids["team"]), ("org-2", ids["team"]), (ORG, 2**40)):
            mine = org == ORG and team_pk == ids["team"]
            managers = await people.holders(org, Role.LINE_MANAGER, team_pk=team_pk)
            assert [p.id for p in managers] == ([ids["mia"]] if mine else [])
            found = await people.holder_ids(org, *readers, team_pk=team_pk)
            assert found == (frozenset({ids["mia"]}) if mine else frozenset())
            tutors = {p.id for p in await people.team_tutors(org, team_pk)}
            assert tutors == ({ids["tom"], ids["lee"]} if mine else set())
        assert await store.plan("org-2", ids["team"], "2026/27-autumn") is None
        assert await store.plan(ORG, ids["team"], "2026/27-autumn") is not None


async def test_the_team_read_for_a_save_finds_its_readers_and_plans(db: Database) -> None:
    """An HA27 save reads the team with its channel's readers (ids joined in SQL) and its plans
    of the walk's academic year, in one statement: the same readers as reading them alone, for
    one and several readers; a term's plan, read with its windows, only if there is one."""
    ids = await seed(db)
    async with db.unit_of_work() as uow:
        directory, store = Directory(uow.session), WalkStore(uow.session)
        seen: list[frozenset[int]] = []
        for grant in (None, ("quinn", Role.QUALITY_COORDINATOR), ("lee", Role.LINE_MANAGER)):
            if grant is not None:
                person = await directory.person(ORG, ids[grant[0]])
                team = await store.team(ORG, ids["team"])
                assert person is not None and team is not None
                await directory.grant(person, grant[1], None, NOW)
                await directory.add_member(team, person)
            found = await store.team_for_save(ORG, ids["team"], "2026/27", member=ids["tom"])
            assert found is not None and found.team.id == ids["team"] and found.plans == {}
            assert found.readers == await directory.holder_ids(
                ORG, *CHANNEL_READERS, team_pk=ids["team"]
            )
            seen.append(found.readers)
        mia, quinn, lee = ids["mia"], ids["quinn"], ids["lee"]  # Mia manages from the tutor list
        assert seen == [{mia}, {mia, quinn}, {mia, quinn, lee}]
        assert await store.team_for_save(ORG, ids["team"], "2026/27", member=10**6) is None
        assert await store.team_for_save(ORG, 10**9, "2026/27") is None
        plan, _ = await week_plan(store, ids["team"], "Pace")
        await store.save_plan(
            ORG, ids["team"], WalkPlan("2027/28-autumn", "Later"), channel=None, by=None, now=NOW
        )
        await uow.commit()
    async with db.unit_of_work() as uow:
        store = WalkStore(uow.session)
        found = await store.team_for_save(ORG, ids["team"], "2026/27", member=ids["tom"])
        assert found is not None and found.plans == {"2026/27-autumn": plan.id}
        assert found.readers == {mia, quinn, lee}
        later = await store.team_for_save(ORG, ids["team"], "2027/28")
        assert later is not None and set(later.plans) == {"2027/28-autumn"}
        assert (await store.team_for_save(ORG, ids["team"], "2025/26") or later).plans == {}
        stored = await store.plan_with_windows(plan.id)
        assert stored is not None and stored.to_domain().windows == (WalkWindow(MON, FRI),)
        assert await store.plan_with_windows(10**6) is None


async def test_end_of_window_notices_render_from_the_records_when_due(db: Database) -> None:
    ids = await seed(db)
    async with db.unit_of_work() as uow:
        store = WalkStore(uow.session)
        plan, _ = await week_plan(store, ids["team"], "Questioning")
        assert await schedule_window_notices(uow.session, plan, NOW) == 2  # Mia and Quinn
        assert await schedule_window_notices(uow.session, plan, NOW) == 2  # same keys again
        # Mia's list; Quinn's list of every team, and the termly summary drafted for Quinn.
        assert len(await Schedule(uow.session).pending(ORG)) == 3
        await uow.commit()
    sender = Recorder()
    worker = Worker(db, build_notice_kinds(), sender)
    assert await worker.tick(datetime(2026, 11, 27, 15, 59, tzinfo=UTC)) == 0
    assert await worker.tick(datetime(2026, 11, 27, 16, 0, tzinfo=UTC)) == 3
    by_person: dict[int, list[str]] = {}
    for pid, message in sender.to:
        by_person.setdefault(pid, []).append(str(message.card))
    [to_mia] = by_person[ids["mia"]]
    assert "Tom" in to_mia and "Lee" not in to_mia
    to_quinn = sorted(by_person[ids["quinn"]], key=lambda c: "all teams" in c)
    assert "Termly summary (draft)" in to_quinn[0] and "all teams" in to_quinn[1]


async def test_deleting_a_team_removes_its_walks_and_plans(db: Database) -> None:
    ids = await seed(db)
    async with db.unit_of_work() as uow:
        store = WalkStore(uow.session)
        await week_plan(store, ids["team"], "Q")
        walk = store.new_walk(ORG, ids["team"], None, ids["mia"], NOW)
        walk.set_tutors([ids["tom"]])
        await uow.commit()
        walk_id = walk.id
    async with db.unit_of_work() as uow:
        team = await uow.session.get(Team, ids["team"])
        await uow.session.delete(team)
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await WalkStore(uow.session).walk(ORG, walk_id) is None
        assert await WalkStore(uow.session).plan(ORG, ids["team"], "2026/27-autumn") is None


async def test_a_row_is_found_only_in_its_own_organisation(db: Database) -> None:
    """`get_in_org`, which every repository's "get by id" goes through (SQLite and PostgreSQL)."""
    ids = await seed(db)
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        tom = await get_in_org(uow.session, Person, ORG, ids["tom"])
        assert tom is not None and tom.email == "tom@c.ac.uk"
        assert await directory.person(ORG, ids["tom"]) is tom
        assert await get_in_org(uow.session, Person, "another-tenant", ids["tom"]) is None
        assert await directory.person("another-tenant", ids["tom"]) is None
        # Ids no INTEGER column holds find nothing, on PostgreSQL too (no DataError).
        for odd in (0, -1, 2**31, 10**30):
            assert await get_in_org(uow.session, Person, ORG, odd) is None
            assert await WalkStore(uow.session).team(ORG, odd) is None
