"""The worker: each `tick(now)` sends what is due. Tests call `tick` directly; no sleeping."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from bot.app.notices import NoticeContext, NoticeKinds
from bot.app.turn import Message
from bot.clock import Clock
from storage.db import Database
from storage.models import ConversationRef, Person
from storage.reminders import CANCELLED, FAILED, SENT, Schedule, ScheduledItem

log = logging.getLogger(__name__)


class Undeliverable(Exception):
    """The message can never be delivered as addressed (blocked, gone, no conversation)."""


class Sender(Protocol):
    """Delivers one message; returns the activity id Teams gave it."""

    async def to_person(self, person: Person, message: Message) -> str: ...

    async def to_conversation(self, ref: ConversationRef, message: Message) -> str: ...


class Worker:
    def __init__(self, db: Database, kinds: NoticeKinds, sender: Sender) -> None:
        self.db = db
        self.kinds = kinds
        self.sender = sender

    async def tick(self, now: datetime) -> int:
        """Send every item due at `now`; returns how many were sent."""
        async with self.db.unit_of_work() as uow:
            due = [item.id for item in await Schedule(uow.session).due(now)]
        sent = 0
        for item_id in due:
            sent += await self._one(item_id, now)
        return sent

    async def _one(self, item_id: int, now: datetime) -> int:
        async with self.db.unit_of_work() as uow:
            item = await uow.session.get(ScheduledItem, item_id)
            if item is None or item.state != "pending":
                return 0
            kind = self.kinds.get(item.kind)
            if kind is None:
                item.state, item.last_error = FAILED, f"unknown kind {item.kind}"
                await uow.commit()
                return 0
            message = await kind.render(NoticeContext(uow, item, now))
            if message is None:
                item.state, item.updated_at = CANCELLED, now
                await uow.commit()
                return 0
            try:
                activity_id = await self._deliver(uow.session, item, message)
            except Undeliverable as exc:
                item.state, item.last_error, item.updated_at = FAILED, str(exc), now
                await uow.commit()
                return 0
            item.state, item.activity_id, item.sent_at, item.updated_at = (
                SENT,
                activity_id,
                now,
                now,
            )
            item.attempts += 1
            await uow.commit()
            return 1

    async def _deliver(self, session: object, item: ScheduledItem, message: Message) -> str:
        from sqlalchemy.ext.asyncio import AsyncSession

        assert isinstance(session, AsyncSession)
        if item.person_id is not None:
            person = await session.get(Person, item.person_id)
            if person is None:
                raise Undeliverable("the person no longer exists")
            return await self.sender.to_person(person, message)
        ref = await session.get(ConversationRef, item.conversation_ref_id)
        if ref is None:
            raise Undeliverable("the conversation is no longer known")
        return await self.sender.to_conversation(ref, message)


async def run_worker(worker: Worker, clock: Clock, interval: float) -> None:
    """The background loop in the bot process (or `tlc worker`): tick, sleep, repeat."""
    while True:
        try:
            await worker.tick(clock.now())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker tick failed; trying again next tick")
        await asyncio.sleep(interval)
