"""Scheduled items: reminders, offers, prompts and escalations as rows with a key and a due time.

Scheduling the same key again replaces the row (one reminder per key, never two); cancelling
removes it from the queue. The worker (`bot.app.worker`) sends what is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"


class ScheduledItem(Base):
    __tablename__ = "scheduled_items"
    __table_args__ = (
        UniqueConstraint("org_id", "key", name="uq_scheduled_items_org_key"),
        Index("ix_scheduled_items_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    conversation_ref_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation_refs.id", ondelete="CASCADE")
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Schedule:
    """The queue of things to say later, inside the caller's unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
    ) -> ScheduledItem:
        """Schedule (or re-schedule) the item with this key: one row per key, always."""
        if (person_id is None) == (conversation_ref_id is None):
            raise ValueError("a scheduled item goes to exactly one person or one conversation")
        item = await self.get(org_id, key)
        if item is None:
            item = ScheduledItem(org_id=org_id, key=key, created_at=now)
            self.session.add(item)
        item.kind = kind
        item.due_at = due_at
        item.person_id = person_id
        item.conversation_ref_id = conversation_ref_id
        item.payload = dict(payload or {})
        item.state = PENDING
        item.attempts = 0
        item.last_error = None
        item.activity_id = None
        item.sent_at = None
        item.updated_at = now
        await self.session.flush()
        return item

    async def get(self, org_id: str, key: str) -> ScheduledItem | None:
        return await self.session.scalar(
            select(ScheduledItem).where(ScheduledItem.org_id == org_id, ScheduledItem.key == key)
        )

    async def cancel(self, org_id: str, key: str, now: datetime) -> bool:
        result = await self.session.execute(
            update(ScheduledItem)
            .where(
                ScheduledItem.org_id == org_id,
                ScheduledItem.key == key,
                ScheduledItem.state == PENDING,
            )
            .values(state=CANCELLED, updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def cancel_prefix(self, org_id: str, prefix: str, now: datetime) -> int:
        """Cancel every pending item whose key starts with `prefix` (e.g. `otla:42:`)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        result = await self.session.execute(
            update(ScheduledItem)
            .where(
                ScheduledItem.org_id == org_id,
                ScheduledItem.key.like(escaped + "%", escape="\\"),
                ScheduledItem.state == PENDING,
            )
            .values(state=CANCELLED, updated_at=now)
        )
        return int(getattr(result, "rowcount", 0))

    async def due(self, now: datetime, limit: int = 200) -> Sequence[ScheduledItem]:
        rows = await self.session.scalars(
            select(ScheduledItem)
            .where(ScheduledItem.state == PENDING, ScheduledItem.due_at <= now)
            .order_by(ScheduledItem.due_at, ScheduledItem.id)
            .limit(limit)
        )
        return rows.all()

    async def pending(self, org_id: str, prefix: str = "") -> Sequence[ScheduledItem]:
        q = select(ScheduledItem).where(
            ScheduledItem.org_id == org_id, ScheduledItem.state == PENDING
        )
        if prefix:
            q = q.where(ScheduledItem.key.startswith(prefix, autoescape=True))
        return (await self.session.scalars(q.order_by(ScheduledItem.due_at))).all()
