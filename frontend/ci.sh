#!/usr/bin/env bash
# The frontend's whole check, as CI runs it: install, typecheck, lint, unit tests, build, then
# Playwright end-to-end tests in Debian's headless Chromium against the real Python server.
# Run from anywhere; expects the Python venv at <repo>/.venv (or CALLEDIT_VENV) to be installed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 # Playwright drives /usr/bin/chromium, never its own download
export CI="${CI:-1}"

step() { printf '\n== %s\n' "$*"; }
started=$SECONDS

step "npm ci"
npm ci --no-audit --no-fund

step "typecheck (tsc --noEmit)"
npm run --silent typecheck

step "lint (eslint)"
npm run --silent lint

step "unit tests (vitest)"
npx vitest run

step "build (into ../src/calledit/server/static)"
npm run --silent build

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
bash ../scripts/install-chromium.sh

step "end-to-end tests (playwright, $("$chromium" --version 2>/dev/null | head -n1))"
npx playwright test

printf '\n== frontend checks passed in %ss (screenshots: frontend/test-results/screenshots/)\n' "$((SECONDS - started))"
