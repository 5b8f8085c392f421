"""The simulator stands on its own: it imports nothing from the client or the MCP server."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import recamera_mcp.simulator as sim
names = [m.name for m in pkgutil.walk_packages(sim.__path__, "recamera_mcp.simulator.")]
names = [n for n in names if not n.endswith(".gst_server")]  # runs under the system python with gi only
for name in names:
    importlib.import_module(name)
print(len(names))
print(" ".join(sorted(m for m in sys.modules if m.startswith(("recamera_mcp.client", "recamera_mcp.server")))))
"""


def test_simulator_modules_import_no_client_or_server_code() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count, leaked = (done.stdout.splitlines() + [""])[:2]
    assert int(count) > 20, "every simulator module was imported"
    assert leaked == "", f"the simulator imported {leaked}"
