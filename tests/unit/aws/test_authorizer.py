"""The $connect authorizer against a real OIDC issuer on loopback (the shared OidcVerifier underneath)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from calledit.aws import authorizer
from calledit.aws.authorizer import ConnectAuthorizer, Unauthorized
from calledit.aws.events import authorizer_event, connect_event, request_context
from tests.fixtures.auth import AUDIENCE, Issuer, oidc_issuer, tampered


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    with oidc_issuer() as running:
        yield running


def event_with(token: str | None) -> dict[str, Any]:
    context = request_context(connection_id="c1", route="$connect", event_type="CONNECT",
                              domain_name="abc.execute-api.eu-west-1.amazonaws.com", stage="prod")
    query = {"token": [token]} if token is not None else {}
    return authorizer_event(connect_event(context, {"Host": "abc"}, query), region="eu-west-1", account="123")


def test_a_good_token_gets_an_allow_policy_for_this_connect_naming_the_user(issuer: Issuer) -> None:
    event = event_with(issuer.token(sub="alice-sub"))
    result = ConnectAuthorizer(issuer.verifier()).authorize(event)
    assert result["principalId"] == "alice-sub"
    assert result["context"] == {"user_id": "alice-sub"}
    assert result["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Allow",
         "Resource": "arn:aws:execute-api:eu-west-1:123:local/prod/$connect"}
    ]


@pytest.mark.parametrize("kind", ["missing", "blank", "expired", "other audience", "tampered", "garbage"])
def test_a_bad_token_is_unauthorized_and_never_logged(
    issuer: Issuer, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = {
        "missing": None,
        "blank": "  ",
        "expired": issuer.token(exp=1_600_000_000, iat=1_599_999_000),
        "other audience": issuer.token(aud="someone-else"),
        "tampered": tampered(issuer.token(), sub="mallory"),
        "garbage": "not.a.jwt",
    }[kind]
    caplog.set_level(logging.INFO, logger="calledit")
    with pytest.raises(Unauthorized) as caught:
        ConnectAuthorizer(issuer.verifier()).authorize(event_with(token))
    assert str(caught.value) == "Unauthorized"  # the exact text API Gateway maps to 401
    assert "connect refused" in caplog.text
    if token and token.strip():
        assert token not in caplog.text


def test_the_lambda_entry_point_reads_its_issuer_from_the_environment(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLEDIT_OIDC_ISSUER", issuer.url)
    monkeypatch.setenv("CALLEDIT_OIDC_AUDIENCE", AUDIENCE)
    authorizer.reset()
    try:
        assert authorizer.handler(event_with(issuer.token(sub="bob-sub")), None)["principalId"] == "bob-sub"
        with pytest.raises(Unauthorized):
            authorizer.handler(event_with(issuer.token(aud="another-app")), None)
    finally:
        authorizer.reset()


# --- where the token comes from: ?token= or `Sec-WebSocket-Protocol: bearer, <JWT>` -----------------


def connect_with(query: dict[str, list[str]], headers: dict[str, str]) -> dict[str, Any]:
    context = request_context(connection_id="c1", route="$connect", event_type="CONNECT",
                              domain_name="abc.execute-api.eu-west-1.amazonaws.com", stage="prod")
    return authorizer_event(connect_event(context, {"Host": "abc", **headers}, query))


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ({"token": ["q.jwt"]}, {}, ("q.jwt", False)),
        ({}, {"Sec-WebSocket-Protocol": "bearer, h.jwt"}, ("h.jwt", True)),
        ({}, {"sec-websocket-protocol": "bearer,h.jwt"}, ("h.jwt", True)),  # any case, any spacing
        ({}, {"SEC-WEBSOCKET-PROTOCOL": "chat, bearer, h.jwt"}, ("h.jwt", True)),
        ({"token": ["q.jwt"]}, {"Sec-WebSocket-Protocol": "bearer, h.jwt"}, ("h.jwt", True)),  # as the server
        ({"token": ["q.jwt"]}, {"Sec-WebSocket-Protocol": "bearer"}, ("q.jwt", True)),  # bearer alone: ?token=
        ({}, {"Sec-WebSocket-Protocol": "bearer"}, (None, True)),
        ({}, {"Sec-WebSocket-Protocol": "bearer,  "}, (None, True)),
        ({}, {"Sec-WebSocket-Protocol": "h.jwt"}, (None, False)),  # a token without `bearer` is no token
        ({"token": ["  "]}, {}, (None, False)),
        ({}, {}, (None, False)),
    ],
)
def test_the_token_comes_from_the_query_or_the_bearer_subprotocol(
    query: dict[str, list[str]], headers: dict[str, str], expected: tuple[str | None, bool]
) -> None:
    event = connect_with(query, headers)
    assert authorizer.credentials_of(event) == expected
    assert authorizer.token_of(event) == expected[0]


def test_the_same_parsing_as_the_asgi_server() -> None:
    from calledit.auth.subprotocol import offered_token, subprotocols

    assert offered_token(subprotocols(" bearer , x.y.z "), None) == ("x.y.z", True)
    assert offered_token(subprotocols(None), "q") == ("q", False)


def test_a_good_token_in_the_bearer_subprotocol_is_allowed(issuer: Issuer) -> None:
    event = connect_with({}, {"sec-websocket-protocol": f"bearer, {issuer.token(sub='carol-sub')}"})
    assert ConnectAuthorizer(issuer.verifier()).authorize(event)["principalId"] == "carol-sub"
    with pytest.raises(Unauthorized):
        ConnectAuthorizer(issuer.verifier()).authorize(connect_with({}, {"Sec-WebSocket-Protocol": "bearer, bad"}))
