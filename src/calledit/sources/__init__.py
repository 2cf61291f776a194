"""Outside data for verification: one HTTP client, replayed recordings, and one adapter per source.

Beside `providers/` and `storage/`: it imports `domain` and `config` only. `execute.run_check` runs a
`domain.check.Check` against its source and returns a verdict with evidence, "look again later", or a
failure (never a guess). docs/DESIGN.md's "Outside data" table is the contract of every request made here.
"""
