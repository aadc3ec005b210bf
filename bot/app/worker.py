"""The worker: each `tick(now)` moves what is due into the outbox and sends it, like Teams expects.

A tick runs a mover and a few senders side by side:
- the mover takes due scheduled items in batches (locked, skipping locked rows, on PostgreSQL),
  holds back those due out of the organisation's sending hours (`ready_at` moves to the next
  allowed time), drops those the person opted out of, renders the rest and queues them in the
  outbox in the same transaction;
- each sender claims one outbox message at a time (`storage.outbox.OutboxQueue`), finds the
  conversation (a person's 1:1 chat, opened from a shared team's roster if need be), keeps
  Teams' per-conversation limits (counted from the outbox, one sender per conversation at a
  time), takes a tenant request slot (`bot.app.pacing`), sends, and records the activity id and
  `sent` in the transaction that holds the claim. 429/412/5xx wait and retry a bounded number of
  times; 403/404 fail the message with the reason and mark the conversation unreachable.

Tests call `tick` directly with a fixed clock; nothing here sleeps except to keep to Teams' pace.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.notices import FailureContext, NoticeContext, NoticeKinds
from bot.app.pacing import Sleep, WallClock, wall_clock
from bot.app.turn import Message
from bot.clock import Clock
from bot.domain.sending_hours import SendingHours, next_allowed_both
from bot.domain.throttle import LONGEST_WINDOW, RetryPolicy, conversation_wait
from storage.db import Database, UnitOfWork
from storage.models import ConversationRef, Organisation, Person
from storage.outbox import Claim, OutboxMessage, OutboxQueue, recent_sends
from storage.people import Directory
from storage.preferences import Preferences, QuietHours
from storage.privacy import purge_expired
from storage.reminders import (
    CANCELLED,
    FAILED,
    OPTED_OUT,
    PENDING,
    QUEUED,
    SENT,
    Schedule,
    ScheduledItem,
)

log = logging.getLogger(__name__)
REARM_GAP = timedelta(minutes=10)
# How long a message waits whose outcome could not be recorded (it may have gone: Teams may
# then get it twice, as after a kill between the send and the commit).
SET_ASIDE = timedelta(minutes=5)
PURGE_EVERY = timedelta(hours=1)
DRAW_FAILED = "something went wrong on TLC's side while preparing it"
# Seconds a notice's `render` may take: one that hangs (a lock, a slow query) must not hold the
# tick, and every message behind it, for ever. It counts as a draw that failed.
DRAW_TIMEOUT = 20.0


class Undeliverable(Exception):
    """The message can never be delivered as addressed. `block`: the conversation is
    unreachable (403 blocked / not in the roster, 404 gone) until the person is seen again.
    `unreachable`: TLC has no usable conversation with the person (never chatted, blocked,
    uninstalled); their message goes again when TLC can reach them (`Schedule.resend_to`)."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        block: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.block = block
        self.unreachable = unreachable or block


class TryLater(Exception):
    """Teams could not take it now (429, 412, 5xx, network); `retry_after` if it said when."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class Sender(Protocol):
    """Where messages go out (the Teams layer implements it)."""

    async def reach(self, person: Person) -> ConversationRef:
        """The person's 1:1 conversation, opened if need be; raises Undeliverable/TryLater."""
        ...

    async def post(self, ref: ConversationRef, message: Message) -> str:
        """Send one message; returns the activity id Teams gave it."""
        ...

    async def close(self) -> None:
        """Let go of whatever it holds (connections)."""
        ...


class OneShotSender(Protocol):
    """The contract's first shape, still accepted: deliver one message to a person or to a
    conversation, and say nothing about which conversation a person's message went to."""

    async def to_person(self, person: Person, message: Message) -> str: ...

    async def to_conversation(self, ref: ConversationRef, message: Message) -> str: ...


