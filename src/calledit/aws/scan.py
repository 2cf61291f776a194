"""AWS: the scanner Lambda. An EventBridge schedule invokes `handler` (say every 5 minutes); it runs
verification passes over the DynamoDB store until nothing is due or its time budget is spent.

Environment (besides the usual CALLEDIT_DB=dynamodb://TABLE, CALLEDIT_MODEL / CALLEDIT_VERIFY_MODEL):
- CALLEDIT_MANAGEMENT_ENDPOINT: the WebSocket API's https://{api-id}.execute-api.{region}.amazonaws.com/{stage},
  and CALLEDIT_CONNECTIONS_TABLE: where open connections are kept. With both, each verdict is pushed to
  the owner's open connections as a `verdict` event; without, verdicts are only stored.
- CALLEDIT_VERIFY_LEASE_SECONDS should exceed the function timeout, so a timed-out invocation's lease
  outlives it and the next invocation retries the call.

After the checks, the same invocation delivers the outbox's due notifications (docs/notifications.md): the
verdicts it just stored, reminders, retries, and each opted-in user's weekly digest once its Monday 08:00 has
come (`digest:<user>:<ISO week>`, written once however many scanners race). Email goes through SES with
CALLEDIT_EMAIL=ses and CALLEDIT_EMAIL_FROM (the function's role needs ses:SendRawEmail).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from calledit.config import Settings
from calledit.notify.channels import Push
from calledit.storage.base import CallStore

log = logging.getLogger(__name__)

SAFETY_MARGIN_S = 60.0  # stop starting checks this long before the function's timeout
DEFAULT_BUDGET_S = 600.0  # when the context does not say (local runs)


def aws_notify(settings: Settings) -> Push | None:
    """Push verdicts through the API Gateway management API to the owner's open connections."""
    from calledit.aws.config import AwsSettings

    aws = AwsSettings()
    if not aws.management_endpoint or not aws.connections_table:
        return None
    from calledit.aws.connections import build_connections
    from calledit.aws.management import ManagementClients
    from calledit.aws.push import ConnectionPush

    return ConnectionPush(build_connections(aws), ManagementClients(aws.management_endpoint)).notify


async def scan(settings: Settings, budget_s: float, notify: Push | None = None) -> dict[str, Any]:
    """One invocation's work: check due calls until none is due or the budget is spent, then deliver the
    notifications that are due (`notified`: how many went out) in what is left of it."""
    from calledit.wiring import build_store, build_verifier

    deadline = time.monotonic() + budget_s
    store = build_store(settings)
    try:
        verifier = build_verifier(settings, store, notify=notify)
        results = await verifier.run_once(limit=10_000, should_stop=lambda: time.monotonic() >= deadline)
        notified, digests = await deliver(settings, store, notify) if time.monotonic() < deadline else (0, 0)
    finally:
        store.close()
    counts: dict[str, int] = {}
    for result in results:
        counts[result.result] = counts.get(result.result, 0) + 1
    summary: dict[str, Any] = {"total": len(results), **counts, **({"notified": notified} if notified else {}),
                               **({"digests": digests} if digests else {}), "out_of_time": time.monotonic() >= deadline}
    log.info("checked=<%d>, out_of_time=<%s> | scan done", len(results), summary["out_of_time"])
    return summary


async def deliver(settings: Settings, store: CallStore, push: Push | None) -> tuple[int, int]:
    """One delivery pass over the outbox, which first writes the weekly digests whose time has come (as the
    server's loop does: notify/digest.py); (notifications sent, digests written)."""
    from calledit.wiring import build_dispatcher

    dispatcher = build_dispatcher(settings, store, push)
    if dispatcher is None:
        return 0, 0
    result = await dispatcher.run_once(limit=500)
    return len(result.sent), len(result.digests)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """EventBridge entry point: {"total": N, "verified": n, "checked": n, ..., "out_of_time": bool}."""
    from calledit.aws.secrets import lambda_settings

    del event
    settings = lambda_settings(Settings())  # the log's signing key from its secret, read once per container
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    budget = remaining_ms() / 1000 - SAFETY_MARGIN_S if remaining_ms else DEFAULT_BUDGET_S
    return asyncio.run(scan(settings, max(budget, 1.0), aws_notify(settings)))
