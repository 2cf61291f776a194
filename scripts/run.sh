#!/usr/bin/env bash
# The README's run command: install (first time only), then serve the whole app on http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh local
exec .venv/bin/calledit serve "$@"
