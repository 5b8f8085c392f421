"""Resources, templates, prompts and the api_reference tool, through a real MCP client (both protocol modes)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from mcp.shared.exceptions import MCPError

from recamera_mcp import reference
from recamera_mcp.playbooks import load_playbooks
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_error, call_ok, error_text

TEMPLATES = {
    "recamera://reference/{section}",
    "recamera://reference/{section}/{endpoint}",
    "recamera://device/{host}/status",
    "recamera://device/{host}/config/{area}",
    "recamera://device/{host}/recordings/{+path}",
    "recamera://device/{host}/image/{group}{?field}",
    "recamera://device/{host}/models/{model}",
}


async def read_text(mcp, uri: str) -> str:  # type: ignore[no-untyped-def]
    result = await mcp.read_resource(uri)
    assert len(result.contents) == 1
    return str(result.contents[0].text)


async def test_resources_templates_and_prompts_are_listed(connect):
    async with connect() as mcp:
        uris = {str(r.uri) for r in (await mcp.list_resources()).resources}
        books = load_playbooks()
        assert uris == {"recamera://reference", "recamera://devices"} | {b.uri for b in books.values()}
        templates = {t.uri_template for t in (await mcp.list_resource_templates()).resource_templates}
        assert templates == TEMPLATES
        prompts = {p.name: p for p in (await mcp.list_prompts()).prompts}
        assert set(prompts) == set(books)
        discover = {a.name: a.required for a in prompts["discover-devices"].arguments or []}
        assert discover == {"subnet": True, "port": False}
        assert all(p.description for p in prompts.values())


async def test_index_section_and_endpoint_read_through_the_client(connect):
    async with connect() as mcp:
        index = await read_text(mcp, "recamera://reference")
        assert index == reference.index_markdown()
        assert "{section}/{slug}" in index and "network-lan" in index
        for name in reference.SECTION_NAMES:
            assert await read_text(mcp, f"recamera://reference/{name}") == reference.read_section(name)
        lan = await read_text(mcp, "recamera://reference/network/network-lan")
        assert lan.startswith("## GET|PUT /network/lan\n") and "## " not in lan[3:]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("recamera://reference/nope", "valid sections: auth, device, network"),
        ("recamera://reference/nope/network-lan", "valid sections: auth, device, network"),
        ("recamera://reference/network/nope", "valid endpoints: network-lan, network-wifi-status"),
    ],
)
async def test_unknown_section_or_endpoint_lists_the_valid_ones(connect, uri, expected):
    async with connect() as mcp:
        with pytest.raises(MCPError) as info:
            await mcp.read_resource(uri)
        assert expected in str(info.value)


async def test_device_resources_show_sessions_and_live_status(connect, camera):
    async with connect() as mcp:
        assert json.loads(await read_text(mcp, "recamera://devices")) == {"sessions": []}
        for host in (camera.address, quote(camera.address, safe="")):
            status = json.loads(await read_text(mcp, f"recamera://device/{host}/status"))
            assert status["host"] == camera.address and status["serial"] == camera.camera.settings.serial
        sessions = json.loads(await read_text(mcp, "recamera://devices"))["sessions"]
        assert [(s["host"], s["logged_in"]) for s in sessions] == [(camera.address, True)]
        assert PASSWORD not in json.dumps(sessions) and "token" not in json.dumps(sessions).lower()
        assert camera.camera.logins() == 1


async def test_device_status_resource_reports_a_failure_clearly(connect, make_camera):
    cam = make_camera(password="Other#Pass2026")
    async with connect() as mcp:
        with pytest.raises(MCPError) as info:
            await mcp.read_resource(f"recamera://device/{cam.address}/status")
        assert "password" in str(info.value).lower()


async def test_playbook_resources_and_prompts(connect):
    async with connect() as mcp:
        for book in load_playbooks().values():
            text = await read_text(mcp, book.uri)
            assert text.startswith("---\nname: " + book.name)
        result = await mcp.get_prompt("snapshot", {"host": "10.1.2.3"})
        text = result.messages[0].content.text  # type: ignore[union-attr]
        assert (
            text.startswith("# Take a snapshot") and 'snapshot({"host": "10.1.2.3"})' in text and "{host}" not in text
        )
        result = await mcp.get_prompt(
            "change-setting", {"host": "h", "area": "time", "changes": '{"sTimezone": "UTC"}'}
        )
        text = result.messages[0].content.text  # type: ignore[union-attr]
        assert '"changes": {"sTimezone": "UTC"}, "dry_run": true' in text
        with pytest.raises(MCPError) as info:
            await mcp.get_prompt("discover-devices", {})
        assert "subnet" in str(info.value)


async def test_api_reference_index_section_and_query(connect):
    async with connect() as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        ann = tools["api_reference"].annotations
        assert ann is not None and ann.read_only_hint and not ann.open_world_hint
        result = await mcp.call_tool("api_reference", {})
        assert not result.is_error and result.structured_content is None
        assert error_text(result) == reference.index_markdown()
        result = await mcp.call_tool("api_reference", {"section": "Image"})
        assert error_text(result) == reference.read_section("image")
        result = await mcp.call_tool("api_reference", {"query": "white balance"})
        text = error_text(result)
        assert text.startswith("## PUT /image/0/{scene_id}/white-blance  [image/image-0-scene-id-white-blance]")
        assert text.count("\n## ") <= 3
        result = await mcp.call_tool("api_reference", {"query": "timezone", "section": "device"})
        assert "[device/system-time]" in error_text(result) and "[network/" not in error_text(result)
        result = await mcp.call_tool("api_reference", {"query": "zzzqqq"})
        assert "No endpoint matches" in error_text(result)


async def test_api_reference_never_returns_the_whole_reference(connect):
    largest = max(info.chars for info in reference.sections())
    whole = sum(info.chars for info in reference.sections())
    async with connect() as mcp:
        for args in ({}, {"query": "camera config device image video record"}, {"query": "get put post"}):
            result = await mcp.call_tool("api_reference", args)
            assert len(error_text(result)) <= largest < whole / 4


async def test_api_reference_unknown_section_lists_valid_ones(connect):
    async with connect() as mcp:
        for args in ({"section": "wifi"}, {"section": "wifi", "query": "password"}):
            text = await call_error(mcp, "api_reference", **args)
            assert "'wifi'" in text and "valid sections: " + ", ".join(reference.SECTION_NAMES) in text


async def test_api_reference_works_without_a_camera_or_login(connect):
    async with connect() as mcp:
        result = await mcp.call_tool("api_reference", {"section": "auth"})
        assert not result.is_error and error_text(result) == reference.read_section("auth")
        assert (await call_ok(mcp, "list_sessions"))["sessions"] == []
