"""Discovery against a simulated subnet on 127.0.3.x (real sockets), for the TCP sweep and the nmap path.

Layout of 127.0.3.0/28 (hosts .1-.14), all on one free port:
cameras .2 .3 .4 · HTTP 404 host .5 · 200 without sPublicKey .6 · accepts and never answers .7 · the rest closed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from recamera_mcp.discovery import (
    DiscoveryError,
    TargetError,
    TargetRefusedError,
    discover,
    parse_target_set,
    parse_targets,
    resolve_method,
)
from recamera_mcp.discovery import cli as discovery_cli
from recamera_mcp.simulator.app import create_app
from recamera_mcp.simulator.fleet import SimDevice, SimFleet, bind_socket
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.state import DeviceState

PREFIX = "127.0.3."
SUBNET = "127.0.3.0/28"
CAMERAS = ["127.0.3.2", "127.0.3.3", "127.0.3.4"]
NOT_CAMERAS = ["127.0.3.5", "127.0.3.6"]
UNREACHABLE = ["127.0.3.1", "127.0.3.7"] + [f"127.0.3.{n}" for n in range(8, 15)]
HAS_NMAP = shutil.which("nmap") is not None
needs_nmap = pytest.mark.skipif(not HAS_NMAP, reason="nmap binary not installed")
METHODS = ["tcp", pytest.param("nmap", marks=[pytest.mark.nmap, needs_nmap])]


@pytest.fixture(scope="module")
def subnet(sim_fleet: SimFleet) -> Iterator[int]:
    """The simulated subnet; yields its port."""
    devices = sim_fleet.subnet(PREFIX, cameras=range(2, 5), not_cameras={5: "404", 6: "no_key"}, hangs=(7,))
    yield devices[0].port
    for device in devices:
        sim_fleet.remove(device)


# ---- classification -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
async def test_four_classes_exactly(subnet: int, method: str) -> None:
    result = await discover(SUBNET, port=subnet, timeout_s=0.5, method=method)  # type: ignore[arg-type]
    assert result.method == method
    assert result.hosts_total == 14
    assert result.recamera_ips == CAMERAS
    assert result.non_recamera_ips == NOT_CAMERAS  # 404 and 200-without-key
    assert result.reachable_ips == CAMERAS + NOT_CAMERAS
    assert result.unreachable_or_timeout_ips == UNREACHABLE  # closed .1, hang .7, closed .8-.14, numeric order
    assert [(c.ip, c.port, c.scheme) for c in result.cameras] == [(ip, subnet, "http") for ip in CAMERAS]
    assert all(0 < c.response_ms < 500 for c in result.cameras)


async def test_auto_uses_nmap_when_installed_and_tcp_on_loopback(subnet: int) -> None:
    assert resolve_method("auto") == ("nmap" if HAS_NMAP else "tcp")
    assert resolve_method("auto", parse_target_set("192.168.1.0/30")) == ("nmap" if HAS_NMAP else "tcp")
    assert resolve_method("auto", parse_target_set("127.0.3.2-5")) == "tcp"
    result = await discover("127.0.3.2-5", port=subnet, timeout_s=0.5)
    assert result.method == "tcp"
    assert result.recamera_ips == CAMERAS and result.non_recamera_ips == ["127.0.3.5"]


async def test_list_input_and_sorting(subnet: int) -> None:
    result = await discover(["127.0.3.6", "127.0.3.2-3", "127.0.3.10"], port=subnet, timeout_s=0.5, method="tcp")
    assert result.hosts_total == 4
    assert result.recamera_ips == ["127.0.3.2", "127.0.3.3"]
    assert result.non_recamera_ips == ["127.0.3.6"]
    assert result.unreachable_or_timeout_ips == ["127.0.3.10"]


def _self_signed(tmp: Path, host: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = tmp / "key.pem", tmp / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


async def test_redirect_to_https_is_followed_without_verification(tmp_path: Path) -> None:
    """HTTPS on: port 80 answers 307 to https:// (self-signed); the camera is reported with scheme https."""
    host = "127.0.3.20"
    tls_sock, http_sock = bind_socket(host, 0), bind_socket(host, 0)
    tls_port, http_port = tls_sock.getsockname()[1], http_sock.getsockname()[1]
    key_file, cert_file = _self_signed(tmp_path, host)

    async def redirect(request: Request) -> Response:
        return RedirectResponse(f"https://{host}:{tls_port}{request.url.path}", status_code=307)

    device = DeviceState(settings=SimSettings(), index=0)
    device.configs["/system/secure"]["sEnable"] = True  # HTTPS on: the TLS port serves, the HTTP port redirects
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                create_app(device),
                log_level="warning",
                lifespan="off",
                ssl_keyfile=key_file,
                ssl_certfile=cert_file,
            )
        ),
        uvicorn.Server(
            uvicorn.Config(Starlette(routes=[Route("/{path:path}", redirect)]), log_level="warning", lifespan="off")
        ),
    ]
    tasks = [
        asyncio.create_task(servers[0].serve(sockets=[tls_sock])),
        asyncio.create_task(servers[1].serve(sockets=[http_sock])),
    ]
    try:
        deadline = time.monotonic() + 5
        while not all(s.started for s in servers) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        result = await discover(host, port=http_port, timeout_s=2.0, method="tcp")
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)
    assert result.recamera_ips == [host]
    camera = result.cameras[0]
    assert (camera.scheme, camera.port) == ("https", tls_port)
    assert camera.base_url == f"https://{host}:{tls_port}"


