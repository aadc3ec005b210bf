"""Scheduled items: reminders, offers, prompts and escalations as rows with a key and a due time.

Scheduling the same key again replaces the row (one reminder per key, never two); cancelling
removes it from the queue, and withdraws it from the outbox if it was waiting there unsent.
The worker (`bot.app.worker`) moves what is due into the outbox (`storage.outbox`) and sends it.

States: pending (waiting for `ready_at`) -> queued (in the outbox) -> sent | failed | cancelled |
opted_out. `ready_at` starts as `due_at` and moves later when the item falls due out of hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import batched
from types import MappingProxyType
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Index, UniqueConstraint
from sqlalchemy.types import String, Text

from storage.models import IN_LIST, OrganisationRow, Repository, belongs_to, insert_row

PENDING = "pending"
QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
OPTED_OUT = "opted_out"
WAITING = (PENDING, QUEUED)


def _due_at(context: DefaultExecutionContext) -> Any:
    return context.get_current_parameters()["due_at"]  # type: ignore[no-untyped-call]


class ScheduledItem(OrganisationRow):
    __tablename__ = "scheduled_items"
    __table_args__ = (
        UniqueConstraint("org_id", "key", name="uq_scheduled_items_org_key"),
        Index("ix_scheduled_items_ready", "state", "ready_at", "id"),
    )

    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime]
    # When the worker may pick it up: `due_at`, or the next allowed sending time.
    ready_at: Mapped[datetime] = mapped_column(default=_due_at)
    # Bumped by every `put`, so an outbox message belongs to one version of the item.
    revision: Mapped[int] = mapped_column(default=1)
    person_id: Mapped[int | None] = belongs_to("people")
    conversation_ref_id: Mapped[int | None] = belongs_to("conversation_refs")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    # Failed for want of a way to reach its person: until when it goes again once TLC can
    # reach them (`Schedule.resend_to`). None: it does not.
    resend_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


def back_in_queue(now: datetime) -> dict[str, Any]:
    """An item's new values when it goes to the queue again, to be drawn at the next tick: a
    new revision (a message drawn from the old one is no longer its), no attempts or error."""
    return {
        "state": PENDING,
        "revision": ScheduledItem.revision + 1,
        "ready_at": now,
        "attempts": 0,
        "last_error": None,
        "updated_at": now,
    }


def due_query(now: datetime, limit: int) -> Select[Any]:
    """The tick's scan: pending items whose time has come, oldest first (index `ix_..._ready`).

    On PostgreSQL the rows are locked and locked rows skipped, so several workers share the work
    without moving one item twice; SQLite ignores the clause (one worker there).
    """
    return (
        select(ScheduledItem)
        .where(ScheduledItem.state == PENDING, ScheduledItem.ready_at <= now)
        .order_by(ScheduledItem.ready_at, ScheduledItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def tell_person(
    session: AsyncSession,
    org_id: str,
    key: str,
    kind: str,
    person_id: int,
    now: datetime,
    payload: dict[str, Any],
    due: datetime | None = None,
) -> None:
    """Tell someone through the reminders engine, now (the next worker tick) or when `due`:
    sending hours and their preferences apply, and a turn's reply only reaches the asker."""
    await Schedule(session).put(
        org_id, key, kind, due or now, now, person_id=person_id, payload=payload
    )


# A new key's INSERT, which leaves a row another turn stored with the key at that very moment (a
# tutor list sent twice at once) for `put` to re-schedule: built once for each database.
_INSERT_ITEM = MappingProxyType(
    {
        dialect: insert(cast(Table, ScheduledItem.__table__))
        .on_conflict_do_nothing(index_elements=["org_id", "key"])
        .returning(ScheduledItem.id)
        for dialect, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
    }
)
_ITEM = select(ScheduledItem).where(
    ScheduledItem.org_id == bindparam("org_id"), ScheduledItem.key == bindparam("key")
)


