"""Documents to a person in Teams (exports, the HA27, shared files): one way, for every capability.

Teams lets a bot send a file only in a 1:1 chat, and only once the person accepts it: the bot
sends a file consent card; when the person presses Allow, Teams sends a `fileConsent/invoke`
with an upload URL in their OneDrive; the bot puts the bytes there and shows a file info card.
Until then the bytes wait in the database (never in memory). Asked for in a channel or group
chat, where a file would reach everyone, the offer goes to the asker's 1:1 chat instead.

The person asked for it, so the offer goes at once whatever the sending hours. If it cannot be
delivered, they are told in the conversation where they asked, and the document is kept until
it is delivered (an admin can send it again from `undelivered`) or they ask again; it never
expires unseen. Once the offer has reached them, the document waits `KEEP_FOR` to be accepted.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app.context import HandlerContext
from bot.app.notices import FailureContext, NoticeContext, NoticeKind
from bot.app.router import CardAction
from bot.app.turn import Message, Reply
from cards.base import said
from storage.documents import PendingDocument, PendingDocuments
from storage.models import Organisation
from storage.reminders import Schedule

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
INFO = "application/vnd.microsoft.teams.card.file.info"
KEEP_FOR = timedelta(days=7)
VERB = "file.consent"  # also what a consent answer without our context is routed to
OFFER = "documents.offer"
NOT_DELIVERED = "documents.not_delivered"
PRIVATE_ANSWER = "documents.private_answer"
# Offers made before documents moved out of observations carry these names.
_OBSERVATIONS_VERB = "otla.file"


def consent_message(name: str, size: int, description: str, token: str) -> Message:
    """The file consent card: Teams shows the name, size and description with Allow/Decline."""
    context = {"verb": VERB, "token": token}
    return Message(
        text=f"Here is **{said(name)}**. Press Allow to save it to your OneDrive.",
        attachments=[
            {
                "contentType": CONSENT,
                "name": name,
                "content": {
                    "description": description,
                    "sizeInBytes": size,
                    "acceptContext": context,
                    "declineContext": context,
                },
            }
        ],
    )


async def organisation_name(ctx: HandlerContext) -> str:
    """The organisation's name, for the header of a document ("" until it is known)."""
    org = await ctx.uow.session.get(Organisation, ctx.turn.org_id)
    return org.name if org else ""


async def to_private_chat(
    ctx: HandlerContext, key: str, kind: str, now: datetime, about: dict[str, Any]
) -> None:
    """Queue something for the asker's 1:1 chat, now, with the shared chat they asked in and
    their name, so that chat can be told where it went."""
    asked_in = await ctx.directory.conversation(ctx.turn.org_id, ctx.turn.where.conversation_id)
    who = ctx.person.name or ""
    payload = {**about, "asked_in": asked_in.id if asked_in else None, "who": who}
    await Schedule(ctx.uow.session).put(
        ctx.turn.org_id, key, kind, now, now, person_id=ctx.person.id, payload=payload
    )


NO_PRIVATE_CHAT = (
    "Files only come to our 1:1 chat, so they reach nobody else. Say hello to me there "
    "first, then ask again."
)


async def can_send(ctx: HandlerContext) -> bool:
    """Whether a document can reach the person on this turn: they are in our 1:1 chat, or we
    have one with them. Check before making one whose making is logged or told."""
    if ctx.turn.where.kind == "personal":
        return True
    return await ctx.directory.personal_conversation(ctx.person.id) is not None


async def send(ctx: HandlerContext, name: str, content: bytes, description: str) -> Reply:
    """Offer a document to the person on this turn, in our 1:1 chat."""
    now = ctx.services.clock.now()
    personal = ctx.turn.where.kind == "personal"
    if not await can_send(ctx):
        return Reply.text(NO_PRIVATE_CHAT)
    token = await _keep(ctx.uow.session, ctx.turn.org_id, ctx.person.id, name, content, now)
    if personal:
        return Reply(messages=[consent_message(name, len(content), description, token)])
    about = {"token": token, "description": description, "name": name}
    await to_private_chat(ctx, f"document:{token}", OFFER, now, about)
    return Reply.text(f"I'm sending {said(name)} to our 1:1 chat, where only you will see it.")


