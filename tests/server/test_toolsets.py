"""--read-only hides every tool that writes and --toolsets picks the list: via create_server and via the stdio CLI;
the default serve loads the other toolsets on request (toolsets tool, tools/list_changed), with tools the registry
holds at that moment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from recamera_mcp.server.cli import parse_toolsets
from recamera_mcp.server.tools import TOOLS, TOOLSETS
from recamera_mcp.server.tools.registry import DEFAULT_TOOLSETS
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.conftest import make_options
from tests.server.helpers import call_ok

REPO = Path(__file__).resolve().parents[2]


async def listed(mcp: Any) -> dict[str, Any]:
    return {t.name: t for t in (await mcp.list_tools()).tools}


def writers(tools: dict[str, Any]) -> set[str]:
    return {name for name, t in tools.items() if not (t.annotations and t.annotations.read_only_hint)}


async def test_read_only_hides_exactly_the_tools_that_write(connect):
    async with connect() as mcp:
        full = await listed(mcp)
    async with connect(make_options(read_only=True)) as mcp:
        shown = await listed(mcp)
        assert {"login", "update_config", "call_api", "change_password"} <= writers(full)
        camera_writers = {name for name, t in TOOLS.items() if t.writes}
        local_writers = {name for name, t in TOOLS.items() if t.local_writes}  # snapshot(save_to=...)
        assert writers(full) == camera_writers | local_writers
        assert set(shown) == set(full) - camera_writers
        assert not writers(shown)
        assert "save_to" in full["snapshot"].input_schema["properties"]
        assert "save_to" not in shown["snapshot"].input_schema["properties"]
        result = await mcp.call_tool("update_config", {"host": "127.0.0.1", "area": "time", "changes": {}})
        assert result.is_error
        # reading still works: resources and read-only tools
        assert (await mcp.read_resource("recamera://reference")).contents


async def test_read_only_server_still_reads_a_camera(connect, camera):
    async with connect(make_options(read_only=True)) as mcp:
        status = await call_ok(mcp, "get_device_status", host=camera.address)
        assert status["serial"] == camera.camera.settings.serial
        writes = [
            c for c in camera.camera.calls() if c[0] in ("PUT", "DELETE") or c[1] != "/system/login" and c[0] == "POST"
        ]
        assert writes == []


@pytest.mark.parametrize("toolset", TOOLSETS)
async def test_toolsets_trim_the_list(connect, toolset):
    expected = {name for name, t in TOOLS.items() if t.toolset == toolset}
    async with connect(make_options(toolsets=frozenset({toolset}))) as mcp:
        assert set(await listed(mcp)) == expected
    async with connect(make_options(toolsets=frozenset({toolset}), read_only=True)) as mcp:
        assert set(await listed(mcp)) == {n for n in expected if not TOOLS[n].writes}


async def test_core_toolset_has_the_session_and_reference_tools(connect):
    async with connect(make_options(toolsets=frozenset({"core"}))) as mcp:
        names = set(await listed(mcp))
    assert {"login", "get_device_status", "get_config", "update_config", "api_reference", "call_api"} <= names
    assert all(TOOLS[n].toolset == "core" for n in names)


def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "RECAMERA_MCP_CONFIG": str(tmp_path / "none.toml"),
        "RECAMERA_PASSWORD": PASSWORD,
        "PYTHONPATH": str(REPO),
    }


def stdio(tmp_path: Path, *flags: str) -> StdioServerParameters:
    args = ["-m", "recamera_mcp", "serve", "--log-level", "WARNING", *flags]
    return StdioServerParameters(command=sys.executable, args=args, env=cli_env(tmp_path), cwd=str(REPO))


async def test_cli_read_only_and_toolsets_over_stdio(tmp_path, camera):
    async with Client(stdio(tmp_path)) as mcp:
        default = await listed(mcp)
    assert set(default) == {n for n, t in TOOLS.items() if t.toolset in DEFAULT_TOOLSETS} | {"toolsets"}
    async with Client(stdio(tmp_path, "--toolsets", "core")) as mcp:
        core = await listed(mcp)
        await call_ok(mcp, "toolsets", action="enable", name="image")
        loaded = await listed(mcp)
    assert set(core) == {n for n, t in TOOLS.items() if t.toolset == "core"} | {"toolsets"}
    assert set(loaded) == set(core) | {n for n, t in TOOLS.items() if t.toolset == "image"}
    async with Client(stdio(tmp_path, "--toolsets", "all")) as mcp:
        full = await listed(mcp)
    async with Client(stdio(tmp_path, "--read-only", "--toolsets", "all")) as mcp:
        shown = await listed(mcp)
        status = await call_ok(mcp, "get_device_status", host=camera.address)
        assert status["serial"] == camera.camera.settings.serial
    assert set(full) == set(TOOLS)
    camera_writers = {name for name, t in TOOLS.items() if t.writes}
    assert writers(full) and set(shown) == set(full) - camera_writers and not writers(shown)
    async with Client(stdio(tmp_path, "--toolsets", "image,cloud", "--no-dynamic-toolsets")) as mcp:
        trimmed = await listed(mcp)
    assert set(trimmed) == {n for n, t in TOOLS.items() if t.toolset in ("image", "cloud")}
    assert "login" not in trimmed


def test_cli_refuses_an_unknown_toolset(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "recamera_mcp", "serve", "--toolsets", "core,bogus"],
        env=cli_env(tmp_path),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "bogus" in proc.stderr and "core, image, recording, ai, system, cloud" in proc.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("default", frozenset(DEFAULT_TOOLSETS)),
        ("", frozenset(DEFAULT_TOOLSETS)),
        ("all", None),
        ("core,image", frozenset({"core", "image"})),
        ("image", frozenset({"image"})),
        ("default, AI", frozenset(DEFAULT_TOOLSETS) | {"ai"}),
    ],
)
def test_toolsets_option(text, expected):
    assert parse_toolsets(text) == expected


async def test_no_output_schemas_keeps_results_as_json_text(connect, camera):
    import json

    async with connect(make_options(output_schemas=False)) as mcp:
        tools = (await mcp.list_tools()).tools
        assert tools and all(t.output_schema is None and not t.icons for t in tools)
        result = await mcp.call_tool("get_device_status", {"host": camera.address})
        assert not result.is_error and result.structured_content is None
        text = " ".join(getattr(c, "text", "") for c in result.content)
        assert json.loads(text)["serial"] == camera.camera.settings.serial
