"""The web service: `/api/messages` for Teams, `/healthz` for whoever watches it."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse
from botbuilder.schema import Activity, ChannelAccount
from sqlalchemy import text

from bot.app.calendar import calendar_from
from bot.app.commands import build_events, build_notice_kinds, build_router
from bot.app.context import Services
from bot.app.dispatch import Dispatcher
from bot.app.reminders import queue_replies
from bot.app.turn import FileRef, Message, Reply, Turn, UserRef
from bot.app.worker import Worker, run_worker
from bot.clock import Clock, SystemClock
from bot.logs import kind, short
from bot.settings import Settings
from bot.teams.activities import (
    MalformedActivity,
    check_raw,
    message_activity,
    require_shape,
    team_change,
    to_turn,
)
from bot.teams.adapter import make_authentication, make_token_source
from bot.teams.connector import Connector, ConnectorError, retrying
from bot.teams.notifier import teams_worker
from cards.base import plain
from storage.db import Database

log = logging.getLogger(__name__)

TURN_BUDGET = 8.0
MAX_BODY = 1_000_000
MAX_FILE = 5_000_000
CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Bot:
    """Everything one process needs to answer turns."""

    settings: Settings
    db: Database
    clock: Clock
    connector: Connector
    dispatcher: Dispatcher
    worker: Worker
    turn_budget: float = TURN_BUDGET  # seconds a turn may spend waiting for Teams to take replies

    async def on_turn(self, body: dict[str, Any]) -> InvokeAnswer | None:
        """Answer an authenticated activity; an invoke's answer is returned (the HTTP body)."""
        kind = body["type"]
        if kind == "message":
            await self._message(body)
        elif kind == "invoke":
            return await self._invoke(body)
        elif kind == "installationUpdate":
            action = str(body.get("action") or "add")
            if action.startswith("add"):
                await self._send_all(body, await self.dispatcher.on_installed(self._turn(body)))
            elif action == "remove":  # "remove-upgrade" takes the old version out for the new
                await self.dispatcher.on_uninstalled(self._turn(body))
        elif kind == "conversationUpdate":
            await self._conversation_update(body)
        return None

    def _turn(self, body: dict[str, Any]) -> Turn:
        return to_turn(body, self.clock.now())

    async def _message(self, body: dict[str, Any]) -> None:
        turn = self._turn(body)
        reply = await self.dispatcher.on_message(turn)
        self.worker.wake()  # a request may have queued what the person asked for
        if reply.card is not None and turn.verb and turn.reply_to_id:
            # An Action.Submit: replace the submitted card in place with its saved view.
            try:
                await self.connector.update(
                    turn.where.service_url,
                    turn.where.conversation_id,
                    turn.reply_to_id,
                    message_activity(Message(card=reply.card), body),
                )
            except ConnectorError as exc:
                log.warning("could not update the submitted card: %s", kind(exc))
                reply.messages.insert(0, Message(card=reply.card))
        elif reply.card is not None:
            reply.messages.insert(0, Message(card=reply.card))
        await self._send_all(body, Reply(messages=reply.messages))

    async def _invoke(self, body: dict[str, Any]) -> InvokeAnswer:
        if body.get("name") == "fileConsent/invoke":
            reply = await self.dispatcher.on_message(self._turn(body))
            await self._send_all(body, reply)
            return InvokeAnswer(200, {})
        if body.get("name") != "adaptiveCard/action":
            return InvokeAnswer(200, {})
        reply = await self.dispatcher.on_message(self._turn(body))
        self.worker.wake()  # a press may have queued the card's update for everyone
        if reply.card is not None:
            value: dict[str, Any] = {"statusCode": 200, "type": CARD, "value": reply.card}
            later = reply.messages
        else:
            first = next((m for m in reply.messages if m.card is not None), None)
            if first is not None:
                value = {"statusCode": 200, "type": CARD, "value": first.card}
                later = [m for m in reply.messages if m is not first]
            else:
                texts = " ".join(m.text or "" for m in reply.messages).strip() or "Done."
                value = {
                    "statusCode": 200,
                    "type": "application/vnd.microsoft.activity.message",
                    "value": plain(texts),
                }
                # Other attachments (a file consent card) cannot ride in an invoke response.
                later = [replace(m, text=None) for m in reply.messages if m.attachments]
        await self._send_all(body, Reply(messages=later))
        return InvokeAnswer(200, value)

    async def _conversation_update(self, body: dict[str, Any]) -> None:
        change = team_change(body)
        if change is not None:  # a team or channel renamed, deleted, archived, restored
            await self.dispatcher.on_team_changed(self._turn(body), change)
        added = [m for m in body.get("membersAdded") or [] if isinstance(m, dict)]
        bot_id = (body.get("recipient") or {}).get("id")
        if any(m.get("id") == bot_id for m in added):
            # Teams also sends installationUpdate, which greets (and tells a first admin so);
            # other channels (the Emulator) only send this, so they are greeted here.
            greets = body.get("channelId") != "msteams"
            welcome = await self.dispatcher.on_installed(self._turn(body), greets=greets)
            if greets:
                await self._send_all(body, welcome)
        people = [
            UserRef(
                teams_user_id=str(m["id"]),
                aad_object_id=m.get("aadObjectId"),
                name=str(m.get("name") or ""),
            )
            for m in added
            if m.get("id") and m.get("id") != bot_id
        ]
        if people:
            await self.dispatcher.on_members_added(self._turn(body), people)
        gone = [m for m in body.get("membersRemoved") or [] if isinstance(m, dict)]
        if any(m.get("id") == bot_id for m in gone):
            await self.dispatcher.on_uninstalled(self._turn(body))  # TLC itself left
        removed = [
            UserRef(teams_user_id=str(m["id"]), aad_object_id=m.get("aadObjectId"), name="")
            for m in gone
            if m.get("id") and m.get("id") != bot_id
        ]
        if removed:
            await self.dispatcher.on_members_removed(self._turn(body), removed)

    async def _send_all(self, body: dict[str, Any], reply: Reply) -> None:
        """Send a turn's replies. Teams asking to slow down (429 and Retry-After, 412, 5xx), or
        not answering (network errors, timeouts), is waited out within the turn's time budget;
        past it, the rest go to the outbox."""
        service_url = body["serviceUrl"]
        conversation = body["conversation"]["id"]
        reply_to = body.get("id") if body["type"] == "message" else None
        deadline = time.monotonic() + self.turn_budget
        for i, message in enumerate(reply.messages):
            activity = message_activity(message, body)
            try:
                await retrying(
                    partial(self._post, service_url, conversation, reply_to, activity),
                    deadline=deadline,
                )
            except (ConnectorError, aiohttp.ClientError, TimeoutError) as exc:
                if isinstance(exc, ConnectorError) and exc.permanent:
                    raise
                turn = self._turn(body)
                queued = await queue_replies(
                    self.db, turn.org_id, conversation, reply.messages[i:], self.clock.now()
                )
                if not queued:
                    raise
                log.info("Teams would not take a reply in time (%s): it went to the outbox", exc)
                self.worker.wake()
                return

    async def _post(
        self, service_url: str, conversation: str, reply_to: str | None, activity: dict[str, Any]
    ) -> str:
        if reply_to:
            return await self.connector.reply(service_url, conversation, reply_to, activity)
        return await self.connector.send(service_url, conversation, activity)


