"""The $connect REQUEST authorizer: the Cognito ID or access token from `?token=` or the subprotocol
`Sec-WebSocket-Protocol: bearer, <token>` (as the ASGI server reads it), checked against the pool's JWKS; or a
personal API token (`cit_...`), looked up by its SHA-256 in the calls table as the server does
(auth/api_tokens.py): what `/ws` accepts locally, the WebSocket API accepts too.

Allow: an IAM policy for this connect, with the user in `principalId` and `context.user_id` (the
$connect handler records it on the connection). A missing or bad token (an unknown, deleted or expired API
token included) raises "Unauthorized", which API Gateway answers with 401; the reason is logged, never the
token.
"""

from __future__ import annotations

import logging
from typing import Any

from calledit.auth.api_tokens import ApiTokens, is_api_token
from calledit.auth.errors import AuthError
from calledit.auth.oidc import OidcVerifier
from calledit.auth.subprotocol import offered_token, subprotocols
from calledit.auth.tokens import Principal
from calledit.aws.events import header
from calledit.config import Settings
from calledit.domain.errors import ConfigurationError

log = logging.getLogger(__name__)

UNAUTHORIZED = "Unauthorized"  # the exact message API Gateway turns into a 401


class Unauthorized(Exception):
    def __init__(self) -> None:
        super().__init__(UNAUTHORIZED)


def credentials_of(event: dict[str, Any]) -> tuple[str | None, bool]:
    """(token, offered_bearer) of a $connect or authorizer event: the `bearer, <JWT>` subprotocol,
    else `?token=`; parsed exactly as the ASGI server parses its upgrades."""
    query = event.get("queryStringParameters") or {}
    query_token = query.get("token")
    offered = subprotocols(header(event, "Sec-WebSocket-Protocol"))
    token, bearer = offered_token(offered, query_token if isinstance(query_token, str) else None)
    return (token.strip() if token and token.strip() else None), bearer


def token_of(event: dict[str, Any]) -> str | None:
    return credentials_of(event)[0]


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
    def __init__(self, verifier: OidcVerifier, api_tokens: ApiTokens | None = None) -> None:
        self.verifier = verifier
        self.api_tokens = api_tokens  # None: only the pool's tokens (no calls table to look `cit_` ones up in)

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectAuthorizer:
        if not settings.oidc_issuer:
            raise ConfigurationError(
                "The authorizer needs CALLEDIT_OIDC_ISSUER (https://cognito-idp.REGION.amazonaws.com/POOL_ID)."
            )
        api_tokens = None
        if settings.db and settings.db.startswith("dynamodb://"):  # personal tokens live in the calls table
            from calledit.storage.dynamodb import DynamoCallStore

            api_tokens = ApiTokens(DynamoCallStore.from_url(settings.db))
        return cls(OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url), api_tokens)

    def authorize(self, event: dict[str, Any]) -> dict[str, Any]:
        """The Allow policy for a good token; raises Unauthorized otherwise."""
        token = token_of(event)
        if token is None:
            log.info("reason=<no token> | connect refused")
            raise Unauthorized()
        try:
            principal = self._verify(token)
        except AuthError as exc:
            log.info("reason=<%s> | connect refused", exc.message)
            raise Unauthorized() from None
        return policy(principal, event["methodArn"])

    def _verify(self, token: str) -> Principal:
        if not is_api_token(token):
            return self.verifier.verify(token)
        if self.api_tokens is None:
            raise AuthError("personal API tokens are not accepted here: no calls table (CALLEDIT_DB=dynamodb://...)")
        return self.api_tokens.verify(token)  # unknown, deleted or expired: AuthError, as on the server


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
