"""The $connect REQUEST authorizer: `?token=<Cognito ID or access token>`, checked against the pool's JWKS.

Allow: an IAM policy for this connect, with the user in `principalId` and `context.user_id` (the
$connect handler records it on the connection). A missing or bad token raises "Unauthorized", which
API Gateway answers with 401; the reason is logged, never the token.
"""

from __future__ import annotations

import logging
from typing import Any

from calledit.auth.errors import AuthError
from calledit.auth.oidc import OidcVerifier
from calledit.auth.tokens import Principal
from calledit.config import Settings
from calledit.domain.errors import ConfigurationError

log = logging.getLogger(__name__)

UNAUTHORIZED = "Unauthorized"  # the exact message API Gateway turns into a 401


class Unauthorized(Exception):
    def __init__(self) -> None:
        super().__init__(UNAUTHORIZED)


def token_of(event: dict[str, Any]) -> str | None:
    query = event.get("queryStringParameters") or {}
    token = query.get("token")
    return token.strip() if isinstance(token, str) and token.strip() else None


def policy(principal: Principal, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": principal.user_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}],
        },
        "context": {"user_id": principal.user_id},
    }


class ConnectAuthorizer:
    def __init__(self, verifier: OidcVerifier) -> None:
        self.verifier = verifier

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectAuthorizer:
        if not settings.oidc_issuer:
            raise ConfigurationError(
                "The authorizer needs CALLEDIT_OIDC_ISSUER (https://cognito-idp.REGION.amazonaws.com/POOL_ID)."
            )
        return cls(OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url))

    def authorize(self, event: dict[str, Any]) -> dict[str, Any]:
        """The Allow policy for a good token; raises Unauthorized otherwise."""
        token = token_of(event)
        if token is None:
            log.info("reason=<no token> | connect refused")
            raise Unauthorized()
        try:
            principal = self.verifier.verify(token)
        except AuthError as exc:
            log.info("reason=<%s> | connect refused", exc.message)
            raise Unauthorized() from None
        return policy(principal, event["methodArn"])


_authorizer: ConnectAuthorizer | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (ConnectAuthorizerFunction). The verifier and its key cache live per container."""
    global _authorizer
    if _authorizer is None:
        _authorizer = ConnectAuthorizer.from_settings(Settings())
    return _authorizer.authorize(event)


def reset() -> None:
    global _authorizer
    _authorizer = None
