"""Device-side capture over real sockets: start, status, stop, the file through the relay, what the image shows."""

from __future__ import annotations

import time
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from recamera_mcp.simulator import scene
from recamera_mcp.simulator.routes.storage_state import SlotState, storage_area
from recamera_mcp.simulator.rtsp import decode_frame_counter
from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import REBOOT_S, wait_for, wait_reboot

START, STATUS, STOP = "/record/capture/start", "/record/capture/status", "/record/capture/stop"
CONTROL = "/record/storage/control"
OUTPUT = "/mnt/sd/DCIM/capture"
TERMINAL = {"COMPLETED", "FAILED", "INTERRUPTED", "CANCELED"}


def finished(http: httpx.Client) -> dict[str, Any]:
    """The last capture once it reached a terminal state (polled)."""
    box: dict[str, Any] = {}

    def done() -> bool:
        box.update(http.get(STATUS).json())
        return box["dLastCapture"] is not None and box["dLastCapture"]["sStatus"] in TERMINAL

    wait_for(done)
    assert box["bReadyToStartNew"] is True and box["bStopRequested"] is False
    return dict(box["dLastCapture"])


def relay_get(http: httpx.Client, camera: Any, path: str) -> httpx.Response:
    relay = http.post(CONTROL, json={"sAction": "RELAY"}).json()["dRelayStatus"]["sRelayDirectory"]
    return httpx.get(f"{camera.url}/storage/relay/{relay}/{path}", cookies=dict(http.cookies))


def decode(raw: bytes) -> Any:
    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def near(pixel: Any, bgr: tuple[int, int, int]) -> bool:
    return all(abs(int(a) - b) <= 12 for a, b in zip(pixel, bgr, strict=True))


def test_jpg_capture_lands_in_the_slot_and_shows_the_scene(make_camera):
    cam = make_camera(capture_s=1.0)
    with raw_session(cam.url) as http:
        assert http.get(STATUS).json() == {"dLastCapture": None, "bReadyToStartNew": True, "bStopRequested": False}
        stream = http.get("/video/0/stream").json()
        stream["rtsp"]["iEnabled"] = 0
        assert http.post("/video/0/stream", json=stream).json()["code"] == 0, "RTSP off: capture still works"
        before = time.time()
        started = http.post(START, json={"sOutput": OUTPUT + "/", "sFormat": "JPG"}).json()
        assert started["code"] == 0 and started["sID"]
        running = http.get(STATUS).json()
        assert running["bReadyToStartNew"] is False and running["dLastCapture"]["sStatus"] == "WRITING"
        busy = http.post(START, json={"sOutput": OUTPUT})
        assert busy.status_code == 409 and busy.json()["code"] == 30016
        last = finished(http)
        assert last["sStatus"] == "COMPLETED" and last["sID"] == started["sID"]
        assert last["sOutputDirectory"] == OUTPUT and last["sFormat"] == "JPG" and last["iVideoLengthSeconds"] == 0
        assert before * 1000 - 5 <= last["iTimestamp"] <= time.time() * 1000
        name = last["sFileName"]
        assert name.endswith(".jpg") and name[:10] == time.strftime("%Y-%m-%d")
        listing = relay_get(http, cam, "capture/").json()
        assert [entry["name"] for entry in listing] == [name] and listing[0]["type"] == "file"
        download = relay_get(http, cam, f"capture/{name}")
        assert download.status_code == 200 and download.headers["content-type"] == "image/jpeg"
        image = decode(download.content)
        assert image.shape == (scene.FRAME_H, scene.FRAME_W, 3)
        assert decode_frame_counter(image) == (1, False), "the first capture of this camera"
        # the boxes an inference result of that instant reports sit on the objects of the image
        left, top, right, bottom = scene.person_box(last["iTimestamp"] / 1000, cam.camera.index)
        assert near(image[int((top + bottom) / 2), int((left + right) / 2)], scene.PERSON_BGR)
        assert not near(image[int((top + bottom) / 2), max(0, int(left) - 6)], scene.PERSON_BGR)
        assert not near(image[int(top) - 6, int((left + right) / 2)], scene.PERSON_BGR)
        cl, ct, cr, cb = scene.CAR_BOX
        assert near(image[int((ct + cb) / 2), int((cl + cr) / 2)], scene.CAR_BGR)
        assert http.post(START, json={"sOutput": OUTPUT}).json()["code"] == 0, "ready for a new one"
        second = finished(http)
        assert second["sFileName"] != name
        image = decode(relay_get(http, cam, f"capture/{second['sFileName']}").content)
        assert decode_frame_counter(image) == (2, False)
    assert f"capture/{name}" in storage_area(cam.camera).recordings(storage_area(cam.camera).slots["/dev/mmcblk1p1"])


@pytest.mark.parametrize(
    "body",
    [
        {"sOutput": "DCIM/capture"},
        {"sOutput": "/mnt/sd"},
        {"sOutput": "/mnt/sd/other"},
        {"sOutput": "/mnt/sd/DCIM/../x"},
        {"sOutput": "/mnt/sd/DCIM/a//b"},
        {"sOutput": "/tmp/capture"},
        {"sOutput": ""},
        {"sOutput": 5},
        {},
        {"sOutput": OUTPUT, "sFormat": "jpg"},
        {"sOutput": OUTPUT, "sFormat": "MP4"},
        {"sOutput": OUTPUT, "sFormat": "MP4", "iVideoLengthSeconds": 601},
        {"sOutput": OUTPUT, "iVideoLengthSeconds": "3"},
        {"sOutput": OUTPUT, "sQuality": "high"},
    ],
)
def test_bad_requests_answer_30022(camera, body):
    with raw_session(camera.url) as http:
        answer = http.post(START, json=body)
        assert answer.status_code == 400 and answer.json()["code"] == 30022, answer.json()
        assert http.get(STATUS).json()["dLastCapture"] is None


