"""Where a OneRoster handler's work runs: on the event loop, as short synchronous calls.

The OneRoster handlers do a few indexed SQLite statements (well under a millisecond each) and
render stored JSON text. Run on the loop they cost no thread hop; connexion's alternative for a
sync handler, its thread pool, costs a hop per request (docs/architecture.md, "Serving", has the
figures). Long operations — tenant creation, snapshots, CSV import, the admin API in general —
stay sync handlers, which connexion runs in its thread pool, so they never stall the loop.
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


