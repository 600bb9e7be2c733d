"""The ASGI entry point uvicorn imports in each worker: ``mock_ic.server:app`` (a factory)."""

from __future__ import annotations

from connexion import AsyncApp

from mock_ic.app import create_app
from mock_ic.settings import Settings


def app() -> AsyncApp:
    # The parent process made the schema and the demo tenant; a worker finds them in the database.
    return create_app(Settings.from_env())
