"""Where a OneRoster handler's work runs: on the event loop, as short synchronous calls.

The OneRoster handlers and the token endpoint do a few indexed statements (well under a millisecond
each) and render stored JSON text. Measured on a quiet machine (docs/architecture.md, "Serving"),
running them on the loop costs 18-33 % less CPU per request than connexion's thread pool, whose hop
per request (a queue, a thread wake-up, the GIL passed back and forth) costs more than the overlap
it buys. The admin API stays sync handlers, which connexion runs in its thread pool: tenant
creation, snapshots and CSV imports take long enough to stall every connection on the loop.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def on_loop(function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """The handler as a coroutine function that runs ``function`` directly on the event loop
    (connexion sends a sync handler to its thread pool, a coroutine function it awaits)."""

    @functools.wraps(function)
    async def handler(*args: P.args, **kwargs: P.kwargs) -> R:
        return function(*args, **kwargs)

    return handler
