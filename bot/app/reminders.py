"""Proactive messages as a capability: a general reminder kind, and the admin's view of what
could not be delivered (`undelivered`, also a button on the settings card)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.app.context import HandlerContext
from bot.app.notices import PRIVATE_MESSAGE, NoticeContext, NoticeKind
from bot.app.router import CardAction, Command
from bot.app.turn import Message, Reply
from bot.domain.access import Permission
from bot.domain.words import plural
from cards.reminders import (
    NextStep,
    UndeliveredLine,
    UndeliveredView,
    reminder_card,
    retried_card,
    undelivered_card,
)
from storage.db import Database
from storage.outbox import count_undelivered, retry_undelivered, undelivered
from storage.people import Directory
from storage.reminders import Schedule

NOT_ALLOWED = "Sorry, only an org admin can see undelivered messages."
CARD_NOTICE = "notice.card"


async def render_card_notice(ctx: NoticeContext) -> Message | None:
    """A reminder drawn from its payload: {"title", "lines": [..], "steps": [NextStep json]}."""
    payload = ctx.payload
    steps = [NextStep.from_json(s) for s in payload.get("steps") or []] or [
        NextStep("What can TLC do?", "run", {"command": "help"})
    ]
    heading = str(payload.get("title") or "A message from TLC")
    lines = [str(line) for line in payload.get("lines") or []]
    return Message(card=reminder_card(heading, lines, steps))


REPLY = "turn.reply"


async def render_reply(ctx: NoticeContext) -> Message | None:
    """A turn's own reply that Teams would not take in time: as it was, a little later."""
    from bot.app.worker import decode  # the worker imports notices, not the other way round

    message = ctx.payload.get("message")
    return decode(message) if isinstance(message, dict) else None


async def queue_replies(
    db: Database, org_id: str, conversation_id: str, messages: Sequence[Message], now: datetime
) -> bool:
    """Put a turn's replies in the outbox, for its conversation, in order; False if the
    conversation is not known (nothing to send them to)."""
    from bot.app.worker import encode

    async with db.unit_of_work() as uow:
        ref = await Directory(uow.session).conversation(org_id, conversation_id)
        if ref is None or ref.id is None:
            return False
        batch = uuid.uuid4().hex
        for i, message in enumerate(messages):
            await Schedule(uow.session).put(
                org_id,
                f"reply:{batch}:{i:03d}",
                REPLY,
                now,
                now,
                conversation_ref_id=ref.id,
                payload={"message": encode(message)},
            )
        await uow.commit()
    return True


NOTICES = (
    NoticeKind(
        CARD_NOTICE,
        render_card_notice,
        description="Reminders and messages from your organisation with a next step",
    ),
    # What someone asked for on a turn, not a message of its own: never held, never opted out.
    NoticeKind(REPLY, render_reply, asked_for=True),
)


async def _view(ctx: HandlerContext) -> UndeliveredView:
    session = ctx.uow.session
    org = ctx.turn.org_id
    rows = await undelivered(session, org)

    def label(kind: str) -> str:
        known = ctx.services.notices.get(kind)
        if known is None:
            return PRIVATE_MESSAGE if kind.startswith("support.") else kind
        return known.admin_label

    return UndeliveredView(
        lines=[UndeliveredLine(r.recipient, label(r.kind), r.reason, r.at) for r in rows],
        total=await count_undelivered(session, org),
        retryable=await retry_undelivered(session, org, ctx.services.clock.now(), dry_run=True),
    )


async def undelivered_command(ctx: HandlerContext) -> Reply:
    """Messages I could not deliver, and why (org admins).

    Usage: undelivered
    """
    if not ctx.can(Permission.VIEW_UNDELIVERED):
        return Reply.text(NOT_ALLOWED)
    return Reply.show(undelivered_card(await _view(ctx)))


async def show_undelivered(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_UNDELIVERED):
        return Reply.text(NOT_ALLOWED)
    return Reply.show(undelivered_card(await _view(ctx)))


async def try_again(ctx: HandlerContext, _: dict[str, Any]) -> Reply:
    if not ctx.can(Permission.VIEW_UNDELIVERED):
        return Reply.text(NOT_ALLOWED)
    now = ctx.services.clock.now()
    count = await retry_undelivered(ctx.uow.session, ctx.turn.org_id, now)
    await ctx.directory.audit(
        ctx.turn.org_id, ctx.person.id, "outbox", "retry undelivered", plural(count, "message"), now
    )
    return Reply.update(retried_card(count))


ROWS: tuple[Command | CardAction, ...] = (
    Command("undelivered", undelivered_command, aliases=("failed",), listed=False, private=True),
    CardAction("notices.undelivered", show_undelivered, idempotent=False),
    CardAction("notices.retry", try_again),
)
