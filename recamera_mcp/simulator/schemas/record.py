"""Config objects of the record area. (Filled in by the record area work.)"""

from __future__ import annotations

from recamera_mcp.simulator.schemas.base import ConfigSpec

SPECS: tuple[ConfigSpec, ...] = ()
