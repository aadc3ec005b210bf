"""The outbox worker over the loopback connector, on SQLite and on PostgreSQL.

Time: the test's FixedClock is the business clock; the worker's pacing waits add to `PaceTime`
instead of sleeping, so nothing here waits for real.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.app.notices import NoticeContext, NoticeKind
from bot.app.pacing import TenantPacer
from bot.app.turn import Message
from bot.clock import FixedClock
from bot.domain.local_time import LONDON
from bot.domain.throttle import CONVERSATION_WINDOWS, RetryPolicy
from storage.db import Database
from storage.models import Organisation, Person
from storage.outbox import OutboxMessage, TenantPacing, retry_undelivered, undelivered
from storage.people import Directory
from storage.preferences import Preferences
from storage.reminders import CANCELLED, FAILED, OPTED_OUT, PENDING, QUEUED, SENT, Schedule
from tests.support.databases import stored_rows
from tests.support.loopback import LoopbackConnector, RosterMember
from tests.support.reminders import (
    ORG,
    channel,
    conversation_ref,
    item,
    loopback_worker,
    person,
    person_with_chat,
    personal_ref,
    personal_where,
    sample_kinds,
    schedule,
)

pytestmark = pytest.mark.usefixtures("connector")


def conv(key: str) -> str:
    return f"a:personal-29:{key}"


def texts(loop: LoopbackConnector) -> list[str]:
    return [s.text for s in loop.messages()]


@pytest.fixture
async def tom(db: Database, connector: LoopbackConnector, clock: FixedClock) -> int:
    """Tom, who has said hello to the bot: his person id."""
    return await person_with_chat(db, connector, "tom", clock)


async def test_a_due_item_is_sent_once_and_marked_sent_with_its_activity_id(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    await schedule(db, clock, "r:1", person_id=tom, due_in_seconds=60)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
        clock.advance(timedelta(minutes=1))
        assert await worker.tick(clock.now()) == 1
        assert await worker.tick(clock.now()) == 0
    assert [s.conversation_id for s in connector.messages()] == [conv("tom")]
    sent = connector.messages()[0]
    assert sent.cards and sent.cards[0]["actions"]  # a card with its next step
    stored = await item(db, "r:1")
    assert stored.state == SENT and stored.activity_id == sent.activity_id
    [row] = await stored_rows(db, OutboxMessage)
    assert row.state == SENT and row.activity_id == sent.activity_id
    assert row.conversation_id == conv("tom")


async def test_several_senders_in_one_process_send_each_item_once(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    people = [await person_with_chat(db, connector, f"p{i}", clock) for i in range(30)]
    for i, person_id in enumerate(people):
        await schedule(db, clock, f"fan:{i}", person_id=person_id)
    async with loopback_worker(db, clock, slots=4) as (worker, _):
        assert await worker.tick(clock.now()) == 30
    assert sorted(texts(connector)) == sorted(f"fan:{i}" for i in range(30))


async def test_cancelling_or_rescheduling_a_queued_message_withdraws_it(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    ann = await person_with_chat(db, connector, "ann", clock)
    await schedule(db, clock, "otla:1:tom", person_id=tom, what="first")
    await schedule(db, clock, "otla:1:ann", person_id=ann, what="first")
    connector.answer(conv("tom"), 503)
    connector.answer(conv("ann"), 503)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0  # both wait in the outbox for a retry
        assert (await item(db, "otla:1:tom")).state == QUEUED
        await schedule(db, clock, "otla:1:tom", person_id=tom, what="second")
        async with db.unit_of_work() as uow:
            assert await Schedule(uow.session).cancel_prefix(ORG, "otla:1:a", clock.now()) == 1
            await uow.commit()
        clock.advance(timedelta(minutes=5))
        assert await worker.tick(clock.now()) == 1
    assert texts(connector) == ["second"]
    assert (await item(db, "otla:1:ann")).state == CANCELLED
    assert [r.state for r in await stored_rows(db, OutboxMessage)] == [CANCELLED, CANCELLED, SENT]


async def test_a_429_waits_for_retry_after_and_holds_the_tenant(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    await schedule(db, clock, "r:1", person_id=tom)
    connector.answer(conv("tom"), 429, retry_after="3")
    async with loopback_worker(db, clock) as (worker, pace):
        assert await worker.tick(clock.now()) == 0
        [row] = await stored_rows(db, OutboxMessage)
        assert row.state == QUEUED and row.throttled == 1 and row.last_status == 429
        assert row.not_before == clock.now() + timedelta(seconds=3)
        async with db.unit_of_work() as uow:
            held = await uow.session.get(TenantPacing, ORG)
            assert held is not None and held.next_free >= pace.wall() + 0.99
        clock.advance(timedelta(seconds=2))
        assert await worker.tick(clock.now()) == 0  # not before Retry-After
        clock.advance(timedelta(seconds=1))
        assert await worker.tick(clock.now()) == 1
    assert texts(connector) == ["r:1"]
    assert worker.stats["http_429"] == 1


@pytest.mark.parametrize(
    ("status", "headers"),
    [(429, {}), (412, {}), (502, {}), (503, {"retry_after": "1"}), (504, {})],
)
async def test_busy_answers_are_retried_with_backoff(
    db: Database,
    connector: LoopbackConnector,
    clock: FixedClock,
    status: int,
    headers: dict[str, str],
    tom: int,
) -> None:
    await schedule(db, clock, "r:1", person_id=tom)
    connector.answer(conv("tom"), status, **headers)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
        [row] = await stored_rows(db, OutboxMessage)
        # Retry-After when given; else the first backoff: 2 s, half of it plus jitter (0.5).
        wait = 1.0 if headers else 1.5
        assert row.not_before == clock.now() + timedelta(seconds=wait)
        clock.advance(timedelta(seconds=wait))
        assert await worker.tick(clock.now()) == 1
    assert texts(connector) == ["r:1"]


async def test_retries_are_bounded_then_the_failure_is_recorded(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    await schedule(db, clock, "r:1", person_id=tom)
    connector.fail_with[conv("tom")] = 503
    async with loopback_worker(db, clock, policy=RetryPolicy(max_attempts=3)) as (worker, _):
        for _ in range(5):
            assert await worker.tick(clock.now()) == 0
            clock.advance(timedelta(minutes=10))
    stored = await item(db, "r:1")
    assert stored.state == FAILED and "gave up after 3 tries" in (stored.last_error or "")
    assert len([r for r in connector.requests if r[1].endswith("/activities")]) == 3
    ref = await personal_ref(db, tom)
    assert ref is not None and ref.blocked_reason is None  # busy is not blocked


@pytest.mark.parametrize(("status", "words"), [(403, "blocked TLC"), (404, "no longer exists")])
async def test_blocked_or_gone_conversations_fail_and_stop_until_seen_again(
    db: Database, connector: LoopbackConnector, clock: FixedClock, status: int, words: str, tom: int
) -> None:
    await schedule(db, clock, "r:1", person_id=tom)
    connector.fail_with[conv("tom")] = status
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
        first = await item(db, "r:1")
        assert first.state == FAILED and words in (first.last_error or "")
        ref = await personal_ref(db, tom)
        assert ref is not None and words in (ref.blocked_reason or "")

        calls = len(connector.requests)
        await schedule(db, clock, "r:2", person_id=tom)
        assert await worker.tick(clock.now()) == 0
        assert len(connector.requests) == calls  # no more sends to that conversation
        assert (await item(db, "r:2")).state == FAILED

        async with db.unit_of_work() as uow:
            view = await undelivered(uow.session, ORG)
        assert [(u.recipient, u.reachable) for u in view] == [("Tom", False)] * 2
        assert words in view[1].reason

        # Tom talks to the bot again: reachable again, and both go back to the queue by
        # themselves (nothing left for the admin's try again).
        del connector.fail_with[conv("tom")]
        async with db.unit_of_work() as uow:
            tom_row = await uow.session.get(Person, tom)
            await Directory(uow.session).remember_conversation(
                ORG, personal_where(connector, "tom"), tom_row, None, clock.now()
            )
            assert await retry_undelivered(uow.session, ORG, clock.now()) == 0
            await uow.commit()
        assert await worker.tick(clock.now()) == 2
    assert sorted(texts(connector)) == ["r:1", "r:2"]


async def test_a_conversation_never_gets_more_than_teams_allows(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    ref_id = await channel(db, connector, clock)
    for i in range(61):
        await schedule(db, clock, f"prompt:{i:02d}", conversation_ref_id=ref_id)
    async with loopback_worker(db, clock) as (worker, pace):
        assert await worker.tick(clock.now()) == 60
        rows = await stored_rows(db, OutboxMessage)
        times = [r.paced_at for r in rows if r.state == SENT and r.paced_at is not None]
        for window in CONVERSATION_WINDOWS:
            assert most_in(times, window.seconds) <= window.count
        [held] = [r for r in rows if r.state == QUEUED]
        # The 61st must wait for the first to be 30 s old: too long to hold a sender.
        assert held.not_before > clock.now() + timedelta(seconds=2)
        assert held.last_error == "waiting for the conversation's limit"
        clock.set(held.not_before)
        assert await worker.tick(clock.now()) == 1
    assert {s.conversation_id for s in connector.messages()} == {"19:maths-general@thread.tacv2"}
    assert len(connector.messages()) == 61


def most_in(times: list[float], seconds: float) -> int:
    ordered = sorted(times)
    return max((sum(1 for t in ordered if end - seconds < t <= end) for end in ordered), default=0)


async def test_the_tenant_pace_is_shared_by_every_worker(db: Database, clock: FixedClock) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(round(seconds, 6))

    def wall() -> float:
        return 1000.0

    first = TenantPacer(db, 40, wall=wall, sleep=record)
    second = TenantPacer(db, 40, wall=wall, sleep=record)
    for pacer in itertools.islice(itertools.cycle([first, second]), 6):
        await pacer.wait_turn(ORG)
    await first.close()
    await second.close()
    assert waits == [0.025, 0.05, 0.075, 0.1, 0.125]  # the first goes at once


async def test_a_worker_that_wakes_too_late_takes_a_new_slot(
    db: Database, clock: FixedClock
) -> None:
    """Late requests bunch up at Teams: a slot missed by more than its width is given up."""
    now = [1000.0]
    waits: list[float] = []

    async def oversleep(seconds: float) -> None:
        waits.append(round(seconds, 6))
        now[0] += seconds + (0.2 if len(waits) == 2 else 0.0)  # the second wake is late

    pacer = TenantPacer(db, 40, wall=lambda: now[0], sleep=oversleep)
    for _ in range(3):
        await pacer.wait_turn(ORG)
    await pacer.close()
    # Slots at 1000 (at once), 1000.025 (on time) and 1000.05, but that wake came at 1000.25:
    # too late, so the third request took a new slot at 1000.25 instead.
    assert waits == [0.025, 0.025]
    async with db.unit_of_work() as uow:
        pacing = await uow.session.get(TenantPacing, ORG)
        assert pacing is not None and pacing.next_free == pytest.approx(1000.275)


async def test_messages_wait_for_sending_hours(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=LONDON)
    clock.set(friday_evening)
    await schedule(db, clock, "r:1", person_id=tom)
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=LONDON).astimezone(UTC)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
        held = await item(db, "r:1")
        assert held.state == PENDING and held.ready_at == monday
        clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=LONDON))
        assert await worker.tick(clock.now()) == 0
        clock.set(monday)
        assert await worker.tick(clock.now()) == 1
    assert texts(connector) == ["r:1"]


async def test_a_retry_that_falls_after_hours_waits_for_the_morning(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    clock.set(datetime(2026, 11, 24, 17, 59, 59, tzinfo=LONDON))
    await schedule(db, clock, "r:1", person_id=tom)
    connector.answer(conv("tom"), 503)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
        calls = len(connector.requests)
        clock.advance(timedelta(seconds=5))
        assert await worker.tick(clock.now()) == 0
        assert len(connector.requests) == calls
        [row] = await stored_rows(db, OutboxMessage)
        assert row.not_before == datetime(2026, 11, 25, 8, 0, tzinfo=LONDON).astimezone(UTC)


async def test_an_organisation_can_allow_weekends(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    async with db.unit_of_work() as uow:
        org = await uow.session.get(Organisation, ORG)
        assert org is not None
        org.settings = {"sending_hours": {"weekends": True}}
        await uow.commit()
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=LONDON))
    await schedule(db, clock, "r:1", person_id=tom)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 1


async def test_opted_out_kinds_are_not_sent_but_deadlines_always_are(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    async with db.unit_of_work() as uow:
        await Preferences(uow.session).choose(ORG, tom, "offers", True, clock.now())
        await uow.commit()
    await schedule(db, clock, "offer:1", person_id=tom, kind="test.offer")
    await schedule(db, clock, "deadline:1", person_id=tom, kind="test.deadline")
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 1
    assert texts(connector) == ["deadline:1"]
    offer = await item(db, "offer:1")
    assert offer.state == OPTED_OUT and "offers" in (offer.last_error or "")


async def _gone(ctx: NoticeContext) -> Message | None:
    return None


async def _broken(ctx: NoticeContext) -> Message | None:
    raise RuntimeError("the observation has no date")


async def _weekly(ctx: NoticeContext) -> Message | None:
    this_week = ctx.item.due_at
    await ctx.schedule.put(
        ctx.item.org_id,
        ctx.item.key,
        ctx.item.kind,
        this_week + timedelta(days=7),
        ctx.now,
        person_id=ctx.item.person_id,
    )
    return Message(text=f"week of {this_week:%d %b}")


async def _again_now(ctx: NoticeContext) -> Message | None:
    await ctx.schedule.put(
        ctx.item.org_id, ctx.item.key, ctx.item.kind, ctx.now, ctx.now, person_id=ctx.item.person_id
    )
    return Message(text="again")


async def test_a_render_that_re_arms_itself_for_now_is_not_sent_in_a_loop(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    await schedule(db, clock, "loop", person_id=tom, kind="test.again")
    kinds = sample_kinds(NoticeKind("test.again", _again_now))
    async with loopback_worker(db, clock, kinds) as (worker, _):
        assert await worker.tick(clock.now()) == 1
        held = await item(db, "loop")
        assert held.state == PENDING and held.ready_at == clock.now() + timedelta(minutes=10)


async def test_render_decides_at_send_time(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    kinds = sample_kinds(
        NoticeKind("test.gone", _gone),
        NoticeKind("test.broken", _broken),
        NoticeKind("test.weekly", _weekly),
    )
    tom = await person_with_chat(db, connector, "tom", clock)
    await schedule(db, clock, "gone", person_id=tom, kind="test.gone")
    await schedule(db, clock, "broken", person_id=tom, kind="test.broken")
    await schedule(db, clock, "weekly", person_id=tom, kind="test.weekly")
    await schedule(db, clock, "fine", person_id=tom)
    async with loopback_worker(db, clock, kinds) as (worker, _):
        assert await worker.tick(clock.now()) == 2
        assert (await item(db, "gone")).state == CANCELLED
        broken = await item(db, "broken")  # tried again later (it fails after 8 tries)
        assert broken.state == PENDING and broken.ready_at > clock.now()
        assert (
            broken.last_error == "the message could not be drawn: RuntimeError; it is tried again"
        )
        weekly = await item(db, "weekly")
        assert weekly.state == PENDING and weekly.due_at == clock.now() + timedelta(days=7)
        clock.advance(timedelta(days=7))
        assert await worker.tick(clock.now()) == 1  # and it re-arms itself again
    assert sorted(texts(connector)) == ["fine", "week of 23 Nov", "week of 30 Nov"]


async def test_an_unknown_kind_fails_with_a_reason(
    db: Database, connector: LoopbackConnector, clock: FixedClock, tom: int
) -> None:
    await schedule(db, clock, "r:1", person_id=tom, kind="nobody.knows")
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
    stored = await item(db, "r:1")
    assert stored.state == FAILED and "nobody.knows" in (stored.last_error or "")


async def _team_with_roster(
    db: Database, connector: LoopbackConnector, clock: FixedClock, members: int
) -> None:
    await channel(db, connector, clock)
    for i in range(members):
        connector.add_member(
            RosterMember(f"29:member-{i}", f"Member {i}", f"aad-m{i}", f"m{i}@college.ac.uk")
        )


async def _imported(db: Database, email: str, clock: FixedClock) -> int:
    """A tutor from the tutor list: an email, no Teams id, never seen in Teams."""
    async with db.unit_of_work() as uow:
        await Directory(uow.session).organisation(ORG, clock.now())
        tutor = Person(org_id=ORG, email=email, name=email, created_at=clock.now())
        uow.session.add(tutor)
        await uow.commit()
        return tutor.id


async def test_a_1_1_chat_is_opened_from_a_shared_teams_paged_roster(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    await _team_with_roster(db, connector, clock, members=1100)
    far = await _imported(db, "m1050@college.ac.uk", clock)  # on the third page
    near = await _imported(db, "m3@college.ac.uk", clock)
    await schedule(db, clock, "r:far", person_id=far)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 1
        roster_reads = [r for r in connector.requests if "/pagedmembers" in r[1]]
        assert len(roster_reads) == 3
        assert [c["members"][0]["id"] for c in connector.created] == ["29:member-1050"]
        assert [s.conversation_id for s in connector.messages()] == ["a:personal-29:member-1050"]
        ref = await personal_ref(db, far)
        assert ref is not None and ref.conversation_id == "a:personal-29:member-1050"
        assert ref.service_url == connector.service_url and ref.bot_id == "28:tlc-bot"
        assert (await person(db, near)).teams_user_id == "29:member-3"  # linked on the way

        await schedule(db, clock, "r:far-2", person_id=far)
        await schedule(db, clock, "r:near", person_id=near)
        assert await worker.tick(clock.now()) == 2
    assert len([r for r in connector.requests if "/pagedmembers" in r[1]]) == 3  # not again
    assert [c["members"][0]["id"] for c in connector.created] == [
        "29:member-1050",
        "29:member-3",
    ]


async def test_without_a_chat_or_a_shared_team_the_failure_says_why(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    stranger = await _imported(db, "nobody@college.ac.uk", clock)
    await schedule(db, clock, "r:1", person_id=stranger)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
    stored = await item(db, "r:1")
    assert stored.state == FAILED and "no team shared" in (stored.last_error or "")


async def test_a_blocked_channel_reference_is_not_used(
    db: Database, connector: LoopbackConnector, clock: FixedClock
) -> None:
    ref_id = await channel(db, connector, clock)
    connector.fail_with["19:maths-general@thread.tacv2"] = 403
    await schedule(db, clock, "c:1", conversation_ref_id=ref_id)
    async with loopback_worker(db, clock) as (worker, _):
        assert await worker.tick(clock.now()) == 0
    assert (await conversation_ref(db, ref_id)).blocked_reason
    async with db.unit_of_work() as uow:
        [line] = await undelivered(uow.session, ORG)
    assert line.recipient == "a team channel" and not line.reachable
