"""Shared fixtures: settings on a temp database, the scripted model, a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from calledit.config import Settings
from calledit.providers.base import Provider
from calledit.providers.scripted import ScriptedModel
from calledit.server import create_app
from tests.fixtures.dynamodb import dynamodb_local  # noqa: F401  (session fixture: DynamoDB Local)
from tests.fixtures.server import LiveServer, run_server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        model="scripted",
        db=str(tmp_path / "calls.db"),
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
        scripted_rate=0,
    )


@pytest.fixture
def scripted() -> ScriptedModel:
    return ScriptedModel(rate=0)


@pytest.fixture
def scripted_provider(scripted: ScriptedModel) -> Provider:
    return Provider(name="scripted (test double)", model=scripted, concurrency=4)


@pytest.fixture
def live_server(settings: Settings, scripted_provider: Provider) -> Iterator[LiveServer]:
    with run_server(create_app(settings, provider=scripted_provider)) as server:
        yield server
