"""What the Lambda side needs beyond `Settings`, read from the same CALLEDIT_* environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AwsSettings(BaseSettings):
    """Set by the SAM template on each function; the emulator passes its own."""

    model_config = SettingsConfigDict(env_prefix="CALLEDIT_", extra="ignore")

    # The connections table (one item per open WebSocket). Empty = keep connections in memory (emulator).
    connections_table: str | None = None
    # DynamoDB endpoint for the connections table (DynamoDB Local); None = AWS.
    dynamodb_endpoint: str | None = None
    # The @connections API. None = https://{domainName}/{stage} from each event, as API Gateway serves it.
    management_endpoint: str | None = None
    # How long a connection item lives without a disconnect (API Gateway closes sockets after 2 hours).
    connection_ttl_s: int = Field(default=3 * 3600, ge=60)
    # Coalescing of text deltas and call partials into fewer post_to_connection calls.
    flush_ms: float = Field(default=50.0, ge=0.0, le=1000.0)
    flush_bytes: int = Field(default=8 * 1024, ge=256, le=96 * 1024)
    # How often a running makecall looks for a cancel sent to its connection.
    cancel_poll_s: float = Field(default=0.3, gt=0.0, le=5.0)
    # A run holds its connection this long at most (the function's timeout), so a crash cannot wedge it.
    run_lease_s: int = Field(default=300, ge=10)
    # Where the functions that write calls read the call log's signing key at cold start (aws/secrets.py): a
    # Secrets Manager secret (name or ARN), or an SSM SecureString parameter (name). The template sets one.
    log_signing_key_secret: str | None = None
    log_signing_key_parameter: str | None = None
