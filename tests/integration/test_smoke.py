import httpx

from tests.fixtures.server import LiveServer


def test_healthz(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.http}/healthz")
    assert response.status_code == 200
    assert response.json()["model"].startswith("scripted")
