"""The firmware generation a camera speaks, decided in this one place.

Cameras in the field run two generations (``/work/shared/recamera-api-2026.md``), and each refuses the other's
dialect in places:

=====================================  ==========================================  ==================================
what                                   legacy (``V1.0.x``)                         2026 (``V1.1`` and newer)
=====================================  ==========================================  ==================================
storage control FORMAT / FREE_UP       synchronous (optional ``sTaskType``)        ``sTask: ASYNC_SUBMIT``, then
                                                                                   ``ASYNC_STATUS`` with ``sTaskUID``
record trigger ``lClassFilter``        class ids (integers)                        label names (strings)
triggers                               INFERENCE_SET, TIMER, GPIO, TTY, HTTP       also ALWAYS_ON and SED (``dSED``)
inference ``?id=``                     always 0                                    the model's index in /model/list
ISP ``scene-save``                     404 (the commit alone saves)                saves the profile in edit mode
=====================================  ==========================================  ==================================

The generation is read from ``sFirmwareVersion`` (device info); a version this client cannot parse counts as
the newer generation.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["Dialect", "dialect_of"]

_VERSION = re.compile(r"[Vv]?(\d+)\.(\d+)(?:\.(\d+))?")


class Dialect(StrEnum):
    """A firmware generation."""

    LEGACY = "legacy"
    CURRENT = "2026"


def dialect_of(version: object) -> Dialect:
    """The generation of a firmware version string (``V1.0.10`` legacy, ``V1.1.3`` 2026)."""
    match = _VERSION.match(version.strip()) if isinstance(version, str) else None
    if match is None:
        return Dialect.CURRENT
    major, minor = int(match[1]), int(match[2])
    return Dialect.LEGACY if (major, minor) < (1, 1) else Dialect.CURRENT
