"""Recording tools through the MCP client against the simulator: recording status and trigger, relay expiry,
slot states, thumbnails, path traversal, and a 50 MB download broken mid-body and resumed."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from recamera_mcp.simulator.routes.storage_state import SlotState, storage_area
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok, files_on_card


async def test_storage_status_and_recording_status(connect, camera):
    async with connect() as mcp:
        status = await call_ok(mcp, "storage", host=camera.address, action="status")
        assert status["done"] and {s["dev_path"] for s in status["slots"]} == {"/dev/mmcblk0p8", "/dev/mmcblk1p1"}
        rec = await call_ok(mcp, "get_recording_status", host=camera.address)
        assert rec["storage"]["state"] == "READY" and rec["trigger"] == "INFERENCE_SET"
        assert any("bRuleEnabled" in p for p in rec["problems"])
        err = await call_error(mcp, "trigger_recording", host=camera.address)
        assert "bRuleEnabled" in err and "sCurrentSelected" in err
        await call_ok(mcp, "update_config", host=camera.address, area="record_global", changes={"bRuleEnabled": True})
        await call_ok(mcp, "update_config", host=camera.address, area="record_triggers",
                      changes={"sCurrentSelected": "HTTP"})  # fmt: skip
        count = len(files_on_card(camera))
        fired = await call_ok(mcp, "trigger_recording", host=camera.address)
        assert fired["triggered"] and len(files_on_card(camera)) == count + 1
        rec = await call_ok(mcp, "get_recording_status", host=camera.address)
        assert rec["last_event_trigger"] == "HTTP" and rec["problems"] == []


async def test_listing_is_newest_first_paginated_with_thumbnails(connect, camera):
    async with connect() as mcp:
        root = await call_ok(mcp, "list_recordings", host=camera.address)
        days = [e["name"] for e in root["entries"]]
        assert days == sorted(days, reverse=True) and all(e["kind"] == "directory" for e in root["entries"])
        day = await call_ok(mcp, "list_recordings", host=camera.address, path=root["entries"][0]["path"], limit=2)
        assert day["total"] == 4 and len(day["entries"]) == 2 and day["next_offset"] == 2
        rest = await call_ok(mcp, "list_recordings", host=camera.address, path=day["path"], limit=2, offset=2)
        entries = day["entries"] + rest["entries"]
        assert rest["next_offset"] is None
        times = [e["time"] for e in entries]
        assert times == sorted(times, reverse=True)
        videos = [e for e in entries if e["kind"] == "video"]
        assert any(v["thumbnail"] for v in videos) and any(not v["thumbnail"] for v in videos)
        assert all(e["size"] > 0 for e in entries)


async def test_relay_expiry_during_listing_is_recovered(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "list_recordings", host=camera.address)
        storage_area(camera.camera).expire_relays()
        camera.camera.clear_log()
        again = await call_ok(mcp, "list_recordings", host=camera.address)
        assert again["total"] == 3
        statuses = [(e.method, e.path.split("/")[1], e.status) for e in camera.camera.log]
        assert ("GET", "storage", 404) in statuses and ("GET", "storage", 200) in statuses
        relays = [e for e in camera.camera.log if e.path == "/record/storage/control" and e.body["sAction"] == "RELAY"]
        assert len(relays) == 1


async def test_slot_not_configured_is_explained(connect, camera):
    storage_area(camera.camera).set_slot(state=SlotState.MOUNTED)
    async with connect() as mcp:
        err = await call_error(mcp, "list_recordings", host=camera.address)
        assert "MOUNTED" in err and "CONFIGURED" in err and "dSelectSlotToEnable" in err
        storage_area(camera.camera).set_slot(state=SlotState.NOT_FORMATTED_OR_FORMAT_UNSUPPORTED)
        err = await call_error(mcp, "list_recordings", host=camera.address)
        assert "first (this erases the card)" in err and 'Fix: storage(action="format"' in err


async def test_thumbnail_present_and_missing(connect, camera):
    async with connect() as mcp:
        root = await call_ok(mcp, "list_recordings", host=camera.address)
        day = await call_ok(mcp, "list_recordings", host=camera.address, path=root["entries"][0]["path"])
        videos = [e for e in day["entries"] if e["kind"] == "video"]
        with_thumb = next(v for v in videos if v["thumbnail"])
        without = next(v for v in videos if not v["thumbnail"])
        for entry, source in ((with_thumb, "thumbnail"), (without, "frame")):
            result = await mcp.call_tool("get_thumbnail", {"host": camera.address, "path": entry["path"]})
            assert not result.is_error, result.content
            assert result.structured_content["source"] == source
            image = result.content[0]
            assert image.type == "image" and image.mime_type == "image/jpeg"
            import base64

            assert base64.b64decode(image.data)[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    ("tool", "path"),
    [
        ("list_recordings", "../"),
        ("list_recordings", "2025-01-01/../../etc/"),
        ("download_recording", "/../../etc/passwd"),
        ("download_recording", "..\\..\\x.mp4"),
        ("get_thumbnail", "//server/share/x.mp4"),
    ],
)
async def test_path_traversal_is_refused_before_any_request(connect, camera, tmp_path, tool, path):
    args = {"host": camera.address, "path": path}
    if tool == "download_recording":
        args["dest_dir"] = str(tmp_path)
    async with connect(make_options(files_root=tmp_path)) as mcp:
        err = await call_error(mcp, tool, **args)
        assert "refused path" in err
    assert not [e for e in camera.camera.log if e.path.startswith("/storage/")]
    assert list(tmp_path.iterdir()) == []


class CuttingProxy:
    """A TCP proxy to the camera that breaks the connection once, ``cut_after`` bytes into the answer to the
    first request whose head contains ``marker``, and then calls ``on_cut``."""

    def __init__(self, port: int, marker: bytes, cut_after: int, on_cut: Callable[[], None]) -> None:
        self.port, self.marker, self.cut_after, self.on_cut = port, marker, cut_after, on_cut
        self.cuts = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        armed = asyncio.Event()

        async def upstream() -> None:
            while data := await reader.read(65536):
                if self.cuts == 0 and self.marker in data:
                    armed.set()
                up_writer.write(data)
                await up_writer.drain()

        async def downstream() -> None:
            sent = 0
            while data := await up_reader.read(65536):
                if armed.is_set():
                    sent += len(data)
                    if sent >= self.cut_after and self.cuts == 0:
                        self.cuts += 1
                        self.on_cut()
                        writer.transport.abort()
                        up_writer.transport.abort()
                        return
                writer.write(data)
                await writer.drain()

        tasks = [asyncio.create_task(upstream()), asyncio.create_task(downstream())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        writer.close()
        up_writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


async def test_50mb_download_broken_mid_body_resumes_with_range_and_a_new_relay(connect, camera, tmp_path):
    area = storage_area(camera.camera)
    rel = area.add_recording(50_000_000)
    source = area.data_dir() / rel
    name = rel.rsplit("/", 1)[-1]
    # the connection breaks 20 MB in, and the relay expires at the same moment
    proxy = CuttingProxy(camera.port, name.split(" ")[-1].encode(), 20_000_000, area.expire_relays)
    port = await proxy.start()
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    try:
        async with connect(make_options(files_root=tmp_path)) as mcp:
            result = await mcp.call_tool(
                "download_recording",
                {"host": f"127.0.0.1:{port}", "path": rel, "dest_dir": str(tmp_path)},
                progress_callback=on_progress,
            )
            assert not result.is_error, result.content
            out = result.structured_content
    finally:
        await proxy.stop()
    assert proxy.cuts == 1 and out["resumes"] == 1 and out["relay_refreshes"] == 1 and out["size"] == 50_000_000
    saved = Path(out["file"])
    assert saved == tmp_path / name and not (tmp_path / (name + ".part")).exists()
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(source.read_bytes()).digest()
    ranged = [e for e in camera.camera.log if e.path.startswith("/storage/relay/") and e.status == 206]
    assert len(ranged) == 1
    assert progress and progress[-1][0] == 50_000_000 and all(t in (None, 50_000_000) for _, t in progress)
