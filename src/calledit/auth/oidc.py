"""Verify JWTs from an OIDC issuer (a Cognito user pool, say) against its published JWKS.

Shared by the local server (CALLEDIT_AUTH=oidc) and the AWS Lambda authorizer, so it imports no web
framework. Only asymmetric algorithms are accepted: a token can never pick HS256 or `none` and have
the public key used as a shared secret.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import jwt

from calledit.auth.errors import AuthError
from calledit.auth.tokens import Principal
from calledit.domain.errors import ConfigurationError

logger = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256", "ES256")
# Cognito stamps token_use on both of its token kinds; anything else is not a sign-in token.
_TOKEN_USES = {"id", "access"}


class OidcVerifier:
    """Checks a bearer token's signature (by `kid`, from the issuer's JWKS), expiry, issuer and audience.

    `audience` is the app client id: ID tokens carry it as `aud`, Cognito access tokens as `client_id`.
    With `audience=None` any audience of this issuer is accepted. Keys are cached; an unknown `kid`
    refetches the JWKS (at most once per `refetch_interval` seconds, so junk tokens cannot make us
    hammer the issuer), and the whole set is refreshed after `max_age` seconds (`IssuerKeys`).
    """

    def __init__(
        self,
        issuer: str,
        audience: str | None,
        jwks_url: str | None = None,
        *,
        leeway: float = 30.0,
        refetch_interval: float = 30.0,
        max_age: float = 3600.0,
        timeout: float = 5.0,
    ) -> None:
        if not issuer:
            raise ValueError("OidcVerifier needs the issuer URL (CALLEDIT_OIDC_ISSUER)")
        self.issuer = issuer.rstrip("/")
        self.audience = audience or None
        self.jwks_url = jwks_url or f"{self.issuer}/.well-known/jwks.json"
        if urlparse(self.jwks_url).scheme not in ("http", "https"):
            raise ConfigurationError(
                f"The issuer's keys are fetched over HTTPS, and {self.jwks_url!r} is not an http(s) URL: check "
                "CALLEDIT_OIDC_ISSUER and CALLEDIT_OIDC_JWKS_URL."
            )
        self._leeway = leeway
        self.keys = IssuerKeys(self.jwks_url, max_age=max_age, refetch_interval=refetch_interval, timeout=timeout)

    def verify(self, token: str) -> Principal:
        """The Principal the token names, or AuthError saying what is wrong with it (never the token)."""
        header = _header(token)
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise AuthError(
                f"Tokens signed with {alg!r} are not accepted: the issuer must sign with RS256 or ES256."
            )
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("The token names no signing key (kid): use a token from the configured issuer.")
        key = self.keys.signing_key(kid)
        if key is None:
            raise AuthError("The token was signed by a key the issuer does not publish: sign in again.")
        if key.algorithm_name != alg:
            raise AuthError("The token's algorithm does not match its signing key: it has been altered.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise _auth_error(exc) from None
        self._check_audience(claims)
        token_use = claims.get("token_use")
        if token_use is not None and token_use not in _TOKEN_USES:
            raise AuthError(f"A {token_use!r} token cannot sign in: send an ID or access token.")
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub:
            raise AuthError("The token's subject (sub) is empty: use a token issued to a user.")
        return Principal(user_id=sub, claims=claims)

    async def averify(self, token: str) -> Principal:
        """`verify` for async callers: a JWKS fetch, if one is due, runs in a worker thread."""
        if self.keys.fetch_due(_kid_or_none(token)):
            import anyio.to_thread

            return await anyio.to_thread.run_sync(self.verify, token)
        return self.verify(token)

    def _check_audience(self, claims: Mapping[str, Any]) -> None:
        if self.audience is None:
            return
        aud = claims.get("aud")
        if aud is not None:
            audiences = [aud] if isinstance(aud, str) else aud
            if isinstance(audiences, list) and self.audience in audiences:
                return
            raise AuthError("The token was issued for another application (aud): sign in to this one.")
        # Cognito access tokens carry the app client in client_id and have no aud.
        if claims.get("token_use") == "access" and claims.get("client_id") == self.audience:
            return
        raise AuthError("The token was issued for another application (client_id): sign in to this one.")


class IssuerKeys(jwt.PyJWKClient):
    """The issuer's signing keys: PyJWT's client fetches the JWKS, parses it, caches it for `max_age` seconds
    and finds a key by kid. Added here, what it leaves to its caller:

    - an unknown kid refetches the set at most once per `refetch_interval` (counted from the last fetch);
    - a fetch that fails (unreachable, an error status, not a JWKS) keeps serving the keys we had, and the
      issuer is not asked again for `refetch_interval`; with no keys yet it is an AuthError that says so;
    - only asymmetric keys we accept are found (`ALLOWED_ALGORITHMS`): never a symmetric one.
    """

    def __init__(self, url: str, *, max_age: float, refetch_interval: float, timeout: float) -> None:
        super().__init__(url, cache_jwk_set=True, lifespan=max_age, timeout=timeout)
        self.refetch_interval = refetch_interval
        self.fetched_at: float | None = None  # the last attempt, whether or not it succeeded
        self._failed = False
        self._last_good: dict[str, Any] | None = None
        self._guard = threading.Lock()

    def signing_key(self, kid: str) -> jwt.PyJWK | None:
        """The accepted key named `kid`, or None when the issuer does not publish one."""
        with self._guard:
            key = self._find(kid, refresh=False)
            if key is None and self._may_refetch():
                key = self._find(kid, refresh=True)
            return key

    def fetch_due(self, kid: str | None) -> bool:
        """Whether `signing_key(kid)` would ask the issuer (so async callers can move it off the loop)."""
        cached = self.jwk_set_cache.get() if self.jwk_set_cache is not None else None
        if cached is None:
            return True
        return kid is not None and all(key.key_id != kid for key in cached.keys) and self._may_refetch()

    def fetch_data(self) -> Any:
        """PyJWT's fetch, validated whole; on failure, the last good document (or the AuthError)."""
        now = time.monotonic()
        if self._failed and self.fetched_at is not None and now - self.fetched_at < self.refetch_interval:
            return self._fallback(None)  # the issuer failed a moment ago: do not ask again yet
        self.fetched_at = now
        try:
            document = super().fetch_data()
            jwt.PyJWKSet.from_dict(document)  # a JWKS with usable keys, or PyJWKSetError
        except (jwt.PyJWTError, ValueError) as exc:  # PyJWKClientConnectionError, PyJWKSetError, bad JSON
            self._failed = True
            return self._fallback(exc)
        self._failed = False
        self._last_good = document
        logger.debug("jwks_url=<%s>, keys=<%d> | fetched the issuer's keys", self.uri, len(document["keys"]))
        return document

    def _fallback(self, exc: Exception | None) -> dict[str, Any]:
        if exc is not None:
            logger.warning("jwks_url=<%s>, error=<%s> | could not fetch the issuer's keys", self.uri, exc)
        if self._last_good is None:
            raise AuthError("The identity provider's keys could not be fetched: try again shortly.")
        return self._last_good

    def _find(self, kid: str, *, refresh: bool) -> jwt.PyJWK | None:
        try:
            keys = self.get_signing_keys(refresh=refresh)
        except jwt.PyJWKClientError:  # the set holds no signing keys at all
            return None
        return next((key for key in keys if key.key_id == kid and key.algorithm_name in ALLOWED_ALGORITHMS), None)

    def _may_refetch(self) -> bool:
        return self.fetched_at is None or time.monotonic() - self.fetched_at >= self.refetch_interval


def _header(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token:
        raise AuthError("No token: sign in and send it as 'Authorization: Bearer <token>'.")
    try:
        header: dict[str, Any] = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthError("The token is not a well-formed JWT: sign in again.") from None
    return header


def _kid_or_none(token: str) -> str | None:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except (jwt.PyJWTError, TypeError, AttributeError):
        return None
    return kid if isinstance(kid, str) else None


def _auth_error(exc: jwt.PyJWTError) -> AuthError:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return AuthError("The token has expired: sign in again or refresh it.")
    if isinstance(exc, jwt.ImmatureSignatureError):
        return AuthError("The token is not valid yet: check the clock of the machine that issued it.")
    if isinstance(exc, jwt.InvalidIssuerError):
        return AuthError("The token was issued by another identity provider (iss): sign in to this one.")
    if isinstance(exc, jwt.InvalidSignatureError):
        return AuthError("The token's signature does not verify: it has been altered; sign in again.")
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return AuthError(f"The token lacks the {exc.claim!r} claim: use a sign-in token from the issuer.")
    return AuthError("The token is not valid: sign in again.")
