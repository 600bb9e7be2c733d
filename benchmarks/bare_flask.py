"""The baseline of benchmarks/passback_paths.py: a bare Flask app that answers the two passback paths
with bytes captured from mock-ic, served exactly as mock-ic is served (uvicorn, one worker, Flask
behind ``a2wsgi.WSGIMiddleware`` with its default thread pool, as connexion's FlaskApp does).

No database, no auth, no validation, no connexion: what is left is the cost of the HTTP server,
the ASGI->WSGI bridge and Flask routing, i.e. the floor mock-ic's own work is measured against.
The PUT route parses the JSON body (any real handler would), then answers the captured bytes.

    python benchmarks/bare_flask.py --port 8099 --replay replay.json

``replay.json`` is written by passback_paths.py: for each route its status, headers and body.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path
from typing import Any

import flask
import uvicorn
from a2wsgi import WSGIMiddleware

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--replay", type=Path, required=True, help="JSON file of captured answers")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    replay = json.loads(args.replay.read_text(encoding="utf-8"))
    # Same server settings as `mock-ic serve` with workers=1: uvicorn.run(app, host, port, log_level,
    # access_log off), default loop/http implementations (uvloop and httptools when installed).
    uvicorn.run(WSGIMiddleware(create_app(replay).wsgi_app), host=args.host, port=args.port,  # type: ignore[arg-type]
                log_level=args.log_level, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
