"""The simulator's AI area: model list/info/delete, the resumable model upload, inference rules, notify config."""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest

from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import wait_for

DETECTION = "yolo11n_detection.rknn"


@pytest.fixture
def http(camera):
    with raw_session(camera.url) as client:
        yield client


def begin(http: httpx.Client, size: int, path: str = "/model/upload") -> int:
    response = http.post(path, params={"upload-type": "resumable"}, headers={"File-Size": str(size)})
    assert response.json()["code"] == 0, response.text
    return int(response.headers["File-Id"])


def chunk(http: httpx.Client, upload_id: int, blob: bytes, first: int, last: int, path: str = "/model/upload"):
    return http.post(
        path,
        params={"id": upload_id},
        content=blob[first : last + 1],
        headers={"Content-Range": f"bytes {first}-{last}/{len(blob)}"},
    )


def status_query(http: httpx.Client, upload_id: int, total: int, path: str = "/model/upload") -> httpx.Response:
    return http.post(path, params={"id": upload_id}, headers={"Content-Range": f"bytes */{total}"})


def finish(http: httpx.Client, upload_id: int, blob: bytes, name: str = "custom.rknn", md5: str | None = None):
    params = {"start": upload_id, "File-name": name, "md5sum": md5 or hashlib.md5(blob).hexdigest()}
    return http.post("/model/upload", params=params)


def models(http: httpx.Client) -> dict[str, dict]:
    return {entry["model"]: entry["modelInfo"] for entry in http.get("/model/list").json()}


def test_list_info_and_algorithms(http):
    listed = models(http)
    assert listed[DETECTION]["category"] == "Detection"
    assert http.get("/model/info", params={"File-name": DETECTION}).json()["algorithm"] == "yolo11"
    missing = http.get("/model/info")
    assert missing.json() == {"code": 40022, "message": "Missing File-name parameter"}
    assert http.get("/model/info", params={"File-name": "nope.rknn"}).json()["message"] == "Model info not found"
    algorithms = http.get("/model/algorithm").json()
    assert "yolo11" in algorithms["lDetection"] and algorithms["lSegmentation"] == []


def test_upload_interrupted_then_resumed_from_reported_offset(camera, http):
    blob = os.urandom(10_000)
    upload_id = begin(http, len(blob))
    first = chunk(http, upload_id, blob, 0, 3999)
    assert first.status_code == 308 and first.headers["Range"] == "bytes=0-3999"
    assert first.json()["message"] == "Resume Incomplete"

    camera.camera.faults.drop_next = 1  # the next chunk dies mid-answer: the client cannot know what arrived
    camera.camera.faults.only_path = "/model/upload"
    with pytest.raises(httpx.TransportError):
        chunk(http, upload_id, blob, 4000, 7999)
    camera.camera.faults.only_path = None

    probe = status_query(http, upload_id, len(blob))
    assert probe.status_code == 308 and probe.headers["Range"] == "bytes=0-3999"
    resume_at = int(probe.headers["Range"].rsplit("-", 1)[1]) + 1

    gap = chunk(http, upload_id, blob, resume_at + 100, 9999)
    assert gap.status_code == 416 and "resume from byte 4000" in gap.json()["message"]
    overlap = chunk(http, upload_id, blob, 3000, 5999)
    assert overlap.status_code == 416 and overlap.json()["code"] == 40022

    done = chunk(http, upload_id, blob, resume_at, len(blob) - 1)
    assert done.status_code == 200 and done.headers["Range"] == f"bytes=0-{len(blob) - 1}"
    assert finish(http, upload_id, blob).json() == {"code": 0, "message": "success"}
    assert models(http)["custom.rknn"] == {}


def test_upload_md5_mismatch_incomplete_and_limits(make_camera):
    cam = make_camera(max_upload_bytes=5000)
    blob = b"x" * 3000
    with raw_session(cam.url) as http:
        too_big = http.post("/model/upload", params={"upload-type": "resumable"}, headers={"File-Size": "6000"})
        assert too_big.json()["message"] == "Insufficient disk space on /userdata"
        upload_id = begin(http, len(blob))
        chunk(http, upload_id, blob, 0, 999)
        early = finish(http, upload_id, blob)
        assert early.json()["code"] != 0 and "1000 of 3000" in early.json()["message"]
        chunk(http, upload_id, blob, 1000, 2999)
        assert finish(http, upload_id, blob, name="../evil.rknn").json()["message"] == "Invalid model file name"
        wrong = finish(http, upload_id, blob, md5="0" * 32)
        assert wrong.json()["message"] == "MD5 checksum mismatch"
        assert "custom.rknn" not in models(http)
        again = finish(http, upload_id, blob)
        assert again.json()["message"] == "Upload session not found"


