"""The REST API function as API Gateway's HTTP API invokes it (payload 2.0), over DynamoDB Local."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from calledit.aws import rest
from calledit.providers.scripted import plausible_call
from tests.contract.test_call_store import NOW
from tests.fixtures.dynamodb import DynamoLocal


class Context:
    """What Lambda passes as `context` (Mangum reads nothing from it but tolerates it)."""

    function_name = "ApiFunction"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 15_000


def http_event(method: str, path: str, body: Any = None, query: str = "") -> dict[str, Any]:
    host = "abc123.execute-api.eu-west-1.amazonaws.com"
    return {
        "version": "2.0",
        "routeKey": "ANY /api/{proxy+}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": host, "content-type": "application/json", "user-agent": "test"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": host, "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9",
                     "userAgent": "test"},
            "requestId": "r1", "routeKey": "ANY /api/{proxy+}", "stage": "$default",
            "time": "21/Nov/2026:10:00:00 +0000", "timeEpoch": 1_795_000_000_000,
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


@pytest.fixture
def api(dynamodb_local: DynamoLocal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # What the template sets on ApiFunction (auth off: the dev stack), with DynamoDB Local for the table.
    monkeypatch.setenv("CALLEDIT_DB", f"dynamodb://{dynamodb_local.table_name()}?endpoint={dynamodb_local.endpoint}")
    monkeypatch.setenv("CALLEDIT_AUTH", "none")
    monkeypatch.setenv("CALLEDIT_ALLOWED_HOSTS", template_env()["CALLEDIT_ALLOWED_HOSTS"])
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_DATA_DIR", str(tmp_path / "data"))
    rest.reset()
    yield
    rest.reset()


def template_env() -> dict[str, Any]:
    from cfnlint.decode import decode_str

    decoded, _ = decode_str((Path(__file__).resolve().parents[2] / "deploy/aws/template.yaml").read_text())
    variables: dict[str, Any] = decoded["Globals"]["Function"]["Environment"]["Variables"]
    return variables


def call_body(prompt: str) -> dict[str, Any]:
    return {**json.loads(json.dumps(plausible_call(prompt, NOW))), "raw_prompt": prompt, "timezone": "UTC",
            "model": "scripted (test double)", "confidence": 0.4}


def test_log_list_read_and_delete_a_call_through_the_function(api: None) -> None:
    created = rest.handler(http_event("POST", "/api/calls", call_body("It rains in Lisbon tomorrow")), Context())
    assert created["statusCode"] == 201, created["body"]
    call = json.loads(created["body"])
    listed = rest.handler(http_event("GET", "/api/calls", query="limit=5"), Context())
    assert listed["statusCode"] == 200
    assert [c["id"] for c in json.loads(listed["body"])["items"]] == [call["id"]]
    read = rest.handler(http_event("GET", f"/api/calls/{call['id']}"), Context())
    assert json.loads(read["body"])["raw_prompt"] == "It rains in Lisbon tomorrow"
    assert rest.handler(http_event("DELETE", f"/api/calls/{call['id']}"), Context())["statusCode"] == 204
    gone = rest.handler(http_event("GET", f"/api/calls/{call['id']}"), Context())
    assert gone["statusCode"] == 404 and json.loads(gone["body"])["code"] == "not_found"


def test_bad_input_gets_the_same_json_errors_as_the_server(api: None) -> None:
    bad = rest.handler(http_event("POST", "/api/calls", {"raw_prompt": "x"}), Context())
    assert bad["statusCode"] == 422
    assert json.loads(bad["body"])["code"] == "bad_request"
    cursor = rest.handler(http_event("GET", "/api/calls", query="cursor=forged"), Context())
    assert cursor["statusCode"] == 400 and "cursor" in json.loads(cursor["body"])["message"]
    health = rest.handler(http_event("GET", "/healthz"), Context())
    assert health["statusCode"] == 200 and json.loads(health["body"])["status"] == "ok"
