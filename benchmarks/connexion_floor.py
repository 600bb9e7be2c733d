"""The floor of the stack: the smallest connexion app against the same answer from plain Flask.

Both serve ``GET /health`` -> ``{"status":"ok"}`` with uvicorn, one worker (``benchmarks/floor/``);
the load is passback_paths.py's closed-loop raw client (8 keep-alive connections). Whatever an
endpoint of mock-ic does, it pays at least connexion's own per-request cost measured here.

    python benchmarks/connexion_floor.py [--seconds 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import passback_paths as pp  # noqa: E402

APPS = {"connexion": HERE / "floor" / "connexion_app.py", "flask": HERE / "floor" / "flask_app.py"}


def measure(name: str, seconds: float) -> tuple[float, float]:
    port = pp.free_port()
    proc = subprocess.Popen([sys.executable, str(APPS[name]), str(port)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.05)
        server = pp.Server(name, proc, port, Path(tempfile.gettempdir()) / f"{name}.log")
        health = [pp.Request("GET", "/health")]
        m = asyncio.run(pp.drive(server, health, health, client="raw", concurrency=8, warmup_s=1.0,
                                 seconds=seconds))
        return len(m.samples) / seconds, 1000 * m.server_cpu / max(1, len(m.samples))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for round_ in range(1, args.rounds + 1):
        rates = {name: measure(name, args.seconds) for name in APPS}
        for name, (rate, cpu) in rates.items():
            print(f"round {round_}: {name:9s} {rate:7.0f} req/s  {cpu:.3f} ms server CPU/request")
        print(f"round {round_}: connexion / flask = {rates['connexion'][0] / rates['flask'][0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