def test_upload_numbers_that_are_no_numbers_are_refused(http):
    huge = "9" * 5000  # more digits than int() converts
    for headers in ({"File-Size": huge}, {"File-Size": "-5"}, {"File-Size": "5 5"}, {"File-Size": "0x10"}):
        answer = http.post("/model/upload", params={"upload-type": "resumable"}, headers=headers)
        assert answer.status_code == 400 and "File-Size must be" in answer.json()["message"], headers
    upload_id = begin(http, 10)
    for params in ({"id": huge}, {"start": huge, "File-name": "a.rknn", "md5sum": "0" * 32}):
        answer = http.post("/model/upload", params=params, content=b"ab")
        assert answer.status_code == 400 and f"{next(iter(params))} must be" in answer.json()["message"], params
    for header in (f"bytes 0-1/{huge}", f"bytes 0-{huge}/10", "items 0-1/10", "bytes 0-1/10, bytes 2-3/10"):
        answer = http.post("/model/upload", params={"id": upload_id}, content=b"ab", headers={"Content-Range": header})
        assert answer.status_code == 400 and "Content-Range" in answer.json()["message"], header
    assert status_query(http, upload_id, 10).headers.get("Range") is None, "nothing was written"


def test_model_info_rules_and_delete(http):
    blob = b"model-bytes"
    upload_id = begin(http, len(blob))
    chunk(http, upload_id, blob, 0, len(blob) - 1)
    assert finish(http, upload_id, blob, name="cls.rknn").json()["code"] == 0
    assert http.get("/model/info", params={"File-name": "cls.rknn"}).json()["message"] == "Model info not found"
    bad = http.post("/model/info", params={"File-name": "cls.rknn"}, json={"category": "Detection", "bogus": 1})
    assert bad.json()["message"].startswith("Invalid model info payload")
    info = {"name": "cls", "category": "Classification", "algorithm": "mobilenet", "classes": ["a", "b"]}
    assert http.post("/model/info", params={"File-name": "cls.rknn"}, json=info).json()["code"] == 0
    assert models(http)["cls.rknn"] == info
    assert http.post("/model/info", params={"File-name": "nope.rknn"}, json=info).json()["message"] == "Model not found"
    assert http.delete("/model/delete", params={"File-name": "cls.rknn"}).json()["code"] == 0
    assert "cls.rknn" not in models(http)
    assert http.delete("/model/delete", params={"File-name": "cls.rknn"}).json()["message"] == "Model not found"


def test_inference_rules_and_partial_write_legacy(make_camera):
    """The legacy firmware: one inference, ``id=0`` only; an instant start (``inference_start_s=0``)."""
    with raw_session(make_camera(firmware="legacy", inference_start_s=0).url) as http:
        _legacy_inference_rules(http)


def _legacy_inference_rules(http):
    assert http.get("/model/inference", params={"id": 0}).json() == {
        "iEnable": 0,
        "sStatus": "stopped",
        "sModel": DETECTION,
        "iFPS": 30,
        "iActualFPS": 0,
    }
    post = lambda body: http.post("/model/inference", params={"id": 0}, json=body).json()  # noqa: E731
    assert post({"iEnable": 1, "sModel": "ghost.rknn"})["message"] == "Invalid model name"
    assert post({"iEnable": 1, "iFPS": -1})["message"] == "iFPS must be non-negative"
    assert post({"iEnable": 1, "bogus": 1})["message"].startswith("Invalid inference payload")
    refused = http.post("/model/inference", params={"id": 1}, json={"iEnable": 0}).json()
    assert refused == {"code": 40022, "message": "Invalid parameter value: id (only inference 0 exists)"}
    assert http.get("/model/inference", params={"id": 1}).json()["code"] == 40022

    blob = b"no-info"
    upload_id = begin(http, len(blob))
    chunk(http, upload_id, blob, 0, len(blob) - 1)
    finish(http, upload_id, blob, name="bare.rknn")
    assert post({"iEnable": 1, "sModel": "bare.rknn"})["message"] == "Model info not found"
    assert post({"iEnable": 0, "sModel": "bare.rknn", "iFPS": 10})["code"] == 0

    assert post({"iEnable": 1}) == {"code": 0, "message": "success"}
    state = http.get("/model/inference", params={"id": 0}).json()
    assert state["sModel"] == DETECTION and state["iFPS"] == 30, "omitted fields revert to the defaults"
    assert state["sStatus"] == "running" and 0 < state["iActualFPS"] <= 30
    busy = http.delete("/model/delete", params={"File-name": DETECTION})
    assert busy.status_code == 409 and busy.json()["code"] == 40016
    assert http.post("/model/inference-restart").json()["code"] == 0
    assert post(state)["code"] == 0, "a read-modify-write with the read-only sStatus/iActualFPS is accepted"
    assert post({"iEnable": 0})["code"] == 0
    assert http.get("/model/inference").json()["sStatus"] == "stopped"


