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
the newer generation. Where the two differ in a request form, the device's refusal also tells which one it speaks
(:func:`dialect_of_refusal`), and a client that guessed wrong sends the request again in the other form once.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["Dialect", "dialect_of", "dialect_of_refusal"]

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


_LEGACY_SIGNS = ("invalid parameter: stask ", "invalid parameter: staskuid", "takes stasktype")
_CURRENT_SIGNS = ("use stask", "async_submit")


def dialect_of_refusal(message: object) -> Dialect | None:
    """The generation a refusal of a request shows the camera speaks, or None: a storage control refused because
    of ``sTask`` ("this firmware takes sTaskType") is legacy; one that asks for ``sTask`` / ``ASYNC_SUBMIT`` is
    2026."""
    text = message.lower() if isinstance(message, str) else ""
    if any(sign in text for sign in _CURRENT_SIGNS):
        return Dialect.CURRENT
    if any(sign in text for sign in _LEGACY_SIGNS):
        return Dialect.LEGACY
    return None