async def answer_in_private(ctx: HandlerContext, reply: Reply, what: str) -> Reply:
    """An answer that names people, asked for in a channel or group chat: it goes to the asker's
    1:1 chat, where only they see it, and the shared chat is told where it went (nothing of it)."""
    if await ctx.directory.personal_conversation(ctx.person.id) is None:
        return Reply.text(
            f"I only show {what} in our 1:1 chat, where nobody else sees them. Say hello to me "
            "there first, then ask again."
        )
    shown = [m for m in reply.messages if m.card is not None] or reply.messages
    if not shown:
        return reply
    now = ctx.services.clock.now()
    token = secrets.token_urlsafe(12)
    about = {"token": token, "text": shown[-1].text, "card": shown[-1].card, "name": what}
    await to_private_chat(ctx, f"private-answer:{token}", PRIVATE_ANSWER, now, about)
    return Reply.text(f"I've sent {what} to our 1:1 chat, where only you will see them.")


async def render_private_answer(ctx: NoticeContext) -> Message | None:
    """The answer asked for in a shared chat, in the asker's 1:1 chat."""
    card = ctx.payload.get("card")
    text = ctx.payload.get("text")
    if not isinstance(card, dict) and not isinstance(text, str):
        return None
    return Message(
        text=text if isinstance(text, str) else None,
        card=card if isinstance(card, dict) else None,
    )


async def offer(
    session: AsyncSession,
    org_id: str,
    person_id: int,
    name: str,
    content: bytes,
    description: str,
    now: datetime,
) -> None:
    """Offer a document to someone who did not ask on this turn (a calendar file for the other
    person, say): the consent card goes to their 1:1 chat by the worker, like any offer."""
    token = await _keep(session, org_id, person_id, name, content, now)
    await Schedule(session).put(
        org_id,
        f"document:{token}",
        OFFER,
        now,
        now,
        person_id=person_id,
        payload={"token": token, "description": description, "name": name},
    )


async def withdraw_for(session: AsyncSession, org_id: str, person_id: int, now: datetime) -> None:
    """Someone lost a role: the documents waiting for them were made from what it let them read
    (an export, a report), so they go, with their offers. Asked for again, a document holds only
    what they may read now."""
    documents = PendingDocuments(session)
    schedule = Schedule(session)
    for document in await documents.named(org_id, person_id):
        await schedule.cancel(org_id, f"document:{document.token}", now)
        await documents.remove(document)


async def _keep(
    session: AsyncSession, org_id: str, person_id: int, name: str, content: bytes, now: datetime
) -> str:
    """Keep the bytes until the person accepts them; returns the document's token."""
    documents = PendingDocuments(session)
    await documents.forget_expired(now)
    schedule = Schedule(session)
    for earlier in await documents.named(org_id, person_id, name):
        # Asked again: the new one replaces whatever of the same name still waits.
        await schedule.cancel(org_id, f"document:{earlier.token}", now)
        await documents.remove(earlier)
    token = secrets.token_urlsafe(24)
    documents.add(
        PendingDocument(
            token=token,
            org_id=org_id,
            person_id=person_id,
            name=name,
            content=content,
            created_at=now,
            expires_at=now + KEEP_FOR,
        )
    )
    return token


async def render_offer(ctx: NoticeContext) -> Message | None:
    """The consent card in the person's 1:1 chat, for a document asked for elsewhere."""
    token = str(ctx.payload.get("token", ""))
    document = await PendingDocuments(ctx.uow.session).waiting(token)
    if document is None or document.person_id != ctx.item.person_id:
        return None
    document.expires_at = ctx.now + KEEP_FOR  # from when the offer reaches them
    description = str(ctx.payload.get("description", ""))
    return consent_message(document.name, len(document.content), description, token)


