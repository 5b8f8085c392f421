"""Every config object the simulated camera stores, with its defaults and rules: kept in this one place.

Each area module lists its :class:`ConfigSpec` objects in ``SPECS``; :data:`ALL_SPECS` maps a spec's path to it.
:func:`spec_for` picks the spec of one firmware generation where they differ (the record rule).
"""

from __future__ import annotations

from typing import Any

from recamera_mcp.simulator.schemas import ai, device, recording, video
from recamera_mcp.simulator.schemas.base import ConfigSpec, apply_write

ALL_SPECS: dict[str, ConfigSpec] = {
    spec.path: spec for module in (device, video, recording, ai) for spec in module.SPECS
}


def spec_for(path: str, firmware: str) -> ConfigSpec:
    """The spec a camera of ``firmware`` (``"legacy"`` or ``"2026"``) uses for ``path``."""
    if path == recording.RECORD_RULE.path:
        return recording.RECORD_RULES[firmware]
    return ALL_SPECS[path]


def default_configs(firmware: str) -> dict[str, Any]:
    """Every config object as a factory-fresh camera of ``firmware`` stores it."""
    return {path: spec_for(path, firmware).default_object() for path in ALL_SPECS}


__all__ = ["ALL_SPECS", "ConfigSpec", "apply_write", "default_configs", "spec_for"]
