"""Nothing lost (SPEC principle 3) at the edges of the worker: people's own quiet times that
never meet the organisation's hours, renderers that fail, and what Teams and the network answer.

The worker runs over the loopback connector; assertions are on the stored scheduled items and
outbox rows.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

import pytest
from aiohttp import web
from sqlalchemy import select

import bot.teams.web as web_module
from bot.app.notices import FailureContext, NoticeContext, NoticeKind
from bot.app.turn import Message
from bot.clock import FixedClock
from bot.teams.connector import Connector
from bot.teams.web import BOT_KEY
from storage.db import Database
from storage.outbox import OutboxMessage
from storage.preferences import Preferences
from storage.reminders import FAILED, PENDING, QUEUED, SENT, ScheduledItem
from tests.conftest import TUTOR
from tests.support.databases import stored_rows
from tests.support.loopback import LoopbackConnector
from tests.support.reminders import (
    ORG,
    channel,
    item,
    loopback_worker,
    person_with_chat,
    personal_ref,
    sample_kinds,
    schedule,
)
from tests.support.teams import Place, TeamsClient

pytestmark = pytest.mark.usefixtures("connector")


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


async def message_to_tom_answered(
    db: Database, connector: LoopbackConnector, clock: FixedClock, status: int
) -> int:
    """Tom, who has a 1:1 chat, has message "r:1" due now, and his chat answers with `status`:
    his id."""
    tom = await person_with_chat(db, connector, "tom", clock)
    await schedule(db, clock, "r:1", person_id=tom)
    connector.answer("a:personal-29:tom", status)
    return tom


async def test_a_queued_message_for_someone_with_every_day_off_does_not_spin_the_tick(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    tom = await message_to_tom_answered(db, connector, clock, 503)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0  # in the outbox, waiting for a retry
        [row] = await stored_rows(db, OutboxMessage)
        assert row.state == QUEUED
        await days_off(db, clock, tom, list(range(7)))
        clock.advance(timedelta(minutes=5))
        # Before: the sender held it "until" now, claimed it again at once, for ever.
        assert await asyncio.wait_for(worker.tick(clock.now()), 10) == 1
    [row] = await stored_rows(db, OutboxMessage)
    assert row.state == SENT
    assert (await item(db, "r:1")).state == SENT


async def test_a_notice_that_cannot_be_drawn_fails_and_whoever_asked_is_told(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    tom = await person_with_chat(db, connector, "tom", clock)
    ref = await channel(db, connector, clock)

    async def broken(ctx: NoticeContext) -> Message:
        raise RuntimeError("the template is broken on Tom's note: Noisy start")

    async def tell_channel(ctx: FailureContext) -> None:
        await ctx.schedule.put(
            ORG, "told", "test.told", ctx.now, ctx.now, conversation_ref_id=ref,
            payload={"what": f"not delivered: {ctx.reason}"},
        )  # fmt: skip

    async def told(ctx: NoticeContext) -> Message:
        return Message(text=str(ctx.payload["what"]))

    kinds = sample_kinds(
        NoticeKind("test.doc", broken, asked_for=True, on_failure=tell_channel),
        NoticeKind("test.told", told, asked_for=True, to_channel=True),
    )
    await schedule(db, clock, "doc:1", person_id=tom, kind="test.doc")
    await schedule(db, clock, "r:1", person_id=tom)  # in the same batch: still goes
    async with loopback_worker(db, clock, kinds) as (worker, _):
        assert await worker.tick(clock.now()) == 1
        # Tried again on later ticks, backing off, within the usual 8 tries; then it fails.
        for _ in range(7):
            waiting = await item(db, "doc:1")
            assert waiting.state == PENDING and waiting.ready_at > clock.now()
            assert "RuntimeError" in (waiting.last_error or "")
            assert "Noisy start" not in (waiting.last_error or "")
            assert await worker.tick(clock.now()) == 0  # not yet
            clock.advance(timedelta(minutes=10))
            assert await worker.tick(clock.now()) == 0
        failed = await item(db, "doc:1")
        assert failed.state == FAILED and "RuntimeError" in (failed.last_error or "")
        assert failed.attempts == 8
        # The admin's `undelivered` view shows last_error: not the exception's words, which
        # may quote the record (the logs withhold them too).
        assert "Noisy start" not in (failed.last_error or "")
        # The person who asked for it hears that it will not come (as a 403 would tell them).
        assert (await item(db, "told")).state in (PENDING, QUEUED, SENT)
        await worker.tick(clock.now())
    assert (await item(db, "r:1")).state == SENT
    assert (await item(db, "told")).state == SENT
    texts = [s.text for s in connector.messages()]
    assert texts[0] == "r:1"
    assert texts[1] == "not delivered: something went wrong on TLC's side while preparing it"
    assert "template" not in texts[1] and "Noisy" not in texts[1]


# --- A turn's own reply when Teams does not answer in time -------------------------------------


@pytest.fixture
def slow_teams(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot gives up on a Teams request after half a second (15 s in production)."""
    monkeypatch.setattr(web_module, "Connector", partial(Connector, timeout=0.5))


