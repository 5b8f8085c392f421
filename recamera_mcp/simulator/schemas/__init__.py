"""Every config object the simulated camera stores, with its defaults and rules: kept in this one place.

Each area module lists its :class:`ConfigSpec` objects in ``SPECS``; :data:`ALL_SPECS` maps a spec's path to it.
"""

from __future__ import annotations

from recamera_mcp.simulator.schemas import ai, device, recording, video
from recamera_mcp.simulator.schemas.base import ConfigSpec, apply_write

ALL_SPECS: dict[str, ConfigSpec] = {
    spec.path: spec for module in (device, video, recording, ai) for spec in module.SPECS
}

__all__ = ["ALL_SPECS", "ConfigSpec", "apply_write"]
