"""HTTPS end to end against the simulator's own listener (self-signed per camera, nginx's 307 both ways):
turning HTTPS on switches the session and pins the certificate, a rotated certificate is refused until the operator
accepts it, turning HTTPS off switches back. ``test_tls_pinning.py`` covers the transport's rules in detail."""

from __future__ import annotations

import argparse

from recamera_mcp.server.pins_cli import run as pins_command
from recamera_mcp.simulator.fleet import SimDevice
from recamera_mcp.simulator.routes.secure import secure_area
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok


def fingerprint(camera: SimDevice) -> str:
    return str(secure_area(camera.camera).fingerprint)


def rotate(camera: SimDevice) -> None:
    secure_area(camera.camera).rotate()  # the simulator's fault rotate_certificate


async def test_https_on_switches_the_session_and_pins_the_certificate(connect, camera, tmp_path):
    pins = tmp_path / "pins.json"
    async with connect(make_options(pins_path=pins)) as mcp:
        out = await call_ok(mcp, "update_config", host=camera.address, area="https", changes={"sEnable": True})
        assert out["written"] and out["changes"][0]["after"] is True
        session = (await call_ok(mcp, "list_sessions"))["sessions"][0]
        assert session["base_url"] == camera.https_url and session["tls_sha256"] == fingerprint(camera)
        assert (await call_ok(mcp, "get_device_status", host=camera.address))["serial"]
    # a new certificate (another device, or a re-flash) is refused before anything is sent over it
    rotate(camera)
    camera.camera.clear_log()
    async with connect(make_options(pins_path=pins)) as mcp:  # a new connection meets the new certificate
        text = await call_error(mcp, "get_device_status", host=camera.address)
    assert "another TLS certificate than the one pinned" in text and "pins forget" in text
    assert not [e for e in camera.camera.log if e.status != 307], "a request went over the unpinned connection"
    assert pins_command(argparse.Namespace(action="forget", host=camera.address, kind="tls", pins=str(pins))) == 0
    async with connect(make_options(pins_path=pins)) as mcp:
        assert (await call_ok(mcp, "get_device_status", host=camera.address))["serial"]
        session = (await call_ok(mcp, "list_sessions"))["sessions"][0]
        assert session["tls_sha256"] == fingerprint(camera)
        # HTTPS off again: the 307 back to HTTP is followed (a POST body included) and the session switches back
        out = await call_ok(mcp, "update_config", host=camera.address, area="https", changes={"sEnable": False})
        assert out["written"]
        await call_ok(mcp, "update_config", host=camera.address, area="time", changes={"sTimezone": "UTC"})
        session = (await call_ok(mcp, "list_sessions"))["sessions"][0]
        assert session["base_url"] == camera.url
    assert camera.camera.config("/system/time")["sTimezone"] == "UTC"
