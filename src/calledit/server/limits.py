"""Abuse limits: token buckets per user, per client IP and per account signed in to (failed passwords), and
a cap on each user's concurrent streams.

Everything is in memory and per process: right for one server; the AWS path leans on API Gateway
throttling instead. A refusal is `RateLimited` with the seconds until a retry can succeed.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calledit.domain.errors import CalledItError, ErrorCode

if TYPE_CHECKING:
    from calledit.config import Settings

Clock = Callable[[], float]
MAX_KEYS = 50_000  # buckets kept per limit; the least recently used go first


class RateLimited(CalledItError):
    """Too many requests: `retry_after` seconds from now one will be allowed."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, code=ErrorCode.RATE_LIMITED)
        self.retry_after = max(0.1, round(retry_after, 1))


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Buckets:
    """One token bucket per key: `per_minute` sustained, bursts up to `burst`."""

    def __init__(self, per_minute: float, burst: float | None = None, *, clock: Clock = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst if burst is not None else max(3.0, math.ceil(per_minute / 4))
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def _refill(self, key: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self.burst, now)
            self._buckets[key] = bucket
            if len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            self._buckets.move_to_end(key)
        return bucket

    def wait(self, key: str) -> float:
        """Seconds until `key` may spend a token (0 = now), without spending it."""
        bucket = self._refill(key)
        return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate

    def spend(self, key: str) -> None:
        self._refill(key).tokens -= 1

    def forget(self, key: str) -> None:
        """Back to a full bucket."""
        self._buckets.pop(key, None)


def _account(username: str) -> str:
    return username.strip().lower()  # usernames are unique ignoring case


def _take(what: str, pairs: list[tuple[Buckets, str]]) -> None:
    """Spend one token from every bucket, or none of them if any is empty."""
    wait = max(buckets.wait(key) for buckets, key in pairs)
    if wait > 0:
        raise RateLimited(f"Too many {what}: try again in {math.ceil(wait)} s.", wait)
    for buckets, key in pairs:
        buckets.spend(key)


class Limits:
    """The server's limits, built from settings (CALLEDIT_MAKECALL_PER_MINUTE and friends)."""

    def __init__(
        self,
        *,
        makecall_per_minute: float = 20,
        makecall_per_minute_ip: float = 60,
        writes_per_minute: float = 60,
        writes_per_minute_ip: float = 120,
        auth_per_minute_ip: float = 10,
        auth_failures_per_account: int = 5,
        auth_failure_window_seconds: float = 900,
        max_streams_per_user: int = 3,
        max_connections_per_user: int = 20,
        clock: Clock = time.monotonic,
        enabled: bool = True,
    ) -> None:
        self.enabled = enabled
        self.makecall_user = Buckets(makecall_per_minute, clock=clock)
        self.makecall_ip = Buckets(makecall_per_minute_ip, clock=clock)
        self.writes_user = Buckets(writes_per_minute, clock=clock)
        self.writes_ip = Buckets(writes_per_minute_ip, clock=clock)
        # Sign-in is bursty (sign up, then sign in on a second device) but slow on average.
        self.auth_ip = Buckets(auth_per_minute_ip, burst=max(5.0, auth_per_minute_ip / 2), clock=clock)
        # Wrong passwords per username, whatever the address: N in a row, then one more per window / N.
        self.auth_account = Buckets(auth_failures_per_account * 60 / auth_failure_window_seconds,
                                    burst=auth_failures_per_account, clock=clock)
        self.max_streams_per_user = max_streams_per_user
        self.max_connections_per_user = max_connections_per_user
        self._streams: dict[str, int] = {}

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> Limits:
        """Off with CALLEDIT_AUTH=none: one trusted user on loopback, who the model queue already serves
        fairly; limits are there to keep users of a shared server from crowding each other out."""
        return cls(
            enabled=settings.auth != "none",
            makecall_per_minute=settings.makecall_per_minute,
            makecall_per_minute_ip=settings.makecall_per_minute_ip,
            writes_per_minute=settings.writes_per_minute,
            writes_per_minute_ip=settings.writes_per_minute_ip,
            auth_per_minute_ip=settings.auth_per_minute_ip,
            auth_failures_per_account=settings.auth_failures_per_account,
            auth_failure_window_seconds=settings.auth_failure_window_seconds,
            max_streams_per_user=settings.max_streams_per_user,
            max_connections_per_user=settings.max_connections_per_user,
            clock=clock,
        )

    def makecall(self, user: str, ip: str) -> None:
        if not self.enabled:
            return
        _take("predictions", [(self.makecall_user, user), (self.makecall_ip, ip)])

    def write(self, user: str, ip: str) -> None:
        if not self.enabled:
            return
        _take("changes", [(self.writes_user, user), (self.writes_ip, ip)])

    def auth_attempt(self, ip: str) -> None:
        if not self.enabled:
            return
        _take("sign-in attempts", [(self.auth_ip, ip)])

    def password_attempt(self, username: str) -> None:
        """Spend one of the account's password tries (a sign-in that succeeds gives them all back).

        A locked account refuses every password, right or wrong, so the refusal says nothing about the
        password; unknown names lock alike, so it says nothing about whether the account exists. Spent
        before the password is checked, so parallel guesses cannot all slip in ahead of the count."""
        if not self.enabled:
            return
        wait = self.auth_account.wait(_account(username))
        if wait > 0:
            raise RateLimited(f"Too many wrong passwords for this account: wait {math.ceil(wait)} s before "
                              "trying again.", wait)
        self.auth_account.spend(_account(username))

    def signed_in(self, username: str) -> None:
        self.auth_account.forget(_account(username))

    def start_stream(self, user: str) -> None:
        """Claim one of the user's concurrent stream slots; pair with `end_stream`."""
        running = self._streams.get(user, 0)
        if self.enabled and running >= self.max_streams_per_user:
            raise RateLimited(
                f"You already have {running} predictions running (the limit is {self.max_streams_per_user}): "
                "wait for one to finish or cancel it.",
                retry_after=2.0,
            )
        self._streams[user] = running + 1

    def end_stream(self, user: str) -> None:
        running = self._streams.get(user, 0) - 1
        if running > 0:
            self._streams[user] = running
        else:
            self._streams.pop(user, None)

    def streams(self, user: str) -> int:
        return self._streams.get(user, 0)

    def connection_allowed(self, open_now: int) -> bool:
        return not self.enabled or open_now < self.max_connections_per_user
