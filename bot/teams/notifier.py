"""Proactive delivery to Teams: a person's 1:1 chat, or a stored channel conversation."""

from __future__ import annotations

from sqlalchemy import select

from bot.app.turn import Message
from bot.app.worker import Undeliverable
from bot.teams.activities import message_activity
from bot.teams.connector import Connector, ConnectorError
from storage.db import Database
from storage.models import ConversationRef, Person


class TeamsSender:
    def __init__(self, db: Database, connector: Connector) -> None:
        self.db = db
        self.connector = connector

    async def to_conversation(self, ref: ConversationRef, message: Message) -> str:
        if ref.blocked_reason:
            raise Undeliverable(f"conversation unreachable: {ref.blocked_reason}")
        try:
            return await self.connector.send(
                ref.service_url, ref.conversation_id, message_activity(message)
            )
        except ConnectorError as exc:
            if exc.permanent:
                raise Undeliverable(f"{exc.status}: {exc.body[:120]}") from exc
            raise

    async def to_person(self, person: Person, message: Message) -> str:
        async with self.db.unit_of_work() as uow:
            ref = await uow.session.scalar(
                select(ConversationRef)
                .where(ConversationRef.person_id == person.id, ConversationRef.kind == "personal")
                .order_by(ConversationRef.updated_at.desc())
                .limit(1)
            )
        if ref is None:
            raise Undeliverable(f"no 1:1 chat with {person.name or person.email} yet")
        return await self.to_conversation(ref, message)
