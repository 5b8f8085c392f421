"""The MCP tools, one module per area; importing this package registers them all in ``registry.TOOLS``."""

from recamera_mcp.server.tools import api, changes, config, session, system
from recamera_mcp.server.tools import deploy as deploy
from recamera_mcp.server.tools import diagnose as diagnose
from recamera_mcp.server.tools import discovery as discovery
from recamera_mcp.server.tools import firmware as firmware
from recamera_mcp.server.tools import fleet as fleet
from recamera_mcp.server.tools import image as image
from recamera_mcp.server.tools import inference as inference
from recamera_mcp.server.tools import models as models
from recamera_mcp.server.tools import network as network
from recamera_mcp.server.tools import notify as notify
from recamera_mcp.server.tools import recording as recording
from recamera_mcp.server.tools import reference as reference
from recamera_mcp.server.tools import sensecraft as sensecraft
from recamera_mcp.server.tools import storage as storage
from recamera_mcp.server.tools import streams as streams
from recamera_mcp.server.tools.registry import TOOLS, TOOLSETS, add_tools, selected

__all__ = ["TOOLS", "TOOLSETS", "add_tools", "api", "changes", "config", "selected", "session", "system"]
