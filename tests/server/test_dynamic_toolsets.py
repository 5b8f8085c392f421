"""The default serve: core plus the toolsets tool, which loads a toolset (the registry's tools at that moment, minus
the writers on a read-only server) and tells the client with tools/list_changed, on both protocol eras; titles and
icons on every tool, none of them in the model-facing part."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from mcp.types import ToolListChangedNotification
from pydantic import Field

from recamera_mcp.server.tools import TOOLS
from recamera_mcp.server.tools.registry import tool
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok, error_text


def dynamic(**kwargs: Any) -> Any:
    return make_options(toolsets=frozenset({"core"}), dynamic=True, **kwargs)


def of(toolset: str, *, read_only: bool = False) -> set[str]:
    return {n for n, t in TOOLS.items() if t.toolset == toolset and not (read_only and t.writes)}


async def names(mcp: Any) -> set[str]:
    return {t.name for t in (await mcp.list_tools()).tools}


async def test_default_lists_core_and_loads_a_toolset_on_request(connect, camera, mcp_mode):
    notified: list[Any] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, ToolListChangedNotification):
            notified.append(message)

    async with connect(dynamic(), message_handler=on_message) as mcp:
        assert await names(mcp) == of("core") | {"toolsets"}
        assert mcp.server_capabilities.tools is not None and mcp.server_capabilities.tools.list_changed
        listing = await call_ok(mcp, "toolsets")
        by_name = {t["name"]: t for t in listing["toolsets"]}
        assert set(by_name["image"]["tools"]) == of("image") and not by_name["image"]["loaded"]
        assert by_name["core"]["loaded"] and listing["loaded"] == ["core"]

        err = await call_error(mcp, "snapshot", host=camera.address)
        assert 'toolsets(action="enable", name="image")' in err

        if mcp_mode == "legacy":
            enabled = await call_ok(mcp, "toolsets", action="enable", name="image")
            with anyio.fail_after(5):
                while not notified:
                    await anyio.sleep(0.01)
        else:
            async with mcp.listen(tools_list_changed=True) as events:
                enabled = await call_ok(mcp, "toolsets", action="enable", name="image")
                with anyio.fail_after(5):
                    async for _event in events:
                        break
        assert set(enabled["added"]) == of("image") and enabled["loaded"] == ["core", "image"]
        assert await names(mcp) == of("core") | of("image") | {"toolsets"}
        tuned = await call_ok(mcp, "tune_image", host=camera.address, adjustment={"iBrightness": 61})
        assert tuned["changes"][0]["after"] == 61

        again = await call_ok(mcp, "toolsets", action="enable", name="image")
        assert again["added"] == [] and "already loaded" in again["note"]
        description = next(t.description for t in (await mcp.list_tools()).tools if t.name == "toolsets")
        assert "tune_image" not in description and "get_recording_status" in description
        assert "must be one of" in await call_error(mcp, "toolsets", action="enable", name="bogus")


async def test_read_only_loads_only_the_reading_tools_of_a_toolset(connect, camera):
    async with connect(dynamic(read_only=True)) as mcp:
        assert await names(mcp) == of("core", read_only=True) | {"toolsets"}
        enabled = await call_ok(mcp, "toolsets", action="enable", name="recording")
        assert set(enabled["added"]) == of("recording", read_only=True) and "storage" not in enabled["added"]
        assert await names(mcp) == of("core", read_only=True) | of("recording", read_only=True) | {"toolsets"}
        err = await call_error(mcp, "trigger_recording", host=camera.address)
        assert "read-only" in err and camera.camera.calls() == []


async def test_a_tool_registered_after_the_server_started_loads_with_its_toolset(connect):
    async with connect(dynamic()) as mcp:
        before = {t["name"]: t["tools"] for t in (await call_ok(mcp, "toolsets"))["toolsets"]}
        assert "late_model_tool" not in before["ai"]

        @tool("ai", "Echo a model name", read_only=True, open_world=False)
        def late_model_tool(model: Annotated[str, Field(description="A model name")]) -> str:
            """Say the model name back (a stand-in for a tool another engineer adds)."""
            return model

        try:
            enabled = await call_ok(mcp, "toolsets", action="enable", name="ai")
            assert enabled["added"] == [*before["ai"], "late_model_tool"]
            assert "late_model_tool" in await names(mcp)
            result = await mcp.call_tool("late_model_tool", {"model": "yolo11n.rknn"})
            assert not result.is_error and "yolo11n.rknn" in error_text(result)
        finally:
            del TOOLS["late_model_tool"]


async def test_an_empty_toolset_says_so(connect, monkeypatch):
    for name in of("cloud"):  # empty it, whatever the cloud toolset holds by now
        monkeypatch.delitem(TOOLS, name)
    async with connect(dynamic()) as mcp:
        enabled = await call_ok(mcp, "toolsets", action="enable", name="cloud")
        assert enabled["added"] == [] and "no tools" in enabled["note"]


async def test_a_fixed_list_has_no_toolsets_tool_and_says_how_it_was_started(connect, camera):
    async with connect(make_options(toolsets=frozenset({"core"}))) as mcp:
        assert await names(mcp) == of("core")
        err = await call_error(mcp, "snapshot", host=camera.address)
        assert "not started with (--toolsets)" in err


async def test_every_tool_has_a_title_and_an_icon_outside_the_model_facing_part(connect):
    async with connect(dynamic()) as mcp:
        await call_ok(mcp, "toolsets", action="enable", name="all")
        tools = (await mcp.list_tools()).tools
        assert {t.name for t in tools} == set(TOOLS) | {"toolsets"}
        for t in tools:
            assert t.title, t.name
            assert t.title not in (t.description or ""), t.name
            assert t.annotations is not None and t.annotations.title is None, t.name  # said once, as the title
            assert t.icons and t.icons[0].src.startswith("data:image/svg+xml,%3Csvg"), t.name
        icons = {t.name: t.icons[0].src for t in tools if t.icons}
        assert icons["snapshot"] == icons["tune_image"] != icons["list_recordings"] != icons["login"]
        assert mcp.server_info is not None and mcp.server_info.icons
        assert mcp.server_info.icons[0].src.startswith("data:image/svg+xml,")


async def test_no_output_schemas_covers_the_toolsets_tool_and_what_it_loads(connect):
    async with connect(dynamic(output_schemas=False)) as mcp:
        await mcp.call_tool("toolsets", {"action": "enable", "name": "image"})
        tools = (await mcp.list_tools()).tools
        assert {"toolsets", "tune_image"} <= {t.name for t in tools}
        assert all(t.output_schema is None and not t.icons for t in tools)
