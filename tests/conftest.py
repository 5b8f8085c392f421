"""Shared fixtures: the simulator fleet and cameras (see recamera_mcp.simulator.testing)."""

pytest_plugins = ["recamera_mcp.simulator.testing"]
