"""Small helpers shared by the simulator tests."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from collections.abc import Callable

import httpx

from recamera_mcp.simulator.testing import CGI

REBOOT_S = 1.0
"""Down time of a test reboot: long enough that polling sees the device down even on a loaded machine."""


def rejected(response: httpx.Response, *words: str) -> str:
    """Assert a 400 answer with a video/image module code (20xxx) whose message has every word; the message."""
    body = response.json()
    assert response.status_code == 400, body
    assert 20000 < body["code"] < 30000, body
    for word in words:
        assert word in body["message"], body
    return str(body["message"])


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached before the deadline"
        time.sleep(0.02)


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
