"""Authentication: local mode takes anyone; with an app id every request needs a valid token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.clock import FixedClock
from bot.teams.tokens import ClientCredentialsTokens
from bot.teams.web import create_app
from storage.db import Database
from tests.conftest import TUTOR, local_settings
from tests.support.entra import Identity, identity_server
from tests.support.loopback import LoopbackConnector
from tests.support.teams import Place, TeamsClient

APP_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def identity() -> Iterator[Identity]:
    with identity_server(Identity()) as ident:
        yield ident


@pytest.fixture
async def secured(
    identity: Identity, sqlite_db: Database, clock: FixedClock, connector: LoopbackConnector
) -> AsyncIterator[TeamsClient]:
    settings = local_settings(
        sqlite_db.url,
        app_id=APP_ID,
        app_password="right-password",
        openid_metadata_url=identity.metadata_url,
        login_url=identity.login_url,
    )
    server = TestServer(create_app(settings, clock=clock, db=sqlite_db), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield TeamsClient(str(server.make_url("/api/messages")), connector, http)
    await server.close()


def _message(client: TeamsClient, text: str = "help") -> dict[str, object]:
    activity = client._base(TUTOR, Place.personal(TUTOR), "message")
    activity["text"] = text
    return activity


async def test_local_mode_answers_without_a_token(teams: TeamsClient) -> None:
    sent = await teams.say(TUTOR, "help")
    assert teams.last_status == 201
    assert sent and sent[0].authorization is None


async def test_missing_token_is_401_and_the_bot_does_nothing(secured: TeamsClient) -> None:
    sent = await secured.post(_message(secured))
    assert secured.last_status == 401
    assert sent == []


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a.b.c"],
)
async def test_garbage_token_is_401(secured: TeamsClient, header: str) -> None:
    sent = await secured.post(_message(secured), headers={"Authorization": header})
    assert secured.last_status == 401
    assert sent == []


async def test_token_signed_by_someone_else_is_401(
    secured: TeamsClient, identity: Identity
) -> None:
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = identity.channel_token(APP_ID, secured.connector.service_url, key=impostor)
    sent = await secured.post(_message(secured), headers={"Authorization": f"Bearer {token}"})
    assert secured.last_status == 401
    assert sent == []


async def test_token_for_another_bot_is_401(secured: TeamsClient, identity: Identity) -> None:
    token = identity.channel_token("another-app", secured.connector.service_url)
    sent = await secured.post(_message(secured), headers={"Authorization": f"Bearer {token}"})
    assert secured.last_status == 401
    assert sent == []


async def test_expired_token_is_401(secured: TeamsClient, identity: Identity) -> None:
    token = identity.channel_token(APP_ID, secured.connector.service_url, expires_in=-3600)
    sent = await secured.post(_message(secured), headers={"Authorization": f"Bearer {token}"})
    assert secured.last_status == 401
    assert sent == []


async def test_valid_token_is_answered_with_the_bots_own_token(
    secured: TeamsClient, identity: Identity
) -> None:
    token = identity.channel_token(APP_ID, secured.connector.service_url)
    sent = await secured.post(_message(secured), headers={"Authorization": f"Bearer {token}"})
    assert secured.last_status == 201
    assert sent, "the bot should have replied"
    assert all(s.authorization == "Bearer bot-token-1" for s in sent)
    assert identity.issued_tokens[0]["client_id"] == APP_ID
    assert identity.issued_tokens[0]["scope"] == "https://api.botframework.com/.default"
    assert "/botframework.com/" in identity.issued_tokens[0]["path"]


async def test_token_client_reports_a_wrong_password(identity: Identity) -> None:
    tokens = ClientCredentialsTokens(APP_ID, "wrong", "", login_url=identity.login_url)
    with pytest.raises(PermissionError, match="bad secret"):
        await tokens("http://service")


async def test_token_client_caches_until_near_expiry(identity: Identity) -> None:
    tokens = ClientCredentialsTokens(
        APP_ID, "right-password", "tenant-z", login_url=identity.login_url
    )
    first = await tokens("http://service")
    second = await tokens("http://service")
    assert first == second == "bot-token-1"
    assert len(identity.issued_tokens) == 1
    assert identity.issued_tokens[0]["path"].startswith("/tenant-z/")
