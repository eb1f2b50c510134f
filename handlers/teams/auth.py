"""Who may talk to `/api/messages`, and how the bot proves itself when it talks back.

Inbound: with `MicrosoftAppId` set, every activity must carry a Bot Framework JWT, validated by
botbuilder itself (signature against Microsoft's published keys, issuer, audience = our app id,
the `serviceurl` claim = the activity's). Requests that cannot be such a token (no header, not a
JWT, a foreign issuer, no key id) are refused here first, so garbage never reaches the code that
downloads Microsoft's signing keys. botbuilder fetches those keys with blocking `requests` calls,
so validation runs in a worker thread, off the event loop. Without an app id no token is checked:
Teams is off (503) unless `ONESCORE_TEAMS_EMULATOR=true` asks for local testing (`TeamsAdapter.start`
says so loudly), and then only activities whose `serviceUrl` is on this machine (the Bot Framework
Emulator) are accepted.

Outbound: `MicrosoftAppType` picks the credentials (MultiTenant by default, SingleTenant with
`MicrosoftAppTenantId`, UserAssignedMSI). botbuilder builds new credentials, with an empty token
cache, for every connector client; `ReusedCredentials` keeps one per audience so a token is
fetched once an hour rather than once a message.
"""

from __future__ import annotations

import asyncio
import logging

import jwt
import requests
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    BotFrameworkAuthenticationFactory,
    EmulatorValidation,
    ManagedIdentityServiceClientCredentialsFactory,
    PasswordServiceClientCredentialFactory,
    ServiceClientCredentialsFactory,
)
from botframework.connector.auth.authenticate_request_result import AuthenticateRequestResult
from msrest.authentication import Authentication

from bot.settings import Settings
from handlers.teams.service_url import is_local, parse_service_url

log = logging.getLogger(__name__)

ISSUERS = frozenset(
    [
        AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        *EmulatorValidation.TO_BOT_FROM_EMULATOR_TOKEN_VALIDATION_PARAMETERS.issuer,
    ]
)
APP_TYPES = ("multitenant", "singletenant", "userassignedmsi")


class NotAuthenticated(Exception):
    """The request is not from the Bot Framework for this bot: answer 401, process nothing."""


class AuthenticationUnavailable(Exception):
    """The request could not be checked (Microsoft's keys unreachable, or our settings are wrong): 503."""


