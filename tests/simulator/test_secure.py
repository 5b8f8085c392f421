"""HTTPS over real sockets: a self-signed certificate per camera, 307 between the ports, wss://, pinning."""

from __future__ import annotations

import contextlib
import hashlib
import json
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from cryptography import x509
from cryptography.x509.oid import NameOID
from websockets.asyncio.client import connect

from recamera_mcp.simulator.testing import CGI, PASSWORD, encrypt_password
from tests.simulator.helpers import REBOOT_S, wait_for, wait_reboot

INFO = CGI + "/system/device-info"


def fingerprint(device: Any) -> str:
    pem = ssl.get_server_certificate((device.host, device.camera.settings.https_port), timeout=5)
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def refuses(url: str) -> bool:
    try:
        httpx.get(url + CGI + "/system/key", verify=False, timeout=2)
    except httpx.ConnectError:
        return True
    return False


def unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@contextlib.contextmanager
def session(base: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A logged-in client on ``base`` (http or https; the certificate is not verified: it is self-signed)."""
    with httpx.Client(base_url=base + CGI, verify=False, timeout=10) as http:
        pem = http.get("/system/key").json()["sPublicKey"]
        login = http.post("/system/login", json={"sUserName": "admin", "sPassword": encrypt_password(pem, password)})
        assert login.json()["iAuth"] in (1, 2), login.json()
        yield http


def switch(device: Any, on: bool) -> dict[str, str]:
    """Log in over the port that serves, turn HTTPS on or off; the cookie."""
    with session(device.url if on else device.https_url) as http:
        assert http.post("/system/secure", json={"sEnable": on}).json() == {"code": 0, "message": "success"}
        return {"token": http.cookies["token"]}


async def test_https_on_redirects_http_with_307_and_serves_the_api_and_wss(camera):
    assert refuses(camera.https_url), "HTTPS is off: its port refuses connections"
    cookies = switch(camera, True)
    moved = httpx.get(camera.url + INFO, cookies=cookies)
    assert moved.status_code == 307 and moved.headers["location"] == camera.https_url + INFO
    post = httpx.post(camera.url + CGI + "/model/inference?id=0", json={"iEnable": 0}, cookies=cookies)
    assert post.status_code == 307 and post.headers["location"] == camera.https_url + CGI + "/model/inference?id=0"
    assert camera.camera.log[-1].status == 307 and camera.camera.log[-1].path == "/model/inference"
    with httpx.Client(verify=False, cookies=cookies, timeout=10) as https:
        assert https.get(moved.headers["location"]).json()["sSerialNumber"] == camera.camera.settings.serial
        assert https.get(camera.https_url + CGI + "/system/secure").json() == {"sEnable": True}
        cfg = https.get(camera.https_url + CGI + "/notify/cfg").json()
        cfg["iMode"] = 2
        cfg["dHttp"]["sUrl"] = "http://127.0.0.1:9/hook"
        redirected = httpx.post(camera.url + CGI + "/notify/cfg", json=cfg, cookies=cookies)
        assert redirected.status_code == 307 and camera.camera.config("/notify/cfg")["iMode"] == 0
        resent = https.post(redirected.headers["location"], json=cfg)  # the client re-sends the body itself
        assert resent.json()["code"] == 0 and camera.camera.config("/notify/cfg")["iMode"] == 2
    cert = x509.load_pem_x509_certificate(
        ssl.get_server_certificate((camera.host, camera.camera.settings.https_port)).encode()
    )
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "localhost"
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert alt.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in alt.get_values_for_type(x509.IPAddress)] == [camera.host]
    wss = camera.https_url.replace("https://", "wss://") + "/ws/system/logs"
    async with connect(wss, ssl=unverified(), additional_headers={"Cookie": f"token={cookies['token']}"}) as ws:
        history = json.loads(await ws.recv())
        assert isinstance(history, list) and history
    with pytest.raises(websockets.InvalidStatus) as query:
        async with connect(f"{wss}?token={cookies['token']}", ssl=unverified()):
            pass
    assert query.value.response.status_code == 401, "a ?token= query does not count, over wss either"
    # nginx's 307 names https:// even for a WebSocket: a client that follows it must switch to wss:// itself
    with pytest.raises(websockets.InvalidURI) as plain:
        async with connect(camera.url.replace("http://", "ws://") + "/ws/system/logs"):
            pass
    assert plain.value.uri == camera.https_url + "/ws/system/logs"
    assert camera.camera.log[-1].call == ("WS", "/ws/system/logs") and camera.camera.log[-1].status == 307


def test_https_off_redirects_back_then_closes_at_the_next_boot(make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    cookies = switch(cam, True)
    switch(cam, False)
    assert httpx.get(cam.url + INFO, cookies=cookies).status_code == 200
    back = httpx.get(cam.https_url + INFO + "?x=1", verify=False)
    assert back.status_code == 307 and back.headers["location"] == cam.url + INFO + "?x=1"
    assert httpx.post(cam.url + CGI + "/system/reboot", cookies=cookies).json()["code"] == 0
    wait_reboot(cam.url)
    assert refuses(cam.https_url)


def test_certificate_is_kept_across_reboots_and_renewed_by_rotation_or_factory_reset(make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    cookies = switch(cam, True)
    first = fingerprint(cam)
    assert first == cam.camera.extras["secure"].fingerprint
    assert httpx.post(cam.url + CGI + "/system/reboot", cookies=cookies).status_code == 307
    assert httpx.post(cam.https_url + CGI + "/system/reboot", cookies=cookies, verify=False).json()["code"] == 0
    wait_for(lambda: refuses(cam.https_url))
    wait_for(lambda: not refuses(cam.https_url))
    assert fingerprint(cam) == first, "same certificate after a reboot, HTTPS still on"
    assert httpx.get(cam.url + INFO).status_code == 307
    assert httpx.post(cam.url + "/__sim__/faults", json={"rotate_certificate": True}).json()["code"] == 0
    rotated = fingerprint(cam)
    assert rotated != first, "a pinned client now sees a different certificate"
    with session(cam.https_url) as https:
        token = https.post("/system/factory-reset").json()["sConfirmToken"]
        assert https.post("/system/factory-reset", json={"sConfirmToken": token}).json()["code"] == 0
    wait_reboot(cam.url)
    assert httpx.get(cam.url + CGI + "/system/key").status_code == 200, "a factory reset turns HTTPS off"
    assert refuses(cam.https_url)
    with session(cam.url) as http:  # the factory password, must change it first
        pem = http.get("/system/key").json()["sPublicKey"]
        password = {
            "sUserName": "admin",
            "sOldPassword": encrypt_password(pem, PASSWORD),
            "sNewPassword": encrypt_password(pem, "New#Pass2026"),
        }
        assert http.put("/system/password", json=password).json()["code"] == 0
    with session(cam.url, "New#Pass2026") as http:
        assert http.post("/system/secure", json={"sEnable": True}).json()["code"] == 0
    assert fingerprint(cam) not in (first, rotated), "the factory reset made a new certificate"