class _OneShot:
    """A `OneShotSender` as a `Sender`: a person's messages go through `to_person`, and are
    counted under a conversation of the person's own for the per-conversation limits."""

    def __init__(self, inner: OneShotSender) -> None:
        self.inner = inner
        self._people: dict[str, Person] = {}

    async def reach(self, person: Person) -> ConversationRef:
        key = f"person:{person.id}"
        self._people[key] = person
        return ConversationRef(
            org_id=person.org_id,
            conversation_id=key,
            kind="personal",
            service_url="",
            person_id=person.id,
        )

    async def post(self, ref: ConversationRef, message: Message) -> str:
        # Not popped: one tick may send a person several messages (one key per person, so this
        # holds at most one row per person the worker has reached).
        person = self._people.get(ref.conversation_id)
        if person is not None:
            return await self.inner.to_person(person, message)
        return await self.inner.to_conversation(ref, message)

    async def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            await close()


def encode(message: Message) -> dict[str, Any]:
    data = {"text": message.text, "card": message.card, "attachments": message.attachments}
    if message.update_id:
        data["update_id"] = message.update_id
    return data


def decode(data: dict[str, Any]) -> Message:
    return Message(
        text=data.get("text"),
        card=data.get("card"),
        attachments=list(data.get("attachments") or []),
        update_id=data.get("update_id") or None,
    )


class _Progress:
    """The mover tells waiting senders when it has queued more, and when it is done."""

    def __init__(self) -> None:
        self.generation = 0
        self.moving = True
        self._changed = asyncio.Condition()

    async def bump(self) -> None:
        async with self._changed:
            self.generation += 1
            self._changed.notify_all()

    async def finish(self) -> None:
        async with self._changed:
            self.moving = False
            self._changed.notify_all()

    async def wait(self, seen: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.generation != seen or not self.moving)