@dataclass(frozen=True)
class TeamsCalls:
    """What handlers ask of Teams besides replies (files, member emails, team rosters), over the
    connector: the services are given these before the bot that will use them exists."""

    connector: Connector

    async def fetch_file(self, file: FileRef) -> bytes:
        if not file.download_url.startswith(("https://", "http://")):
            raise ValueError("unsupported file URL")
        # The whole file, up to one byte past MAX_FILE (the caller refuses a larger one). A
        # single `read(n)` gives only what has arrived so far: a list of 64 KB or more came in
        # cut short, its last rows silently gone.
        data = bytearray()
        async with self.connector._http().get(file.download_url) as resp:
            resp.raise_for_status()
            async for chunk in resp.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > MAX_FILE:
                    break
        return bytes(data[: MAX_FILE + 1])

    async def upload_file(self, url: str, content: bytes) -> None:
        """One PUT of the whole file to a OneDrive upload session (files under 4 MB)."""
        size = len(content)
        headers = {"Content-Range": f"bytes 0-{max(size - 1, 0)}/{size}"}
        async with self.connector._http().put(url, data=content, headers=headers) as resp:
            resp.raise_for_status()

    async def team_roster(self, turn: Turn, team_id: str) -> list[UserRef] | None:
        """Everyone in a team, page by page through the connector's paged members API."""
        try:
            members = await self.connector.paged_members(turn.where.service_url, team_id)
        except (ConnectorError, aiohttp.ClientError, OSError) as exc:
            log.info("could not read the roster of team %s: %s", team_id, exc)
            return None
        return [
            UserRef(
                teams_user_id=m.id,
                aad_object_id=m.aad_object_id,
                name=m.name,
                email=m.address,
            )
            for m in members
            if m.id
        ]

    async def member_email(self, turn: Turn) -> str | None:
        try:
            member = await self.connector.member(
                turn.where.service_url, turn.where.conversation_id, turn.user.teams_user_id
            )
        except (ConnectorError, OSError) as exc:
            log.info("no member details for %s: %s", short(turn.user.teams_user_id), kind(exc))
            return None
        if member is None:
            return None
        return member.address


BOT_KEY = web.AppKey("tlc", Bot)


@dataclass(frozen=True)
class InvokeAnswer:
    """What an invoke is answered with, in the HTTP response (Teams waits for it)."""

    status: int
    body: Any


def inbound(body: dict[str, Any]) -> Activity:
    """What authentication reads of an activity (its channel, service URL and recipient), without
    msrest deserialising all of it: the turn itself reads the JSON body."""
    recipient: dict[str, Any] = body["recipient"] if isinstance(body.get("recipient"), dict) else {}
    return Activity(
        type=body["type"],
        channel_id=body.get("channelId"),
        service_url=body["serviceUrl"],
        recipient=ChannelAccount(id=recipient.get("id"), role=recipient.get("role")),
    )


