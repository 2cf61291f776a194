"""Storage: one port (`CallStore`), adapters for SQLite and DynamoDB; `calledit.wiring.build_store` picks one
from CALLEDIT_DB."""

from calledit.storage.base import CallStore

__all__ = ["CallStore"]
