"""A loopback Bot Connector: the v3 REST routes a bot calls, recording what it is sent.

Tests read the bot's replies from here, as Teams would receive them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


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
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: TestServer | None = None

    async def start(self) -> None:
        app = web.Application()
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

    def add_member(self, member: RosterMember) -> None:
        self.members[member.id] = member

    def clear(self) -> None:
        self.sent.clear()

    def messages(self) -> list[Sent]:
        return [s for s in self.sent if s.method == "POST"]

    def updates(self) -> list[Sent]:
        return [s for s in self.sent if s.method == "PUT"]

    async def _send(self, request: web.Request) -> web.Response:
        conv = request.match_info["conv"]
        if conv in self.fail_with:
            return web.json_response({"error": {"code": "Failed"}}, status=self.fail_with[conv])
        body = await request.json()
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
        return web.json_response({"id": new_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
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
        member = body["members"][0]["id"]
        return web.json_response({"id": f"a:personal-{member}"}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member.as_json())

    async def _paged(self, request: web.Request) -> web.Response:
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
