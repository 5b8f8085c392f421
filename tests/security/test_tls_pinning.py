"""HTTPS (issue 15 item 5, a trust boundary): the camera's self-signed certificate is pinned by its SHA-256 at first
use and shown to the user; a changed one is refused before anything is sent, with the operator's way to accept it;
redirects between HTTP and HTTPS are followed for every method on the same host only.

These run against TLS servers the tests start themselves (``tls.py``), to reach every branch of the rule; the
simulator's own HTTPS listener is used end to end by ``test_tls_simulator.py``."""

from __future__ import annotations

import argparse

import pytest

from recamera_mcp.client import IdentityChanged, PinStore, ReCameraClient, parse_host
from recamera_mcp.client._transport import HttpTransport
from recamera_mcp.server.pins_cli import run as pins_command
from tests.security.tls import Recorder, make_cert, serve, tls_proxy
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok

HOST = "127.0.28.30"
OTHER = "127.0.28.31"


async def test_the_first_certificate_is_pinned_and_a_changed_one_refused_before_sending(tmp_path):
    first, second = make_cert(tmp_path / "a", HOST), make_cert(tmp_path / "b", HOST)
    pins = PinStore(tmp_path / "pins.json")
    seen = Recorder()
    async with serve(seen.app(), HOST, cert=first) as port:
        wire = HttpTransport(parse_host(f"https://{HOST}:{port}"), timeout=5, pins=pins)
        answer = await wire.send("POST", "/x", json={"sPassword": "never-to-an-impostor"})
        assert answer.status_code == 200 and wire.tls_fingerprint == first.sha256
        await wire.aclose()
    assert pins.get(f"{HOST}:{port}", "TLS certificate") == first.sha256
    impostor = Recorder()
    async with serve(impostor.app(), HOST, cert=second, port=port):
        wire = HttpTransport(parse_host(f"https://{HOST}:{port}"), timeout=5, pins=PinStore(tmp_path / "pins.json"))
        with pytest.raises(IdentityChanged) as caught:
            await wire.send("POST", "/x", json={"sPassword": "never-to-an-impostor"})
        await wire.aclose()
    assert impostor.seen == [], "the request went to a server with another certificate"
    assert caught.value.pinned == first.sha256 and caught.value.seen == second.sha256
    assert "pins forget" in str(caught.value) and caught.value.fix is not None


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
async def test_a_307_to_https_on_the_same_host_is_followed_with_its_body(tmp_path, method):
    cert = make_cert(tmp_path, HOST)
    secure, plain = Recorder(), Recorder()
    async with serve(secure.app(), HOST, cert=cert) as https_port:
        plain.redirect_to = f"https://{HOST}:{https_port}"
        async with serve(plain.app(), HOST) as http_port:
            wire = HttpTransport(parse_host(f"{HOST}:{http_port}"), timeout=5)
            body = None if method in ("GET", "DELETE") else {"sEnable": True}
            answer = await wire.send(method, "/cgi-bin/entry.cgi/system/secure", json=body)
            assert answer.status_code == 200 and answer.body["method"] == method
            assert wire.address.scheme == "https" and wire.address.port == https_port
            again = await wire.send("GET", "/y")  # remembered: straight to HTTPS
            await wire.aclose()
    assert len(plain.seen) == 1 and [m for m, _, _ in secure.seen] == [method, "GET"]
    if body is not None:
        assert secure.seen[0][2] == b'{"sEnable":true}'
    assert again.status_code == 200 and wire.tls_fingerprint == cert.sha256


