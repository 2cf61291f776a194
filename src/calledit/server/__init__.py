"""The ASGI server: WebSocket at /ws, REST under /api, the web UI at /."""

from calledit.server.app import create_app

__all__ = ["create_app"]
