"""Config objects of the ai area. (Filled in by the ai area work.)"""

from __future__ import annotations

from recamera_mcp.simulator.schemas.base import ConfigSpec

SPECS: tuple[ConfigSpec, ...] = ()
