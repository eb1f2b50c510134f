"""A stand-in for the Bot Framework's token signing: its OpenID metadata and keys on 127.0.0.1.

Tests point botbuilder's channel validation at `metadata_url` and sign tokens with `token()`,
exactly as the Bot Framework signs what Teams sends (RS256, `kid`, issuer api.botframework.com,
audience = the bot's app id, a `serviceurl` claim). `forged_token()` is the same token signed
with a key the service never published. Every fetch of the metadata and keys is counted, so a
test can show that garbage was refused before any key was downloaded.

botbuilder caches the keys it downloaded per metadata URL for the life of the process, so each
stand-in serves under a path of its own: a later test that gets the same port must not be checked
against an earlier test's key.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.local_server import LocalServer

ISSUER = "https://api.botframework.com"
EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
KEY_ID = "fake-bot-framework-key"


class FakeBotFrameworkKeys:
    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._lock = threading.Lock()
        self.fetches = 0
        self._prefix = f"/{uuid.uuid4().hex}/v1/.well-known"
        app = web.Application()
        app.router.add_get(f"{self._prefix}/openidconfiguration", self._metadata)
        app.router.add_get(f"{self._prefix}/keys", self._keys)
        self._server = LocalServer(app, "fake-bot-framework-keys")

    @property
    def metadata_url(self) -> str:
        return f"{self._server.url}{self._prefix}/openidconfiguration"

    def token(self, app_id: str, service_url: str | None, **claims: Any) -> str:
        """A token as the Bot Framework signs it; `service_url=None` leaves out the `serviceurl` claim, as
        the Emulator's tokens (issued by Azure AD) do."""
        return self._sign(self._key, app_id, service_url, claims)

    def forged_token(self, app_id: str, service_url: str) -> str:
        """Right in every claim, but signed with a key the Bot Framework never published."""
        return self._sign(self._stranger, app_id, service_url, {})

    def _sign(self, key: rsa.RSAPrivateKey, app_id: str, service_url: str | None, claims: dict[str, Any]) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {"iss": ISSUER, "aud": app_id, "nbf": now - 60, "exp": now + 3600}
        if service_url is not None:
            payload["serviceurl"] = service_url
        payload.update(claims)
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": KEY_ID})

    def __enter__(self) -> FakeBotFrameworkKeys:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)

    async def _metadata(self, _request: web.Request) -> web.Response:
        with self._lock:
            self.fetches += 1
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": f"{self._server.url}{self._prefix}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        with self._lock:
            self.fetches += 1
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]}]})
