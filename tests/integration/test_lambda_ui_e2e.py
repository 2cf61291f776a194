"""The web UI's own Playwright tests, unchanged, against `calledit serve --via-lambda` (real Chromium).

The UI's e2e suite takes an already running server through CALLEDIT_E2E_BASE_URL; here that server
routes every WebSocket message through the Lambda handlers and the gateway emulator. The specs that
exercise streaming, model failure and cancel run (the rest do not touch the transport).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.server import free_port

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
CALLEDIT = ROOT / ".venv" / "bin" / "calledit"


def missing() -> str | None:
    if not (ROOT / "src" / "calledit" / "server" / "static" / "index.html").exists():
        return "the UI is not built (scripts/bootstrap.sh builds it)"
    if not (FRONTEND / "node_modules" / ".bin" / "playwright").exists():
        return "frontend dependencies are not installed (scripts/bootstrap.sh installs them)"
    if not Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")).exists():
        return "Debian chromium is not installed"
    if not CALLEDIT.exists() or shutil.which("npx") is None:
        return "the calledit command or npx is missing"
    return None


@pytest.fixture
def lambda_server(tmp_path: Path) -> Iterator[str]:
    reason = missing()
    if reason:
        pytest.fail(f"cannot run the UI against the Lambda path: {reason}")
    port = free_port()
    env = {
        **os.environ,
        "CALLEDIT_DB": str(tmp_path / "e2e.db"),
        "CALLEDIT_DATA_DIR": str(tmp_path / "data"),
        "CALLEDIT_MODEL": "scripted",
        "CALLEDIT_AUTH": "none",
        "CALLEDIT_SCRIPTED_RATE": "30",
        "CALLEDIT_SCRIPTED_FAIL_ON": "FAILME",
        "CALLEDIT_SCHEDULER": "false",
        "CALLEDIT_WEB": "off",  # no test reaches the internet
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(CALLEDIT), "serve", "--via-lambda", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"calledit serve --via-lambda did not start:\n{(tmp_path / 'serve.log').read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.mark.timeout(300)
def test_the_ui_streams_fails_and_cancels_through_the_lambda_path(lambda_server: str) -> None:
    result = subprocess.run(
        ["npx", "playwright", "test", "tests/e2e/prediction.spec.ts", "--project=desktop", "--reporter=line"],
        cwd=FRONTEND,
        env={**os.environ, "CALLEDIT_E2E_BASE_URL": lambda_server},
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
