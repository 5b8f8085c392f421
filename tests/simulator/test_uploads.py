"""The resumable upload on its three endpoints: both Content-Range forms, the 308 status query, resuming after a
reboot with a fresh login."""

from __future__ import annotations

import hashlib
import io
import tarfile

import httpx
import pytest

from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import FIRMWARES, reboot

ENDPOINTS = ("/model/upload", "/system/firmware-upgrade", "/config/upload")


def firmware_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in ("boot.img", "rootfs.img", "RK_OTA_update.sh"):
            raw = name.encode() * 50
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def begin(http: httpx.Client, path: str, size: int) -> str:
    answer = http.post(path, params={"upload-type": "resumable"}, headers={"File-Size": str(size)})
    assert answer.json()["code"] == 0, answer.text
    return answer.headers["File-Id"]


def put(http: httpx.Client, path: str, upload_id: str, blob: bytes, first: int, last: int, total: bool):
    header = f"bytes {first}-{last}" + (f"/{len(blob)}" if total else "")
    return http.post(path, params={"id": upload_id}, content=blob[first : last + 1], headers={"Content-Range": header})


def query(http: httpx.Client, path: str, upload_id: str, header: str | None) -> httpx.Response:
    headers = {} if header is None else {"Content-Range": header}
    return http.post(path, params={"id": upload_id}, headers=headers)


@pytest.mark.parametrize("firmware", FIRMWARES)
@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("with_total", [True, False], ids=["a-b/total", "a-b"])
def test_both_content_range_forms_and_the_status_query(make_camera, firmware, path, with_total):
    blob = bytes(range(256)) * 40
    with raw_session(make_camera(firmware=firmware).url) as http:
        upload_id = begin(http, path, len(blob))
        empty = query(http, path, upload_id, f"bytes */{len(blob)}")
        assert empty.status_code == 308 and "Range" not in empty.headers, "nothing received yet"
        first = put(http, path, upload_id, blob, 0, 4095, with_total)
        assert first.status_code == 308 and first.headers["Range"] == "bytes=0-4095"
        for header in (f"bytes */{len(blob)}", "bytes */*", None):
            probe = query(http, path, upload_id, header)
            assert probe.status_code == 308 and probe.headers["Range"] == "bytes=0-4095", header
            assert probe.json()["iReceived"] == 4096
        wrong = query(http, path, upload_id, "bytes */99")
        assert wrong.status_code == 400 and "does not match" in wrong.json()["message"]
        mismatch = http.post(
            path,
            params={"id": upload_id},
            content=blob[4096:],
            headers={"Content-Range": f"bytes 4096-{len(blob) - 1}/7"},
        )
        assert mismatch.status_code == 400
        done = put(http, path, upload_id, blob, 4096, len(blob) - 1, with_total)
        assert done.status_code == 200 and done.headers["Range"] == f"bytes=0-{len(blob) - 1}"


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_a_model_upload_resumes_after_a_reboot_with_a_fresh_login(make_camera, firmware):
    cam = make_camera(firmware=firmware)
    blob = bytes(range(251)) * 100
    with raw_session(cam.url) as http:
        upload_id = begin(http, "/model/upload", len(blob))
        assert put(http, "/model/upload", upload_id, blob, 0, 9999, True).status_code == 308
    reboot(cam.url)
    with raw_session(cam.url) as http:
        probe = query(http, "/model/upload", upload_id, f"bytes */{len(blob)}")
        assert probe.status_code == 308 and probe.headers["Range"] == "bytes=0-9999", "the session survived"
        assert put(http, "/model/upload", upload_id, blob, 10000, len(blob) - 1, True).status_code == 200
        params = {"start": upload_id, "File-name": "resumed.rknn", "md5sum": hashlib.md5(blob).hexdigest()}
        assert http.post("/model/upload", params=params).json() == {"code": 0, "message": "success"}
        assert "resumed.rknn" in [entry["model"] for entry in http.get("/model/list").json()]


def test_a_firmware_upload_in_the_ui_form_resumes_after_a_reboot(make_camera):
    cam = make_camera(upload_progress_s=60)
    blob = firmware_tar()
    path = "/system/firmware-upgrade"
    with raw_session(cam.url) as http:
        started = http.post(path, params={"upload-type": "resumable"}, json={"iFileSize": len(blob)})
        upload_id = started.headers["File-Id"]
        assert put(http, path, upload_id, blob, 0, 1023, False).status_code == 308
    reboot(cam.url)
    with raw_session(cam.url) as http:
        assert query(http, path, upload_id, "bytes */*").headers["Range"] == "bytes=0-1023"
        assert put(http, path, upload_id, blob, 1024, len(blob) - 1, False).status_code == 200
        finish = http.post(path, params={"start": upload_id, "md5sum": hashlib.md5(blob).hexdigest()})
        assert finish.json() == {"code": 0, "message": "Upgrade started"}
        assert http.get(path).json()["sStatus"] in ("starting", "downloading")  # the install has begun
