"""`bedrock[:MODEL_ID]`: Amazon Bedrock through Strands' BedrockModel (the seeds' choice)."""

from __future__ import annotations

import os

from calledit.config import Settings
from calledit.domain.errors import ConfigurationError
from calledit.providers.base import Provider

DEFAULT_MODEL_ID = "us.anthropic.claude-sonnet-4-20250514-v1:0"


def explain(exc: BaseException) -> str | None:
    name = type(exc).__name__
    text = str(exc)
    if name in {"NoCredentialsError", "PartialCredentialsError"}:
        return "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
    if name in {"EndpointConnectionError", "ConnectTimeoutError", "ConnectionError"}:
        return f"could not reach Bedrock ({text}): check AWS_REGION and your network."
    if "AccessDenied" in text or "not authorized" in text:
        return "access denied: enable the model in the Bedrock console and allow bedrock:InvokeModel* for it."
    if "ValidationException" in text and "model" in text.lower():
        return f"the model id was refused ({text}): set CALLEDIT_MODEL=bedrock:MODEL_ID to a model you can use."
    return None


def build(settings: Settings, model_id: str | None) -> Provider:
    import boto3
    from strands.models.bedrock import BedrockModel

    session = boto3.Session()
    if session.get_credentials() is None and not os.environ.get("AWS_BEARER_TOKEN_BEDROCK"):
        raise ConfigurationError(
            "Bedrock needs AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) "
            "and AWS_REGION, or choose another model with CALLEDIT_MODEL."
        )
    chosen = model_id or DEFAULT_MODEL_ID
    model = BedrockModel(boto_session=session, model_id=chosen, max_tokens=settings.max_tokens,
                         temperature=0.2)
    return Provider(name=f"bedrock:{chosen}", model=model, concurrency=8, supports_tools=True, explain=explain)
