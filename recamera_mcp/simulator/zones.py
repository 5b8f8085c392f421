"""IANA time zones as the simulated device knows them (pure: the config schemas check ``sTimezone`` with it)."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

__all__ = ["known_zone", "zone"]


@functools.lru_cache(maxsize=64)
def zone(name: str) -> dt.tzinfo:
    """The IANA zone ``name`` (UTC when this machine does not know it)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def known_zone(name: object) -> bool:
    if not isinstance(name, str):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
