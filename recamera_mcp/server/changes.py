"""What puts back the writes tools made: per camera, the last :data:`KEPT` changes, in memory only.

Every tool that writes to a camera records the :class:`~recamera_mcp.client.Revert` its client call returned::

    result = await client.config.update(area, changes)
    server_state(ctx).changes.record(client.address.key, "update_config", result.revert)

(a ``None`` revert, from a write that changed nothing, records nothing). ``undo_last_change`` runs them back,
newest first, through :meth:`ReCameraClient.revert`, which refuses when the device moved on. A revert holds the
before-values, secrets included, so it never leaves the server: not in results, not in logs.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from recamera_mcp.client import Revert

__all__ = ["KEPT", "ChangeLog", "RecordedChange"]

KEPT = 20
"""Changes kept per camera; older ones are forgotten."""


@dataclass(frozen=True)
class RecordedChange:
    """One write a tool made: which tool, what puts it back, when."""

    tool: str
    revert: Revert = field(repr=False)
    at: float = field(default_factory=time.time)


@dataclass
class ChangeLog:
    """The recorded changes of every camera (keyed by the client's ``address.key``), newest last."""

    limit: int = KEPT
    _by_host: dict[str, deque[RecordedChange]] = field(default_factory=dict, repr=False)

    def record(self, host: str, tool: str, revert: Revert | None) -> None:
        """Remember what puts back a write ``tool`` made on ``host``; None (nothing changed) records nothing."""
        if revert is not None:
            self._by_host.setdefault(host, deque(maxlen=self.limit)).append(RecordedChange(tool, revert))

    def latest(self, host: str, steps: int) -> list[RecordedChange]:
        """The last ``steps`` changes on ``host``, newest first."""
        kept = self._by_host.get(host, deque())
        return list(reversed(kept))[:steps]

    def forget(self, host: str, change: RecordedChange) -> None:
        """Drop one change (it was undone)."""
        kept = self._by_host.get(host)
        if kept is not None and change in kept:
            kept.remove(change)

    def count(self, host: str) -> int:
        """How many changes on ``host`` can still be undone."""
        return len(self._by_host.get(host, ()))
