"""Config objects of the video area. (Filled in by the video area work.)"""

from __future__ import annotations

from recamera_mcp.simulator.schemas.base import ConfigSpec

SPECS: tuple[ConfigSpec, ...] = ()
