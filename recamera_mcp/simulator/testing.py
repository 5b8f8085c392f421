"""Pytest fixtures for the simulator (loaded by ``tests/conftest.py``), and a tiny raw login helper.

- ``sim_fleet`` (session): one background simulator loop for the whole run.
- ``make_camera`` (function): a factory ``make_camera(host="127.0.0.1", **settings) -> SimDevice``; every camera
  it made is stopped after the test. ``make_camera(firmware="legacy")`` gives the older firmware generation (the
  default is ``"2026"``, see :mod:`recamera_mcp.simulator.dialects`).
- ``camera`` (function): one fresh camera on 127.0.0.1 at a free port, password :data:`PASSWORD`.
- ``rtsp_camera`` (function): a camera that also serves RTSP (free port, high fps); skipped when RTSP is off.
- ``sim_cloud`` (function): a simulated SenseCraft cloud (``.url``, ``.cloud``) with a ~1 s conversion.
- ``make_mqtt_broker`` (function): a factory ``make_mqtt_broker(users=None) -> MqttBroker`` that starts Debian's
  ``mosquitto`` on a free loopback port with a generated minimal config (anonymous clients allowed; with
  ``users={"name": "password"}`` only those, through a password file); every broker it started is stopped after
  the test. ``mqtt_broker``: one anonymous broker. Both skip when the ``mosquitto`` binary is missing
  (``scripts/system-deps.sh`` installs it).
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
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


# ---- MQTT broker ---------------------------------------------------------------------------------------------
MOSQUITTO = "mosquitto"


@dataclass
class MqttBroker:
    """A ``mosquitto`` on ``host:port`` (``users``: the accounts it accepts; empty: anonymous clients).

    :meth:`stop` takes it down (connections refused), :meth:`start` brings it back on the same port."""

    host: str
    port: int
    users: dict[str, str]
    binary: str
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> bool:
        """Run the broker and wait until it accepts connections; False when it exited (port taken)."""
        with (self.folder / "mosquitto.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-c", str(self.folder / "mosquitto.conf")],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            if _accepts(self.host, self.port):
                return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        """Stop the broker (idempotent)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def errors(self) -> str:
        log = self.folder / "mosquitto.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def _mosquitto() -> str | None:
    return shutil.which(MOSQUITTO) or shutil.which(MOSQUITTO, path="/usr/sbin:/usr/local/sbin")


def start_mosquitto(users: dict[str, str] | None = None, host: str = "127.0.0.1") -> MqttBroker:
    """Start ``mosquitto`` on a free port of ``host`` and wait until it accepts connections."""
    binary = _mosquitto()
    if binary is None:
        raise FileNotFoundError("mosquitto is not installed (Debian package mosquitto)")
    folder = Path(tempfile.mkdtemp(prefix="recamera-sim-mqtt-"))
    lines = ["persistence false", "user root", f"allow_anonymous {'false' if users else 'true'}"]
    if users:
        passwd = shutil.which("mosquitto_passwd") or "mosquitto_passwd"
        for i, (name, password) in enumerate(users.items()):
            create = ["-c"] if i == 0 else []
            subprocess.run([passwd, "-b", *create, str(folder / "passwd"), name, password], check=True, timeout=10)
        lines.append(f"password_file {folder / 'passwd'}")
    for _attempt in range(3):  # the free port may be taken between choosing and binding it
        broker = MqttBroker(host, _free_port(host), dict(users or {}), binary, folder)
        (folder / "mosquitto.conf").write_text("\n".join([f"listener {broker.port} {host}", *lines]) + "\n")
        if broker.start():
            return broker
        broker.stop()
    errors = broker.errors()
    broker.close()
    raise RuntimeError(f"mosquitto did not start: {errors}")


@pytest.fixture
def make_mqtt_broker() -> Iterator[Callable[..., MqttBroker]]:
    if _mosquitto() is None:
        pytest.skip("mosquitto is not installed (Debian package mosquitto, see scripts/system-deps.sh)")
    started: list[MqttBroker] = []

    def make(users: dict[str, str] | None = None) -> MqttBroker:
        broker = start_mosquitto(users)
        started.append(broker)
        return broker

    yield make
    for broker in started:
        broker.close()


@pytest.fixture
def mqtt_broker(make_mqtt_broker: Callable[..., MqttBroker]) -> MqttBroker:
    """One anonymous ``mosquitto`` on a free loopback port (``.host``, ``.port``)."""
    return make_mqtt_broker()
