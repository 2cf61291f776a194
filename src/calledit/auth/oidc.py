"""Verify JWTs from an OIDC issuer (a Cognito user pool, say) against its published JWKS.

Shared by the local server (CALLEDIT_AUTH=oidc) and the AWS Lambda authorizer, so it imports no web
framework. Only asymmetric algorithms are accepted: a token can never pick HS256 or `none` and have
the public key used as a shared secret.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import jwt

from calledit.auth.errors import AuthError
from calledit.auth.tokens import Principal

logger = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256", "ES256")
# Cognito stamps token_use on both of its token kinds; anything else is not a sign-in token.
_TOKEN_USES = {"id", "access"}


class OidcVerifier:
    """Checks a bearer token's signature (by `kid`, from the issuer's JWKS), expiry, issuer and audience.

    `audience` is the app client id: ID tokens carry it as `aud`, Cognito access tokens as `client_id`.
    With `audience=None` any audience of this issuer is accepted. Keys are cached; an unknown `kid`
    refetches the JWKS (at most once per `refetch_interval` seconds, so junk tokens cannot make us
    hammer the issuer), and the whole set is refreshed after `max_age` seconds.
    """

    def __init__(
        self,
        issuer: str,
        audience: str | None,
        jwks_url: str | None = None,
        *,
        http: httpx.Client | None = None,
        leeway: float = 30.0,
        refetch_interval: float = 30.0,
        max_age: float = 3600.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not issuer:
            raise ValueError("OidcVerifier needs the issuer URL (CALLEDIT_OIDC_ISSUER)")
        self.issuer = issuer.rstrip("/")
        self.audience = audience or None
        self.jwks_url = jwks_url or f"{self.issuer}/.well-known/jwks.json"
        self._http = http
        self._leeway = leeway
        self._refetch_interval = refetch_interval
        self._max_age = max_age
        self._timeout = timeout
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

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
        key = self._key(kid)
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
        if self._fetch_due(_kid_or_none(token)):
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

    def _fetch_due(self, kid: str | None) -> bool:
        now = self._clock()
        with self._lock:
            if self._fetched_at is None or now - self._fetched_at >= self._max_age:
                return True
            if kid is not None and kid not in self._keys:
                return now - self._fetched_at >= self._refetch_interval
            return False

    def _key(self, kid: str) -> jwt.PyJWK:
        if self._fetch_due(kid):
            self._refresh()
        with self._lock:
            key = self._keys.get(kid)
        if key is None:
            raise AuthError("The token was signed by a key the issuer does not publish: sign in again.")
        return key

    def _refresh(self) -> None:
        try:
            keys = _parse_jwks(self._get_jwks())
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning(
                "jwks_url=<%s>, error=<%s> | could not fetch the issuer's keys", self.jwks_url, exc
            )
            with self._lock:
                # Back off like a successful fetch would, and keep whatever keys we had.
                self._fetched_at = self._clock()
            raise AuthError("The identity provider's keys could not be fetched: try again shortly.") from None
        with self._lock:
            self._keys = keys
            self._fetched_at = self._clock()
        logger.debug("jwks_url=<%s>, keys=<%d> | fetched the issuer's keys", self.jwks_url, len(keys))

    def _get_jwks(self) -> Any:
        if self._http is not None:
            response = self._http.get(self.jwks_url, timeout=self._timeout)
        else:
            with httpx.Client() as client:
                response = client.get(self.jwks_url, timeout=self._timeout)
        response.raise_for_status()
        return response.json()


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


def _parse_jwks(document: Any) -> dict[str, jwt.PyJWK]:
    """The signing keys of a JWKS document by kid; keys we would never accept are left out."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document (no 'keys' list)")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue
        if key.algorithm_name in ALLOWED_ALGORITHMS:
            keys[entry["kid"]] = key
    return keys


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