def test_output_must_be_a_directory_of_a_configured_slot(camera):
    area = storage_area(camera.camera)
    sample = area.recordings(area.slots["/dev/mmcblk1p1"])[0]
    with raw_session(camera.url) as http:
        existing_file = http.post(START, json={"sOutput": f"/mnt/sd/DCIM/{sample}"}).json()
        assert existing_file["code"] == 30022 and "not a directory" in existing_file["message"]
        not_selected = http.post(START, json={"sOutput": "/userdata/DCIM"}).json()
        assert not_selected["code"] == 30001 and "CONFIGURED" in not_selected["message"], "eMMC is only MOUNTED"
        area.set_slot(state=SlotState.MOUNTED)
        assert http.post(START, json={"sOutput": OUTPUT}).json()["code"] == 30001
        area.set_slot(state=SlotState.NOT_MOUNTED)
        assert http.post(START, json={"sOutput": OUTPUT}).json()["code"] == 30022, "no mount there any more"


def test_raw_capture_is_packed_bgr(make_camera):
    cam = make_camera(capture_s=1.0)
    with raw_session(cam.url) as http:
        assert http.post(START, json={"sOutput": "/mnt/sd/DCIM", "sFormat": "RAW"}).json()["code"] == 0
        last = finished(http)
        assert last["sStatus"] == "COMPLETED" and last["sFileName"].endswith(".raw")
        raw = relay_get(http, cam, last["sFileName"]).content
    assert len(raw) == scene.FRAME_W * scene.FRAME_H * 3
    frame = np.frombuffer(raw, np.uint8).reshape(scene.FRAME_H, scene.FRAME_W, 3)
    assert decode_frame_counter(frame) == (1, False)
    left, top, right, bottom = scene.person_box(last["iTimestamp"] / 1000)
    assert tuple(frame[int((top + bottom) / 2), int((left + right) / 2)]) == scene.PERSON_BGR


def test_mp4_capture_has_its_length(make_camera):
    cam = make_camera()
    with raw_session(cam.url) as http:
        body = {"sOutput": OUTPUT, "sFormat": "MP4", "iVideoLengthSeconds": 1}
        assert http.post(START, json=body).json()["code"] == 0
        last = finished(http)
        assert last["sStatus"] == "COMPLETED" and last["iVideoLengthSeconds"] == 1
        clip = relay_get(http, cam, f"capture/{last['sFileName']}")
    assert clip.headers["content-type"] == "video/mp4"
    path = storage_area(cam.camera).data_dir() / "capture" / last["sFileName"]
    assert path.read_bytes() == clip.content
    video = cv2.VideoCapture(str(path))
    try:
        assert video.get(cv2.CAP_PROP_FRAME_COUNT) == 10
        ok, frame = video.read()
        assert ok and frame.shape == (scene.FRAME_H, scene.FRAME_W, 3)
    finally:
        video.release()


def test_stop_cancels_a_still_and_cuts_a_clip_short(make_camera):
    cam = make_camera(capture_s=30.0)
    with raw_session(cam.url) as http:
        nothing = http.post(STOP)
        assert nothing.json() == {"code": 30001, "message": "No capture in progress"}
        assert http.post(START, json={"sOutput": OUTPUT}).json()["code"] == 0
        assert http.post(STOP).json()["code"] == 0
        still = finished(http)
        assert still["sStatus"] == "CANCELED" and still["sFileName"] == ""
        assert relay_get(http, cam, "capture/").json() == []
        body = {"sOutput": OUTPUT, "sFormat": "MP4", "iVideoLengthSeconds": 30}
        assert http.post(START, json=body).json()["code"] == 0
        wait_for(lambda: any((storage_area(cam.camera).data_dir() / "capture").glob(".*.part.mp4")))
        assert http.post(STOP).json()["code"] == 0
        clip = finished(http)
        assert clip["sStatus"] == "CANCELED" and clip["sFileName"].endswith(".mp4"), "the frames so far are kept"
        assert [e["name"] for e in relay_get(http, cam, "capture/").json()] == [clip["sFileName"]]


def test_eject_or_reboot_interrupts_and_a_fault_fails(make_camera):
    cam = make_camera(capture_s=30.0, reboot_s=REBOOT_S)
    with raw_session(cam.url) as http:
        assert http.post(START, json={"sOutput": OUTPUT}).json()["code"] == 0
        assert http.post(CONTROL, json={"sAction": "EJECT", "sSlotDevPath": "/dev/mmcblk1p1"}).json()["code"] == 0
        assert finished(http)["sStatus"] == "INTERRUPTED"
        storage_area(cam.camera).set_slot(state=SlotState.READY)
        assert http.post(START, json={"sOutput": OUTPUT}).json()["code"] == 0
        http.post("/system/reboot")
    wait_reboot(cam.url)
    cam.camera.settings.capture_s = 1.0
    with raw_session(cam.url) as http:
        assert finished(http)["sStatus"] == "INTERRUPTED"
        assert httpx.post(cam.url + "/__sim__/faults", json={"capture_fail": True}).json()["code"] == 0
        assert http.post(START, json={"sOutput": OUTPUT}).json()["code"] == 0
        failed = finished(http)
        assert failed["sStatus"] == "FAILED" and failed["sFileName"] == ""
        assert http.post(START, json={"sOutput": OUTPUT}).json()["code"] == 0
        assert finished(http)["sStatus"] == "COMPLETED", "one fault, one failure"
        assert len(relay_get(http, cam, "capture/").json()) == 1
