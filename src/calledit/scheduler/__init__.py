"""Due-call claiming and the verification loop (see docs/verification.md)."""
