"""calledit.wiring: the builders every composition root (server, Lambda, CLI) makes its parts with."""

from __future__ import annotations

from pathlib import Path

import pytest

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel
from calledit.server.app import create_app
from calledit.storage.sqlite import SqliteCallStore
from calledit.wiring import build_session, build_verifier, start_scheduler


def settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(**{"model": "scripted", "data_dir": tmp_path, "db": str(tmp_path / "calls.db"), **changes})


def test_a_session_runs_the_given_provider_or_the_configured_one(tmp_path: Path) -> None:
    given = Provider(name="given", model=ScriptedModel(rate=0))
    assert build_session(settings(tmp_path), given).agent.provider is given
    assert build_session(settings(tmp_path)).agent.provider.name.startswith("scripted")


def test_a_verifier_works_over_the_store_it_is_given(tmp_path: Path) -> None:
    store = SqliteCallStore(tmp_path / "calls.db")
    try:
        provider = Provider(name="checker", model=ScriptedModel(rate=0), concurrency=3)
        verifier = build_verifier(settings(tmp_path), store, provider=provider, worker="w-1")
        assert verifier.store is store
        assert verifier.agent.provider is provider
        assert verifier.gate.capacity == 3  # the provider's own concurrency, when no gate is shared
        assert verifier.worker == "w-1"
    finally:
        store.close()


async def test_the_scheduler_shares_the_creation_agents_model_and_queue(tmp_path: Path) -> None:
    store = SqliteCallStore(tmp_path / "calls.db")
    session = build_session(settings(tmp_path))
    try:
        assert start_scheduler(settings(tmp_path, scheduler=False), store, session, None) is None
        running = start_scheduler(settings(tmp_path, scheduler=True), store, session, None)
        assert running is not None
        try:
            assert running.verifier.agent.provider is session.agent.provider
            assert running.verifier.gate is session.gate
        finally:
            await running.stop()
        assert running.task.done()
    finally:
        store.close()


async def test_a_verify_model_of_its_own_gets_its_own_queue(tmp_path: Path) -> None:
    store = SqliteCallStore(tmp_path / "calls.db")
    session = build_session(settings(tmp_path))
    own = settings(tmp_path, scheduler=True, model="local", verify_model="scripted")
    try:
        running = start_scheduler(own, store, session, None)
        assert running is not None
        try:
            assert running.verifier.gate is not session.gate
            assert running.verifier.agent.provider.name.startswith("scripted")
        finally:
            await running.stop()
    finally:
        store.close()


@pytest.mark.parametrize("part", ["session", "provider"])
def test_create_app_keeps_the_parts_a_test_passes(tmp_path: Path, part: str) -> None:
    provider = Provider(name="mine", model=ScriptedModel(rate=0))
    session = build_session(settings(tmp_path), provider)
    app = create_app(settings(tmp_path), **({"session": session} if part == "session" else {"provider": provider}))
    state = app.state.calledit
    assert state.session.agent.provider is provider
    assert (state.session is session) is (part == "session")
    state.store.close()
