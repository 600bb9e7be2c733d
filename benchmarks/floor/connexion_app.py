"""The smallest connexion app: one spec, one GET without security or parameters, a fixed body."""

import sys
from pathlib import Path

import flask
import uvicorn
from connexion import FlaskApp
from connexion.jsonifier import Jsonifier


def health() -> flask.Response:
    return flask.Response(b'{"status":"ok"}', mimetype="application/json")


app = FlaskApp(__name__, specification_dir=str(Path(__file__).parent), jsonifier=Jsonifier(flask.json, indent=None))
app.add_api("health.yaml")

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
