"""The server's authenticator: CALLEDIT_AUTH picks who may call, and how a token is checked."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import anyio.to_thread

from calledit.auth.api_tokens import ApiTokens, is_api_token
from calledit.auth.errors import AuthError
from calledit.auth.tokens import Principal
from calledit.domain.errors import ConfigurationError
from calledit.storage.base import TokenStore

if TYPE_CHECKING:
    from calledit.auth.local import LocalAuth
    from calledit.auth.oidc import OidcVerifier
    from calledit.config import Settings

AuthMode = Literal["none", "local", "oidc"]
LOCAL_USER = "local"


class Authenticator:
    """Turns the credential a request carries (or none) into a Principal, per the configured mode."""

    def __init__(
        self, mode: AuthMode = "none", *, local: LocalAuth | None = None, oidc: OidcVerifier | None = None
    ) -> None:
        if mode == "local" and local is None:
            raise ValueError("local mode needs a LocalAuth")
        if mode == "oidc" and oidc is None:
            raise ValueError("oidc mode needs an OidcVerifier")
        self.mode: AuthMode = mode
        self.local = local
        self.oidc = oidc
        self.api_tokens: ApiTokens | None = None  # personal `cit_` tokens, once `accept_api_tokens` is called

    def accept_api_tokens(self, store: object) -> None:
        """Verify personal API tokens against `store` (the call store, which keeps them) when it can."""
        if isinstance(store, TokenStore):
            self.api_tokens = ApiTokens(store)

    @property
    def required(self) -> bool:
        return self.mode != "none"

    async def authenticate(self, token: str | None) -> Principal:
        """The caller. With mode none everyone is the one local user and tokens are ignored."""
        if self.mode == "none":
            return Principal(user_id=LOCAL_USER)
        if not token:
            raise AuthError(
                "Sign in first: send 'Authorization: Bearer <access token>' (WebSocket: ?token=<access token> "
                "or the subprotocol 'bearer, <access token>')."
            )
        if is_api_token(token):
            if self.api_tokens is None:
                raise AuthError("Personal API tokens are not accepted here: sign in and send an access token.")
            # A database read (and at most once a minute a write): off the event loop.
            return await anyio.to_thread.run_sync(self.api_tokens.verify, token)
        if self.oidc is not None:
            return await self.oidc.averify(token)
        assert self.local is not None
        # The session lookup touches the database, which may wait on a writer: keep it off the event loop.
        return await anyio.to_thread.run_sync(self.local.verify, token)

    def close(self) -> None:
        if self.local is not None:
            self.local.users.close()

    def public_config(self) -> dict[str, Any]:
        """GET /api/auth/config: what a client needs to know to sign in (nothing secret)."""
        config: dict[str, Any] = {"mode": self.mode}
        if self.local is not None:
            config.update(
                token_url="/api/auth/token",
                signup_url="/api/auth/signup",
                access_token_ttl=int(self.local.access_ttl.total_seconds()),
            )
        if self.oidc is not None:
            config.update(issuer=self.oidc.issuer, audience=self.oidc.audience)
        return config


def build_authenticator(settings: Settings) -> Authenticator:
    """The authenticator CALLEDIT_AUTH names, with a message saying what to set when it cannot start."""
    if settings.auth == "none":
        return Authenticator("none")
    if settings.auth == "oidc":
        from calledit.auth.oidc import OidcVerifier

        if not settings.oidc_issuer:
            raise ConfigurationError(
                "CALLEDIT_AUTH=oidc needs CALLEDIT_OIDC_ISSUER, e.g. "
                "https://cognito-idp.REGION.amazonaws.com/POOL_ID (and CALLEDIT_OIDC_AUDIENCE = the app client id)."
            )
        verifier = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url)
        return Authenticator("oidc", oidc=verifier)
    from calledit.auth.local import LocalAuth, load_jwt_secret
    from calledit.storage.users import build_user_store

    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
    local = LocalAuth(
        build_user_store(settings),
        load_jwt_secret(secret, settings.data_dir),
        access_ttl=timedelta(minutes=settings.access_token_minutes),
        refresh_ttl=timedelta(days=settings.refresh_token_days),
    )
    return Authenticator("local", local=local)
