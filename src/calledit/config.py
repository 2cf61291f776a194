"""One Settings object, read from CALLEDIT_* environment variables, built once and passed down."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    oidc_jwks_url: str | None = None  # None = ISSUER/.well-known/jwks.json (Cognito's layout)
    jwt_secret: SecretStr | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    signup: bool = True  # CALLEDIT_SIGNUP=false: only `calledit user add` creates accounts
    # Comma-separated (or a JSON list). Browser origins allowed to call the API cross-origin.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Host headers accepted; empty = any with auth on, loopback names only with CALLEDIT_AUTH=none.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Abuse limits: token buckets per user and per client IP, concurrency caps, body size.
    makecall_per_minute: float = Field(default=20, gt=0)
    makecall_per_minute_ip: float = Field(default=60, gt=0)
    writes_per_minute: float = Field(default=60, gt=0)
    writes_per_minute_ip: float = Field(default=120, gt=0)
    auth_per_minute_ip: float = Field(default=10, gt=0)
    # Wrong passwords for one username (from any address) before its sign-in locks, and over what window.
    auth_failures_per_account: int = Field(default=5, ge=1)
    auth_failure_window_seconds: float = Field(default=900, gt=0)
    # Addresses (IPs or CIDRs) of reverse proxies whose X-Forwarded-For is believed; empty = nobody's.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_streams_per_user: int = Field(default=3, ge=1)
    max_connections_per_user: int = Field(default=20, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_import_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)  # POST /api/import: a whole export file
    # Idle and slow clients (docs/operations.md): a request's headers must all arrive within this many
    # seconds of the connection opening or of the previous response; an idle keep-alive connection closes
    # after keep_alive_seconds.
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    keep_alive_seconds: int = Field(default=5, ge=1)

    # OpenAI-compatible servers: the vendor's own variables, and whether the server enforces a JSON Schema.
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL"))
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    openai_json_schema: bool = True

    # Embedded model (llama.cpp)
    local_model_path: Path | None = None
    # llama.cpp threads; None = one per core. CALLEDIT_LLAMA_THREADS (or CALLEDIT_LOCAL_THREADS) overrides.
    local_threads: int | None = Field(default=None, ge=1, validation_alias=AliasChoices(
        "CALLEDIT_LLAMA_THREADS", "CALLEDIT_LOCAL_THREADS", "local_threads"))
    # schema: the model samples only what it decides, forced JSON is fed in batches; grammar: every token
    # sampled under llama.cpp's grammar (the plain way, for comparison).
    local_decoder: Literal["schema", "grammar"] = "schema"
    local_context: int = Field(default=4096, ge=512)
    max_tokens: int = Field(default=700, ge=16)
    # How to read numeric dates such as 12/3: auto = MDY in US timezones, DMY elsewhere.
    date_order: Literal["auto", "MDY", "DMY", "YMD"] = "auto"

    # The scripted test double: chunks per second (0 = no delay) and a failure trigger for tests/demos.
    scripted_rate: float = Field(default=40.0, ge=0.0)
    scripted_fail_on: str | None = None

    # Verification (docs/verification.md). The scheduler loop runs inside `calledit serve` unless
    # CALLEDIT_SCHEDULER=false; None = on for serve, off for an app built elsewhere (tests).
    scheduler: bool | None = None
    verify_model: str | None = None  # a different model for verdicts; None = CALLEDIT_MODEL
    verify_poll_seconds: float = Field(default=30.0, gt=0)
    verify_lease_seconds: float = Field(default=600.0, gt=0)  # a crashed check is retried after this
    verify_retry_seconds: float = Field(default=900.0, gt=0)  # first retry of an inconclusive check; doubles
    verify_max_attempts: int = Field(default=4, ge=1)  # inconclusive checks before the owner decides
    verify_recheck_seconds: float = Field(default=86400.0, gt=0)  # before_date: look again this often
    verify_pending_seconds: float = Field(default=3 * 3600.0, gt=0)  # data not published yet: look again then
    verify_pending_days: float = Field(default=10.0, gt=0)  # ... until this long after the call's date
    # Outside data for the verifier (docs/verification.md): off (no network), live, replay:FILE.har (every
    # request answered from a HAR 1.2 recording, no network), or fixtures (canned search results, a JSON file).
    web: str = "off"
    # General web search + page fetch for calls without a typed check; None = on with CALLEDIT_WEB=live or
    # fixtures. `calledit serve` without CALLEDIT_WEB turns the keyless data sources live and leaves this off.
    web_search: bool | None = None
    web_fixtures: Path | None = None
    web_timeout_seconds: float = Field(default=10.0, gt=0)  # one attempt of one request
    web_deadline_seconds: float = Field(default=30.0, gt=0)  # one request, every retry included
    web_attempts: int = Field(default=3, ge=1, le=10)  # tries of a request that fails with 429/5xx or no answer
    fred_api_key: SecretStr | None = None  # FRED (economy data): a free key from fred.stlouisfed.org
    searxng_url: str | None = None  # a SearXNG instance with its JSON format on, e.g. http://127.0.0.1:8888
    brave_api_key: SecretStr | None = None  # Brave Search API subscription token

    # The call log and public pages (docs/proof.md). The log's Ed25519 key: CALLEDIT_LOG_SIGNING_KEY (base64 seed,
    # for Lambda or a secret manager), else the PEM file CALLEDIT_LOG_KEY_PATH (default: in the data dir, 0600).
    log_key_path: Path | None = None
    log_signing_key: SecretStr | None = None
    # The address people reach this server at, for shared links and preview images; None = the request's own.
    public_url: str | None = None

    # Notifications (docs/notifications.md). The delivery loop runs inside `calledit serve` unless
    # CALLEDIT_NOTIFY=false; None = on for serve, off for an app built elsewhere (tests).
    notify: bool | None = None
    notify_poll_seconds: float = Field(default=5.0, gt=0)
    notify_retry_seconds: float = Field(default=30.0, gt=0)  # first retry of a failed delivery; doubles, max 6 h
    notify_max_attempts: int = Field(default=8, ge=1)  # failed deliveries in a row before a channel is dead
    notify_lease_seconds: float = Field(default=120.0, gt=0)  # a delivery in flight when a process died: retried after
    # Email: smtp (host, port, TLS, credentials below) or ses (Amazon SES in AWS_REGION, the function's role).
    email: Literal["smtp", "ses"] = "smtp"
    email_from: str | None = None  # the From address; email is off without it
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)  # None = 465 with tls=ssl, 587 with starttls, else 25
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_ca_file: Path | None = None  # a CA bundle to trust for the relay (a private CA); None = the system's
    smtp_timeout_seconds: float = Field(default=20.0, gt=0)
    # Webhooks: each POST's deadline, and whether private and loopback addresses may be called (off: SSRF).
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_allow_private: bool = False

    max_prompt_chars: int = Field(default=2000, ge=1, le=2000)
    max_frame_bytes: int = Field(default=32 * 1024, ge=1024)
    log_level: str = "info"
    log_json: bool = False

    @field_validator("cors_origins", "allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"CALLEDIT_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range "
                                 "(e.g. 10.0.0.5 or 10.0.0.0/24)") from None
        return value

    @field_validator("web")
    @classmethod
    def _web_mode(cls, value: str) -> str:
        text = value.strip()
        if text in ("off", "live", "fixtures"):
            return text
        if text.startswith("replay:") and text.removeprefix("replay:").strip():
            return "replay:" + text.removeprefix("replay:").strip()
        raise ValueError(f"CALLEDIT_WEB must be off, live, fixtures or replay:FILE.har (a HAR file), not {value!r}")

    def web_replay_path(self) -> Path | None:
        """The HAR file of CALLEDIT_WEB=replay:FILE.har; None in any other mode."""
        return Path(self.web.removeprefix("replay:")).expanduser() if self.web.startswith("replay:") else None

    def sqlite_path(self) -> Path:
        """Where the SQLite database lives when CALLEDIT_DB is not a dynamodb:// URL."""
        if self.db:
            return Path(self.db).expanduser()
        return self.data_dir / "calledit.db"
