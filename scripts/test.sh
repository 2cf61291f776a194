#!/usr/bin/env bash
# The README's test command: install everything, lint, type-check, and run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/bootstrap.sh "local,dev,anthropic,openai,web,aws"
# Browser suites run in pytest (the UI over the Lambda path) and in the frontend: the browser comes first.
scripts/install-chromium.sh
echo "== ruff"
.venv/bin/ruff check src tests bench
echo "== mypy"
.venv/bin/mypy
echo "== import layers (lint-imports)"
.venv/bin/lint-imports --no-cache
if [ -f deploy/aws/template.yaml ]; then
    echo "== cfn-lint"
    .venv/bin/cfn-lint deploy/aws/template.yaml
    scripts/build-lambda.sh  # the Lambda bundle as `sam build` makes it: size, and every handler imports
fi
echo "== pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider
if [ -f frontend/ci.sh ]; then
    echo "== frontend"
    bash frontend/ci.sh
fi
echo "== all suites passed in $(( $(date +%s) - start ))s"