SLOW_REQUEST = 1.0  # seconds: a request that took longer is in the access log however it ended


class AccessLog(AbstractAccessLogger):
    """The access log of the served process (`aiohttp.access`): a line for a request that failed
    (4xx, 5xx) or was slow, and none for the rest. Every Teams turn that went well used to log
    "POST /api/messages 201" with aiohttp's own timestamp besides the formatter's, ~0.1 ms of
    CPU a turn; what goes wrong in a turn is logged where it happens, as before."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if response.status < 400 and time < SLOW_REQUEST:
            return
        self.logger.info(
            "%s %s %s in %.0f ms", request.method, request.path, response.status, time * 1000
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


async def freeze_heap(_: web.Application) -> None:
    """Once started, move what start-up made (modules, the ORM's mappings, the command table:
    ~280,000 objects) out of the garbage collector's way: `gc.freeze()`. They live as long as the
    process, yet every full collection walked them all (~180 ms of CPU, on one turn, about once
    a thousand turns). Garbage made before is collected first, so none is kept for good. For the
    served process (`tlc start`) only: tests make an app per test and must not pile frozen
    objects up."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    freeze: bool = False,
) -> web.Application:
    """The aiohttp application. Migrations run on start-up; nothing is kept in process memory.
    `freeze`: `freeze_heap` once started (the served process)."""
    clock = clock or SystemClock()
    authentication = make_authentication(settings)
    app = web.Application(client_max_size=MAX_BODY)
    state: dict[str, Bot] = {}
    tasks: list[asyncio.Task[None]] = []

    async def startup(app: web.Application) -> None:
        database = db or Database(settings.database_url, pool_size=settings.db_pool_size)
        await database.migrate()
        connector = Connector(make_token_source(settings))
        router, help_ = build_router()
        teams = TeamsCalls(connector)
        events = build_events()
        kinds = build_notice_kinds(events)
        services = Services(
            settings=settings,
            clock=clock,
            fetch_file=teams.fetch_file,
            member_email=teams.member_email,
            events=events,
            upload_file=teams.upload_file,
            notices=kinds,
            team_roster=teams.team_roster,
            calendar=calendar_from(
                settings.calendar,
                settings.graph_url,
                settings.login_url,
                settings.graph_client_id or settings.app_id,
                settings.graph_client_secret or settings.app_password,
            ),
        )
        dispatcher = Dispatcher(router, database, services, help_.reply)
        worker = teams_worker(settings, database, kinds, connector, clock)
        bot = Bot(settings, database, clock, connector, dispatcher, worker)
        state["bot"] = bot
        app[BOT_KEY] = bot
        if settings.run_worker:
            worker.begin()  # on SQLite, refuses if a `tlc worker` already sends from the file
            tasks.append(asyncio.create_task(run_worker(worker, clock, settings.worker_interval)))

    async def cleanup(app: web.Application) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        bot = state.get("bot")
        if bot is not None:
            await bot.worker.close()
            await bot.connector.close()
            if db is None:
                await bot.db.dispose()

    async def messages(request: web.Request) -> web.StreamResponse:
        bot = state["bot"]
        try:
            raw = await request.read()
            check_raw(raw)
            body = require_shape(json.loads(raw or b"null"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            message = (
                str(exc) if isinstance(exc, MalformedActivity) else "the body is not valid JSON"
            )
            return web.json_response({"error": message}, status=400)
        auth = request.headers.get("Authorization", "")
        # Local mode (no app id) and no token: botbuilder would accept it, as authentication is
        # off without an app id, after building an Activity, a caller id and a connector factory
        # nobody reads. A token, or an app id, is always checked by botbuilder.
        if auth or not settings.local_mode:
            try:
                await authentication.authenticate_request(inbound(body), auth)
            except Exception as exc:  # failing to prove the caller is Teams: a 401, never a 500
                log.info("rejected an unauthenticated request: %s", kind(exc))
                return web.json_response({"error": "unauthorized"}, status=401)
        try:
            result = await bot.on_turn(body)
        except Exception:
            log.exception("activity %s failed", short(body.get("id")))
            return web.json_response(
                {"error": "the bot could not answer this activity"}, status=502
            )
        if result is not None:
            return web.json_response(result.body, status=result.status)
        return web.Response(status=201 if body["type"] == "message" else 200)

    async def healthz(_: web.Request) -> web.StreamResponse:
        bot = state["bot"]
        try:
            async with bot.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # report, never crash the probe; the details go to the log
            log.warning("health check: the database did not answer: %s", kind(exc))
            return web.json_response(
                {"status": "error", "database": "database unavailable"}, status=503
            )
        mode = "local" if settings.local_mode else "authenticated"
        return web.json_response(
            {"status": "ok", "database": bot.db.engine.dialect.name, "mode": mode}
        )

    app.on_startup.append(startup)
    if freeze:
        app.on_startup.append(freeze_heap)
    app.on_cleanup.append(cleanup)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app
