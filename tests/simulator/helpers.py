"""Small helpers shared by the simulator tests."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from collections.abc import Callable
from typing import Any

import httpx

from recamera_mcp.simulator.testing import CGI

REBOOT_S = 1.0
"""Down time of a test reboot: long enough that polling sees the device down even on a loaded machine."""
FIRMWARES = ("legacy", "2026")
"""Both firmware generations, for ``pytest.mark.parametrize("firmware", FIRMWARES)``."""
CONTROL = "/record/storage/control"
TASK_END = ("COMPLETED", "FAILED", "CANCELED")


def rejected(response: httpx.Response, *words: str) -> str:
    """Assert a 400 answer with a video/image module code (20xxx) whose message has every word; the message."""
    body = response.json()
    assert response.status_code == 400, body
    assert 20000 < body["code"] < 30000, body
    for word in words:
        assert word in body["message"], body
    return str(body["message"])


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, what: str = "the condition") -> Any:
    """Poll ``condition`` until it is truthy (returned), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not reached within {timeout} s"
        time.sleep(0.02)


def task_status(http: httpx.Client, uid: str) -> dict[str, Any]:
    answer = http.post(CONTROL, json={"sTask": "ASYNC_STATUS", "sTaskUID": uid}).json()
    assert answer["code"] == 0, answer
    task: dict[str, Any] = answer["dTask"]
    return task


def long_action(http: httpx.Client, firmware: str, body: dict[str, Any]) -> dict[str, Any]:
    """FORMAT / FREE_UP as the firmware takes it: legacy runs it at once; 2026 answers a ``sTaskUID``."""
    if firmware == "2026":
        body = {**body, "sTask": "ASYNC_SUBMIT"}
    answer: dict[str, Any] = http.post(CONTROL, json=body).json()
    return answer


def run_long_action(http: httpx.Client, firmware: str, body: dict[str, Any]) -> dict[str, Any]:
    """:func:`long_action` to its end: a refusal as answered, else ``{"code": 0, ...}`` once done (2026: polled)."""
    answer = long_action(http, firmware, body)
    if firmware == "legacy" or answer["code"] != 0:
        return answer
    task = wait_for(lambda: (t := task_status(http, answer["sTaskUID"]))["sStatus"] in TASK_END and t)
    assert task["sStatus"] == "COMPLETED", task
    return {"code": 0, "dTask": task}


def is_up(url: str) -> bool:
    try:
        return httpx.get(url + CGI + "/system/key", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_reboot(url: str) -> None:
    """Poll until the device refused a connection once, then until it answers again."""
    wait_for(lambda: not is_up(url))
    wait_for(lambda: is_up(url))


def upload(http: httpx.Client, path: str, blob: bytes, md5: str | None = None, **params: str) -> httpx.Response:
    begin = http.post(path, params={"upload-type": "resumable"}, headers={"File-Size": str(len(blob))})
    upload_id = begin.headers["File-Id"]
    half = len(blob) // 2
    for first, last in ((0, half - 1), (half, len(blob) - 1)):
        http.post(
            path,
            params={"id": upload_id},
            content=blob[first : last + 1],
            headers={"Content-Range": f"bytes {first}-{last}/{len(blob)}"},
        )
    params = {"start": upload_id, "md5sum": md5 or hashlib.md5(blob).hexdigest(), **params}
    return http.post(path, params=params)


def make_tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, raw in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def reboot(url: str, seconds: float = 1.0) -> None:
    """Reboot through the fault control and wait until the camera was down and is back (sessions are gone)."""
    assert httpx.post(url + "/__sim__/faults", json={"reboot_s": seconds}).json()["code"] == 0
    wait_for(lambda: not is_up(url), what="the camera going down")
    wait_for(lambda: is_up(url), what="the camera coming back")
