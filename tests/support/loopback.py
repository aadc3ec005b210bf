"""A loopback Bot Connector: the v3 REST routes a bot calls, recording what it is sent.

Tests read the bot's replies from here, as Teams would receive them.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from cards.schema import renderer_problems


@dataclass
class Sent:
    method: str
    conversation_id: str
    activity: dict[str, Any]
    reply_to_id: str | None = None
    activity_id: str | None = None  # for PUT (update)
    authorization: str | None = None

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class RosterMember:
    id: str
    name: str
    aad_object_id: str
    email: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.email,
        }


@dataclass
class LoopbackConnector:
    """Start with `await connector.start()`; `service_url` is what activities should carry."""

    sent: list[Sent] = field(default_factory=list)
    members: dict[str, RosterMember] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)  # file consent uploads (OneDrive)
    fail_with: dict[str, int] = field(default_factory=dict)  # conversation id -> HTTP status
    # Scripted answers, one per request, before anything else: conversation id -> [(status,
    # headers)], e.g. [(429, {"Retry-After": "3"})] to ask the bot to slow down once.
    answers: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of each call
    created: list[dict[str, Any]] = field(default_factory=list)  # 1:1 chats the bot opened
    # The n-th message (1-based) is received, then its answer waits for `release`: a message
    # in flight, for killing a worker at that moment. `hanging` is set when it arrives.
    hang_at: int | None = None
    hanging: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    # Cards the official renderer would refuse (an empty choice set), with why: the `connector`
    # fixture fails the test if any was sent.
    bad_cards: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: TestServer | None = None

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conv}/activities", self._send)
        app.router.add_post("/v3/conversations/{conv}/activities/{reply_to}", self._send)
        app.router.add_put("/v3/conversations/{conv}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conv}/members/{member}", self._member)
        app.router.add_get("/v3/conversations/{conv}/pagedmembers", self._paged)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_put("/upload/{name}", self._upload)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def service_url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/")).rstrip("/") + "/"

    def file_url(self, name: str) -> str:
        return self.service_url + f"files/{name}"

    def answer(self, conversation_id: str, status: int, **headers: str) -> None:
        """Answer the next request to this conversation with `status` (and headers)."""
        names = {k.replace("_", "-").title(): v for k, v in headers.items()}
        self.answers.setdefault(conversation_id, []).append((status, names))

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        response: web.StreamResponse = await handler(request)
        return response

    def check_cards(self, activity: dict[str, Any]) -> None:
        for attachment in activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                found = renderer_problems(attachment.get("content") or {})
                self.bad_cards += [
                    f"{p} (card: {attachment['content'].get('fallbackText')})" for p in found
                ]

    def add_member(self, member: RosterMember) -> None:
        self.members[member.id] = member

    def clear(self) -> None:
        self.sent.clear()

    def messages(self) -> list[Sent]:
        return [s for s in self.sent if s.method == "POST"]

    def updates(self) -> list[Sent]:
        return [s for s in self.sent if s.method == "PUT"]

    def view(self, activity_id: str) -> Sent | None:
        """A message as everyone in its conversation sees it now: as posted, or as last updated."""
        seen = [s for s in self.sent if s.activity_id == activity_id]
        return seen[-1] if seen else None

    async def _send(self, request: web.Request) -> web.Response:
        conv = request.match_info["conv"]
        scripted = self.answers.get(conv)
        if scripted:
            status, headers = scripted.pop(0)
            return web.json_response(
                {"error": {"code": "Scripted"}}, status=status, headers=headers
            )
        if conv in self.fail_with:
            return web.json_response({"error": {"code": "Failed"}}, status=self.fail_with[conv])
        body = await request.json()
        self.check_cards(body)
        new_id = f"bot-activity-{next(self._ids)}"
        self.sent.append(
            Sent(
                "POST",
                conv,
                body,
                request.match_info.get("reply_to"),
                new_id,
                request.headers.get("Authorization"),
            )
        )
        if self.hang_at is not None and len(self.messages()) == self.hang_at:
            self.hanging.set()
            await self.release.wait()
        return web.json_response({"id": new_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        scripted = self.answers.get(request.match_info["conv"])
        if scripted:  # as for a send: e.g. 404, the message was deleted
            status, headers = scripted.pop(0)
            return web.json_response(
                {"error": {"code": "Scripted"}}, status=status, headers=headers
            )
        body = await request.json()
        self.check_cards(body)
        activity_id = request.match_info["activity"]
        self.sent.append(
            Sent(
                "PUT",
                request.match_info["conv"],
                body,
                None,
                activity_id,
                request.headers.get("Authorization"),
            )
        )
        return web.json_response({"id": activity_id})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.created.append(body)
        member = body["members"][0]["id"]
        return web.json_response({"id": f"a:personal-{member}"}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member.as_json())

    async def _paged(self, request: web.Request) -> web.Response:
        if request.match_info["conv"] in self.fail_with:
            status = self.fail_with[request.match_info["conv"]]
            return web.json_response({"error": {"code": "Failed"}}, status=status)
        size = int(request.query.get("pageSize", "500"))
        start = int(request.query.get("continuationToken", "0") or 0)
        everyone = list(self.members.values())
        page = everyone[start : start + size]
        body: dict[str, Any] = {"members": [m.as_json() for m in page]}
        if start + size < len(everyone):
            body["continuationToken"] = str(start + size)
        return web.json_response(body)

    def upload_url(self, name: str) -> str:
        return self.service_url + f"upload/{name}"

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["name"]] = await request.read()
        return web.json_response({"id": request.match_info["name"]}, status=201)

    async def _file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")
