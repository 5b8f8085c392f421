"""Interop with an independent MCP client: the official MCP Inspector CLI (TypeScript SDK) over stdio.

scripts/setup.sh installs it into .ci/node when npm is present (CI has npm).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recamera_mcp.simulator.testing import PASSWORD

INSPECTOR = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / ".bin" / "inspector"
pytestmark = pytest.mark.skipif(not INSPECTOR.exists(), reason="MCP Inspector not installed (scripts/setup.sh)")


def inspector(*args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAMERA_")}
    env["RECAMERA_MCP_CONFIG"] = "/nonexistent/config.toml"
    done = subprocess.run(
        [str(INSPECTOR), "--cli", "-e", f"RECAMERA_PASSWORD={PASSWORD}", "-e", "RECAMERA_MCP_CONFIG=/nonexistent",
         "-e", f"XDG_DATA_HOME={os.environ['XDG_DATA_HOME']}",  # the inspector passes on only what it is given
         sys.executable, "-m", "recamera_mcp", "serve", *args],
        capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


def test_inspector_lists_tools_with_schemas_and_annotations():
    tools = {t["name"]: t for t in inspector("--method", "tools/list")["tools"]}
    assert {"login", "get_device_status", "get_config", "update_config", "call_api"} <= set(tools)
    assert tools["get_config"]["inputSchema"]["properties"]["area"]
    assert tools["get_device_status"]["annotations"]["readOnlyHint"] is True
    assert "outputSchema" in tools["update_config"]


def test_inspector_calls_a_tool_against_the_simulator(camera):
    result = inspector(
        "--method", "tools/call", "--tool-name", "get_device_status", "--tool-arg", f"host={camera.address}"
    )
    assert result["isError"] is False
    assert result["structuredContent"]["serial"] == camera.camera.settings.serial
