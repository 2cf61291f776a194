"""The Merkle tree against RFC 9162: the published test vectors, and an independent implementation written
straight from the RFC's recursive definitions (lists of leaves, no stored nodes, no shortcuts)."""

from __future__ import annotations

import hashlib

import pytest

from calledit.proof import merkle
from calledit.proof.merkle import MemoryNodes

# The Certificate Transparency reference leaves and tree heads (transparency-dev/merkle testonly/constants.go,
# the same set RFC 6962's reference code tested against).
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]


def h(*values: str) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


# (leaf index, tree size, audit path) and (first, second, proof), from transparency-dev/merkle proof/verify_test.go
INCLUSION = [
    (0, 8, h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]
CONSISTENCY = [
    (1, 8, h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]


# --- an independent implementation: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, word for word, on leaf data ---

def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def tree(data: list[bytes]) -> MemoryNodes:
    return MemoryNodes([merkle.leaf_hash(x) for x in data])


def test_roots_match_the_published_vectors() -> None:
    nodes = tree(LEAVES)
    for size, expected in enumerate(ROOTS):
        assert merkle.root(nodes, size) == expected, size
        assert ref_mth(LEAVES[:size]) == expected, size  # the reference implementation agrees too


def test_the_split_is_the_largest_power_of_two_below_n() -> None:
    assert [merkle.split(n) for n in (2, 3, 4, 5, 8, 9, 1000)] == [1, 2, 2, 4, 4, 8, 512]
    with pytest.raises(ValueError):
        merkle.split(1)


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_paths_match_the_published_vectors(index: int, size: int, path: list[bytes]) -> None:
    nodes = tree(LEAVES)
    assert merkle.inclusion_path(nodes, index, size) == path
    leaf = merkle.leaf_hash(LEAVES[index])
    assert merkle.verify_inclusion(index, size, leaf, path, ROOTS[size])


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(first: int, second: int, path: list[bytes]) -> None:
    nodes = tree(LEAVES)
    assert merkle.consistency_path(nodes, first, second) == path
    assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], path)


def test_every_proof_agrees_with_the_reference_in_every_tree_up_to_40_leaves() -> None:
    data = [bytes([i, i * 7 % 256]) for i in range(40)]
    nodes = tree(data)
    for n in range(1, len(data) + 1):
        head = ref_mth(data[:n])
        assert merkle.root(nodes, n) == head
        for m in range(n):
            path = merkle.inclusion_path(nodes, m, n)
            assert path == ref_path(m, data[:n])
            assert merkle.verify_inclusion(m, n, merkle.leaf_hash(data[m]), path, head)
        for m in range(1, n):
            proof = merkle.consistency_path(nodes, m, n)
            assert proof == ref_subproof(m, data[:n], True)
            assert merkle.verify_consistency(m, n, ref_mth(data[:m]), head, proof)


def corruptions(path: list[bytes], other: bytes) -> list[list[bytes]]:
    """A proof with one hash flipped, removed, added in front or behind, or an extra one inserted."""
    wrong = [path[:-1], [*path, other], [other, *path], [*path, b""]]
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        wrong.append(flipped)
    if len(path) > 1:
        wrong.append([path[0], other, *path[1:]])
    return [w for w in wrong if w != path]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_a_wrong_inclusion_claim_never_verifies(index: int, size: int, path: list[bytes]) -> None:
    leaf = merkle.leaf_hash(LEAVES[index])
    root = ROOTS[size]
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    for bad in corruptions(path, some):
        assert not merkle.verify_inclusion(index, size, leaf, bad, root)
    for i, n in ((index - 1, size), (index + 1, size), (index ^ 2, size), (index, size * 2), (index, size // 2)):
        assert not merkle.verify_inclusion(i, n, leaf, path, root)
    assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"WrongLeaf"), path, root)
    assert not merkle.verify_inclusion(index, size, leaf, path, merkle.EMPTY_ROOT)


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_a_wrong_consistency_claim_never_verifies(first: int, second: int, path: list[bytes]) -> None:
    one, two = ROOTS[first], ROOTS[second]
    for bad in [*corruptions(path, one), *corruptions(path, two), []]:
        assert not merkle.verify_consistency(first, second, one, two, bad)
    for m, n in ((first - 1, second), (first + 1, second), (first ^ 2, second), (first, second * 2),
                 (first, second // 2)):
        assert not merkle.verify_consistency(m, n, one, two, path)
    assert not merkle.verify_consistency(first, second, two, one, path)
    assert not merkle.verify_consistency(first, second, b"WrongRoot", two, path)


def test_the_trivial_consistency_cases() -> None:
    a, b = ROOTS[1], ROOTS[2]
    assert merkle.verify_consistency(0, 0, a, a, [])
    assert merkle.verify_consistency(0, 5, a, b, [])  # anything extends the empty tree
    assert merkle.verify_consistency(1, 1, a, a, [])
    assert not merkle.verify_consistency(1, 1, a, b, [])
    assert not merkle.verify_consistency(1, 1, a, a, [merkle.EMPTY_ROOT])
    assert not merkle.verify_consistency(2, 1, a, b, [])  # no going back in time
    assert not merkle.verify_consistency(1, 2, a, b, [])
    assert merkle.consistency_path(tree(LEAVES), 0, 8) == [] and merkle.consistency_path(tree(LEAVES), 8, 8) == []


def test_single_leaf_and_empty_tree_edges() -> None:
    leaf = merkle.leaf_hash(b"data")
    assert merkle.verify_inclusion(0, 1, leaf, [], leaf)
    assert not merkle.verify_inclusion(0, 0, leaf, [], merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(1, 1, leaf, [], leaf)
    with pytest.raises(ValueError):
        merkle.inclusion_path(tree(LEAVES), 8, 8)


def test_appending_writes_each_completed_subtree_once() -> None:
    nodes = MemoryNodes()
    written = [nodes.append(merkle.leaf_hash(x)) for x in LEAVES]
    assert [len(w) for w in written] == [1, 2, 1, 3, 1, 2, 1, 4]
    assert written[-1][-1] == (3, 0, ROOTS[8])