class ReusedCredentials(ServiceClientCredentialsFactory):
    """One set of credentials (and so one MSAL token cache) per audience."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self.inner = inner
        self._made: dict[tuple[str, str, str, bool], Authentication] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self.inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self.inner.is_authentication_disabled()

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        key = (app_id or "", oauth_scope or "", login_endpoint or "", validate_authority)
        credentials = self._made.get(key)
        if credentials is None:
            credentials = await self.inner.create_credentials(app_id, oauth_scope, login_endpoint, validate_authority)
            self._made[key] = credentials
        return credentials


def credential_factory(settings: Settings) -> ServiceClientCredentialsFactory:
    """The credentials `MicrosoftAppType` asks for; raises ValueError when the settings cannot work."""
    app_id = settings.microsoft_app_id
    kind = (settings.microsoft_app_type or "MultiTenant").strip().lower()
    if kind not in APP_TYPES:
        raise ValueError(
            f"MicrosoftAppType={settings.microsoft_app_type!r}: use MultiTenant, SingleTenant or UserAssignedMSI"
        )
    if kind == "userassignedmsi":
        return ReusedCredentials(ManagedIdentityServiceClientCredentialsFactory(app_id))
    tenant = settings.microsoft_app_tenant_id
    if kind == "singletenant" and not tenant:
        raise ValueError("MicrosoftAppType=SingleTenant needs MicrosoftAppTenantId")
    if app_id and not settings.microsoft_app_password:
        raise ValueError("MicrosoftAppId is set but MicrosoftAppPassword is not")
    return ReusedCredentials(
        PasswordServiceClientCredentialFactory(
            app_id, settings.microsoft_app_password, tenant if kind == "singletenant" else None
        )
    )


class RequestAuthenticator:
    """Checks each incoming activity; without an app id, only the emulator mode lets (local) activities in."""

    def __init__(self, settings: Settings) -> None:
        self.app_id = settings.microsoft_app_id
        self.emulator = settings.teams_emulator and not self.app_id
        self.problem: str | None = None
        try:
            factory = credential_factory(settings)
        except ValueError as exc:
            self.problem = str(exc)
            factory = ReusedCredentials(PasswordServiceClientCredentialFactory())
        self.auth: BotFrameworkAuthentication = BotFrameworkAuthenticationFactory.create(credential_factory=factory)

    @property
    def enforced(self) -> bool:
        return bool(self.app_id)

    def screen(self, authorization: str | None) -> None:
        """What can be refused from the `Authorization` header alone, before the body is read."""
        if self.problem:
            raise AuthenticationUnavailable(f"Teams settings: {self.problem}")
        if not self.enforced:
            if not self.emulator:
                raise NotAuthenticated("MicrosoftAppId is not set and ONESCORE_TEAMS_EMULATOR is not true")
            return
        token = bearer_token(authorization)
        if token is None:
            raise NotAuthenticated("no Bearer token")
        reason = implausible(token)
        if reason:
            raise NotAuthenticated(reason)

    async def authenticate_token(self, authorization: str | None) -> None:
        """Verify the token of a request whose body is no activity, so the answer can tell a stranger
        (401) from the Bot Framework sending something odd (400). The token vouches for its own
        `serviceurl`; nothing is called either way."""
        self.screen(authorization)
        if not self.enforced:
            return
        claims = jwt.decode(bearer_token(authorization) or "", options={"verify_signature": False})
        vouched = claims.get(AuthenticationConstants.SERVICE_URL_CLAIM)
        stand_in = Activity(channel_id="msteams", service_url=vouched if isinstance(vouched, str) else "")
        await self._validated(stand_in, authorization)

    async def authenticate(self, activity: Activity, authorization: str | None) -> AuthenticateRequestResult:
        self.screen(authorization)
        if not self.enforced:
            if not is_local(activity.service_url):
                raise NotAuthenticated(
                    "ONESCORE_TEAMS_EMULATOR accepts only a local serviceUrl (the Bot Framework Emulator)"
                )
            return await self.auth.authenticate_request(activity, "")
        result = await self._validated(activity, authorization)
        reason = unvouched(result, activity.service_url)
        if reason:
            raise NotAuthenticated(reason)
        return result

    async def _validated(self, activity: Activity, authorization: str | None) -> AuthenticateRequestResult:
        try:
            return await asyncio.to_thread(asyncio.run, self.auth.authenticate_request(activity, authorization or ""))
        except requests.RequestException as exc:
            raise AuthenticationUnavailable(f"cannot fetch the Bot Framework's signing keys: {exc}") from exc
        except Exception as exc:  # botbuilder signals a bad token with PermissionError, jwt errors, or plain Exception
            raise NotAuthenticated(f"{type(exc).__name__}: {exc}") from exc


def unvouched(result: AuthenticateRequestResult, service_url: str | None) -> str | None:
    """Why a valid token does not let the bot call `service_url` (None when it does).

    The activity's `serviceUrl` is stored and called later, so it must be the one the token vouches
    for: a channel token's `serviceurl` claim, exactly. Tokens without that claim (the Emulator's)
    vouch for no address, so only one on this machine is accepted with them. Either way the URL
    must be unambiguous to the HTTP client that will connect.
    """
    if parse_service_url(service_url) is None:
        return f"serviceUrl {service_url!r} is not a plain http(s) URL"
    identity = result.claims_identity
    claims = (identity.claims if identity is not None else None) or {}
    vouched = claims.get(AuthenticationConstants.SERVICE_URL_CLAIM)
    if vouched is None:
        return None if is_local(service_url) else "the token vouches for no serviceUrl, and this one is not local"
    return None if vouched == service_url else "serviceUrl is not the one the token was issued for"


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme == "Bearer" else None


def implausible(token: str) -> str | None:
    """Why `token` cannot be a Bot Framework token (None when it may be one and must be verified)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        return f"not a JWT: {exc}"
    if header.get("alg") not in AuthenticationConstants.ALLOWED_SIGNING_ALGORITHMS:
        return f"signing algorithm {header.get('alg')!r} is not allowed"
    if not header.get("kid"):
        return "no key id"
    if claims.get("iss") not in ISSUERS:
        return f"issuer {claims.get('iss')!r} is not the Bot Framework"
    return None
