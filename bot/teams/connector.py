"""A small async client for the Bot Connector v3 REST API, on one shared aiohttp session.

Replaces botbuilder's msrest `ConnectorClient` (a new `requests` session per turn, sends in a
thread pool) for everything TLC sends: replies, card updates, proactive messages and roster reads.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.domain.emails import normal_email

TokenSource = Callable[
    [str], Awaitable[str | None]
]  # service URL -> bearer token (None: local mode)


class ConnectorError(Exception):
    def __init__(self, status: int, body: str, retry_after: float | None = None) -> None:
        super().__init__(f"connector answered {status}: {body[:200]}")
        self.status = status
        self.body = body
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        """403 (blocked, or not in the roster) and 404 (conversation gone) will not get better."""
        return self.status in (400, 401, 403, 404)


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    aad_object_id: str | None
    email: str | None
    upn: str | None

    @property
    def address(self) -> str | None:
        """Their email as TLC keeps it (`normal_email`), or their UPN where Teams gives no
        email; None when it gives neither."""
        return normal_email(self.email or self.upn or "") or None


async def no_token(_: str) -> str | None:
    return None


class Connector:
    def __init__(self, token: TokenSource = no_token, *, timeout: float = 15.0) -> None:
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=200, limit_per_host=100, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, service_url: str, path: str, body: Any = None) -> Any:
        url = service_url.rstrip("/") + path
        headers = {"Content-Type": "application/json"}
        token = await self._token(service_url)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with self._http().request(method, url, json=body, headers=headers) as resp:
            # Read and decoded once (the connector speaks JSON, i.e. UTF-8): `resp.text()` then
            # `resp.json()` would look for the charset and decode the body twice.
            raw = await resp.read()
            if resp.status >= 400:
                retry = resp.headers.get("Retry-After")
                raise ConnectorError(resp.status, raw.decode(errors="replace"), _seconds(retry))
            if not raw.strip():
                return {}
            try:
                return json.loads(raw)
            except ValueError:
                return {}

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str:
        """Post to a conversation; returns the activity id the service gave it."""
        path = _activities(conversation_id)
        return str((await self._call("POST", service_url, path, activity)).get("id", ""))

    async def reply(
        self, service_url: str, conversation_id: str, reply_to_id: str, activity: dict[str, Any]
    ) -> str:
        path = _activities(conversation_id, reply_to_id)
        return str((await self._call("POST", service_url, path, activity)).get("id", ""))

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        path = _activities(conversation_id, activity_id)
        await self._call("PUT", service_url, path, {**activity, "id": activity_id})

    async def create_personal_conversation(
        self, service_url: str, *, bot_id: str, user_id: str, tenant_id: str
    ) -> str:
        """Open (or find) the 1:1 chat with a user the bot shares a team with."""
        body = {
            "isGroup": False,
            "bot": {"id": bot_id},
            "members": [{"id": user_id}],
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        return str((await self._call("POST", service_url, "/v3/conversations", body))["id"])

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> Member | None:
        path = (
            f"/v3/conversations/{quote(conversation_id, safe='')}/members/{quote(user_id, safe='')}"
        )
        try:
            return _member(await self._call("GET", service_url, path))
        except ConnectorError as exc:
            if exc.status == 404:
                return None
            raise

    async def members_page(
        self,
        service_url: str,
        conversation_id: str,
        page_size: int = 500,
        continuation: str | None = None,
    ) -> tuple[list[Member], str | None]:
        """One page of a team's or chat's roster, and the token for the next (None: the last)."""
        path = (
            f"/v3/conversations/{quote(conversation_id, safe='')}/pagedmembers?pageSize={page_size}"
        )
        if continuation:
            path += f"&continuationToken={quote(continuation, safe='')}"
        page = await self._call("GET", service_url, path)
        return [_member(m) for m in page.get("members", [])], page.get("continuationToken")

    async def paged_members(
        self, service_url: str, conversation_id: str, page_size: int = 500
    ) -> list[Member]:
        """The whole roster of a team or chat, page by page."""
        members: list[Member] = []
        token: str | None = None
        while True:
            page, token = await self.members_page(service_url, conversation_id, page_size, token)
            members.extend(page)
            if not token:
                return members


def _activities(conversation_id: str, activity_id: str | None = None) -> str:
    """The path of a conversation's activities, or of one activity in it."""
    path = f"/v3/conversations/{quote(conversation_id, safe='')}/activities"
    return path if activity_id is None else f"{path}/{quote(activity_id, safe='')}"


def _member(data: dict[str, Any]) -> Member:
    return Member(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        aad_object_id=data.get("aadObjectId") or data.get("objectId"),
        email=(data.get("email") or None),
        upn=(data.get("userPrincipalName") or None),
    )


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


RETRY_STATUSES = (412, 429, 502, 503, 504)


async def retrying[T](
    call: Callable[[], Awaitable[T]],
    attempts: int = 5,
    *,
    deadline: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> T:
    """For replies on a turn: retry 429/412/5xx, waiting what Retry-After asks, as long as the
    turn's time budget (`deadline`, on the `monotonic` clock) allows; otherwise raise, and the
    caller puts the reply in the outbox. Proactive sends use the outbox worker."""
    for attempt in range(attempts):
        try:
            return await call()
        except ConnectorError as exc:
            if exc.status not in RETRY_STATUSES or attempt == attempts - 1:
                raise
            wait = exc.retry_after if exc.retry_after is not None else 0.2 * 2**attempt
            if deadline is not None and monotonic() + wait > deadline:
                raise
            await asyncio.sleep(wait)
        except (aiohttp.ClientError, TimeoutError):
            # A timeout (aiohttp's total timeout raises TimeoutError, not a ClientError) is the
            # network failing like any other: Teams may or may not have it; try again.
            wait = 0.2 * 2**attempt
            if attempt == attempts - 1 or (deadline is not None and monotonic() + wait > deadline):
                raise
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")
