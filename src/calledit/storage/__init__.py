"""Storage: one port (`CallStore`), adapters for SQLite and DynamoDB, chosen by CALLEDIT_DB."""

from calledit.storage.base import CallStore, build_store

__all__ = ["CallStore", "build_store"]
