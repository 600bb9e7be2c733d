"""The ``/_mock`` control plane (openapi/mock-admin.yaml)."""

from __future__ import annotations

from typing import Any


def health() -> dict[str, Any]:
    return {"status": "ok"}
