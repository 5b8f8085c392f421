"""Every camera command with ``--json`` prints what the matching MCP tool answers as structured content.

Reads run both on one camera; a command that changes a camera runs on one and the tool on a twin made the same
way, and the answers are compared with the twin's address written as the first one's. Only what differs between
two runs of the same call is left out (timings, the simulated load, the clock, a save path)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import cli_json, mcp_client, same_but_host, without
from tests.server.helpers import call_ok

LOAD = ("cpu_pct", "npu_pct", "mem_pct", "mem", "time_utc", "seconds", "elapsed_s", "connect_s", "waited_s")


def rknn(folder: Path, name: str = "people.rknn", size: int = 3 * 512 * 1024 + 11) -> Path:
    path = folder / name
    path.write_bytes(b"RKNN" + os.urandom(size - 4))
    return path


async def test_status_get_recordings_storage_and_diagnose_print_the_tools_answers(make_camera, tmp_path):
    camera, other = make_camera(), make_camera()
    host = camera.address
    async with mcp_client() as mcp:
        tool = await call_ok(mcp, "get_device_status", host=host)
        assert without(await cli_json(tmp_path, "status", host), *LOAD) == without(tool, *LOAD)
        both = await cli_json(tmp_path, "status", host, other.address)
        assert [s["serial"] for s in both] == [camera.camera.settings.serial, other.camera.settings.serial]

        for area in ("time", "record_triggers", "notify"):
            tool = await call_ok(mcp, "get_config", host=host, area=area)
            assert without(await cli_json(tmp_path, "get", host, area), "iTimestamp") == without(tool, "iTimestamp")
        tool = await call_ok(mcp, "get_config", host=host, area="ftp", reveal_secrets=True)
        assert await cli_json(tmp_path, "get", host, "ftp", "--reveal-secrets") == tool

        tool = await call_ok(mcp, "list_recordings", host=host)
        assert await cli_json(tmp_path, "recordings", host) == tool
        day = tool["entries"][0]["path"]
        tool = await call_ok(mcp, "list_recordings", host=host, path=day, limit=2, offset=1)
        assert await cli_json(tmp_path, "recordings", host, day, "--limit", "2", "--offset", "1") == tool

        tool = await call_ok(mcp, "storage", host=host, action="status")
        assert await cli_json(tmp_path, "storage", host) == tool

        for symptom in ("general", "no_recording"):
            tool = await call_ok(mcp, "diagnose", host=host, symptom=symptom)
            printed = await cli_json(tmp_path, "diagnose", host, "--symptom", symptom)
            drop = (*LOAD, "evidence")  # evidence holds the camera's clock and load of the moment
            assert without(printed, *drop) == without(tool, *drop)
            assert printed["findings"] and all(f["evidence"] is not None for f in printed["findings"])


async def test_set_and_its_dry_run_print_what_update_config_answers(make_camera, tmp_path):
    mine, twin = make_camera(), make_camera()
    changes = {"sTimezone": "Europe/Berlin"}
    rule = {"lInferenceSet": [{"sID": "rule-1", "iDebounceTimes": 5}]}
    async with mcp_client() as mcp:
        for dry in (True, False):
            flags = ["--dry-run"] if dry else []
            printed = await cli_json(tmp_path, "set", mine.address, "time", "sTimezone=Europe/Berlin", *flags)
            tool = await call_ok(mcp, "update_config", host=twin.address, area="time", changes=changes, dry_run=dry)
            clock = "iTimestamp"  # the camera's clock: the two runs may fall in different seconds
            assert without(printed, clock) == without(same_but_host(tool, mine.address, twin.address), clock)
        assert mine.camera.config("/system/time")["sTimezone"] == "Europe/Berlin"
        printed = await cli_json(tmp_path, "set", mine.address, "record_triggers",
                                 "lInferenceSet[sID=rule-1].iDebounceTimes=5")  # fmt: skip
        tool = await call_ok(mcp, "update_config", host=twin.address, area="record_triggers", changes=rule)
        assert printed == same_but_host(tool, mine.address, twin.address)
        assert [c["field"] for c in printed["changes"]] == ["lInferenceSet[sID=rule-1].iDebounceTimes"]


async def test_download_prints_what_download_recording_answers(camera, tmp_path):
    async with mcp_client(files_root=tmp_path) as mcp:
        day = (await call_ok(mcp, "list_recordings", host=camera.address))["entries"][0]["path"]
        files = (await call_ok(mcp, "list_recordings", host=camera.address, path=day))["entries"]
        video = next(e["path"] for e in files if e["kind"] == "video")
        tool = await call_ok(mcp, "download_recording", host=camera.address, path=video, dest_dir=str(tmp_path / "a"))
        printed = await cli_json(tmp_path, "download", camera.address, video, "-d", str(tmp_path / "b"))
    assert without(printed, "file", *LOAD) == without(tool, "file", *LOAD)
    assert Path(printed["file"]).read_bytes() == Path(tool["file"]).read_bytes()
    assert Path(printed["file"]).parent == tmp_path / "b"


async def test_upload_model_and_deploy_print_what_the_tools_answer(make_camera, tmp_path):
    mine, twin = make_camera(inference_start_s=0.2), make_camera(inference_start_s=0.2)
    model = rknn(tmp_path)
    async with mcp_client() as mcp:
        printed = await cli_json(tmp_path, "upload-model", mine.address, str(model), "--category", "Detection",
                                 "--classes", "person,car")  # fmt: skip
        tool = await call_ok(mcp, "upload_model", host=twin.address, file_path=str(model),
                             info={"category": "Detection", "classes": ["person", "car"]})  # fmt: skip
        assert printed == same_but_host(tool, mine.address, twin.address)
        assert printed["listed"] and printed["info"]["classes"] == ["person", "car"]

        other = rknn(tmp_path, "bikes.rknn")
        printed = await cli_json(tmp_path, "deploy", mine.address, str(other), "--classes", "bicycle",
                                 "--info", '{"category": "Detection"}')  # fmt: skip
        tool = await call_ok(mcp, "deploy_model", host=twin.address, model_path=str(other), classes=["bicycle"],
                             info={"category": "Detection"})  # fmt: skip

    def steady(out: dict[str, Any]) -> Any:  # the results stage quotes the live rate and scores of the moment
        stages = [{**s, "detail": s["stage"] if s["stage"] == "results" else s["detail"]} for s in out["stages"]]
        return without({**out, "stages": stages}, *LOAD)

    assert steady(printed) == steady(same_but_host(tool, mine.address, twin.address))
    assert printed["inference"]["status"] == "running" and printed["model"] == "bikes.rknn"
    assert printed["results_check"] == "checked" and printed["stages"][-1]["detail"].startswith("3 results arrived")


async def test_fleet_prints_what_the_fleet_tool_answers(make_camera, tmp_path):
    mine = [make_camera(), make_camera()]
    twins = [make_camera(), make_camera()]
    hosts, twin_hosts = [c.address for c in mine], [c.address for c in twins]

    def as_mine(out: dict[str, Any]) -> Any:
        for host, twin in zip(hosts, twin_hosts, strict=True):
            out = same_but_host(out, host, twin)
        return out

    async with mcp_client() as mcp:
        printed = await cli_json(tmp_path, "fleet", "status", *hosts)
        tool = await call_ok(mcp, "fleet", action="status", hosts=hosts)
        drop = (*LOAD, "serial")
        assert without(printed, *drop) == without(tool, *drop)
        printed = await cli_json(tmp_path, "fleet", "set", "time", *hosts, "sTimezone=Europe/Paris")
        tool = await call_ok(mcp, "fleet", action="update_config", hosts=twin_hosts, area="time",
                             changes={"sTimezone": "Europe/Paris"})  # fmt: skip
        assert without(printed, *LOAD) == without(as_mine(tool), *LOAD)
        assert printed["counts"] == {"changed": 2}
        printed = await cli_json(tmp_path, "fleet", "diagnose", *hosts)
        tool = await call_ok(mcp, "fleet", action="diagnose", hosts=hosts)
        assert without(printed, *LOAD) == without(tool, *LOAD)


async def test_snapshot_prints_what_the_snapshot_tool_answers(rtsp_camera, tmp_path):
    async with mcp_client(files_root=tmp_path) as mcp:
        tool = await call_ok(mcp, "snapshot", host=rtsp_camera.address, stream="sub", save_to=str(tmp_path / "t.jpg"))
        printed = await cli_json(tmp_path, "snapshot", rtsp_camera.address, "--stream", "sub", "-o",
                                 str(tmp_path / "c.jpg"))  # fmt: skip
    assert without(printed, "saved_path", *LOAD) == without(tool, "saved_path", *LOAD)
    assert printed["saved_path"] == str(tmp_path / "c.jpg") and Path(printed["saved_path"]).stat().st_size > 1000


@pytest.mark.parametrize("argv", [["doctor"]])
async def test_doctor_json_lists_every_check(argv, tmp_path):
    report = await cli_json(tmp_path, *argv)
    names = [c["name"] for c in report["checks"]]
    assert names == ["GStreamer RTSP server", "nmap", "MQTT broker (mosquitto)", "OpenCV with FFmpeg"]
    assert report["missing"] == sum(not c["ok"] for c in report["checks"])


FAST = {"inference_rate_hz": 20.0, "log_rate_hz": 20.0}


async def test_logs_and_watch_print_what_read_logs_and_watch_inference_answer(make_camera, tmp_path):
    camera = make_camera(**FAST)
    host = camera.address
    async with mcp_client() as mcp:
        tool = await call_ok(mcp, "read_logs", host=host, duration_s=0, contains="booting")  # the boot history
        printed = await cli_json(tmp_path, "logs", host, "--contains", "booting")
        assert without(printed, "seen", *LOAD) == without(tool, "seen", *LOAD)
        assert [line["text"] for line in printed["lines"]] == ["kernel: Booting Linux on physical CPU 0x0000000000 "
                                                               "[0x412fd050]"]  # fmt: skip

        off = await call_ok(mcp, "watch_inference", host=host, duration_s=5)
        assert without(await cli_json(tmp_path, "watch", host, "--duration", "5"), *LOAD) == without(off, *LOAD)
        await call_ok(mcp, "update_config", host=host, area="inference", changes={"iEnable": 1})
        tool = await call_ok(mcp, "watch_inference", host=host, duration_s=20, max_results=5)
        printed = await cli_json(tmp_path, "watch", host, "--duration", "20", "--max-results", "5")
    moving = (*LOAD, "rate_hz", "labels", "top", "first", "last", "count", "best")  # what the scene shows then
    assert without(printed, *moving) == without(tool, *moving)
    assert printed["results"] == 5 and printed["stopped_by"] == "max_results" and printed["problem"] is None
    assert {s["label"] for s in printed["labels"]} <= {"person", "car", "(other)"} and printed["top"]
