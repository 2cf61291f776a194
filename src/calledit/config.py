"""One Settings object, read from CALLEDIT_* environment variables, built once and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "calledit"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


class Settings(BaseSettings):
    """Everything configurable, with the environment variable that sets it (CALLEDIT_<NAME>)."""

    model_config = SettingsConfigDict(env_prefix="CALLEDIT_", extra="ignore")

    # The model that writes calls: local | scripted | bedrock[:id] | anthropic:id | openai:id
    model: str = "local"
    # Models that may generate at once; None = the provider's own default (1 for the embedded model).
    model_concurrency: int | None = Field(default=None, ge=1)
    # SQLite path, or dynamodb://TABLE?endpoint=URL. None = calledit.db in the user data dir.
    db: str | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    cache_dir: Path = Field(default_factory=default_cache_dir)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    auth: Literal["none", "local", "oidc"] = "none"
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    jwt_secret: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)

    # Embedded model (llama.cpp)
    local_model_path: Path | None = None
    local_threads: int | None = Field(default=None, ge=1)
    local_context: int = Field(default=4096, ge=512)
    max_tokens: int = Field(default=700, ge=16)

    # The scripted test double: chunks per second (0 = no delay) and a failure trigger for tests/demos.
    scripted_rate: float = Field(default=40.0, ge=0.0)
    scripted_fail_on: str | None = None

    max_prompt_chars: int = Field(default=2000, ge=1, le=2000)
    max_frame_bytes: int = Field(default=32 * 1024, ge=1024)
    log_level: str = "info"
    log_json: bool = False

    def sqlite_path(self) -> Path:
        """Where the SQLite database lives when CALLEDIT_DB is not a dynamodb:// URL."""
        if self.db:
            return Path(self.db).expanduser()
        return self.data_dir / "calledit.db"
