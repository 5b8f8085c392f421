"""discover_devices through the MCP client: the four classes, progress notifications, refusals."""

from __future__ import annotations

import pytest

from recamera_mcp.discovery import merge_consecutive
from recamera_mcp.simulator import SimFleet
from tests.server.helpers import call_error, call_ok


@pytest.fixture(scope="module")
def subnet():
    """127.0.5.1-12: cameras .2 .3, a 404 host .5, a 200-without-key host .6, a hanging host .8, the rest closed."""
    with SimFleet() as fleet:
        cams = fleet.subnet("127.0.5.", cameras=range(2, 4), not_cameras={5: "404", 6: "no_key"}, hangs=(8,))
        yield cams[0].port


async def test_discover_devices_classifies_every_host(connect, subnet):
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    async with connect() as mcp:
        result = await mcp.call_tool(
            "discover_devices",
            {"subnet": "127.0.5.1-12", "port": subnet, "timeout_s": 0.5, "method": "tcp"},
            progress_callback=on_progress,
        )
    assert not result.is_error, result.content
    out = result.structured_content
    assert out["recamera_ips"] == ["127.0.5.2", "127.0.5.3"]
    assert out["non_recamera_ips"] == ["127.0.5.5", "127.0.5.6"]
    assert out["reachable_ips"] == ["127.0.5.2", "127.0.5.3", "127.0.5.5", "127.0.5.6"]
    assert out["unreachable_or_timeout_ips"] == ["127.0.5.1", "127.0.5.4", "127.0.5.7-127.0.5.12"]
    assert out["hosts_total"] == 12 and [c["ip"] for c in out["cameras"]] == out["recamera_ips"]
    assert progress and progress[-1] == (12, 12)
    assert [p[0] for p in progress] == sorted(p[0] for p in progress)


async def test_discover_devices_refuses_bad_or_public_or_huge_input(connect):
    async with connect() as mcp:
        for subnet, expected in [
            ("192.168.1.0/33", "192.168.1.0/33"),
            ("8.8.8.0/24", "allow_public"),
            ("10.0.0.0/8", "allow_large"),
            ("not-an-ip", "not-an-ip"),
        ]:
            text = await call_error(mcp, "discover_devices", subnet=subnet)
            assert expected in text, text


async def test_discover_devices_is_read_only_and_needs_no_login(connect):
    async with connect() as mcp:
        tool = next(t for t in (await mcp.list_tools()).tools if t.name == "discover_devices")
        assert tool.annotations.read_only_hint and tool.annotations.open_world_hint
        out = await call_ok(mcp, "discover_devices", subnet="127.0.5.40-41", port=9, timeout_s=0.3, method="tcp")
        assert out["recamera_ips"] == [] and out["unreachable_or_timeout_ips"] == ["127.0.5.40-127.0.5.41"]


def test_merge_consecutive():
    assert merge_consecutive(["10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.9"]) == ["10.0.0.1-10.0.0.3", "10.0.0.9"]
    assert merge_consecutive([]) == []
