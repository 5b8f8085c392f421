"""The wifi tool through the MCP client against the simulator: every action, a failed connect, the password never
in an answer, and two phases when an action may cut the link the server reaches the camera through."""

from __future__ import annotations

import json
from typing import Any

from recamera_mcp.simulator.routes.network import NETWORKS
from tests.server.helpers import call_error, call_ok

OFFICE, GUEST = NETWORKS[0], NETWORKS[1]
WIFI_HOST = "127.0.25.3"


def wifi_writes(camera: Any) -> list[tuple[str, str]]:
    return [e.call for e in camera.camera.log if e.path.startswith("/network/wifi") and e.method != "GET"]


async def test_status_scan_connect_forget_power(connect, camera):
    async with connect() as mcp:
        status = await call_ok(mcp, "wifi", host=camera.address, action="status")
        assert status["status"]["powered"] and not status["status"]["connected"]
        scan = await call_ok(mcp, "wifi", host=camera.address, action="scan")
        assert {n["ssid"] for n in scan["networks"]} == {n.ssid for n in NETWORKS}
        joined = await call_ok(
            mcp, "wifi", host=camera.address, action="connect", ssid=GUEST.ssid
        )  # an open network: first connect, no Wi-Fi link yet, so no confirmation
        assert joined["done"] and joined["status"]["ssid"] == GUEST.ssid and "joined" in joined["note"]
        off = await call_ok(mcp, "wifi", host=camera.address, action="power_off")
        assert off["done"] is False, "the server may reach the camera over that Wi-Fi: two phases"
        off = await call_ok(
            mcp, "wifi", host=camera.address, action="power_off", confirm_token=off["confirmation"]["confirm_token"]
        )
        assert off["done"] and off["status"]["powered"] is False
        on = await call_ok(mcp, "wifi", host=camera.address, action="power_on")
        assert on["done"] and on["status"]["powered"]
        forget = await call_ok(mcp, "wifi", host=camera.address, action="forget", ssid=GUEST.ssid)
        assert forget["done"], "not joined any more: forgetting cannot cut a link"


async def test_a_failed_connect_is_an_error_and_never_echoes_the_password(connect, camera):
    async with connect() as mcp:
        result = await mcp.call_tool(
            "wifi", {"host": camera.address, "action": "connect", "ssid": OFFICE.ssid, "password": "Wrong#Pass99"}
        )
        assert result.is_error
        text = " ".join(getattr(c, "text", "") for c in result.content)
        assert "password is wrong" in text and "Wrong#Pass99" not in text
        err = await call_error(mcp, "wifi", host=camera.address, action="connect", ssid="Nowhere", password="x" * 9)
        assert "connect timeout" in err
        status = await call_ok(mcp, "wifi", host=camera.address, action="status")
        assert status["status"]["connected"] is False
        err = await call_error(mcp, "wifi", host=camera.address, action="connect")
        assert "needs ssid" in err


async def test_over_the_wifi_link_a_connect_elsewhere_is_two_phase(connect, make_camera):
    cam = make_camera(host=WIFI_HOST, wifi_ipv4=WIFI_HOST)
    async with connect() as mcp:
        await call_ok(mcp, "wifi", host=cam.address, action="connect", ssid=OFFICE.ssid, password=OFFICE.password)
        status = await call_ok(mcp, "wifi", host=cam.address, action="status")
        assert status["status"]["link"] == "wifi"
        writes = len(wifi_writes(cam))
        lab = NETWORKS[2]
        first = await call_ok(mcp, "wifi", host=cam.address, action="connect", ssid=lab.ssid, password=lab.password)
        assert first["done"] is False and "over its Wi-Fi" in first["confirmation"]["details"]["why"]
        assert lab.password not in json.dumps(first)
        assert len(wifi_writes(cam)) == writes, "nothing sent before the confirmation"
        token = first["confirmation"]["confirm_token"]
        err = await call_error(
            mcp, "wifi", host=cam.address, action="connect", ssid=lab.ssid, password="other-pass1", confirm_token=token
        )
        assert "other arguments" in err and len(wifi_writes(cam)) == writes
        first = await call_ok(mcp, "wifi", host=cam.address, action="connect", ssid=lab.ssid, password=lab.password)
        done = await call_ok(
            mcp, "wifi", host=cam.address, action="connect", ssid=lab.ssid, password=lab.password,
            confirm_token=first["confirmation"]["confirm_token"],
        )  # fmt: skip
        assert done["done"] and done["status"]["ssid"] == lab.ssid
        assert lab.password not in json.dumps(done)
