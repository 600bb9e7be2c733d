"""``mock-ic seed``: a tenant seeded from a district recipe straight into the database, with a progress bar.

``mock-ic tenant create --recipe`` asks a running server; this writes the database itself (the one ``mock-ic
serve`` uses with the same ``--data-dir``/``--database``), so a district-sized recipe (``--recipe large``,
1.4 million documents) can be loaded before a server starts, or while one runs: it sees the tenant on its next
request. The documents are streamed (mock_ic/control/seeding.py) in one transaction: all or nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from mock_ic import SERVER_EXTRA

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 3


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "seed", help="seed a tenant from a district recipe into the database (no server needed)",
        description="Create a tenant seeded from a district recipe, writing the database a `mock-ic serve` with the "
        "same --data-dir/--database uses, with a progress bar. Prints the tenant's credentials.")
    parser.add_argument("--recipe", required=True, help="a recipe from fixtures/districts (demo, large) or a YAML "
                        "file")
    parser.add_argument("--tenant", help="the tenant's appName (default: the recipe's name)")
    parser.add_argument("--replace", action="store_true", help="when the tenant exists, seed its district again "
                        "(its credentials and settings stay)")
    parser.add_argument("--data-dir", type=Path, help="where the SQLite database lives (default: per-user data dir)")
    parser.add_argument("--database", help="SQLAlchemy URL, overrides --data-dir")
    parser.set_defaults(func=run)


class RowsPerSecond(ProgressColumn):
    """Rows written per second, as rich measures the task's speed."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s", style="progress.data.speed")


def run(args: argparse.Namespace) -> int:
    try:
        from mock_ic.control import seed, state
        from mock_ic.control.tenants import APP_NAME, DEMO_APP, DEMO_CREDENTIALS, TenantExists, TenantRegistry
        from mock_ic.settings import Settings
        from mock_ic.store.engine import Database
    except ImportError as exc:  # a kit-only install: no SQLAlchemy
        if not exc.name or exc.name.split(".")[0] == "mock_ic":
            raise
        print(f"mock-ic seed: the server is not installed ({exc.name} is missing): {SERVER_EXTRA}", file=sys.stderr)
        return EXIT_USAGE
    err = Console(stderr=True)
    try:
        recipe = seed.load_recipe(args.recipe)
    except (ValueError, OSError) as exc:
        err.print(f"mock-ic seed: {exc}", markup=False, highlight=False)
        return EXIT_USAGE
    app_name = args.tenant or recipe.name
    if not APP_NAME.fullmatch(app_name):
        err.print(f"mock-ic seed: {app_name!r} cannot be a tenant's appName (it goes in every URL of the tenant): "
                  f"letters, digits, '_', '.' and '-', at most 64, starting with a letter or digit; give --tenant",
                  markup=False, highlight=False)
        return EXIT_USAGE
    settings = Settings.from_env().with_overrides(data_dir=args.data_dir, database=args.database)
    db = Database(settings.database_url)
    try:
        db.create_schema()
        registry = TenantRegistry(db)
        registry.load()
        tenant = registry.get(app_name)
        if tenant is not None and not args.replace:
            err.print(f"mock-ic seed: tenant {app_name!r} exists; --replace seeds its district again",
                      markup=False, highlight=False)
            return EXIT_FAILED
        started = time.perf_counter()
        with _progress(err, seed.estimated_documents(recipe)) as progress:
            if tenant is None:
                credentials = dict(DEMO_CREDENTIALS) if app_name == DEMO_APP else None  # what `mock-ic serve` gives it
                tenant = registry.create(app_name, credentials=credentials, progress=progress,
                                         recipe=seed.stored_form(args.recipe, recipe))
            else:
                state.reset(db, tenant, progress=progress)
        seconds = time.perf_counter() - started
    except TenantExists as exc:  # made by another process since this one looked
        err.print(f"mock-ic seed: {exc}; --replace seeds its district again", markup=False, highlight=False)
        return EXIT_FAILED
    finally:
        db.dispose()
    print(f"Seeded tenant {app_name!r} from recipe {recipe.name!r}: {progress.written:,} documents in "
          f"{seconds:.1f} s ({progress.written / max(seconds, 1e-9):,.0f} rows/s) into {settings.database_url}")
    print(f"  clientId      {tenant.client_id}\n  clientSecret  {tenant.client_secret}")
    print(f"Serve it with `mock-ic serve` and the same database; `mock-ic tenant show {app_name}` gives its URLs.")
    return EXIT_OK


class _Progress:
    """The seeding's progress callback (mock_ic/control/seeding.py) driving a rich bar: rows, rows/s, time left.
    The total is the recipe's estimate, made exact at the end."""

    def __init__(self, bar: Progress, total: int) -> None:
        self.bar, self.written = bar, 0
        self.task = bar.add_task("users", total=total)

    def __call__(self, kind: str, count: int) -> None:
        self.written += count
        self.bar.update(self.task, advance=count, description=kind,
                        total=max(self.written, self.bar.tasks[0].total or 0))


@contextmanager
def _progress(console: Console, total: int) -> Iterator[_Progress]:
    columns = (TextColumn("{task.description:<20}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.completed:>10,.0f} rows"), RowsPerSecond(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=not console.is_terminal) as bar:
        tracker = _Progress(bar, total)
        yield tracker
        bar.update(tracker.task, total=tracker.written, description="done")
