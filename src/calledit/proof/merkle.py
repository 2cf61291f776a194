"""The Merkle tree of RFC 9162 §2.1 (RFC 6962's, unchanged): hashing, tree heads, inclusion and consistency
proofs, and the RFC's verification algorithms.

The tree is read through `Nodes`: the hash of each *perfect* subtree (2**level leaves starting at
index * 2**level). An append-only log stores those as leaves arrive (a complete subtree never changes), so
a root or a proof costs O(log n) reads whatever the size. Every other subtree the RFC's recursion meets is
computed from perfect ones, exactly as MTH defines it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = HASH()
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32


def leaf_hash(data: bytes) -> bytes:
    """MTH({d(0)}) = HASH(0x00 || d(0))."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1), where the RFC splits a list of n leaves."""
    if n < 2:
        raise ValueError("only a tree of two leaves or more has a split")
    return 1 << ((n - 1).bit_length() - 1)


class Nodes(Protocol):
    def node(self, level: int, index: int) -> bytes:
        """The hash of the perfect subtree of 2**level leaves starting at leaf index * 2**level."""
        ...


class _Read(Protocol):
    def __call__(self, level: int, index: int) -> bytes: ...


class _Write(Protocol):
    def __call__(self, level: int, index: int, value: bytes) -> None: ...


class MemoryNodes:
    """Perfect subtree hashes of leaf hashes held in memory (tests, and the verifier's own checks)."""

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for value in leaf_hashes:
            self.append(value)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, value: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; returns the (level, index, hash) of every perfect subtree it completes."""
        return completed_nodes(self.size, value, self.node, self._store)

    def _store(self, level: int, index: int, value: bytes) -> None:
        while len(self.levels) <= level:
            self.levels.append([])
        assert len(self.levels[level]) == index
        self.levels[level].append(value)

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]


def completed_nodes(
    index: int, value: bytes, read: _Read, write: _Write
) -> list[tuple[int, int, bytes]]:
    """Append leaf hash `value` at leaf `index`: write it at level 0, then each parent it completes (while the
    node is a right child, its parent's both children exist)."""
    written = [(0, index, value)]
    write(0, index, value)
    level, position, current = 0, index, value
    while position % 2 == 1:
        current = node_hash(read(level, position - 1), current)
        level, position = level + 1, position // 2
        write(level, position, current)
        written.append((level, position, current))
    return written


def subtree_hash(nodes: Nodes, start: int, end: int) -> bytes:
    """MTH(D[start:end]), for the ranges the RFC's recursion produces (start is a multiple of the split)."""
    size = end - start
    if size == 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and start % size == 0:  # a perfect, aligned subtree: stored
        return nodes.node(size.bit_length() - 1, start // size)
    k = split(size)
    return node_hash(subtree_hash(nodes, start, start + k), subtree_hash(nodes, start + k, end))


def root(nodes: Nodes, size: int) -> bytes:
    """The tree head hash MTH(D[size])."""
    return subtree_hash(nodes, 0, size)


def inclusion_path(nodes: Nodes, index: int, size: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of `size` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    return _path(nodes, index, 0, size)


def _path(nodes: Nodes, m: int, start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*_path(nodes, m, start, start + k), subtree_hash(nodes, start + k, end)]
    return [*_path(nodes, m - k, start + k, end), subtree_hash(nodes, start, start + k)]


def consistency_path(nodes: Nodes, first: int, second: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: that the tree of `first` leaves is a prefix of the tree of
    `second`. Empty when first is 0 or first == second (nothing to prove)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} leaves to {second}")
    if first in (0, second):
        return []
    return _subproof(nodes, first, 0, second, True)


def _subproof(nodes: Nodes, m: int, start: int, end: int, whole: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [subtree_hash(nodes, start, end)]
    k = split(n)
    if m <= k:
        return [*_subproof(nodes, m, start, start + k, whole), subtree_hash(nodes, start + k, end)]
    return [*_subproof(nodes, m - k, start + k, end, False), subtree_hash(nodes, start, start + k)]


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `path` prove that leaf hash `leaf` is leaf `index` of the tree with `root_hash`?"""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in path):
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: does `path` prove the tree (`first`, `first_hash`) is a prefix of (`second`,
    `second_hash`)? The trivial cases first: any tree extends the empty one, and a tree is consistent with
    itself when the hashes agree (both with an empty proof)."""
    if not 0 <= first <= second or any(len(p) != HASH_SIZE for p in path):
        return False
    if first == 0:
        return not path
    if first == second:
        return not path and first_hash == second_hash
    if not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        proof.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0
