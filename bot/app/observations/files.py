"""Files to a person in Teams: exports and shared documents, offered with a file consent card.

Teams lets a bot send a file only in a 1:1 chat, and only once the person accepts it: the bytes
wait in the database (never in memory) until the `fileConsent/invoke` comes back with an upload
URL in the person's OneDrive. Asked from a channel, the offer goes to the 1:1 chat instead.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from bot.app.context import HandlerContext
from bot.app.observations import schedule
from bot.app.turn import Message, Reply
from storage.observations import ObservationFile, Observations

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
INFO = "application/vnd.microsoft.teams.card.file.info"
KEEP_FOR = timedelta(days=1)
VERB = "otla.file"


def consent_message(name: str, size: int, description: str, token: str) -> Message:
    context = {"verb": VERB, "token": token}
    return Message(
        text=f"Here is **{name}**. Press Allow to save it to your OneDrive.",
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


async def offer(ctx: HandlerContext, name: str, content: bytes, description: str) -> Reply:
    now = ctx.services.clock.now()
    token = secrets.token_urlsafe(24)
    repo = Observations(ctx.uow.session)
    await repo.forget_files(now)
    repo.add_file(
        ObservationFile(
            token=token,
            org_id=ctx.turn.org_id,
            person_id=ctx.person.id,
            name=name,
            content=content,
            created_at=now,
            expires_at=now + KEEP_FOR,
        )
    )
    if ctx.turn.where.kind == "personal":
        return Reply(messages=[consent_message(name, len(content), description, token)])
    await schedule.tell(
        ctx.uow.session,
        ctx.turn.org_id,
        f"otla-file:{token}",
        schedule.FILE,
        ctx.person.id,
        now,
        now,
        token=token,
        description=description,
    )
    return Reply.text(f"I'm sending {name} to our 1:1 chat.")


async def consent(ctx: HandlerContext, values: dict[str, Any]) -> Reply:
    """The person allowed (or declined) a file: upload it to the URL Teams gave, then show it."""
    context = values.get("context") if isinstance(values.get("context"), dict) else {}
    token = str((context or {}).get("token", ""))
    repo = Observations(ctx.uow.session)
    file = await repo.take_file(ctx.turn.org_id, token, ctx.person.id)
    if file is None:
        return Reply.text("That file has expired: ask for it again.")
    if values.get("action") != "accept":
        await ctx.uow.session.delete(file)
        return Reply.text("OK, I won't send it.")
    info = values.get("uploadInfo") if isinstance(values.get("uploadInfo"), dict) else None
    secure = info is not None and str(info.get("uploadUrl", "")).startswith("https://")
    if info is None or not (secure or ctx.services.settings.local_mode):
        return Reply.text("Teams gave me nowhere to put the file; please try again.")
    if ctx.services.upload_file is None:
        return Reply.text("Sending files isn't available here.")
    await ctx.services.upload_file(str(info["uploadUrl"]), file.content)
    await ctx.uow.session.delete(file)
    card = {
        "contentType": INFO,
        "contentUrl": info.get("contentUrl", ""),
        "name": info.get("name", file.name),
        "content": {"uniqueId": info.get("uniqueId", ""), "fileType": info.get("fileType", "")},
    }
    return Reply(messages=[Message(attachments=[card])])
