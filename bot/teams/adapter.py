"""Bot Framework authentication of incoming requests, and tokens for outgoing calls.

Only the authentication of botbuilder is used on a turn: a stock `CloudAdapter` would also
deserialise the whole activity with msrest, build a connector client and a user-token client,
and run its middleware pipeline with a deep copy of every reply (~18 ms of CPU per turn). TLC reads
the JSON body itself and sends through its own connector client (`bot.teams.connector`).
"""

from __future__ import annotations

from types import SimpleNamespace

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import BotFrameworkAuthentication

from bot.settings import Settings
from bot.teams.connector import TokenSource, no_token
from bot.teams.tokens import ClientCredentialsTokens


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


def make_authentication(settings: Settings) -> BotFrameworkAuthentication:
    """Checks that a request comes from the Bot Framework (a signed JWT), or local mode."""
    return ConfigurationBotFrameworkAuthentication(bot_framework_configuration(settings))


def make_token_source(settings: Settings) -> TokenSource:
    """Bearer tokens for outgoing calls: none in local mode, the app's credentials otherwise."""
    if settings.local_mode:
        return no_token
    tenant = settings.app_tenant_id if settings.app_type == "SingleTenant" else ""
    return ClientCredentialsTokens(
        settings.app_id, settings.app_password, tenant, login_url=settings.login_url
    )
