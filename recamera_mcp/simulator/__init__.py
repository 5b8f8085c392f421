"""A strict fake reCamera: the device's HTTP/WebSocket API on real sockets, for tests, demos and rehearsals.

Imports nothing from ``recamera_mcp.client`` or ``recamera_mcp.server``: its schemas and rules are its own, so a
mistake in the client's models cannot hide here.

Public entry points:

- :class:`SimFleet` runs one or more simulated hosts (cameras, HTTP hosts that are not cameras, hosts that
  accept a connection and never answer) on 127.0.0.x addresses, in a background thread.
- :class:`SimSettings` configures one camera (credentials, token TTL, lockout, timeouts).
- :class:`DeviceState` is one camera's state: request log, fault switches, stored configs.
"""

from recamera_mcp.simulator.fleet import SimDevice, SimFleet
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.state import DeviceState, LoggedRequest

__all__ = ["DeviceState", "LoggedRequest", "SimDevice", "SimFleet", "SimSettings"]
