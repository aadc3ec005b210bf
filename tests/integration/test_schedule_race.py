"""Two turns schedule the same new key at once (a tutor list sent twice, a Teams retry of a slow
import still running): the second used to fail on the unique key, and its whole turn with it
(on PostgreSQL the admin heard "Sorry", nothing saved). Now it re-schedules the item, as if it
had seen it. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.db import Database
from storage.people import Directory
from storage.reminders import PENDING, Schedule, ScheduledItem
from tests.conftest import START

ORG = "tenant-1"
KEY = "support-offer:term:2026/27-spring:1"


async def test_a_key_stored_by_another_turn_meanwhile_is_rescheduled_not_an_error(
    db: Database,
) -> None:
    async with db.unit_of_work() as setup:
        directory = Directory(setup.session)
        await directory.organisation(ORG, START)
        tom = await directory.by_email(ORG, "tom@college.ac.uk", START)
        await setup.commit()
    async with db.unit_of_work() as late:
        schedule = Schedule(late.session)
        assert await schedule.get(ORG, KEY) is None  # it looked: nothing yet
        async with db.unit_of_work() as first:  # the other turn stores the key and commits
            await Schedule(first.session).put(
                ORG, KEY, "offer", START, START, person_id=tom.id, payload={"n": 1}
            )
            await first.commit()
        later = START + timedelta(days=1)
        item = await schedule.put(
            ORG, KEY, "offer", later, later, person_id=tom.id, payload={"n": 2}, existing=None
        )
        await late.commit()
    assert item.id is not None
    async with db.unit_of_work() as uow:
        [stored] = (await uow.session.scalars(select(ScheduledItem))).all()
    assert (stored.revision, stored.state, stored.payload) == (2, PENDING, {"n": 2})
    assert stored.due_at.replace(tzinfo=None) == later.replace(tzinfo=None)
