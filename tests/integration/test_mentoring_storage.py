"""Mentoring records on SQLite and PostgreSQL: the migration matches the tables, rows round-trip,
open relationships are found from either side, and mentee counts are per mentor."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, DateTime, column, insert, table, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.turn import UserRef
from bot.clock import FixedClock
from storage.db import Database
from storage.mentoring import (
    ACTIVE,
    ASKED,
    MEETING,
    NOT_A_FIT,
    CoachingConversation,
    MentoringEntry,
    MentoringRecords,
    MentoringRelationship,
    MentoringReview,
    MentorOffer,
)
from storage.models import Base, Person
from storage.people import Directory

TABLES = {
    "mentor_offers",
    "mentoring_relationships",
    "mentoring_entries",
    "mentoring_reviews",
    "coaching_conversations",
}


async def tom_ben_and_amy(session: AsyncSession, now: datetime) -> tuple[int, int, int]:
    """The organisation and its three people (a mentee, two mentors), flushed: their ids."""
    await Directory(session).organisation("tenant-1", now)
    people = [
        Person(org_id="tenant-1", name=n, email=f"{n}@c.ac.uk", created_at=now)
        for n in ("tom", "ben", "amy")
    ]
    session.add_all(people)
    await session.flush()
    tom, ben, amy = (p.id for p in people)
    return tom, ben, amy


async def test_the_0090_migration_matches_the_mentoring_tables(db: Database) -> None:
    def diff(conn: Any) -> list[Any]:
        context = MigrationContext.configure(conn)
        return [
            d for d in compare_metadata(context, Base.metadata) if any(t in repr(d) for t in TABLES)
        ]

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_mentoring_records_round_trip(db: Database, clock: FixedClock) -> None:
    now = clock.now()
    async with db.unit_of_work() as uow:
        tom, ben, amy = await tom_ben_and_amy(uow.session, now)
        records = MentoringRecords(uow.session)
        for pid in (ben, amy):
            records.add(
                MentorOffer(
                    org_id="tenant-1",
                    person_id=pid,
                    specialisms=["Maths"],
                    campus="Hitchin",
                    capacity=2,
                    created_at=now,
                    updated_at=now,
                )
            )
        rels = [
            MentoringRelationship(
                org_id="tenant-1",
                mentee_id=mentee,
                mentor_id=mentor,
                specialism="maths",
                next_choices=[amy],
                state=state,
                agreement={"objectives": [{"what": "x", "measure": "1", "by": "2027-01-01"}]},
                version=1,
                confirmations=[
                    {"by": tom, "what": "confirmed", "version": 1, "at": now.isoformat()}
                ],
                created_at=now,
                updated_at=now,
            )
            # One open request or relationship per mentee (0091): Ben asks Amy.
            for mentee, mentor, state in (
                (tom, ben, ACTIVE),
                (tom, amy, NOT_A_FIT),
                (ben, amy, ASKED),
            )
        ]
        for rel in rels:
            records.add(rel)
        await records.flush()
        records.add(
            MentoringEntry(
                org_id="tenant-1",
                relationship_id=rels[0].id,
                kind=MEETING,
                held_on=date(2026, 11, 23),
                discussed="Starters",
                next_steps={"1": "Try"},
                progress={"1": 40},
                logged_by=ben,
                created_at=now,
            )
        )
        records.add(
            MentoringReview(
                org_id="tenant-1",
                relationship_id=rels[0].id,
                point="initial",
                label="Initial review",
                lines=["a"],
                recipients=[amy],
                drafted_at=now,
            )
        )
        records.add(
            CoachingConversation(
                org_id="tenant-1",
                person_id=tom,
                model="grow",
                answers={"goal": "g"},
                scales=[{"at": now.isoformat(), "value": 3}],
                actions=[],
                shared_with=[],
                created_at=now,
                updated_at=now,
            )
        )
        await uow.commit()
    async with db.unit_of_work() as uow:
        records = MentoringRecords(uow.session)
        assert [r.mentor_id for r in await records.open_of("tenant-1", tom)] == [ben]
        assert [r.mentee_id for r in await records.open_of("tenant-1", ben)] == [tom, ben]
        assert await records.mentee_counts("tenant-1") == {ben: 1, amy: 1}
        assert len(await records.offers("tenant-1")) == 2
        rel = (await records.open_of("tenant-1", ben))[0]
        assert rel.agreement["objectives"][0]["by"] == "2027-01-01"
        assert rel.confirmations[0]["by"] == tom
        (entry,) = await records.entries(rel.id, MEETING)
        assert entry.progress == {"1": 40} and entry.held_on == date(2026, 11, 23)
        review = await records.review_at(rel.id, "initial")
        assert review is not None and review.recipients == [amy] and review.state == "drafted"
        (conv,) = await records.conversations_of("tenant-1", tom)
        assert conv.state == "active" and conv.step == 0 and conv.scales[0]["value"] == 3
        assert await records.relationship("other-org", rel.id) is None


async def test_two_open_requests_for_one_mentee_cannot_both_be_stored(
    db: Database, clock: FixedClock
) -> None:
    """Two units of work each read "no request yet" and insert one: the second meets the
    partial unique index (0091) and stores nothing; a closed one does not count."""
    now = clock.now()
    async with db.unit_of_work() as uow:
        tom, ben, amy = await tom_ben_and_amy(uow.session, now)
        await uow.commit()

    def asking(mentor: int, state: str = ASKED) -> MentoringRelationship:
        return MentoringRelationship(
            org_id="tenant-1",
            mentee_id=tom,
            mentor_id=mentor,
            specialism="maths",
            next_choices=[],
            state=state,
            agreement={},
            version=0,
            confirmations=[],
            created_at=now,
            updated_at=now,
        )

    async with db.unit_of_work() as uow:
        MentoringRecords(uow.session).add(asking(amy, NOT_A_FIT))
        await uow.commit()
    async with db.unit_of_work() as first, db.unit_of_work() as second:
        assert await MentoringRecords(first.session).open_of("tenant-1", tom) == []
        assert await MentoringRecords(second.session).open_of("tenant-1", tom) == []
        MentoringRecords(first.session).add(asking(amy))
        await first.commit()
        MentoringRecords(second.session).add(asking(ben))
        with pytest.raises(IntegrityError):
            await second.session.flush()
        await second.rollback()
    async with db.unit_of_work() as uow:
        opened = await MentoringRecords(uow.session).open_of("tenant-1", tom)
        assert [r.mentor_id for r in opened] == [amy]


async def test_the_one_request_migration_keeps_a_mentees_active_relationship(
    empty_db: Database, clock: FixedClock
) -> None:
    """0091 adds the index that allows one open request or relationship per mentee. A database
    where the old race stored two (an active one and a second request) still migrates: the
    active relationship is kept, the extra request is withdrawn, another mentee's is untouched."""
    db = empty_db
    await db.run_alembic(lambda cfg: command.upgrade(cfg, "0090_mentoring"))
    now = clock.now()
    async with db.unit_of_work() as uow:
        directory = Directory(uow.session)
        await directory.organisation("tenant-1", now)
        tom, ben, amy, uma = [
            await directory.seen("tenant-1", UserRef(f"29:{k}", f"aad-{k}", k.title()), now)
            for k in ("tom", "ben", "amy", "uma")
        ]
        as_0090 = table(
            "mentoring_relationships",
            *(column(c) for c in ("org_id", "mentee_id", "mentor_id", "specialism", "state")),
            *(column(c, JSON) for c in ("next_choices", "agreement", "confirmations")),
            column("version"),
            column("created_at", DateTime(timezone=True)),
            column("updated_at", DateTime(timezone=True)),
        )
        for mentee, mentor, state in (
            (tom, amy, "asked"),
            (tom, ben, "active"),
            (uma, ben, "asked"),
        ):
            await uow.session.execute(
                insert(as_0090).values(
                    org_id="tenant-1",
                    mentee_id=mentee.id,
                    mentor_id=mentor.id,
                    specialism="maths",
                    state=state,
                    next_choices=[],
                    agreement={},
                    confirmations={},
                    version=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        await uow.commit()
    await db.migrate()
    async with db.engine.connect() as conn:
        found = (
            await conn.execute(
                text("SELECT mentee_id, mentor_id, state FROM mentoring_relationships ORDER BY id")
            )
        ).all()
    assert [tuple(r) for r in found] == [
        (tom.id, amy.id, "withdrawn"),
        (tom.id, ben.id, "active"),
        (uma.id, ben.id, "asked"),
    ]
