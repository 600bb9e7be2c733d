"""The time and retry budget of a OneRosterClient: its counters, its deadline, and the urllib3 Retry and
Timeout that honour both (see conformance/client.py, "Retries" and "Time")."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry, Timeout

_MIN_ATTEMPT_SECONDS = 0.001  # urllib3 refuses a zero timeout


@dataclass
class ClientStats:
    """What the client did: HTTP attempts (retries and token requests included), retries, tokens, statuses."""

    requests: int = 0
    retries: int = 0
    tokens_fetched: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    slept: float = 0.0  # seconds waited between attempts (backoff and Retry-After)


class DeadlineHit(Exception):
    """Raised inside urllib3 (timeout, retry) when the deadline forbids another attempt or wait.

    Not a urllib3/OSError type, so it passes requests' adapter untouched and the client turns it
    into a DeadlineExceeded that knows the method and URL.
    """


class Budget:
    """The deadline and the counters, shared by the client, its Retry objects and its timeouts."""

    def __init__(self, stats: ClientStats) -> None:
        self.stats = stats
        self.deadline: float | None = None
        self.seconds: float | None = None
        self._lock = threading.Lock()

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def count(self, *, attempts: int = 0, retries: int = 0, status: int | None = None, slept: float = 0.0,
              tokens: int = 0) -> None:
        with self._lock:
            self.stats.requests += attempts
            self.stats.retries += retries
            self.stats.tokens_fetched += tokens
            self.stats.slept += slept
            if status is not None:
                self.stats.by_status[status] += 1


class BoundedRetry(Retry):
    """urllib3 Retry that counts what it does and never waits, or tries again, past the deadline."""

    budget: Budget | None = None

    def new(self, **kw: Any) -> BoundedRetry:
        retry = super().new(**kw)
        retry.budget = self.budget
        return retry

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> BoundedRetry:
        if self.budget is not None and self.budget.expired():
            if response is not None:
                self.budget.count(status=response.status)
                with contextlib.suppress(Exception):  # give the connection back to the pool
                    response.drain_conn()
                    response.release_conn()
            last = f"HTTP {response.status}" if response is not None else type(error).__name__
            raise DeadlineHit(f"the deadline passed during the call (last attempt: {last})")
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: Any = None) -> None:
        budget = self.budget
        assert budget is not None
        if response is not None:
            budget.count(status=response.status)
        wait = self._wait(response)
        left = budget.remaining()
        if left is not None and wait >= left:
            answer = f"HTTP {response.status}" if response is not None else "no answer"
            raise DeadlineHit(f"the next retry (after {answer}) would wait {wait:.2f} s "
                               f"with {max(left, 0.0):.2f} s left")
        if wait > 0:
            time.sleep(wait)
        budget.count(attempts=1, retries=1, slept=wait)

    def _wait(self, response: Any) -> float:
        backoff = self.get_backoff_time()
        if response is not None and self.respect_retry_after_header:
            try:
                after = self.get_retry_after(response)
            except InvalidHeader:  # an unparseable Retry-After: fall back to our own backoff
                after = None
            if after is not None:
                return min(max(after, backoff), self.backoff_max)
        return backoff


class DeadlineTimeout(Timeout):
    """Per-attempt timeout cut to the time left before the deadline.

    urllib3 clones the request's Timeout at the start of every attempt (retries included), so
    computing ``total`` in the constructor gives each attempt ``min(timeout, time left)``.
    """

    def __init__(self, seconds: float, budget: Budget) -> None:
        left = budget.remaining()
        if left is not None and left <= 0:
            raise DeadlineHit("the deadline passed before the attempt")
        total = None if left is None else max(left, _MIN_ATTEMPT_SECONDS)
        super().__init__(connect=seconds, read=seconds, total=total)
        self._seconds = seconds
        self._budget = budget

    def clone(self) -> DeadlineTimeout:
        return DeadlineTimeout(self._seconds, self._budget)