class Schedule(Repository):
    """The queue of things to say later, inside the caller's unit of work."""

    async def put(
        self,
        org_id: str,
        key: str,
        kind: str,
        due_at: datetime,
        now: datetime,
        *,
        person_id: int | None = None,
        conversation_ref_id: int | None = None,
        payload: dict[str, Any] | None = None,
        existing: ScheduledItem | None | Literal["unread"] = "unread",
    ) -> ScheduledItem:
        """Schedule (or re-schedule) the item with this key: one row per key, always.
        `existing`: the item with this key, if the caller has just read it (None: there is none)."""
        if (person_id is None) == (conversation_ref_id is None):
            raise ValueError("a scheduled item goes to exactly one person or one conversation")
        item = await self.get(org_id, key) if existing == "unread" else existing
        if item is None:
            # A new key: one Core INSERT, and nothing else the session holds is flushed with it.
            item = ScheduledItem(
                org_id=org_id,
                key=key,
                kind=kind,
                due_at=due_at,
                ready_at=due_at,
                revision=1,
                person_id=person_id,
                conversation_ref_id=conversation_ref_id,
                payload=dict(payload or {}),
                state=PENDING,
                attempts=0,
                last_error=None,
                activity_id=None,
                sent_at=None,
                resend_until=None,
                created_at=now,
                updated_at=now,
            )
            dialect = self.session.get_bind().dialect.name
            if await insert_row(self.session, _INSERT_ITEM[dialect], item) is not None:
                return item
            # Stored by another turn since this one looked: re-scheduled, as if it had seen it.
            item = await self.get(org_id, key)
            if item is None:  # a unique key's row is visible once it has conflicted
                raise RuntimeError(f"scheduled item {key!r} conflicted but cannot be read")
        # The outbox row first, then the item: the worker locks them in that order too.
        await _withdraw_from_outbox(self.session, [item.id], now)
        item.revision = (item.revision or 0) + 1
        item.kind = kind
        item.due_at = due_at
        item.ready_at = due_at
        item.person_id = person_id
        item.conversation_ref_id = conversation_ref_id
        item.payload = dict(payload or {})
        item.state = PENDING
        item.attempts = 0
        item.last_error = None
        item.activity_id = None
        item.sent_at = None
        item.resend_until = None
        item.updated_at = now
        return item  # written with the unit of work's next flush (no flush of its own here)

    async def get(self, org_id: str, key: str) -> ScheduledItem | None:
        return await self.session.scalar(_ITEM, {"org_id": org_id, "key": key})

    async def get_many(self, org_id: str, keys: Iterable[str]) -> dict[str, ScheduledItem]:
        """The items with these keys that exist, by key (one statement per 500 keys)."""
        wanted = sorted(set(keys))
        found: dict[str, ScheduledItem] = {}
        for chunk in batched(wanted, IN_LIST):
            rows = await self.session.scalars(
                select(ScheduledItem).where(
                    ScheduledItem.org_id == org_id, ScheduledItem.key.in_(chunk)
                )
            )
            found.update((item.key, item) for item in rows)
        return found

    async def cancel(self, org_id: str, key: str, now: datetime) -> bool:
        return bool(await self._cancel_waiting(org_id, ScheduledItem.key == key, now))

    async def cancel_prefix(self, org_id: str, prefix: str, now: datetime) -> int:
        """Cancel every waiting item whose key starts with `prefix` (e.g. `otla:42:`)."""
        starts = ScheduledItem.key.startswith(prefix, autoescape=True)
        return await self._cancel_waiting(org_id, starts, now)

    async def _cancel_waiting(self, org_id: str, keyed: ColumnElement[bool], now: datetime) -> int:
        """Cancel the organisation's waiting items whose key meets `keyed`; returns how many."""
        ids = list(
            await self.session.scalars(
                select(ScheduledItem.id).where(
                    ScheduledItem.org_id == org_id, keyed, ScheduledItem.state.in_(WAITING)
                )
            )
        )
        if not ids:
            return 0
        await _withdraw_from_outbox(self.session, ids, now)
        result = await self.session.execute(
            update(ScheduledItem)
            .where(ScheduledItem.id.in_(ids), ScheduledItem.state.in_(WAITING))
            .values(state=CANCELLED, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0))

    async def due(self, now: datetime, limit: int = 200) -> Sequence[ScheduledItem]:
        """Pending items whose time has come (locked for this transaction on PostgreSQL)."""
        return (await self.session.scalars(due_query(now, limit))).all()

    async def take_pending(self, item_id: int) -> ScheduledItem | None:
        """One pending item, locked for this transaction (skipped if another worker holds it)."""
        return await self.session.scalar(
            select(ScheduledItem)
            .where(ScheduledItem.id == item_id, ScheduledItem.state == PENDING)
            .with_for_update(skip_locked=True)
        )

    async def settle(self, item_id: int, revision: int, /, **values: Any) -> None:
        """Record a queued item's outcome, unless it was re-scheduled since (a new revision)."""
        await self.session.execute(
            update(ScheduledItem)
            .where(
                ScheduledItem.id == item_id,
                ScheduledItem.revision == revision,
                ScheduledItem.state == QUEUED,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def resend_to(self, person_ids: Iterable[int], now: datetime) -> int:
        """TLC can reach these people again (a 1:1 chat stored or no longer blocked, a team
        shared with TLC): their messages that failed for want of that, and are still worth
        sending (`resend_until`), go back to the queue: once (the mark is cleared), drawn again
        when they go. Returns how many."""
        ids = sorted(set(person_ids))
        count = 0
        for chunk in batched(ids, IN_LIST):  # a whole team's roster at once: in chunks
            result = await self.session.execute(
                update(ScheduledItem)
                .where(
                    ScheduledItem.person_id.in_(chunk),
                    ScheduledItem.state == FAILED,
                    ScheduledItem.resend_until >= now,
                )
                .values(**back_in_queue(now), resend_until=None)
                .execution_options(synchronize_session=False)
            )
            count += int(getattr(result, "rowcount", 0))
        return count

    async def pending(self, org_id: str, prefix: str = "") -> Sequence[ScheduledItem]:
        """Items not yet delivered: waiting for their time, or in the outbox."""
        q = select(ScheduledItem).where(
            ScheduledItem.org_id == org_id, ScheduledItem.state.in_(WAITING)
        )
        if prefix:
            q = q.where(ScheduledItem.key.startswith(prefix, autoescape=True))
        return (await self.session.scalars(q.order_by(ScheduledItem.due_at))).all()


async def _withdraw_from_outbox(session: AsyncSession, item_ids: list[int], now: datetime) -> None:
    from storage.outbox import withdraw  # the outbox refers to scheduled items, not back

    await withdraw(session, item_ids, now)