class _KeyedLocks:
    """One asyncio lock per conversation in this process, forgotten when nobody holds it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Worker:
    def __init__(
        self,
        db: Database,
        kinds: NoticeKinds,
        sender: Sender | OneShotSender,
        *,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        slots: int = 4,
        batch: int | None = None,
        wall: WallClock = wall_clock,
        sleep: Sleep = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        longest_wait: float = 2.0,
        retention: timedelta = timedelta(days=30),
        draw_timeout: float = DRAW_TIMEOUT,
    ) -> None:
        """`clock` lets a long tick see time pass (production); without it a tick's `now` holds.
        `wall`/`sleep` pace requests in real time; `longest_wait` is how long a sender may wait
        for a conversation's limit before it puts the message back for later; `draw_timeout`
        how long a notice's `render` may take before it counts as failed."""
        self.db = db
        self.kinds = kinds
        # A Sender finds conversations itself; a one-shot sender is adapted (tests' recorders).
        self.direct = hasattr(sender, "reach") and hasattr(sender, "post")
        self.sender: Sender = sender if self.direct else _OneShot(sender)  # type: ignore[assignment,arg-type]
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.slots = max(1, slots)
        # SQLite has one writer at a time: smaller batches hold it for less.
        self.batch = batch or (100 if db.is_postgres else 25)
        self.backlog = 2 * self.batch  # queued and ready, before the mover waits for senders
        self.wall = wall
        self.sleep = sleep
        self.rand = rand
        self.longest_wait = longest_wait
        self.draw_timeout = draw_timeout
        # Stored retry replies and sent messages' bodies are forgotten after `retention`.
        self.retention = retention
        self._purged_at: datetime | None = None
        self.queue = OutboxQueue(db)
        self.stats: Counter[str] = Counter()
        self._conversations = _KeyedLocks()
        self._hours: dict[str, SendingHours] = {}
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._sole = db.sole_worker()

    # -- running ---------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def begin(self) -> None:
        """Before the first tick of a running worker: on SQLite, make sure it is the only one
        on its file (`storage.db.SoleWorker`); raises `AnotherWorker` with what to do if not.
        Tests that tick a worker directly may skip it."""
        if self._sole is not None:
            self._sole.take()

    async def close(self) -> None:
        if self._sole is not None:
            self._sole.release()
        await self.sender.close()

    def stop(self) -> None:
        """Finish the message in hand, then stop (SIGTERM)."""
        self._stop.set()

    def wake(self) -> None:
        """Something was just queued that a person is waiting for (their document, the card
        they pressed on): tick soon instead of at the end of the interval."""
        self._wake.set()

    async def idle(self, seconds: float, *, wakeable: bool = True) -> None:
        """Wait between ticks; returns early when asked to stop, or (`wakeable`) when woken."""
        if not wakeable:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), seconds)
            return
        waits = [asyncio.ensure_future(self._stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            self._wake.clear()

    async def tick(self, now: datetime) -> int:
        """Queue every item due at `now` and send what is queued; returns how many were sent."""
        self._hours = {}
        progress = _Progress()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._move_all(now, progress))
            senders = [group.create_task(self._send_all(now, progress)) for _ in range(self.slots)]
        await self._purge(now)
        return sum(s.result() for s in senders)

    async def _purge(self, now: datetime) -> None:
        """At most hourly: forget copies of confidential cards older than the retention period."""
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return
        try:
            async with self.db.unit_of_work() as uow:
                purged = await purge_expired(uow.session, now, self.retention)
                await uow.commit()
        except Exception:
            log.exception("purging stored replies and message bodies failed; next tick retries")
            return
        self._purged_at = now
        self.stats["purged_replies"] += purged.replies
        self.stats["purged_bodies"] += purged.bodies
        self.stats["purged_documents"] += purged.documents
        self.stats["emptied_answers"] += purged.answers

    def _now(self, tick_now: datetime) -> datetime:
        return max(tick_now, self.clock.now()) if self.clock is not None else tick_now

    async def _sending_hours(self, session: AsyncSession, org_id: str) -> SendingHours:
        hours = self._hours.get(org_id)
        if hours is None:
            org = await session.get(Organisation, org_id)
            hours = SendingHours.from_settings(org.settings if org else None)
            self._hours[org_id] = hours
        return hours

    # -- moving due items into the outbox ------------------------------------------------

    async def _move_all(self, now: datetime, progress: _Progress) -> None:
        """Move due items in batches, keeping only a short queue ahead of the senders: a
        message is drawn close to when it goes, and a big fan-out does not crowd the start."""
        try:
            while not self.stopping:
                if await self.queue.ready_count(self._now(now)) >= self.backlog:
                    await self.sleep(0.25)
                    continue
                moved = await self._move_batch(now)
                await progress.bump()
                if moved < self.batch:
                    return
        finally:
            await progress.finish()

    async def _move_batch(self, now: datetime) -> int:
        async with self.db.unit_of_work() as uow:
            items = list(await Schedule(uow.session).due(now, self.batch))
            ids = [item.id for item in items]
            if not items:
                return 0
            try:
                await self._move_items(uow, items, now)
                await uow.commit()
                return len(ids)
            except Exception:
                log.exception("moving a batch failed; moving its items one by one")
                await uow.rollback()
        for item_id in ids:
            await self._move_one(item_id, now)
        return len(ids)

    async def _move_one(self, item_id: int, now: datetime) -> None:
        async with self.db.unit_of_work() as uow:
            item = await Schedule(uow.session).take_pending(item_id)
            if item is None:
                return
            try:
                await self._move_items(uow, [item], now)
                await uow.commit()
                return
            except Exception as exc:
                log.exception("scheduled item %s could not be drawn", item_id)
                # The exception's type, not its message: that may quote the record being drawn
                # and the admin's `undelivered` view shows it (as the logs withhold it).
                problem = f"the message could not be drawn: {type(exc).__name__}"
        async with self.db.unit_of_work() as uow:
            item = await uow.session.get(ScheduledItem, item_id)
            if item is None or item.state != PENDING:
                return
            # A draw can fail for a while (a slow or locked database, a record mid-change):
            # like a send that Teams could not take, it backs off and is tried again on later
            # ticks, within the usual number of tries; then it fails for good.
            item.attempts = (item.attempts or 0) + 1
            delay = self.policy.delay(None, None, item.attempts, self.rand)
            if delay is not None:
                item.ready_at = now + timedelta(seconds=delay)
                item.last_error = f"{problem}; it is tried again"[:500]
                item.updated_at = now
                await uow.commit()
                self.stats["draw_retried"] += 1
                return
            item.state, item.last_error, item.updated_at = FAILED, problem[:500], now
            # Whoever asked for it hears it will not come, as after a 403 (documents); in
            # plain words: the exception is for the logs and the admin view, not a channel.
            await self._tell_failure(uow, item, DRAW_FAILED, now)
            await uow.commit()

    async def _move_items(
        self, uow: UnitOfWork, items: Sequence[ScheduledItem], now: datetime
    ) -> None:
        session = uow.session
        people = [i.person_id for i in items if i.person_id is not None]
        turned_off = await Preferences(session).turned_off_by(people)
        quiet = await Preferences(session).quiet_by(people)
        for item in items:
            kind = self.kinds.get(item.kind)
            if kind is None:
                item.state, item.last_error = FAILED, f"unknown kind of message {item.kind!r}"
                item.updated_at = now
                continue
            hours = await self._sending_hours(session, item.org_id)
            if not kind.asked_for:
                later = _held_until(hours, quiet.get(item.person_id or 0), now)
                if later is not None:
                    item.ready_at, item.updated_at = later, now
                    self.stats["held_for_hours"] += 1
                    continue
            if (
                kind.opt_out
                and item.person_id is not None
                and kind.opt_out in turned_off.get(item.person_id, set())
            ):
                item.state, item.updated_at = OPTED_OUT, now
                item.last_error = f"the person turned off {kind.opt_out}"
                self.stats["opted_out"] += 1
                continue
            revision = item.revision
            async with asyncio.timeout(self.draw_timeout):
                message = await kind.render(NoticeContext(uow, item, now, self.kinds.events))
            if message is None:
                if item.revision == revision:
                    item.state, item.updated_at = CANCELLED, now
                continue
            session.add(
                OutboxMessage(
                    org_id=item.org_id,
                    item_id=item.id,
                    item_revision=revision,
                    kind=item.kind,
                    person_id=item.person_id,
                    conversation_ref_id=item.conversation_ref_id,
                    message=encode(message),
                    state=QUEUED,
                    not_before=now,
                    attempts=0,
                    throttled=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            if item.revision == revision:
                item.state, item.updated_at = QUEUED, now
            elif item.ready_at <= now:
                # A render re-armed its own key (for next time) but still due now: that would
                # send again at once, for ever. Hold it a while and say so.
                log.warning("%s re-scheduled itself for now; holding it 10 minutes", item.key)
                item.ready_at = now + REARM_GAP
            self.stats["queued"] += 1

    # -- sending the outbox ----------------------------------------------------------------

    async def _send_all(self, now: datetime, progress: _Progress) -> int:
        sent = 0
        while not self.stopping:
            seen = progress.generation
            result = await self._send_next(now)
            if result is None:
                if progress.generation != seen:
                    continue  # the mover queued more while we looked
                if not progress.moving:
                    break
                await progress.wait(seen)
                continue
            sent += result
        return sent

    async def _send_next(self, tick_now: datetime) -> int | None:
        claimed: int | None = None
        try:
            async with self.queue.claim(self._now(tick_now)) as claim:
                if claim is None:
                    return None
                claimed = claim.message_id
                return await self._deliver(claim, self._now(tick_now))
        except asyncio.CancelledError:
            raise
        except Exception:
            if claimed is None:
                raise  # no message claimed (the database is away): the tick fails, as before
            # Recording what happened failed (a commit, an on_failure's database error). Left
            # as it is, the message would be claimed again at once and fail again, and the
            # error would end the tick for every other message too: it waits instead.
            log.exception("recording outbox message %s failed; it waits", claimed)
            await self._set_aside(claimed, self._now(tick_now))
            return 0

    async def _set_aside(self, message_id: int, now: datetime) -> None:
        """Hold a queued message `SET_ASIDE` before it is tried again, and say why (the admin's
        `undelivered` view shows it). If even that fails, the tick fails as it did."""
        async with self.db.unit_of_work() as uow:
            row = await uow.session.get(OutboxMessage, message_id)
            if row is not None and row.state == QUEUED:
                row.not_before, row.updated_at = now + SET_ASIDE, now
                row.last_error = "TLC could not record what happened to it; it is tried again"
                await uow.commit()
        self.stats["set_aside"] += 1

    async def _deliver(self, claim: Claim, now: datetime) -> int:
        session = claim.uow.session
        row = await claim.row()
        if row.state != QUEUED:  # withdrawn between the claim and now (SQLite)
            return 0
        hours = await self._sending_hours(session, row.org_id)
        kind = self.kinds.get(row.kind)
        asked_for = kind is not None and kind.asked_for
        if not asked_for:
            quiet = await Preferences(session).quiet(row.person_id) if row.person_id else None
            later = _held_until(hours, quiet, now)
            if later is not None:
                row.not_before, row.updated_at = later, now
                await claim.uow.commit()
                return 0
        ref: ConversationRef | None = None
        try:
            known = claim.ref if self.direct or row.person_id is None else None
            ref = known or await self._target(session, row)
            async with self._conversations.hold(ref.conversation_id):
                await self.queue.lock_conversation(claim, ref.conversation_id)
                wall = self.wall()
                earlier = await recent_sends(session, ref.conversation_id, wall - LONGEST_WINDOW)
                wait = conversation_wait(earlier, wall)
                if wait > self.longest_wait:
                    row.not_before = now + timedelta(seconds=wait)
                    row.last_error, row.updated_at = "waiting for the conversation's limit", now
                    await claim.uow.commit()
                    self.stats["held_for_conversation"] += 1
                    return 0
                if wait > 0:
                    await self.sleep(wait)
                activity_id = await self.sender.post(ref, decode(row.message))
                await self._sent(claim, row, ref, activity_id, now)
                return 1
        except Undeliverable as exc:
            await self._failed(
                claim, row, ref, exc.reason, exc.status, exc.block, now, exc.unreachable
            )
        except TryLater as exc:
            await self._later(claim, row, ref, exc, now)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a fault of ours must not spin: back off like a 5xx
            log.exception("sending outbox message %s failed", row.id)
            await self._later(claim, row, ref, TryLater(f"{type(exc).__name__}: {exc}"), now)
        return 0

    async def _target(self, session: AsyncSession, row: OutboxMessage) -> ConversationRef:
        if row.person_id is None and row.conversation_ref_id is not None:
            ref = await session.get(ConversationRef, row.conversation_ref_id)
            if ref is None:
                raise Undeliverable("the conversation is no longer known")
            return ref
        if row.person_id is None:
            raise Undeliverable("the conversation is no longer known")
        if self.direct:
            ref = await Directory(session).personal_conversation(row.person_id)
            if ref is not None:
                return ref
        person = await session.get(Person, row.person_id)
        if person is None:
            raise Undeliverable("the person no longer exists")
        return await self.sender.reach(person)

    async def _settle_item(self, session: AsyncSession, row: OutboxMessage, **values: Any) -> None:
        """Record the outcome on the scheduled item, unless it was re-scheduled meanwhile."""
        await Schedule(session).settle(
            row.item_id,
            row.item_revision,
            attempts=row.attempts,
            updated_at=row.updated_at,
            **values,
        )

    async def _sent(
        self,
        claim: Claim,
        row: OutboxMessage,
        ref: ConversationRef,
        activity_id: str,
        now: datetime,
    ) -> None:
        row.state, row.activity_id, row.sent_at, row.paced_at = SENT, activity_id, now, self.wall()
        row.conversation_id, row.conversation_ref_id = ref.conversation_id, ref.id
        row.attempts += 1
        row.last_error, row.last_status, row.updated_at = None, None, now
        await self._settle_item(
            claim.uow.session,
            row,
            state=SENT,
            activity_id=activity_id,
            sent_at=now,
            last_error=None,
        )
        await claim.uow.commit()
        self.stats["sent"] += 1

    async def _failed(
        self,
        claim: Claim,
        row: OutboxMessage,
        ref: ConversationRef | None,
        reason: str,
        status: int | None,
        block: bool,
        now: datetime,
        unreachable: bool = False,
    ) -> None:
        session = claim.uow.session
        row.state, row.last_error, row.last_status = FAILED, reason[:1000], status
        row.attempts += 1
        row.updated_at = now
        if ref is not None:
            row.conversation_id, row.conversation_ref_id = ref.conversation_id, ref.id
        resend_until = await self._resend_until(session, row) if unreachable else None
        await self._settle_item(
            session, row, state=FAILED, last_error=reason[:1000], resend_until=resend_until
        )
        if block and ref is not None and ref.id is not None:
            stored = await session.get(ConversationRef, ref.id)
            if stored is not None:
                stored.blocked_reason = reason[:200]
        await self._on_failure(claim.uow, row, reason, now)
        await claim.uow.commit()
        self.stats["failed"] += 1
        log.info("outbox message %s failed (status %s)", row.id, status)

    async def _resend_until(self, session: AsyncSession, row: OutboxMessage) -> datetime | None:
        """A personal message that failed for want of a way to reach its person: until when it
        is worth sending once TLC can reach them (its kind's `resend_within` after it fell
        due), or None."""
        kind = self.kinds.get(row.kind)
        if row.person_id is None or kind is None or kind.resend_within is None:
            return None
        item = await session.get(ScheduledItem, row.item_id)
        if item is None or item.revision != row.item_revision:
            return None
        until = item.due_at + kind.resend_within
        return until if until > row.updated_at else None

    async def _on_failure(
        self, uow: UnitOfWork, row: OutboxMessage, reason: str, now: datetime
    ) -> None:
        """Let the kind of message act on its failure (tell whoever asked for it)."""
        item = await uow.session.get(ScheduledItem, row.item_id)
        if item is not None:
            await self._tell_failure(uow, item, reason, now)

    async def _tell_failure(
        self, uow: UnitOfWork, item: ScheduledItem, reason: str, now: datetime
    ) -> None:
        kind = self.kinds.get(item.kind)
        if kind is None or kind.on_failure is None:
            return
        try:
            await kind.on_failure(FailureContext(uow, item, reason, now))
        except Exception:
            log.exception("acting on the failure of scheduled item %s failed", item.id)

    async def _later(
        self,
        claim: Claim,
        row: OutboxMessage,
        ref: ConversationRef | None,
        exc: TryLater,
        now: datetime,
    ) -> None:
        row.attempts += 1
        if exc.status == 429:
            row.throttled += 1
            self.stats["http_429"] += 1
        failures = row.throttled if exc.status == 429 else row.attempts - row.throttled
        delay = self.policy.delay(exc.status, exc.retry_after, failures, self.rand)
        if delay is None:
            row.attempts -= 1  # _failed counts this attempt
            reason = f"{exc.reason} (gave up after {row.attempts + 1} tries)"
            await self._failed(claim, row, ref, reason, exc.status, False, now)
            return
        row.not_before = now + timedelta(seconds=delay)
        row.last_error, row.last_status, row.updated_at = exc.reason[:1000], exc.status, now
        await claim.uow.commit()
        self.stats["retried"] += 1


def _held_until(hours: SendingHours, quiet: QuietHours | None, now: datetime) -> datetime | None:
    """None if the message may go now; else when it may: the organisation's sending hours and,
    for a personal message, the person's own quiet times."""
    if quiet is not None:
        mine = SendingHours.personal(quiet.start, quiet.end, quiet.days_off or [])
        if hours.allows(now) and mine.allows(now):
            return None
        both = next_allowed_both(hours, mine, now)
        if hours.allows(both) and mine.allows(both):
            return both
        # No moment suits both (a tutor who works Saturdays only, a college that sends Monday to
        # Friday; or every day off): their own times cannot hold a message for ever, so the
        # organisation's hours alone decide.
    if hours.allows(now):
        return None
    later = hours.next_allowed(now)
    # No open day in sight at all: send now rather than hold "until now" and spin.
    return later if later > now else None


async def run_worker(
    worker: Worker, clock: Clock, interval: float, *, shortest: float = 1.0
) -> None:
    """The background loop in the bot process (or `tlc worker`): tick, wait, repeat. A wake-up
    cuts the wait short, but ticks never come closer than `shortest` seconds."""
    worker.begin()
    while not worker.stopping:
        try:
            await worker.tick(clock.now())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker tick failed; trying again next tick")
        await worker.idle(min(shortest, interval), wakeable=False)
        if interval > shortest and not worker.stopping:
            await worker.idle(interval - shortest)
