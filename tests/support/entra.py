"""Loopback stand-ins for the Bot Framework's identity endpoints.

- OpenID metadata + signing keys (JWKS), which the bot reads to check incoming tokens. botbuilder
  fetches these with blocking `requests`, so this server runs in its own thread.
- An OAuth 2 token endpoint, where the bot gets tokens for its own outgoing calls.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


@dataclass
class Identity:
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = "loopback-key-1"
    issued_tokens: list[dict[str, str]] = field(default_factory=list)
    metadata_url: str = ""
    login_url: str = ""

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update({"kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
        return {"keys": [public]}

    def channel_token(
        self,
        app_id: str,
        service_url: str,
        *,
        key: rsa.RSAPrivateKey | None = None,
        issuer: str = ISSUER,
        expires_in: int = 3600,
    ) -> str:
        """A token as the Bot Framework channel would send it to the bot."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": app_id,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + expires_in,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})


@contextmanager
def identity_server(identity: Identity) -> Iterator[Identity]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            """Keep the test output quiet: no access log lines."""

        def _json(self, body: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/openid":
                self._json({"issuer": ISSUER, "jwks_uri": f"{base}/keys"})
            elif self.path == "/keys":
                self._json(identity.jwks())
            else:
                self._json({"error": "not found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if not self.path.endswith("/oauth2/v2.0/token"):
                self._json({"error": "not found"}, 404)
                return
            identity.issued_tokens.append({"path": self.path, **form})
            if form.get("client_secret") != "right-password":
                self._json({"error": "invalid_client", "error_description": "bad secret"}, 401)
                return
            self._json(
                {
                    "access_token": f"bot-token-{len(identity.issued_tokens)}",
                    "expires_in": 3600,
                    "token_type": "Bearer",
                }
            )

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    identity.metadata_url = f"http://127.0.0.1:{port}/openid"
    identity.login_url = f"http://127.0.0.1:{port}"
    try:
        yield identity
    finally:
        server.shutdown()
        server.server_close()
