"""The same answer from plain Flask behind a2wsgi under uvicorn (how connexion's FlaskApp serves Flask)."""

import sys

import flask
import uvicorn
from a2wsgi import WSGIMiddleware

app = flask.Flask(__name__)


@app.get("/health")
def health() -> flask.Response:
    return flask.Response(b'{"status":"ok"}', mimetype="application/json")


if __name__ == "__main__":
    uvicorn.run(WSGIMiddleware(app), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