# ---- a DROPped address: the connect itself times out (needs root + iptables) ------------------------------------
@pytest.fixture
def dropped(subnet: int) -> Iterator[str]:
    address = "127.0.3.9"
    rule = ["INPUT", "-d", address, "-p", "tcp", "--dport", str(subnet), "-j", "DROP"]
    if os.geteuid() != 0 or shutil.which("iptables") is None:
        pytest.skip("needs root and iptables")
    if subprocess.run(["iptables", "-A", *rule], capture_output=True).returncode != 0:
        pytest.skip("iptables rule could not be added")
    try:
        yield address
    finally:
        subprocess.run(["iptables", "-D", *rule], capture_output=True)


@pytest.mark.parametrize("method", METHODS)
async def test_dropped_address_is_a_timeout(subnet: int, dropped: str, method: str) -> None:
    started = time.monotonic()
    result = await discover(["127.0.3.2", dropped], port=subnet, timeout_s=0.5, method=method)  # type: ignore[arg-type]
    assert result.recamera_ips == ["127.0.3.2"]
    assert result.unreachable_or_timeout_ips == [dropped]
    assert time.monotonic() - started < 5


# ---- progress and cancellation --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
async def test_progress_reports_increasing_counts(subnet: int, method: str) -> None:
    calls: list[tuple[int, int, str, float]] = []

    async def progress(done: int, total: int, message: str) -> None:
        calls.append((done, total, message, time.monotonic()))

    started = time.monotonic()
    result = await discover(SUBNET, port=subnet, timeout_s=0.5, method=method, progress=progress)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    dones = [c[0] for c in calls]
    assert len(calls) >= 3  # first report at once, at least one while the hang host holds, the final one
    assert dones[0] < 14 and dones == sorted(dones) and dones[-1] == 14
    assert all(c[1] == 14 for c in calls)
    assert "3 reCamera" in calls[-1][2]
    assert len(calls) <= elapsed * 10 + 3  # throttled to ~10 a second
    assert result.hosts_total == 14


async def test_cancel_during_verification_is_prompt(subnet: int) -> None:
    """The hang host would hold for timeout_s=10; cancelling ends the sweep at once."""
    reported: list[int] = []

    async def progress(done: int, total: int, message: str) -> None:
        reported.append(done)

    task = asyncio.create_task(discover(SUBNET, port=subnet, timeout_s=10.0, method="tcp", progress=progress))
    deadline = time.monotonic() + 5
    while not (reported and reported[-1] == 13):  # every host settled but the hang host: verification holds
        assert time.monotonic() < deadline and not task.done(), f"the sweep never waited on the hang host: {reported}"
        await asyncio.sleep(0.01)
    assert not task.done()
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 3.0  # against a 10 s hang: prompt, with room for a loaded CI machine


def _nmap_children() -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if comm == "nmap" and int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.append(int(pid))
    return found


@pytest.mark.nmap
@needs_nmap
async def test_cancel_kills_nmap() -> None:
    """nmap over a loopback /16 takes seconds; cancelling kills the process."""
    task = asyncio.create_task(discover("127.3.0.0/16", port=9, timeout_s=0.5, method="nmap"))
    deadline = time.monotonic() + 5
    while not _nmap_children() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert _nmap_children(), "nmap did not start"
    assert not task.done()
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 3.0
    assert _nmap_children() == []