async def test_a_reply_teams_does_not_answer_in_time_goes_to_the_outbox(
    slow_teams: None, teams: TeamsClient, teams_app: web.Application, clock: FixedClock
) -> None:
    bot = teams_app[BOT_KEY]
    bot.turn_budget = 0.6  # no time left for another try once the request has timed out
    await teams.say(TUTOR, "hello")
    personal = Place.personal(TUTOR).conversation_id
    teams.connector.hang_at = len(teams.connector.messages()) + 1
    try:
        await teams.say(TUTOR, "help")
        # Before: TimeoutError is not a ClientError, so the turn failed (502) and the reply
        # was dropped.
        assert teams.last_status in (200, 201)
    finally:
        teams.connector.release.set()
    async with bot.db.unit_of_work() as uow:
        kind = ScheduledItem.kind == "turn.reply"
        items = (await uow.session.scalars(select(ScheduledItem).where(kind))).all()
    assert items and {i.state for i in items} == {PENDING}
    teams.connector.clear()
    assert await bot.worker.tick(clock.now()) == len(items)
    assert {s.conversation_id for s in teams.connector.messages()} == {personal}


async def test_a_message_whose_outcome_cannot_be_recorded_waits_and_the_tick_goes_on(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    """Teams refuses Tom's message, and recording that fails (its commit, or an on_failure's
    database error): the tick does not end there, Amy's message still goes, and Tom's waits a
    while instead of being claimed again at once, the reason stored for the admin's
    `undelivered` view. Tried again once the wait is over, it goes (Teams answered 403 once)."""
    tom = await person_with_chat(db, connector, "tom", clock)
    amy = await person_with_chat(db, connector, "amy", clock)
    await schedule(db, clock, "r:1", person_id=tom)
    await schedule(db, clock, "r:2", person_id=amy)
    connector.answer("a:personal-29:tom", 403)
    async with loopback_worker(db, clock) as (worker, _):
        record = worker._failed
        unrecorded: list[int] = []

        async def failing_to_record(claim, row, *args):  # type: ignore[no-untyped-def]
            if not unrecorded:
                unrecorded.append(row.id)
                raise RuntimeError("the commit failed")
            await record(claim, row, *args)

        worker._failed = failing_to_record  # type: ignore[method-assign]
        assert await asyncio.wait_for(worker.tick(clock.now()), 10) == 1
        rows = {r.id: r for r in await stored_rows(db, OutboxMessage)}
        waiting = rows[unrecorded[0]]
        assert waiting.state == QUEUED and waiting.not_before > clock.now()
        assert "could not record" in (waiting.last_error or "")
        assert [r.state for i, r in rows.items() if i != unrecorded[0]] == [SENT]
        assert worker.stats["set_aside"] == 1
        assert await worker.tick(clock.now()) == 0  # still waiting
        clock.advance(timedelta(minutes=6))
        assert await worker.tick(clock.now()) == 1
    assert (await item(db, "r:1")).state == (await item(db, "r:2")).state == SENT


@pytest.mark.parametrize("status", [401, 408])
async def test_a_lapsed_token_or_a_timed_out_request_is_tried_again(
    db: Database, connector: LoopbackConnector, clock: FixedClock, status: int
) -> None:
    """401 (a token that lapsed early) and 408 (Teams timed the request out) are not about the
    message: it waits and goes, rather than failing on its first try."""
    await message_to_tom_answered(db, connector, clock, status)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
        [row] = await stored_rows(db, OutboxMessage)
        assert row.state == QUEUED and row.last_status == status
        clock.advance(timedelta(minutes=5))
        assert await worker.tick(clock.now()) == 1
    assert (await item(db, "r:1")).state == SENT


async def test_a_404_on_an_update_fails_only_that_update_not_the_conversation(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    """Someone deleted the message a card update was for: Teams answers the PUT with 404. That
    update fails, but the conversation is still there: Tom's next message goes (before: the
    conversation was marked unreachable and every later message to Tom failed unsent)."""
    tom = await person_with_chat(db, connector, "tom", clock)

    async def update(ctx: NoticeContext) -> Message:
        return Message(text="updated", update_id="bot-activity-deleted")

    kinds = sample_kinds(NoticeKind("test.update", update))
    await schedule(db, clock, "u:1", person_id=tom, kind="test.update")
    connector.answer("a:personal-29:tom", 404)
    async with loopback_worker(db, clock, kinds) as (worker, _):
        assert await worker.tick(clock.now()) == 0
        failed = await item(db, "u:1")
        assert failed.state == FAILED and "message to update" in (failed.last_error or "")
        ref = await personal_ref(db, tom)
        assert ref is not None and ref.blocked_reason is None
        await schedule(db, clock, "r:2", person_id=tom)
        assert await worker.tick(clock.now()) == 1
    assert (await item(db, "r:2")).state == SENT
    assert [s.text for s in connector.messages()] == ["r:2"]


async def test_a_404_on_a_new_message_still_marks_the_conversation_gone(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    tom = await message_to_tom_answered(db, connector, clock, 404)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
    assert (await item(db, "r:1")).state == FAILED
    ref = await personal_ref(db, tom)
    assert ref is not None and "no longer exists" in (ref.blocked_reason or "")


async def test_a_notice_whose_drawing_hangs_does_not_hold_the_tick(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    """A renderer that never returns (a lock, a query that hangs) is given up after the
    worker's `draw_timeout`, like one that raised: the tick ends, the other message goes, and
    the stuck one is tried again later, its last_error the exception's type only."""
    tom = await person_with_chat(db, connector, "tom", clock)
    hangs = True

    async def stuck(ctx: NoticeContext) -> Message:
        if hangs:
            await asyncio.Event().wait()
        return Message(text="drawn at last")

    kinds = sample_kinds(NoticeKind("test.stuck", stuck))
    await schedule(db, clock, "stuck:1", person_id=tom, kind="test.stuck")
    await schedule(db, clock, "r:1", person_id=tom)
    async with loopback_worker(db, clock, kinds) as (worker, _):
        worker.draw_timeout = 0.2
        # Before: the tick waited for the renderer for ever.
        assert await asyncio.wait_for(worker.tick(clock.now()), 10) == 1
        waiting = await item(db, "stuck:1")
        assert waiting.state == PENDING and waiting.ready_at > clock.now()
        assert (waiting.last_error or "").startswith("the message could not be drawn: Timeout")
        hangs = False  # whatever held it has let go
        clock.advance(timedelta(minutes=1))
        assert await asyncio.wait_for(worker.tick(clock.now()), 10) == 1
    assert (await item(db, "stuck:1")).state == SENT
    assert [s.text for s in connector.messages()] == ["r:1", "drawn at last"]
