"""Shared fixtures: the simulator fleet and cameras (see recamera_mcp.simulator.testing).

The user's data folder (pin file, files root) is a temporary one for the whole run, this process and every server
subprocess it starts: no test pins a simulated camera's key in the real pin file or writes into the real files root.
"""

import os
import tempfile

pytest_plugins = ["recamera_mcp.simulator.testing"]

os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="recamera-tests-data-")