# ---- input validation and refusals ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("subnet", "expected"),
    [
        ("192.168.1.0/30", ["192.168.1.1", "192.168.1.2"]),  # network and broadcast left out
        ("192.168.1.5/24", [f"192.168.1.{n}" for n in range(1, 255)]),  # host bits ignored
        ("10.0.0.4/31", ["10.0.0.4", "10.0.0.5"]),
        ("192.168.1.10-12", ["192.168.1.10", "192.168.1.11", "192.168.1.12"]),
        ("192.168.1.254-192.168.2.1", ["192.168.1.254", "192.168.1.255", "192.168.2.0", "192.168.2.1"]),
        ("172.16.0.7", ["172.16.0.7"]),
        (" 10.0.0.3 , 10.0.0.1 - 2 10.0.0.2", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
        (["169.254.1.1", "127.0.0.1", "169.254.1.1"], ["127.0.0.1", "169.254.1.1"]),
    ],
)
def test_parse_targets_accepts(subnet: str | list[str], expected: list[str]) -> None:
    assert parse_targets(subnet) == [IPv4Address(ip) for ip in expected]


@pytest.mark.parametrize(
    "subnet",
    [
        "",
        [],
        "192.168.1.300",
        "192.168.1.0/33",
        "192.168.1.40-10",
        "192.168.1.10-300",
        "fe80::1",
        "camera.local",
        "192.168.1.5-192.168.1.2",
        "192.168.1.0/24/1",
    ],
)
def test_parse_targets_rejects_invalid(subnet: str | list[str]) -> None:
    with pytest.raises(TargetError, match="accepted|no target|never") as info:
        parse_targets(subnet)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, TargetRefusedError)


@pytest.mark.parametrize("subnet", ["8.8.8.8", ["192.168.1.1", "1.1.1.0/24"], "100.64.0.1", "172.32.0.0/24"])
def test_public_refused_unless_allowed(subnet: str | list[str]) -> None:
    with pytest.raises(TargetRefusedError, match="allow_public"):
        parse_targets(subnet)
    assert parse_targets(subnet, allow_public=True)


def test_larger_than_a_slash_16_refused_unless_allowed() -> None:
    assert len(parse_targets("10.1.0.0/16")) == 65_534
    assert len(parse_targets(["10.1.0.0/16", "10.2.0.1"])) == 65_535
    with pytest.raises(TargetRefusedError, match="allow_large") as info:
        parse_targets("10.0.0.0/15")
    assert "131,070" in str(info.value)
    assert len(parse_targets("10.0.0.0/15", allow_large=True)) == 131_070


@pytest.mark.parametrize("subnet", ["224.0.0.1", "255.255.255.255", "0.0.0.0", "239.1.1.0/24"])
def test_never_scanned_even_when_public_allowed(subnet: str) -> None:
    with pytest.raises(TargetError, match="never scanned"):
        parse_targets(subnet, allow_public=True, allow_large=True)


async def test_discover_validates_before_scanning() -> None:
    with pytest.raises(TargetRefusedError):
        await discover("8.8.8.0/24")
    with pytest.raises(DiscoveryError, match="method"):
        await discover("127.0.3.1", method="ping")  # type: ignore[arg-type]
    with pytest.raises(DiscoveryError, match="timeout_s"):
        await discover("127.0.3.1", timeout_s=0)
    with pytest.raises(DiscoveryError, match="port"):
        await discover("127.0.3.1", port=70000)


# ---- CLI ------------------------------------------------------------------------------------------------------
def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    discovery_cli.add_arguments(parser)
    return discovery_cli.run(parser.parse_args(argv))


def test_cli_json_and_table(subnet: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli([SUBNET, "--port", str(subnet), "--timeout", "0.5", "--method", "tcp", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recamera_ips"] == CAMERAS and data["unreachable_or_timeout_ips"] == UNREACHABLE
    assert _cli(["127.0.3.2-6", "--port", str(subnet), "--timeout", "0.5", "--method", "tcp"]) == 0
    out = capsys.readouterr().out
    assert "3 reCamera(s), 2 other HTTP host(s)" in out and f"http://127.0.3.2:{subnet}" in out


def test_cli_refusal_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["8.8.8.0/24"]) == 2
    assert "--allow-public" in capsys.readouterr().err


def test_cli_registers_discover() -> None:
    from recamera_mcp.cli import COMMANDS

    assert ("discover", "recamera_mcp.discovery.cli") in [(name, module) for name, _, module in COMMANDS]


def test_subnet_fixture_layout(subnet: int, sim_fleet: SimFleet) -> None:
    """Guard against the fixture drifting from the module docstring."""
    kinds = {d.host: d.kind for d in sim_fleet.devices if d.host.startswith(PREFIX)}
    assert kinds == {**dict.fromkeys(CAMERAS, "camera"), "127.0.3.5": "404", "127.0.3.6": "no_key", "127.0.3.7": "hang"}
    assert isinstance(sim_fleet.device("127.0.3.2"), SimDevice)
