"""Nothing lost (SPEC principle 3) at the edges of the worker: people's own quiet times that
never meet the organisation's hours, renderers that fail, and what Teams and the network answer.

The worker runs over the loopback connector; assertions are on the stored scheduled items and
outbox rows.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from storage.db import Database
from storage.outbox import OutboxMessage
from storage.preferences import Preferences
from storage.reminders import QUEUED, SENT
from tests.support.loopback import LoopbackConnector
from tests.support.reminders import ORG, item, loopback_worker, person_with_chat, schedule

pytestmark = pytest.mark.usefixtures("connector")


async def outbox_rows(db: Database) -> list[OutboxMessage]:
    async with db.unit_of_work() as uow:
        return list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def days_off(db: Database, clock: FixedClock, person_id: int, days: list[int]) -> None:
    async with db.unit_of_work() as uow:
        await Preferences(uow.session).set_quiet(ORG, person_id, None, None, days, clock.now())
        await uow.commit()


@pytest.mark.parametrize(
    "off",
    [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5, 6]],
    ids=["works-weekends-only", "every-day-off"],
)
async def test_quiet_times_that_never_meet_the_sending_hours_do_not_hold_a_deadline_for_ever(
    db: Database, connector: LoopbackConnector, clock: FixedClock, off: list[int]
) -> None:
    # A tutor who works Saturdays only (or ticked every day): the college sends Monday to Friday,
    # so no moment suits both. A deadline must still arrive, in the college's hours.
    tom = await person_with_chat(db, connector, "tom", clock)
    await days_off(db, clock, tom, off)
    await schedule(db, clock, "r:1", person_id=tom)  # Monday 10:00, within the college's hours
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 1
    stored = await item(db, "r:1")
    assert stored.state == SENT
    assert [s.text for s in connector.messages()] == ["r:1"]


async def test_a_queued_message_for_someone_with_every_day_off_does_not_spin_the_tick(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    tom = await person_with_chat(db, connector, "tom", clock)
    await schedule(db, clock, "r:1", person_id=tom)
    connector.answer("a:personal-29:tom", 503)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0  # in the outbox, waiting for a retry
        [row] = await outbox_rows(db)
        assert row.state == QUEUED
        await days_off(db, clock, tom, list(range(7)))
        clock.advance(timedelta(minutes=5))
        # Before: the sender held it "until" now, claimed it again at once, for ever.
        assert await asyncio.wait_for(worker.tick(clock.now()), 10) == 1
    [row] = await outbox_rows(db)
    assert row.state == SENT
    assert (await item(db, "r:1")).state == SENT
