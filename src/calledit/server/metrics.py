"""Prometheus metrics for one app, in its own registry (so two apps in one process never collide)."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from calledit.domain.events import AnyServerEvent, CompleteEvent, ErrorEvent, StatusEvent

if TYPE_CHECKING:
    from calledit.agents.queue import ModelGate

CONTENT_TYPE = CONTENT_TYPE_LATEST
_MODEL_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.connections = Gauge("calledit_ws_connections", "Open WebSocket connections", registry=r)
        self.active_streams = Gauge("calledit_active_streams", "makecall runs in progress", registry=r)
        self.queue_length = Gauge("calledit_queue_length", "Runs waiting for a model slot", registry=r)
        self.events_sent = Counter(
            "calledit_events_sent", "Protocol events sent to clients, by type", ["type"], registry=r
        )
        self._sent_by_type: dict[str, Counter] = {}
        self.errors = Counter(
            "calledit_errors", "Errors answered, by protocol code and transport", ["code", "transport"], registry=r
        )
        self.auth_failures = Counter(
            "calledit_auth_failures", "Requests refused for a missing or bad token", ["transport"], registry=r
        )
        self.runs = Counter("calledit_runs", "makecall runs finished, by outcome", ["outcome"], registry=r)
        self.model_seconds = Histogram(
            "calledit_model_seconds",
            "Seconds from a run leaving the queue (its first model output) to its end",
            buckets=_MODEL_BUCKETS,
            registry=r,
        )
        self.queue_seconds = Histogram(
            "calledit_queue_wait_seconds", "Seconds a run waited before its first model output",
            buckets=_MODEL_BUCKETS, registry=r,
        )
        self.http_requests = Counter(
            "calledit_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=r
        )
        self.http_seconds = Histogram(
            "calledit_http_request_seconds", "HTTP request duration", ["method", "route"],
            buckets=_HTTP_BUCKETS, registry=r,
        )

    def watch_queue(self, gate: ModelGate) -> None:
        self.queue_length.set_function(lambda: float(gate.queued))

    def sent(self, event: AnyServerEvent) -> None:
        counter = self._sent_by_type.get(event.type)  # labels() validates and locks: once per type, not per event
        if counter is None:
            counter = self._sent_by_type[event.type] = self.events_sent.labels(event.type)
        counter.inc()
        if isinstance(event, ErrorEvent):
            self.errors.labels(event.code.value, "ws").inc()

    async def track_run(self, events: AsyncIterator[AnyServerEvent]) -> AsyncGenerator[AnyServerEvent, None]:
        """Pass a run's events through, timing its queue wait and model time and counting its outcome."""
        self.active_streams.inc()
        started = time.monotonic()
        model_started: float | None = None
        outcome = "abandoned"
        try:
            async for event in events:
                if model_started is None and not isinstance(event, StatusEvent | ErrorEvent):
                    model_started = time.monotonic()
                    self.queue_seconds.observe(model_started - started)
                if isinstance(event, CompleteEvent):
                    outcome = "complete"
                elif isinstance(event, ErrorEvent):
                    outcome = event.code.value
                yield event
        finally:
            self.active_streams.dec()
            self.runs.labels(outcome).inc()
            if model_started is not None:
                self.model_seconds.observe(time.monotonic() - model_started)
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()

    def render(self) -> bytes:
        return generate_latest(self.registry)