async def offer_failed(ctx: FailureContext) -> None:
    """The offer will not reach the person's 1:1 chat: tell them where they asked for it."""
    asked_in = ctx.payload.get("asked_in")
    if not isinstance(asked_in, int):
        return
    await ctx.schedule.put(
        ctx.item.org_id,
        f"document-failed:{ctx.payload.get('token', ctx.item.id)}",
        NOT_DELIVERED,
        ctx.now,
        ctx.now,
        conversation_ref_id=asked_in,
        payload={
            "name": str(ctx.payload.get("name") or "the document"),
            "who": str(ctx.payload.get("who") or ""),
            "reason": ctx.reason,
        },
    )


async def render_not_delivered(ctx: NoticeContext) -> Message | None:
    who = str(ctx.payload.get("who") or "")
    name = str(ctx.payload.get("name") or "the document")
    reason = str(ctx.payload.get("reason") or "Teams would not take it")
    return Message(
        text=(
            f"{said(who) + ', ' if who else ''}I couldn't get **{said(name)}** to our 1:1 chat: "
            f"{reason}. "
            "I've kept it: an admin can send it again from **undelivered**, or ask me for it "
            "again once you've said hello to me in our 1:1 chat."
        )
    )


async def consent(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """The person allowed (or declined) a document: upload it where Teams said, then show it."""
    context = values.get("context") if isinstance(values.get("context"), dict) else {}
    token = str((context or {}).get("token", ""))
    now = ctx.services.clock.now()
    documents = PendingDocuments(ctx.uow.session)
    document = await documents.for_person(ctx.turn.org_id, token, ctx.person.id, now)
    if document is None:
        return Reply.text(
            "That file is no longer waiting (it expired, or was withdrawn when "
            "your roles changed): ask for it again."
        )
    if values.get("action") != "accept":
        await documents.remove(document)
        return Reply.text("OK, I won't send it.")
    info = values.get("uploadInfo") if isinstance(values.get("uploadInfo"), dict) else None
    secure = info is not None and str(info.get("uploadUrl", "")).startswith("https://")
    if info is None or not (secure or ctx.services.settings.local_mode):
        return Reply.text("Teams gave me nowhere to put the file; please try again.")
    if ctx.services.upload_file is None:
        return Reply.text("Sending files isn't available here.")
    await ctx.services.upload_file(str(info["uploadUrl"]), document.content)
    await documents.remove(document)
    card = {
        "contentType": INFO,
        "contentUrl": info.get("contentUrl", ""),
        "name": info.get("name", document.name),
        "content": {"uniqueId": info.get("uniqueId", ""), "fileType": info.get("fileType", "")},
    }
    return Reply(messages=[Message(attachments=[card])])


ROWS: tuple[CardAction, ...] = (
    CardAction(VERB, consent, private=False),  # Teams asks in the 1:1 chat only
    CardAction(_OBSERVATIONS_VERB, consent, private=False),
)

NOTICES: tuple[NoticeKind, ...] = (
    NoticeKind(
        OFFER,
        render_offer,
        description="A document to accept, asked for in a channel",
        asked_for=True,
        on_failure=offer_failed,
    ),
    NoticeKind(
        _OBSERVATIONS_VERB,
        render_offer,
        description="A document to accept (older offers)",
        asked_for=True,
        on_failure=offer_failed,
    ),
    NoticeKind(
        PRIVATE_ANSWER,
        render_private_answer,
        description="An answer asked for in a channel, sent to the 1:1 chat",
        asked_for=True,
        on_failure=offer_failed,
        confidential=True,
    ),
    NoticeKind(NOT_DELIVERED, render_not_delivered, asked_for=True, to_channel=True),
)
