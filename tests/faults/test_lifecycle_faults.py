"""Faults of the camera's life: a reboot during a write and during a download, a relay that expires, the ISP edit
mode timing out, a WebSocket dropped. Each test asserts what the user sees and the camera's state afterwards."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from recamera_mcp.client import DeviceUnreachable, ReCameraClient
from recamera_mcp.simulator.routes.storage_state import storage_area
from tests.faults.test_http_faults import writes
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok
from tests.server.test_recording import CuttingProxy

TIME = "/system/time"


async def wait_until_up(camera) -> None:
    async with asyncio.timeout(20):
        while not camera.up.is_set():
            await asyncio.sleep(0.05)


async def test_a_reboot_during_a_write_is_reported_and_the_write_not_repeated(connect, camera):
    """The camera applies the write and goes down before its answer arrives: the user is told it may have been done,
    nothing is sent again, and the camera (back up) shows what it did."""
    proxy = CuttingProxy(camera.port, b"PUT /cgi-bin/entry.cgi/system/time", 1, lambda: camera.camera.reboot(0.5))
    port = await proxy.start()
    host = f"127.0.0.1:{port}"
    try:
        async with connect() as mcp:
            await call_ok(mcp, "login", host=host)
            camera.camera.clear_log()
            result = await mcp.call_tool(
                "update_config", {"host": host, "area": "time", "changes": {"sTimezone": "Europe/Rome"}}
            )
            assert result.is_error and "may have done it all the same" in result.content[0].text
            await wait_until_up(camera)
            after = await call_ok(mcp, "get_config", host=host, area="time")  # logs in again by itself
    finally:
        await proxy.stop()
    assert proxy.cuts == 1 and writes(camera) == 1, "a write interrupted by a reboot was sent again"
    assert after["config"]["sTimezone"] == camera.camera.config(TIME)["sTimezone"] == "Europe/Rome"


async def test_a_reboot_during_a_download_resumes_after_it(connect, camera, tmp_path):
    area = storage_area(camera.camera)
    rel = area.add_recording(30_000_000)
    name = rel.rsplit("/", 1)[-1]
    proxy = CuttingProxy(camera.port, name.split(" ")[-1].encode(), 10_000_000, lambda: camera.camera.reboot(0.5))
    port = await proxy.start()
    try:
        async with connect(make_options(files_root=tmp_path)) as mcp:
            out = await call_ok(mcp, "download_recording", host=f"127.0.0.1:{port}", path=rel)
    finally:
        await proxy.stop()
    saved = Path(out["file"])
    assert out["size"] == 30_000_000 and out["resumes"] >= 1 and saved.name == name
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256((area.data_dir() / rel).read_bytes()).digest()
    assert not list(tmp_path.glob("*.part"))


async def test_an_expired_relay_is_refreshed(connect, camera):
    async with connect() as mcp:
        first = await call_ok(mcp, "list_recordings", host=camera.address)
        storage_area(camera.camera).expire_relays()
        again = await call_ok(mcp, "list_recordings", host=camera.address)
    assert again["entries"] == first["entries"]
    relays = [e for e in camera.camera.log if e.path == "/record/storage/control" and e.body.get("sAction") == "RELAY"]
    assert len(relays) == 2


async def test_the_isp_edit_mode_timing_out_is_reported_and_nothing_half_applied(connect, make_camera):
    cam = make_camera(isp_edit_timeout_s=0.3)
    async with connect() as mcp:
        await call_ok(mcp, "get_config", host=cam.address, area="time")  # logged in
        cam.camera.faults.latency_s, cam.camera.faults.only_path = 0.5, "/adjustment"  # edit mode ends meanwhile
        text = await call_error(mcp, "tune_image", host=cam.address, scene="general", adjustment={"iBrightness": 77})
        cam.camera.faults.latency_s = 0
    assert "not in edit mode" in text.lower()
    committed = cam.camera.extras["image"].committed["profile"][0]["imageAdjustment"]
    assert committed["iBrightness"] != 77, "a change from a timed-out edit mode was kept"
    puts = [e for e in cam.camera.log if e.method == "PUT" and e.path.endswith("/adjustment")]
    assert len(puts) == 1, "the refused profile write was retried"
    assert cam.camera.extras["image"].editing is None, "tune_image left the camera in edit mode"


async def test_a_dropped_websocket_is_a_clear_error(camera):
    async with ReCameraClient(camera.address, password=camera.camera.settings.password) as cam:
        async with cam.websocket("/ws/system/logs") as ws:
            assert await ws.recv(timeout_s=5) is not None
            camera.camera.reboot(0.5)
            with pytest.raises(DeviceUnreachable, match="was closed"):
                async with asyncio.timeout(10):
                    while True:
                        await ws.recv(timeout_s=1)
        await wait_until_up(camera)
        async with cam.websocket("/ws/system/logs") as ws:  # after the reboot: one re-login, then it works
            assert await ws.recv(timeout_s=5) is not None
