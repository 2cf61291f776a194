"""Secrets a Lambda function reads once per container (at cold start), named by its environment rather than
held in it: the call log's Ed25519 signing key (docs/proof.md), which every function that writes calls must
share.

- CALLEDIT_LOG_SIGNING_KEY_SECRET: the name or ARN of an AWS Secrets Manager secret whose string is the key
  (the base64 of a 32-byte seed), or
- CALLEDIT_LOG_SIGNING_KEY_PARAMETER: the name of an SSM SecureString parameter holding it (read decrypted).

A CALLEDIT_LOG_SIGNING_KEY set directly wins (a dev stack, the emulator); with none of the three there is no
call log, as before (wiring.instrument warns). The value never reaches a log line.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import SecretStr

from calledit.aws.config import AwsSettings
from calledit.config import Settings
from calledit.domain.errors import ConfigurationError

log = logging.getLogger(__name__)

_read: dict[tuple[str, str], str] = {}  # (service, name) -> value: one read per container


def lambda_settings(settings: Settings | None = None, aws: AwsSettings | None = None) -> Settings:
    """`settings` (else the environment's) with the log's signing key filled in from the secret the
    environment names."""
    settings = settings or Settings()
    if settings.log_signing_key is not None:
        return settings
    key = signing_key(aws or AwsSettings())
    return settings if key is None else settings.model_copy(update={"log_signing_key": SecretStr(key)})


def signing_key(aws: AwsSettings) -> str | None:
    if aws.log_signing_key_secret:
        return _cached("secretsmanager", aws.log_signing_key_secret)
    if aws.log_signing_key_parameter:
        return _cached("ssm", aws.log_signing_key_parameter)
    return None


def _cached(service: str, name: str) -> str:
    if (service, name) not in _read:
        _read[service, name] = _fetch(service, name)
        log.info("service=<%s>, name=<%s> | read the call log's signing key", service, name)
    return _read[service, name]


def _fetch(service: str, name: str, client: Any = None) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = client or boto3.client(service)
    try:
        if service == "secretsmanager":
            answer = client.get_secret_value(SecretId=name)
            value = answer.get("SecretString")
        else:
            value = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        what = "secret" if service == "secretsmanager" else "SSM parameter"
        raise ConfigurationError(
            f"Could not read the call log's signing key from the {what} {name!r} ({code}): create it with the "
            "base64 of 32 random bytes (docs/deploy-aws.md, 'The call log's signing key'), and let this "
            f"function's role read it ({'secretsmanager:GetSecretValue' if what == 'secret' else 'ssm:GetParameter'})."
        ) from None
    except BotoCoreError as exc:
        raise ConfigurationError(f"Could not reach {service} for the call log's signing key "
                                 f"({type(exc).__name__}): check the function's network and region.") from None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"The {service} value {name!r} is empty or binary: store the key as text, the "
                                 "base64 of a 32-byte seed.")
    return value.strip()


def forget() -> None:
    """Drop what was read (tests that change the environment)."""
    _read.clear()
