#!/usr/bin/env bash
# Installs Debian's chromium (the browser the Playwright suites drive) when it is missing.
# The gate runs this before any suite that needs a browser; idempotent and quiet when present.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
    exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
echo "== install Debian chromium (needed by the browser tests)"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium >/dev/null
"$chromium" --version