def test_notify_rules_and_partial_write(http):
    cfg = http.get("/notify/cfg").json()
    assert cfg["iMode"] == 0 and cfg["dMqtt"]["iPort"] == 1883 and cfg["dUart"]["sPort"] == "ttyS4"
    rejected = http.post("/notify/cfg", json={"iMode": 1}).json()
    assert rejected == {"code": 40022, "message": "dMqtt.sURL is required and must be a non-empty string"}
    mode = http.post("/notify/cfg", json={"iMode": 4}).json()["message"]
    assert mode == "iMode must be 0 (off), 1 (MQTT), 2 (HTTP), or 3 (UART)"
    port = http.post("/notify/cfg", json={"iMode": 1, "dMqtt": {"sURL": "mqtt://broker", "iPort": 70000}})
    assert port.json()["message"] == "dMqtt.iPort must be between 1 and 65535"
    assert http.post("/notify/cfg", json={"iMode": 2}).json()["message"].startswith("dHttp.sUrl is required")
    assert http.post("/notify/cfg", json={"dTemplate": []}).json()["code"] == 40022
    assert http.get("/notify/cfg").json() == cfg, "nothing stored after refused writes"

    ok = http.post("/notify/cfg", json={"iMode": 1, "dMqtt": {"sURL": "mqtt://broker", "sTopic": "cam/1"}})
    assert ok.json()["code"] == 0
    stored = http.get("/notify/cfg").json()
    assert stored["dMqtt"]["sURL"] == "mqtt://broker" and stored["dMqtt"]["iPort"] == 1883
    assert stored["dMqtt"]["sClientId"] == "recamera_1126b", "omitted fields inside dMqtt revert to defaults"


def _upload_bare(http, name="bare.rknn"):
    blob = b"no-info"
    upload_id = begin(http, len(blob))
    chunk(http, upload_id, blob, 0, len(blob) - 1)
    assert finish(http, upload_id, blob, name=name).json()["code"] == 0


def test_inference_id_is_the_model_index_on_2026(make_camera):
    with raw_session(make_camera(inference_start_s=0).url) as http:
        listed = [entry["model"] for entry in http.get("/model/list").json()]
        assert listed[:2] == [DETECTION, "mobilenet_cls.rknn"]
        _upload_bare(http)
        assert [entry["model"] for entry in http.get("/model/list").json()] == [*listed, "bare.rknn"]
        for index in range(3):
            assert http.get("/model/inference", params={"id": index}).json()["sModel"] == DETECTION
        for bad in ("3", "-1", "x"):
            answer = http.get("/model/inference", params={"id": bad}).json()
            assert answer["code"] == 40022 and "Invalid parameter value: id" in answer["message"], bad
        post = lambda index, body: http.post("/model/inference", params={"id": index}, json=body).json()  # noqa: E731
        wrong = post(0, {"iEnable": 1, "sModel": "mobilenet_cls.rknn"})
        assert wrong == {"code": 40022, "message": "id 0 does not match sModel mobilenet_cls.rknn (index 1)"}
        assert post(1, {"iEnable": 0})["message"] == f"id 1 does not match sModel {DETECTION} (index 0)"
        assert post(2, {"iEnable": 1, "sModel": "bare.rknn"})["message"] == "Model info not found"
        assert post(9, {"iEnable": 1, "sModel": "ghost.rknn"})["code"] == 40022
        assert post(1, {"iEnable": 1, "sModel": "mobilenet_cls.rknn", "iFPS": 10}) == {"code": 0, "message": "success"}
        state = http.get("/model/inference", params={"id": 1}).json()
        assert (state["sModel"], state["sStatus"], state["iFPS"]) == ("mobilenet_cls.rknn", "running", 10)
        assert http.get("/model/inference").json() == state, "an absent id is 0: the same one inference"
        assert http.delete("/model/delete", params={"File-name": DETECTION}).json()["code"] == 0
        moved = post(0, {"iEnable": 1, "sModel": "mobilenet_cls.rknn"})
        assert moved["code"] == 0, "deleting a model moves the ones after it up"


@pytest.mark.parametrize("firmware", ["legacy", "2026"])
def test_inference_starts_and_stops_over_time(make_camera, firmware):
    cam = make_camera(firmware=firmware, inference_start_s=2.0)  # the reads inside a phase must fall inside it
    with raw_session(cam.url) as http:
        status = lambda: http.get("/model/inference", params={"id": 0}).json()  # noqa: E731
        assert http.post("/model/inference", params={"id": 0}, json={"iEnable": 1}).json()["code"] == 0
        first = status()
        assert (first["sStatus"], first["iEnable"], first["iActualFPS"]) == ("starting", 1, 0)
        wait_for(lambda: status()["sStatus"] == "running", what="running")
        assert 0 < status()["iActualFPS"] <= 30
        assert http.post("/model/inference", params={"id": 0}, json={"iEnable": 0}).json()["code"] == 0
        assert (status()["sStatus"], status()["iActualFPS"]) == ("stopping", 0)
        wait_for(lambda: status()["sStatus"] == "stopped", what="stopped")
        assert http.post("/model/inference", params={"id": 0}, json={"iEnable": 0}).json()["code"] == 0
        assert status()["sStatus"] == "stopped", "stopping a stopped inference changes nothing"
        assert http.post("/model/inference-restart").json()["code"] == 0
        assert status()["sStatus"] == "stopped", "a restart does not start a disabled inference"