@pytest.mark.parametrize(
    ("status", "method", "where"),
    [(307, "POST", "other host"), (308, "GET", "other host"), (303, "POST", "same host"), (302, "PUT", "same host")],
)
async def test_other_redirects_are_not_followed(tmp_path, status, method, where):
    cert = make_cert(tmp_path, OTHER)
    elsewhere, plain = Recorder(), Recorder(redirect_status=status)
    target = OTHER if where == "other host" else HOST
    async with serve(elsewhere.app(), target, cert=cert) as https_port:
        plain.redirect_to = f"https://{target}:{https_port}"
        async with serve(plain.app(), HOST) as http_port:
            wire = HttpTransport(parse_host(f"{HOST}:{http_port}"), timeout=5)
            answer = await wire.send(method, "/x", json={"a": 1} if method != "GET" else None)
            await wire.aclose()
    assert answer.status_code == status and elsewhere.seen == [] and wire.address.scheme == "http"


async def test_https_turned_off_falls_back_to_the_first_address(tmp_path):
    cert = make_cert(tmp_path, HOST)
    secure, plain = Recorder(), Recorder()
    async with serve(plain.app(), HOST) as http_port:
        async with serve(secure.app(), HOST, cert=cert) as https_port:
            plain.redirect_to = f"https://{HOST}:{https_port}"
            wire = HttpTransport(parse_host(f"{HOST}:{http_port}"), timeout=5)
            assert (await wire.send("GET", "/a")).status_code == 200 and wire.address.scheme == "https"
        plain.redirect_to = None  # the camera turned HTTPS off; its HTTPS port refuses connections
        answer = await wire.send("POST", "/b", json={"x": 1})
        await wire.aclose()
    assert answer.status_code == 200 and wire.address.scheme == "http"
    assert [(m, p) for m, p, _ in plain.seen] == [("GET", "/a"), ("POST", "/b")]


async def test_login_and_list_sessions_show_the_pinned_certificate(connect, camera, tmp_path):
    cert = make_cert(tmp_path / "a", HOST)
    pins = tmp_path / "pins.json"
    async with tls_proxy(HOST, cert, ("127.0.0.1", camera.port)) as port:
        host = f"https://{HOST}:{port}"
        async with connect(make_options(pins_path=pins)) as mcp:
            login = await call_ok(mcp, "login", host=host)
            assert login["tls_sha256"] == cert.sha256 and login["login_key_sha256"]
            listed = (await call_ok(mcp, "list_sessions"))["sessions"]
            assert listed[0]["tls_sha256"] == cert.sha256 and listed[0]["base_url"] == host
    rotated = make_cert(tmp_path / "b", HOST)
    async with tls_proxy(HOST, rotated, ("127.0.0.1", camera.port), port=port):
        camera.camera.clear_log()
        async with connect(make_options(pins_path=pins)) as mcp:
            text = await call_error(mcp, "get_device_status", host=host)
        assert "another TLS certificate than the one pinned" in text and f"pins forget {HOST}:{port}" in text
        assert camera.camera.log == [], "something was sent over a connection with an unpinned certificate"
        args = argparse.Namespace(action="forget", host=host, kind="tls", pins=str(pins))
        assert pins_command(args) == 0  # the operator accepts the new certificate
        async with connect(make_options(pins_path=pins)) as mcp:
            assert (await call_ok(mcp, "login", host=host))["tls_sha256"] == rotated.sha256


async def test_a_websocket_over_https_is_pinned_too(tmp_path, camera):
    cert = make_cert(tmp_path, HOST)
    pins = PinStore()
    async with tls_proxy(HOST, cert, ("127.0.0.1", camera.port)) as port:
        async with ReCameraClient(f"https://{HOST}:{port}", password=camera.camera.settings.password, pins=pins) as cam:
            async with cam.websocket("/ws/system/logs") as ws:
                assert await ws.recv(timeout_s=5) is not None
    other = make_cert(tmp_path / "b", HOST)
    async with tls_proxy(HOST, other, ("127.0.0.1", camera.port), port=port):
        async with ReCameraClient(f"https://{HOST}:{port}", password=camera.camera.settings.password, pins=pins) as cam:
            cam._set_token("x.y.z", persist=False)  # a token held: the handshake itself must be refused
            with pytest.raises(IdentityChanged):
                async with cam.websocket("/ws/system/logs"):
                    pass
