"""The network providers through their real SDKs against loopback servers speaking each wire format."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from calledit.agents.creation import CreationAgent
from calledit.config import Settings
from calledit.domain.errors import ConfigurationError, ModelError
from calledit.domain.events import CallEvent, CompleteEvent, TextEvent
from calledit.providers import build_provider
from calledit.providers.scripted import plausible_call
from tests.fixtures.server import free_port, run_server
from tests.fixtures.wire import vendor_app

NOW = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
ANSWER = json.dumps(plausible_call("The Lakers win tonight", NOW))


async def _run(agent: CreationAgent) -> list[object]:
    return [event async for event in agent.stream("The Lakers win tonight", "America/Los_Angeles")]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_streams_a_valid_call_over_the_wire(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app, seen = vendor_app(ANSWER)
    with run_server(app) as server:
        if kind == "openai":
            monkeypatch.setenv("OPENAI_BASE_URL", f"{server.http}/v1")
            monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        else:
            monkeypatch.setenv("ANTHROPIC_BASE_URL", server.http)
            monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        provider = build_provider(Settings(), f"{kind}:fake-model")
        events = await _run(CreationAgent(provider, clock=lambda: NOW))
    texts = [e for e in events if isinstance(e, TextEvent)]
    assert len(texts) > 3, "text must arrive in several chunks, as generated"
    assert "".join(t.content for t in texts) == ANSWER
    assert any(isinstance(e, CallEvent) for e in events)
    complete = events[-1]
    assert isinstance(complete, CompleteEvent)
    assert complete.content.model == f"{kind}:fake-model"
    assert complete.content.timezone == "America/Los_Angeles"
    request = seen[0]
    assert request["stream"] is True
    assert request["model"] == "fake-model"
    # the prediction travels inside the quoted <prediction> block of the user turn
    quoted = json.dumps("<prediction>\nThe Lakers win tonight\n</prediction>")[1:-1]
    assert quoted in json.dumps(request["messages"])
    if kind == "openai":
        assert request["response_format"]["type"] == "json_schema"


async def test_unreachable_openai_server_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    provider = build_provider(Settings(), "openai:fake-model")
    with pytest.raises(ModelError, match="OPENAI_BASE_URL"):
        await _run(CreationAgent(provider, clock=lambda: NOW))


@pytest.mark.parametrize(
    ("spec", "unset", "variable"),
    [
        ("openai:gpt-x", ["OPENAI_API_KEY", "OPENAI_BASE_URL"], "OPENAI_API_KEY"),
        ("anthropic:claude-x", ["ANTHROPIC_API_KEY"], "ANTHROPIC_API_KEY"),
    ],
)
def test_missing_credentials_name_the_variable(
    spec: str, unset: list[str], variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in unset:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match=variable):
        build_provider(Settings(), spec)


def test_bedrock_without_credentials_says_what_to_set(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_BEARER_TOKEN_BEDROCK", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ConfigurationError, match="AWS_PROFILE"):
        build_provider(Settings(), "bedrock")


@pytest.mark.parametrize(
    ("spec", "message"),
    [("gpt4", "Unknown model"), ("openai", "needs a model id"), ("anthropic:", "needs a model id")],
)
def test_bad_model_specs(spec: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build_provider(Settings(), spec)


VERDICT = json.dumps({"question": "Did it?", "answer": "Yes.", "verdict": "confirmed", "confidence": 0.9})


async def test_each_request_carries_its_own_schema_to_an_openai_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that enforces structured outputs (vLLM, llama-server) must get the verdict's schema from the
    verifier and the call's from the creation agent, never the call's for both."""
    from calledit.agents.verification import VerificationAgent

    call_app, call_seen = vendor_app(ANSWER)
    verdict_app, verdict_seen = vendor_app(VERDICT)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with run_server(call_app) as calls, run_server(verdict_app) as verdicts:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{calls.http}/v1")
        events = await _run(CreationAgent(build_provider(Settings(), "openai:fake-model"), clock=lambda: NOW))
        complete = events[-1]
        assert isinstance(complete, CompleteEvent)
        monkeypatch.setenv("OPENAI_BASE_URL", f"{verdicts.http}/v1")
        report = await VerificationAgent(build_provider(Settings(), "openai:fake-model"),
                                         clock=lambda: NOW).verify(complete.content)
    assert report.verdict.verdict.value == "confirmed"
    call_format = call_seen[0]["response_format"]["json_schema"]
    verdict_format = verdict_seen[0]["response_format"]["json_schema"]
    assert call_format["name"] == "call" and "prediction_statement" in call_format["schema"]["properties"]
    assert verdict_format["name"] == "verdict"
    assert set(verdict_format["schema"]["properties"]) == {"question", "answer", "verdict", "confidence"}


async def test_structured_outputs_can_be_turned_off_in_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    app, seen = vendor_app(ANSWER)
    with run_server(app) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.http}/v1")
        monkeypatch.setenv("CALLEDIT_OPENAI_JSON_SCHEMA", "false")
        provider = build_provider(Settings(), "openai:fake-model")
        assert not provider.native_structured_output
        await _run(CreationAgent(provider, clock=lambda: NOW))
    assert "response_format" not in seen[0]
