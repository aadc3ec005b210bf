"""Storage on SQLite and PostgreSQL alike: people, roles, teams, conversation references, scoping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.app.turn import UserRef, Where
from bot.domain.access import Role
from bot.domain.tutors import parse_tutor_csv
from storage.db import Database
from storage.models import ConversationRef, Person, ProcessedActivity
from storage.people import Directory
from tests.support.teams import Place

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SAM = UserRef("29:sam", "aad-sam", "Sam Tutor")
WHERE = Where("a:personal-sam", "personal", "http://127.0.0.1:9/", bot_id="28:bot")


async def test_a_person_is_remembered_once_with_their_conversation(db: Database) -> None:
    for _ in range(2):
        async with db.unit_of_work() as uow:
            d = Directory(uow.session)
            await d.organisation("t1", NOW)
            person = await d.seen("t1", SAM, NOW)
            await d.remember_conversation("t1", WHERE, person, None, NOW)
            await uow.commit()
    async with db.unit_of_work() as uow:
        people = (await uow.session.scalars(select(Person))).all()
        refs = (await uow.session.scalars(select(ConversationRef))).all()
        assert [p.aad_object_id for p in people] == ["aad-sam"]
        assert len(refs) == 1 and refs[0].person_id == people[0].id
        assert refs[0].service_url == "http://127.0.0.1:9/"
        found = await Directory(uow.session).personal_conversation(people[0].id)
        assert found is not None and found.conversation_id == "a:personal-sam"


async def test_organisations_are_kept_apart(db: Database) -> None:
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        for org in ("t1", "t2"):
            await d.organisation(org, NOW)
            await d.seen(org, SAM, NOW)
        await uow.commit()
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        one = await d.person_by_aad("t1", "aad-sam")
        two = await d.person_by_aad("t2", "aad-sam")
        assert one is not None and two is not None and one.id != two.id
        assert await d.person("t2", one.id) is None  # an id from another org finds nothing


async def test_teams_channels_and_members(db: Database) -> None:
    where = Place.channel("19:team", "19:general").where("http://127.0.0.1:9/")
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        await d.organisation("t1", NOW)
        person = await d.seen("t1", SAM, NOW)
        team = await d.team("t1", where, NOW)
        assert team is not None
        await d.add_member(team, person)
        await d.add_member(team, person)
        ref = await d.remember_conversation("t1", where, person, team, NOW)
        await uow.commit()
        assert ref.kind == "channel" and ref.person_id is None and ref.team_pk == team.id


async def test_roles_grant_revoke_and_several_per_person(db: Database) -> None:
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        await d.organisation("t1", NOW)
        person = await d.seen("t1", SAM, NOW)
        assert await d.grant(person, Role.TUTOR, None, NOW)
        assert await d.grant(person, Role.OBSERVER, None, NOW)
        assert not await d.grant(person, Role.OBSERVER, None, NOW)
        await uow.commit()
        assert await d.roles(person.id) == {Role.TUTOR, Role.OBSERVER}
        assert await d.revoke(person, Role.OBSERVER, None, NOW, "left the team")
        assert not await d.revoke(person, Role.OBSERVER, None, NOW)
        await uow.commit()
        assert await d.roles(person.id) == {Role.TUTOR}
        # Every grant and revoke that changed something is in the audit log, newest first.
        changes = [(e.action, e.subject, e.detail) for e in await d.role_changes("t1")]
        assert changes == [
            ("revoke observer", f"person:{person.id}", "left the team"),
            ("grant observer", f"person:{person.id}", ""),
            ("grant tutor", f"person:{person.id}", ""),
        ]
        assert await d.has_org_admin("t1") is False


async def test_tutor_list_import_then_first_chat_merges_into_one_person(db: Database) -> None:
    rows = parse_tutor_csv(
        "name,email,campus,curriculum_area,delivery_style,line_manager_email,learning_in_libraries,start_date\n"
        "Sam Tutor,SAM@college.ac.uk,North,ESOL,classroom,mia@college.ac.uk,no,2026-09-01\n"
    ).rows
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        await d.organisation("t1", NOW)
        await d.seen("t1", SAM, NOW)  # seen in Teams before their email was known
        [(person, created)] = await d.import_tutors("t1", rows[:1], NOW)
        assert created
        await uow.commit()
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        merged = await d.seen(
            "t1", UserRef("29:sam", "aad-sam", "Sam Tutor", "sam@college.ac.uk"), NOW
        )
        await uow.commit()
        assert merged.email == "sam@college.ac.uk" and merged.campus == "North"
        people = (await uow.session.scalars(select(Person).where(Person.org_id == "t1"))).all()
        assert sorted(p.email or "" for p in people) == ["mia@college.ac.uk", "sam@college.ac.uk"]
        assert Role.TUTOR in await d.roles(merged.id)
        manager = await d.person_by_email("t1", "mia@college.ac.uk")
        assert manager is not None and Role.LINE_MANAGER in await d.roles(manager.id)
        assert [m.id for m in await d.line_managers_of(merged)] == [manager.id]


async def test_a_processed_activity_key_is_unique(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    async with db.unit_of_work() as uow:
        uow.session.add(
            ProcessedActivity(org_id="t1", activity_key="a1", response={}, created_at=NOW)
        )
        await uow.commit()
    async with db.unit_of_work() as uow:
        uow.session.add(
            ProcessedActivity(org_id="t1", activity_key="a1", response={}, created_at=NOW)
        )
        with pytest.raises(IntegrityError):
            await uow.commit()


async def test_times_come_back_aware_and_in_utc(db: Database) -> None:
    local = datetime(2026, 6, 1, 9, 30, tzinfo=__import__("zoneinfo").ZoneInfo("Europe/London"))
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        await d.organisation("t1", local)
        await uow.commit()
    async with db.unit_of_work() as uow:
        from storage.models import Organisation

        org = await uow.session.get(Organisation, "t1")
        assert org is not None
        assert org.created_at == local and org.created_at.tzinfo is not None
        assert org.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


async def test_a_turns_person_is_the_row_as_stored_and_changes_to_it_are_saved(
    db: Database,
) -> None:
    """The read every turn makes (the person, their roles, a stored answer) gives back each
    column as stored, on PostgreSQL through asyncpg itself (`DriverSelects`), and a `Person`
    the unit of work saves when changed, as an ORM-loaded one would be."""
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        await d.organisation("t1", NOW)
        tom = Person(
            org_id="t1",
            aad_object_id="aad-tom",
            teams_user_id="29:tom",
            name="Tom Tutor",
            email="tom@college.ac.uk",
            campus="North",
            curriculum_area="ESOL",
            delivery_style="classroom",
            line_manager_email="mia@college.ac.uk",
            learning_in_libraries=True,
            start_date=NOW.date(),
            is_tutor=True,
            created_at=NOW,
            last_seen_at=NOW.replace(minute=5),
        )
        uow.session.add(tom)
        await uow.session.flush()
        for role in (Role.LINE_MANAGER, Role.OBSERVER):
            await d.grant(tom, role, None, NOW)
        uow.session.add(
            ProcessedActivity(
                org_id="t1", activity_key="k1", response={"said": ["ok", 1]}, created_at=NOW
            )
        )
        await uow.commit()
    columns = [c.key for c in Person.__table__.columns]
    stored = {c: getattr(tom, c) for c in columns}
    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        person, roles = await d.person_and_roles(tom.id)
        assert person is not None and {c: getattr(person, c) for c in columns} == stored
        assert person.created_at.tzinfo is not None and person.last_seen_at == NOW.replace(minute=5)
        assert roles == {Role.LINE_MANAGER, Role.OBSERVER}
        again, _, answer = await d.person_roles_and_answer(tom.id, "t1", "k1")
        assert again is person  # the unit of work's one Tom
        assert answer == {"said": ["ok", 1]}
        assert (await d.person_roles_and_answer(tom.id, "t1", "k2"))[2] is None
        assert await d.person_and_roles(tom.id + 1000) == (None, frozenset())
        assert not uow.session.dirty  # nothing to write for what was only read
        person.name = "Tom T. Tutor"
        await uow.commit()
    async with db.unit_of_work() as uow:
        found = await uow.session.get(Person, tom.id)
        assert found is not None and found.name == "Tom T. Tutor" and found.campus == "North"


async def test_migrations_are_idempotent(db: Database) -> None:
    await db.migrate()
    await db.migrate()


async def test_support_offer_opt_out_is_the_same_choice_the_settings_card_shows(
    db: Database,
) -> None:
    from storage.preferences import Preferences
    from storage.support import SupportRecords

    async with db.unit_of_work() as uow:
        d = Directory(uow.session)
        await d.organisation("t1", NOW)
        person = await d.seen("t1", SAM, NOW)
        records = SupportRecords(uow.session)
        await records.set_offers("t1", person.id, False, NOW)  # "Don't offer again"
        await uow.commit()
        assert "self_referral_offers" in await Preferences(uow.session).turned_off(person.id)
        await Preferences(uow.session).choose("t1", person.id, "self_referral_offers", False, NOW)
        await uow.commit()
        assert not await records.offers_opted_out(person.id)  # turned back on in settings
