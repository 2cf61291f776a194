"""The $connect authorizer against a real OIDC issuer on loopback (the shared OidcVerifier underneath), and
personal API tokens looked up in the calls table on DynamoDB Local."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from calledit.auth.api_tokens import ApiTokens
from calledit.aws import authorizer
from calledit.aws.authorizer import ConnectAuthorizer, Unauthorized
from calledit.aws.events import authorizer_event, connect_event, request_context
from calledit.storage.dynamodb import DynamoCallStore
from tests.fixtures.auth import AUDIENCE, Issuer, oidc_issuer, tampered
from tests.fixtures.dynamodb import DynamoLocal


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


# --- personal API tokens (`cit_...`), looked up in the calls table (DynamoDB Local) --------------------


@pytest.fixture
def calls(dynamodb_local: DynamoLocal) -> Iterator[DynamoCallStore]:
    store = DynamoCallStore.from_url(f"dynamodb://{dynamodb_local.table_name()}?endpoint={dynamodb_local.endpoint}")
    yield store
    store.close()


@pytest.mark.dynamodb
def test_a_personal_api_token_is_allowed_as_its_owner(issuer: Issuer, calls: DynamoCallStore) -> None:
    tokens = ApiTokens(calls)
    _, token = tokens.create("dana-sub", "laptop script")
    allow = ConnectAuthorizer(issuer.verifier(), tokens)
    for event in (event_with(token), connect_with({}, {"Sec-WebSocket-Protocol": f"bearer, {token}"})):
        result = allow.authorize(event)
        assert result["principalId"] == "dana-sub" and result["context"] == {"user_id": "dana-sub"}
        assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert calls.tokens("dana-sub")[0].last_used_at is not None  # noted as used, as on the server


@pytest.mark.dynamodb
@pytest.mark.parametrize("kind", ["revoked", "unknown", "expired", "truncated"])
def test_a_revoked_unknown_or_expired_api_token_is_refused_like_a_bad_jwt(
    issuer: Issuer, calls: DynamoCallStore, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = ApiTokens(calls)
    made, token = tokens.create("dana-sub", "ci", expires_in_days=1 if kind == "expired" else None)
    if kind == "revoked":
        assert calls.delete_token("dana-sub", made.id)
    elif kind == "unknown":
        token = "cit_" + "A" * 43
    elif kind == "truncated":
        token = token[:-1]
    later = ApiTokens(calls, clock=lambda: datetime.now(UTC) + timedelta(days=2))
    caplog.set_level(logging.INFO, logger="calledit")
    with pytest.raises(Unauthorized) as caught:
        ConnectAuthorizer(issuer.verifier(), later).authorize(event_with(token))
    assert str(caught.value) == "Unauthorized"  # the same answer as a bad JWT: API Gateway's 401
    assert "connect refused" in caplog.text and token not in caplog.text


def test_without_a_calls_table_an_api_token_is_refused(issuer: Issuer) -> None:
    with pytest.raises(Unauthorized):
        ConnectAuthorizer(issuer.verifier()).authorize(event_with("cit_" + "B" * 43))


@pytest.mark.dynamodb
def test_the_lambda_entry_point_finds_api_tokens_in_the_table_its_environment_names(
    issuer: Issuer, dynamodb_local: DynamoLocal, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"dynamodb://{dynamodb_local.table_name()}?endpoint={dynamodb_local.endpoint}"
    store = DynamoCallStore.from_url(url)
    try:
        _, token = ApiTokens(store).create("erin-sub", "phone")
    finally:
        store.close()
    monkeypatch.setenv("CALLEDIT_OIDC_ISSUER", issuer.url)
    monkeypatch.setenv("CALLEDIT_OIDC_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("CALLEDIT_DB", url)
    authorizer.reset()
    try:
        assert authorizer.handler(event_with(token), None)["principalId"] == "erin-sub"
        assert authorizer.handler(event_with(issuer.token(sub="frank-sub")), None)["principalId"] == "frank-sub"
        with pytest.raises(Unauthorized):
            authorizer.handler(event_with(token + "x"), None)
    finally:
        authorizer.reset()
