"""Progress of long client operations: the callback type, and a way to report it while one awaitable runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["Progress", "with_progress"]

T = TypeVar("T")
Progress = Callable[[float, float, str], Awaitable[None]]
"""``await progress(done, total, message)``: seconds so far of ``total`` (callers pass the MCP context's)."""


async def with_progress(work: Awaitable[T], total: float, progress: Progress | None, message: str) -> T:
    """Await ``work``, reporting the seconds spent (capped at ``total``) about once a second."""
    if progress is None:
        return await work
    started = time.monotonic()
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=1.0)
            if done:
                return task.result()
            await progress(min(time.monotonic() - started, total), total, message)
    finally:
        if not task.done():
            task.cancel()
