"""The Bot Framework adapter, with its per-turn client building taken off the hot path.

A stock `CloudAdapter` builds a new msrest connector client and user-token client on every turn
(~18 ms of CPU). `process_activity` takes the connector factory from `authenticate_request`'s
result, so that result's factory is the one to wrap; user-token clients are cached per app id.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

from bot.settings import Settings
from bot.teams.connector import TokenSource, no_token
from bot.teams.tokens import ClientCredentialsTokens


class _CachedConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[str, str], Any]) -> None:
        self._inner = inner
        self._cache = cache

    async def create(self, service_url: str, audience: str) -> Any:
        key = (service_url, audience or "")
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._cache[key] = client
        return client


class ReusingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Delegates to the configured authentication; reuses the clients it would build each turn."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._connectors: dict[tuple[str, str], Any] = {}
        self._user_token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(
        self, activity: Any, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _CachedConnectorFactory(
                result.connector_factory, self._connectors
            )
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> Any:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _CachedConnectorFactory(
            self._inner.create_connector_factory(claims_identity), self._connectors
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = str(getattr(claims_identity, "claims", {}).get("aud", "")) if claims_identity else ""
        client = self._user_token_clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._user_token_clients[key] = client
        return client

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def generate_caller_id(
        self, *, credential_factory: Any, claims_identity: Any, caller_id: str
    ) -> Any:
        return await self._inner.generate_caller_id(
            credential_factory=credential_factory,
            claims_identity=claims_identity,
            caller_id=caller_id,
        )


def bot_framework_configuration(settings: Settings) -> SimpleNamespace:
    config = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    if settings.openid_metadata_url:
        # Setting any of these switches botbuilder to its "parameterized" authentication, which
        # then needs every public-cloud value spelled out.
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.openid_metadata_url
        config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = settings.openid_metadata_url
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"
        config.TO_CHANNEL_FROM_BOT_LOGIN_URL = f"{settings.login_url}/botframework.com"
        config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = "https://api.botframework.com"
        config.OAUTH_URL = "https://api.botframework.com"
    return config


def make_adapter(settings: Settings) -> CloudAdapter:
    inner = ConfigurationBotFrameworkAuthentication(bot_framework_configuration(settings))
    return CloudAdapter(ReusingAuthentication(inner))


def make_token_source(settings: Settings) -> TokenSource:
    """Bearer tokens for outgoing calls: none in local mode, the app's credentials otherwise."""
    if settings.local_mode:
        return no_token
    tenant = settings.app_tenant_id if settings.app_type == "SingleTenant" else ""
    return ClientCredentialsTokens(
        settings.app_id, settings.app_password, tenant, login_url=settings.login_url
    )
