"""Baseline (a) of benchmarks/passback_paths.py: a bare Flask app that answers the two passback paths
with bytes captured from mock-ic.

No database, no auth, no validation, no connexion: what is left is the cost of an HTTP server and
Flask routing, the floor mock-ic's own work is measured against. The PUT route parses the JSON body
(any real handler would), then answers the captured bytes.

Two ways to serve it:

- ``--server gunicorn`` (the issue's baseline): gunicorn with ONE SYNC WORKER (``-w 1 -k sync``),
  the classic way to deploy a Flask app. A sync worker serves one connection at a time and closes it
  after each answer (no keep-alive), so every request of the load pays a TCP connect.
- ``--server uvicorn``: the way connexion's FlaskApp served mock-ic until issue 13 — uvicorn, one
  worker, Flask behind ``a2wsgi.WSGIMiddleware`` and its default thread pool.

    python benchmarks/bare_flask.py --server gunicorn --port 8099 --replay replay.json

``replay.json`` is written by passback_paths.py: for each route its status, headers and body.
"""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask

APP_BASE = "/campus/api/oneroster/v1p2/<app_name>/ims/oneroster/gradebook/v1p2"


class Canned:
    """One captured answer: status, the headers worth replaying, and the body bytes."""

    def __init__(self, captured: dict[str, Any]) -> None:
        self.status: int = captured["status"]
        self.headers: dict[str, str] = dict(captured["headers"])
        self.body: bytes = base64.b64decode(captured["body_b64"])
        self.mimetype: str = self.headers.pop("content-type", "application/json")

    def response(self) -> flask.Response:
        return flask.Response(self.body, status=self.status, headers=self.headers, content_type=self.mimetype)


def create_app(replay: dict[str, Any]) -> flask.Flask:
    get_line_items = Canned(replay["get_line_items"])
    put_result = Canned(replay["put_result"])
    app = flask.Flask(__name__)

    @app.get(f"{APP_BASE}/classes/<class_id>/lineItems")
    def line_items_for_class(app_name: str, class_id: str) -> flask.Response:
        return get_line_items.response()

    @app.put(f"{APP_BASE}/results/<sourced_id>")
    def put_result_route(app_name: str, sourced_id: str) -> flask.Response:
        body = flask.request.get_json()
        if not isinstance(body, dict) or "result" not in body:
            return flask.Response(b'{"error":"bad body"}', status=400, content_type="application/json")
        return put_result.response()

    @app.get("/_mock/health")
    def health() -> flask.Response:
        return flask.Response(b'{"status":"ok"}', content_type="application/json")

    return app


def serve_gunicorn(app: flask.Flask, host: str, port: int, log_level: str) -> None:
    """gunicorn -w 1 -k sync, started from Python so that the replay file needs no import-string
    plumbing; access log off (gunicorn's default), as mock-ic runs without one."""
    from gunicorn.app.base import BaseApplication  # the `bench` extra; only this server needs it

    class Standalone(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
        def load_config(self) -> None:
            for key, value in {"bind": f"{host}:{port}", "workers": 1, "worker_class": "sync",
                               "loglevel": log_level, "accesslog": None}.items():
                self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            return app

    Standalone().run()


def serve_uvicorn(app: flask.Flask, host: str, port: int, log_level: str) -> None:
    """As `mock-ic serve` served connexion's FlaskApp with workers=1: uvicorn.run (uvloop and
    httptools when installed, access log off), Flask behind a2wsgi's default 10-thread pool."""
    import uvicorn
    from a2wsgi import WSGIMiddleware

    uvicorn.run(WSGIMiddleware(app.wsgi_app), host=host, port=port,  # type: ignore[arg-type]
                log_level=log_level, access_log=False)


SERVERS = {"gunicorn": serve_gunicorn, "uvicorn": serve_uvicorn}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--server", choices=sorted(SERVERS), default="gunicorn")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--replay", type=Path, required=True, help="JSON file of captured answers")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    replay = json.loads(args.replay.read_text(encoding="utf-8"))
    SERVERS[args.server](create_app(replay), args.host, args.port, args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
