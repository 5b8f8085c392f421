"""Pytest fixtures for the simulator (loaded by ``tests/conftest.py``), and a tiny raw login helper.

- ``sim_fleet`` (session): one background simulator loop for the whole run.
- ``make_camera`` (function): a factory ``make_camera(host="127.0.0.1", **settings) -> SimDevice``; every camera
  it made is stopped after the test. ``make_camera(firmware="legacy")`` gives the older firmware generation (the
  default is ``"2026"``, see :mod:`recamera_mcp.simulator.dialects`).
- ``camera`` (function): one fresh camera on 127.0.0.1 at a free port, password :data:`PASSWORD`.
- ``rtsp_camera`` (function): a camera that also serves RTSP (free port, high fps); skipped when RTSP is off.
- ``sim_cloud`` (function): a simulated SenseCraft cloud (``.url``, ``.cloud``) with a ~1 s conversion.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from recamera_mcp.simulator.cloud import CloudSettings
from recamera_mcp.simulator.fleet import SimDevice, SimFleet
from recamera_mcp.simulator.rtsp import rtsp_available
from recamera_mcp.simulator.settings import SimSettings

USERNAME = "admin"
PASSWORD = "Test#Pass2026"
CGI = "/cgi-bin/entry.cgi"


@pytest.fixture(scope="session")
def sim_fleet() -> Iterator[SimFleet]:
    fleet = SimFleet().start()
    yield fleet
    fleet.stop()


@pytest.fixture
def make_camera(sim_fleet: SimFleet) -> Iterator[Callable[..., SimDevice]]:
    made: list[SimDevice] = []

    def make(host: str = "127.0.0.1", port: int = 0, **settings: Any) -> SimDevice:
        settings.setdefault("password", PASSWORD)
        device = sim_fleet.add_camera(host, port, SimSettings(**settings))
        made.append(device)
        return device

    yield make
    for device in made:
        sim_fleet.remove(device)


@pytest.fixture
def camera(make_camera: Callable[..., SimDevice]) -> SimDevice:
    return make_camera()


def encrypt_password(public_pem: str, password: str) -> str:
    """RSA PKCS#1 v1.5 + base64, as the device's web UI (JSEncrypt) does it."""
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    return base64.b64encode(key.encrypt(password.encode(), padding.PKCS1v15())).decode()


def raw_login(base_url: str, password: str = PASSWORD, username: str = USERNAME) -> tuple[dict[str, Any], str | None]:
    """Log in with plain httpx (no project client): the login body and the token cookie."""
    with httpx.Client(base_url=base_url + CGI, timeout=10) as http:
        pem = http.get("/system/key").json()["sPublicKey"]
        response = http.post(
            "/system/login", json={"sUserName": username, "sPassword": encrypt_password(pem, password)}
        )
        return response.json(), response.cookies.get("token")


def raw_session(base_url: str, password: str = PASSWORD) -> httpx.Client:
    """A logged-in plain httpx client on the CGI base (the caller closes it)."""
    body, token = raw_login(base_url, password)
    assert token, f"login failed: {body}"
    return httpx.Client(base_url=base_url + CGI, cookies={"token": token}, timeout=10)


RTSP_TEST_FPS = 120
"""Frame rate of ``rtsp_camera``: 120 stale frames plus 120 live ones take about a second."""


@pytest.fixture
def rtsp_camera(sim_fleet: SimFleet) -> Iterator[SimDevice]:
    """A camera serving RTSP on a free port at :data:`RTSP_TEST_FPS` (``device.rtsp.url("main")``).

    Skipped when the GStreamer RTSP server cannot run here (see ``rtsp_available()``).
    """
    reason = rtsp_available()
    if reason is not None:
        pytest.skip(f"RTSP off: {reason}")
    settings = SimSettings(password=PASSWORD, rtsp_port=0, rtsp_fps=RTSP_TEST_FPS)
    device = sim_fleet.add_camera("127.0.0.1", 0, settings, rtsp=True)
    yield device
    sim_fleet.remove(device)


@pytest.fixture
def sim_cloud(sim_fleet: SimFleet) -> Iterator[SimDevice]:
    """A simulated SenseCraft cloud (``.url``, state in ``.cloud``) whose tasks convert in about a second."""
    device = sim_fleet.add_cloud(settings=CloudSettings(queued_s=0.3, convert_s=0.6))
    yield device
    sim_fleet.remove(device)
