"""Signed tree heads: the log's Ed25519 key (kept in the data dir, 0600) and the bytes it signs.

The signed bytes are RFC 6962 §3.5's TreeHeadSignature: version v1 (0), signature_type tree_hash (1), the
timestamp in milliseconds, the tree size and the root hash, big-endian, so any CT tooling reads them.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import stat
import struct
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, Field

from calledit.domain.errors import ConfigurationError

if TYPE_CHECKING:
    from calledit.config import Settings

log = logging.getLogger(__name__)

KEY_FILE = "log-signing-key.pem"


class TreeHead(BaseModel):
    """A signed tree head: the log had `tree_size` entries hashing to `root_hash` at `timestamp`."""

    tree_size: int = Field(ge=0)
    root_hash: str = Field(description="hex SHA-256 Merkle tree hash (RFC 9162 §2.1.1)")
    timestamp: int = Field(ge=0, description="milliseconds since the Unix epoch, UTC")
    key_id: str = Field(description="hex SHA-256 of the raw Ed25519 public key")
    signature: str = Field(description="base64 Ed25519 signature of RFC 6962's TreeHeadSignature")

    @property
    def signed_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp / 1000, UTC)


def head_bytes(tree_size: int, root_hash: bytes, timestamp: int) -> bytes:
    """RFC 6962 §3.5 TreeHeadSignature: version(0) signature_type(1) timestamp(u64) tree_size(u64) root(32)."""
    return struct.pack(">BBQQ", 0, 1, timestamp, tree_size) + root_hash


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def verify_head(head: TreeHead, public_key: bytes) -> bool:
    """True when `head` is signed by `public_key` (32 raw bytes) and names that key."""
    if head.key_id != key_id(public_key):
        return False
    try:
        root = bytes.fromhex(head.root_hash)
        signature = base64.b64decode(head.signature, validate=True)
        signed = head_bytes(head.tree_size, root, head.timestamp)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, signed)
    except (ValueError, InvalidSignature):
        return False
    return True


class LogSigner:
    """Signs tree heads with the log's private key, loaded (or made) on first use: a process that never
    signs or proves anything (an OpenAPI export, a read-only command) leaves no key behind."""

    def __init__(self, private_key: Ed25519PrivateKey | Callable[[], Ed25519PrivateKey]) -> None:
        self._source = private_key

    @cached_property
    def _key(self) -> Ed25519PrivateKey:
        return self._source if isinstance(self._source, Ed25519PrivateKey) else self._source()

    @cached_property
    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    @property
    def public_key_b64(self) -> str:
        return base64.b64encode(self.public_key).decode()

    def sign(self, tree_size: int, root_hash: bytes, timestamp: int) -> TreeHead:
        signature = self._key.sign(head_bytes(tree_size, root_hash, timestamp))
        return TreeHead(tree_size=tree_size, root_hash=root_hash.hex(), timestamp=timestamp, key_id=self.key_id,
                        signature=base64.b64encode(signature).decode())

    @classmethod
    def generate(cls) -> LogSigner:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_settings(cls, settings: Settings) -> LogSigner:
        """CALLEDIT_LOG_SIGNING_KEY (base64 of the 32-byte seed: Lambda, or a secret manager), else the PEM file
        CALLEDIT_LOG_KEY_PATH (default: log-signing-key.pem in the data dir), created on first use."""
        if settings.log_signing_key is not None:
            try:
                seed = base64.b64decode(settings.log_signing_key.get_secret_value(), validate=True)
                return cls(Ed25519PrivateKey.from_private_bytes(seed))
            except ValueError:
                raise ConfigurationError(
                    "CALLEDIT_LOG_SIGNING_KEY is not the base64 of a 32-byte Ed25519 seed: generate one with "
                    "`python -c \"import os, base64; print(base64.b64encode(os.urandom(32)).decode())\"`."
                ) from None
        path = settings.log_key_path or settings.data_dir / KEY_FILE
        return cls(lambda: load_or_create_key(path))


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key in `path`, or a new one written there readable by this user only (0600)."""
    path = path.expanduser()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # Written whole under a temporary name, then linked into place: a process racing this one sees no
        # key or a complete one, and the first link wins.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".log-key-")
        try:
            with os.fdopen(fd, "wb") as out:  # mkstemp makes it 0600
                out.write(pem)
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            log.info("path=<%s> | created the call log's signing key", path)
            return key
        finally:
            os.unlink(temporary)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("path=<%s>, mode=<%o> | the log signing key is readable by others: chmod 600 it", path,
                    stat.S_IMODE(mode))
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError:
        raise ConfigurationError(
            f"{path} is not an unencrypted PEM Ed25519 private key. Restore the log's key from your backup (a new "
            "key cannot sign for the old heads), or set CALLEDIT_LOG_KEY_PATH to it."
        ) from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} holds a {type(loaded).__name__}, not an Ed25519 key: point "
                                 "CALLEDIT_LOG_KEY_PATH at the log's Ed25519 key.")
    return loaded
