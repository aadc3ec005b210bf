"""Bearer tokens for the bot's outgoing calls: OAuth 2 client credentials against Entra ID.

One small async client (instead of msal in a thread) so the real code can be tested against a
loopback token endpoint. Tokens are cached until five minutes before they expire.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp

BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
MULTI_TENANT_AUTHORITY = "botframework.com"


@dataclass
class _Cached:
    token: str
    expires_at: float


class ClientCredentialsTokens:
    def __init__(
        self,
        app_id: str,
        password: str,
        tenant: str,
        *,
        login_url: str = "https://login.microsoftonline.com",
        scope: str = BOT_FRAMEWORK_SCOPE,
    ) -> None:
        self.app_id = app_id
        self._password = password
        self.token_url = (
            f"{login_url.rstrip('/')}/{tenant or MULTI_TENANT_AUTHORITY}/oauth2/v2.0/token"
        )
        self.scope = scope
        self._cached: _Cached | None = None
        self._lock = asyncio.Lock()

    async def __call__(self, _service_url: str) -> str | None:
        cached = self._cached
        if cached is not None and cached.expires_at - 300 > time.monotonic():
            return cached.token
        async with self._lock:
            cached = self._cached
            if cached is None or cached.expires_at - 300 <= time.monotonic():
                self._cached = cached = await self._fetch()
            return cached.token

    async def _fetch(self) -> _Cached:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self._password,
            "scope": self.scope,
        }
        timeout = aiohttp.ClientTimeout(total=15)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(self.token_url, data=form) as resp,
        ):
            body = await resp.json(content_type=None)
            if resp.status != 200 or "access_token" not in body:
                reason = body.get("error_description") or body.get("error") or resp.status
                raise PermissionError(f"could not get a Bot Framework token: {reason}")
        return _Cached(
            str(body["access_token"]), time.monotonic() + float(body.get("expires_in", 3600))
        )
