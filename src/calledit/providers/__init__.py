"""Model providers: one port (a Strands `Model` plus what CalledIt needs to know about it), one module
per adapter, vendor SDKs imported lazily so a missing extra fails with a message, not at import time."""

from calledit.providers.base import Provider
from calledit.providers.registry import PROVIDER_NAMES, build_provider, parse_model_spec

__all__ = ["PROVIDER_NAMES", "Provider", "build_provider", "parse_model_spec"]
