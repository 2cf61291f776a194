"""The tamper-evident call log (docs/proof.md): an RFC 9162 Merkle tree of call entries with signed heads,
and the public pages of shared calls."""
