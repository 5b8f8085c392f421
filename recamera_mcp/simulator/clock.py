"""The device clock: host time plus the offset ``PUT /system/time`` (manual) or the ``clock_skew_s`` fault set, in
the device's time zone (``/system/time`` ``sTimezone``, an IANA name).

Everything that depends on "now" on the device (the recording schedule, recording file names and event times, the
ISP day/night schedule) reads it here, so a test that moves the device clock or its zone moves all of them.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from recamera_mcp.simulator.zones import zone

if TYPE_CHECKING:
    from recamera_mcp.simulator.state import DeviceState


TIME_PATH = "/system/time"
OFFSET_KEY = "time_offset"
"""Key in ``DeviceState.extras`` of the clock offset in seconds (written by ``routes/system.py``'s time hook)."""


def offset(state: DeviceState) -> float:
    return float(state.extras.get(OFFSET_KEY, 0.0))


def set_offset(state: DeviceState, seconds: float) -> None:
    state.extras[OFFSET_KEY] = float(seconds)


def device_timestamp(state: DeviceState) -> float:
    """The device clock as a POSIX timestamp (what ``/system/time`` answers as ``iTimestamp``)."""
    return time.time() + offset(state)


def device_ms(state: DeviceState) -> int:
    return int(device_timestamp(state) * 1000)


def device_zone(state: DeviceState) -> dt.tzinfo:
    return zone(str(state.configs[TIME_PATH]["sTimezone"]))


def device_now(state: DeviceState) -> dt.datetime:
    """The device's local time (aware, in its time zone)."""
    return dt.datetime.fromtimestamp(device_timestamp(state), device_zone(state))
