"""Shared pieces of the trust-boundary tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from mcp.types import ElicitRequestParams, ElicitResult


def answering(action: str, content: dict[str, Any] | None, asked: list[str]) -> Any:
    """An elicitation callback that answers every question the same way and records it in ``asked``."""

    async def callback(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content=content)  # type: ignore[arg-type]

    return callback


def accept(asked: list[str]) -> Any:
    return answering("accept", {"confirm": True}, asked)


def fully_decoded(path: str) -> str:
    """A path percent-decoded until nothing changes (what a device that decodes again and again would read)."""
    for _ in range(10):
        decoded = unquote(path)
        if decoded == path:
            return path
        path = decoded
    return path


def reached(camera: Any, method: str, path: str) -> list[Any]:
    """Requests the simulated camera logged whose path, however often decoded, is ``path``."""
    return [e for e in camera.camera.log if e.method == method and fully_decoded(e.path).rstrip("/") == path]
