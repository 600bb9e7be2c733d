"""Where a Python server's CPU goes under load: py-spy samples it and the stacks are summed by layer.

py-spy (the `bench` extra) attaches to the running server by pid and records, 100 times a second, the
stack of every thread that holds the GIL (``--gil``: Python's CPU, not threads waiting on sockets or
SQLite). Each sample is charged to the layer of its innermost frame (a package of site-packages, a
subpackage of mock_ic, a standard library module), and to its innermost function, so the report
reads "a quarter of the GIL time is in connexion" without a flame graph; the raw stacks
are kept too (``*.folded``: ``flamegraph.pl`` or speedscope read them).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*):(?P<line>\d+)\)$")
STDLIB = re.compile(r"/lib/python3\.\d+/(?P<module>[^/]+?)(?:\.py)?(?:/|$)")


def py_spy() -> str:
    """The py-spy next to this interpreter (the venv's), else the one on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    found = str(local) if local.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed: `make bench` installs it (the `bench` extra)")
    return found


def start(pid: int, seconds: float, output: Path, rate: int = 100) -> subprocess.Popen[bytes]:
    """py-spy recording ``pid`` for ``seconds`` into ``output`` (raw folded stacks)."""
    return subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--rate", str(rate), "--gil", "--format", "raw",
                             "--duration", str(max(1, round(seconds))), "--output", str(output)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(recorder: subprocess.Popen[bytes], timeout: float) -> None:
    _, err = recorder.communicate(timeout=timeout)
    if recorder.returncode != 0:
        raise RuntimeError(f"py-spy failed ({recorder.returncode}): {err.decode(errors='replace')[-500:]}")


def layer_of(path: str) -> str:
    """The layer a source file belongs to: ``mock_ic/<subpackage>`` or the top-level package or module
    (``connexion``, ``sqlalchemy``, ``asyncio``, ``threading``...). py-spy gives paths relative to the
    sys.path entry they were found on; absolute ones are cut at site-packages or the standard library."""
    if path.startswith("<frozen "):
        return path.removeprefix("<frozen ").removesuffix(">").split(".")[0]
    if "/site-packages/" in path:
        path = path.split("/site-packages/", 1)[1]
    elif STDLIB.search(path):
        path = path[STDLIB.search(path).start("module"):]  # type: ignore[union-attr]
    elif path.startswith("/"):
        return "other"
    parts = path.split("/")
    if parts[0] == "mock_ic" and len(parts) > 1:
        return "mock_ic/" + parts[1].removesuffix(".py")
    return parts[0].removesuffix(".py") or "other"


def summarise(folded: Path, top: int = 15) -> dict[str, Any]:
    """Samples by layer and by function of the innermost frame, as shares of all GIL samples."""
    by_layer: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        innermost = stack.rsplit(";", 1)[-1]
        frame = FRAME.match(innermost)
        path, function = (frame.group("file"), frame.group("function")) if frame else ("", innermost)
        layer = layer_of(path)
        by_layer[layer] += count
        by_function[f"{layer}: {function} ({Path(path).name}:{frame.group('line') if frame else '?'})"] += count
        total += count
    return {
        "samples": total,
        "layers": {name: n / total for name, n in by_layer.most_common()} if total else {},
        "functions": {name: n / total for name, n in by_function.most_common(top)} if total else {},
        "folded": str(folded),
    }
