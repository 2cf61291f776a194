"""The Lambda side reads the call log's signing key from Secrets Manager or an SSM SecureString parameter at
cold start: both services' JSON APIs answered on loopback (as botocore speaks them), the REST function over
DynamoDB Local signing its heads with that key, and a missing secret failing with what to do."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from calledit.aws import rest, secrets
from calledit.aws.secrets import lambda_settings
from calledit.config import Settings
from calledit.domain.errors import ConfigurationError
from calledit.proof.signing import LogSigner
from tests.fixtures.dynamodb import DynamoLocal
from tests.integration.test_lambda_rest import Context, call_body, http_event

SEED = base64.b64encode(bytes(range(1, 33))).decode()
SECRET_NAME = "calledit/log-signing-key"
PARAMETER_NAME = "/calledit/log-signing-key"


class FakeAws:
    """Secrets Manager's GetSecretValue and SSM's GetParameter (JSON 1.1 over POST, X-Amz-Target), on loopback."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.values = {("secretsmanager.GetSecretValue", SECRET_NAME): SEED,
                       ("AmazonSSM.GetParameter", PARAMETER_NAME): SEED}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                target = self.headers.get("X-Amz-Target", "")
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                fake.requests.append((target, body))
                name = body.get("SecretId") or body.get("Name")
                value = fake.values.get((target, name))
                answer: dict[str, Any]
                if value is None:
                    status, answer = 400, {"__type": "ResourceNotFoundException" if "secrets" in target
                                           else "ParameterNotFound", "message": "not found"}
                elif target.startswith("secretsmanager."):
                    status, answer = 200, {"ARN": f"arn:aws:secretsmanager:us-east-1:1:secret:{name}-AbCdEf",
                                           "Name": name, "SecretString": value + "\n", "VersionId": "v1"}
                else:
                    assert body.get("WithDecryption") is True
                    status, answer = 200, {"Parameter": {"Name": name, "Type": "SecureString", "Value": value,
                                                         "Version": 1}}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAws]:
    fake = FakeAws()
    for name in ("CALLEDIT_LOG_SIGNING_KEY", "CALLEDIT_LOG_SIGNING_KEY_SECRET", "CALLEDIT_LOG_SIGNING_KEY_PARAMETER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", fake.endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", fake.endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    secrets.forget()
    yield fake
    secrets.forget()
    fake.server.shutdown()
    fake.server.server_close()


def expected_key_id() -> str:
    return LogSigner.from_settings(Settings(log_signing_key=SecretStr(SEED))).key_id


def test_the_key_comes_from_secrets_manager_once_per_container(aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_LOG_SIGNING_KEY_SECRET", SECRET_NAME)
    settings = lambda_settings(Settings())
    assert settings.log_signing_key is not None and settings.log_signing_key.get_secret_value() == SEED
    assert LogSigner.from_settings(settings).key_id == expected_key_id()
    lambda_settings(Settings())  # a warm invocation: no second read
    assert aws.requests == [("secretsmanager.GetSecretValue", {"SecretId": SECRET_NAME})]


def test_the_key_comes_from_an_ssm_securestring(aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLEDIT_LOG_SIGNING_KEY_PARAMETER", PARAMETER_NAME)
    settings = lambda_settings(Settings())
    assert settings.log_signing_key is not None and settings.log_signing_key.get_secret_value() == SEED
    assert [target for target, _ in aws.requests] == ["AmazonSSM.GetParameter"]


def test_a_key_set_directly_wins_and_none_named_means_no_key(aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> None:
    assert lambda_settings(Settings()).log_signing_key is None
    monkeypatch.setenv("CALLEDIT_LOG_SIGNING_KEY_SECRET", SECRET_NAME)
    monkeypatch.setenv("CALLEDIT_LOG_SIGNING_KEY", SEED)
    assert lambda_settings(Settings()).log_signing_key is not None
    assert aws.requests == []


@pytest.mark.parametrize("variable", ["CALLEDIT_LOG_SIGNING_KEY_SECRET", "CALLEDIT_LOG_SIGNING_KEY_PARAMETER"])
def test_a_missing_secret_says_what_to_do_and_never_shows_a_value(
    aws: FakeAws, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "/calledit/nope" if variable.endswith("PARAMETER") else "calledit/nope")
    with pytest.raises(ConfigurationError) as caught:
        lambda_settings(Settings())
    message = caught.value.message
    assert "calledit/nope" in message and "base64 of 32 random bytes" in message
    assert ("secretsmanager:GetSecretValue" if variable.endswith("SECRET") else "ssm:GetParameter") in message
    assert SEED not in message


@pytest.mark.dynamodb
def test_the_rest_function_signs_the_logs_heads_with_the_secrets_key(
    aws: FakeAws, dynamodb_local: DynamoLocal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLEDIT_DB", f"dynamodb://{dynamodb_local.table_name()}?endpoint={dynamodb_local.endpoint}")
    monkeypatch.setenv("CALLEDIT_AUTH", "none")
    monkeypatch.setenv("CALLEDIT_ALLOWED_HOSTS", "*")
    monkeypatch.setenv("CALLEDIT_MODEL", "scripted")
    monkeypatch.setenv("CALLEDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CALLEDIT_LOG_SIGNING_KEY_SECRET", SECRET_NAME)
    rest.reset()
    try:
        created = rest.handler(http_event("POST", "/api/calls", call_body("It rains in Lisbon tomorrow")), Context())
        assert created["statusCode"] == 201, created["body"]
        head = rest.handler(http_event("GET", "/api/log/head"), Context())
        assert head["statusCode"] == 200, head["body"]
        signed = json.loads(head["body"])
        assert signed["tree_size"] == 1 and signed["key_id"] == expected_key_id()
    finally:
        rest.reset()
    assert [target for target, _ in aws.requests] == ["secretsmanager.GetSecretValue"]
