"""The simulator's maintenance endpoints: reboot, factory reset, config export/import, Wi-Fi."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
import time

import httpx

from recamera_mcp.simulator.schemas import ALL_SPECS
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.testing import CGI, PASSWORD, raw_login, raw_session
from tests.simulator.helpers import REBOOT_S, is_up, make_tar, upload, wait_for, wait_reboot


def test_reboot_goes_down_then_back_with_sessions_invalidated(make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    with raw_session(cam.url) as http:
        assert http.post("/system/reboot").json() == {"code": 0, "message": "success"}
        wait_reboot(cam.url)
        stale = http.get("/system/device-info")
        assert stale.status_code == 401 and stale.json()["code"] == 401
    assert raw_login(cam.url)[0]["iAuth"] == 1


def test_a_camera_removed_while_rebooting_stays_gone(sim_fleet):
    cam = sim_fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD, reboot_s=REBOOT_S))
    cam.camera.reboot()
    wait_for(lambda: not is_up(cam.url))
    sim_fleet.remove(cam)
    reboot = cam._reboot
    assert reboot is not None and reboot.cancelled(), "the reboot was cancelled, not left to bring the camera back"
    cam.camera.reboot()  # a late reboot request (e.g. from a background task) must not start another one
    sim_fleet._run(asyncio.sleep(0))  # the loop has handled the request scheduled before this
    assert cam._reboot is reboot and not is_up(cam.url)


def test_factory_reset_is_two_phase(make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    hook = {"iMode": 2, "dHttp": {"sUrl": "http://127.0.0.1:9/hook"}}
    with raw_session(cam.url) as http:
        assert http.post("/notify/cfg", json=hook).json()["code"] == 0
        first = http.post("/system/factory-reset").json()
        assert first["code"] == 0 and len(first["sConfirmToken"]) >= 16
        assert http.get("/notify/cfg").json()["iMode"] == 2, "no token: nothing reset"
        wrong = http.post("/system/factory-reset", json={"sConfirmToken": "not-the-token"})
        assert wrong.json()["code"] != 0 and http.get("/notify/cfg").json()["iMode"] == 2
        done = http.post("/system/factory-reset", json={"sConfirmToken": first["sConfirmToken"]})
        assert done.json()["code"] == 0
    wait_reboot(cam.url)
    body, token = raw_login(cam.url, PASSWORD)
    assert body["iAuth"] == 2 and token, "the factory password comes back with must-change"
    assert cam.camera.config("/notify/cfg")["iMode"] == 0


def test_factory_reset_token_expires_and_is_single_use(make_camera):
    cam = make_camera(factory_reset_token_ttl_s=0)
    with raw_session(cam.url) as http:
        token = http.post("/system/factory-reset").json()["sConfirmToken"]
        expired = http.post("/system/factory-reset", json={"sConfirmToken": token})
        assert expired.status_code == 403 and "expired" in expired.json()["message"]
        assert not cam.camera.auth.must_change


def test_config_export_is_a_tar_of_the_configs(camera):
    with raw_session(camera.url) as http:
        assert http.post("/notify/cfg", json={"iMode": 2, "dHttp": {"sUrl": "http://hook"}}).json()["code"] == 0
        export = http.get("/config/export").json()
        assert export["url"] == "/download/config.tar"
        assert httpx.get(camera.url + export["url"]).status_code == 401
        raw = httpx.get(camera.url + export["url"], cookies=dict(http.cookies))
        assert raw.status_code == 200 and len(raw.content) == export["size"]
        with tarfile.open(fileobj=io.BytesIO(raw.content)) as tar:
            notify = json.loads(tar.extractfile("notify/cfg.json").read())  # type: ignore[union-attr]
            assert notify["iMode"] == 2 and notify["dHttp"]["sUrl"] == "http://hook"
            assert "network/lan.json" in tar.getnames()


def test_config_import_waits_for_reboot(make_camera):
    cam = make_camera(reboot_s=REBOOT_S)
    with raw_session(cam.url) as http:
        http.post("/notify/cfg", json={"iMode": 2, "dHttp": {"sUrl": "http://hook"}})
        http.get("/config/export")
        archive = httpx.get(cam.url + "/download/config.tar", cookies=dict(http.cookies)).content
        http.post("/notify/cfg", json={"iMode": 0})
        broken = make_tar({"notify/cfg.json": json.dumps({"iMode": 9}).encode()})
        assert upload(http, "/config/upload", broken).json()["message"].startswith("Invalid config archive")
        assert upload(http, "/config/upload", archive).json() == {
            "code": 0,
            "message": "config import pending reboot",
        }
        assert http.get("/notify/cfg").json()["iMode"] == 0, "not applied before the reboot"
        http.post("/system/reboot")
    wait_reboot(cam.url)
    with raw_session(cam.url) as http:
        assert http.get("/notify/cfg").json()["dHttp"]["sUrl"] == "http://hook"


def write(http: httpx.Client, path: str, change) -> None:
    """Read, change, write back (read before write), with the endpoint's own method."""
    spec = ALL_SPECS[path]
    base = str(http.base_url).split(CGI)[0] if spec.raw else ""
    obj = http.get(base + path).json()
    change(obj)
    answer = http.request(spec.write_method, base + path, json=obj).json()
    assert answer["code"] == 0, (path, answer)


def configs_of(http: httpx.Client) -> dict[str, dict]:
    found = {}
    for path, spec in ALL_SPECS.items():
        base = str(http.base_url).split(CGI)[0] if spec.raw else ""
        found[path] = http.get(base + path).json()
    found["/system/time"].pop("iTimestamp")  # the clock, not config
    return found


def test_config_of_camera_a_imported_into_b_except_what_is_b_s_own(make_camera):
    a = make_camera(serial="RC2B000000000A")
    b = make_camera(serial="RC2B000000000B", reboot_s=REBOOT_S)
    lan_a = {"sV4Method": "manual", "sV4Address": "192.168.7.50", "sV4Gateway": "192.168.7.254"}
    lan_b = {"sV4Method": "manual", "sV4Address": "192.168.9.60", "sV4Gateway": "192.168.9.254"}
    with raw_session(a.url) as http:
        write(http, "/notify/cfg", lambda o: o.update(iMode=2, dHttp={"sUrl": "http://hook", "sToken": "t"}))
        write(http, "/web/setting", lambda o: o.update(sEnable=True, sApiKey="A" * 31 + "!"))
        write(http, "/video/0/encode", lambda o: o.update(sFrameRate="25", iGOP=50))
        write(http, "/osd/cfg", lambda o: o["channelNameOverlay"].update(iEnabled=1, sChannelName="Gate A"))
        write(http, "/system/time", lambda o: o.update(sTimezone="Europe/Berlin", sTz="UTC+1"))
        write(http, "/api/v1/device/serial-port", lambda o: o.update(iBaudrate=9600))
        write(http, "/network/lan", lambda o: o["dIpv4"].update(lan_a))
        write(http, "/record/storage/config", lambda o: o.update(dSelectSlotToEnable={"sByDevPath": "/dev/mmcblk0p8"}))
        export = http.get("/config/export").json()
        archive = httpx.get(a.url + export["url"], cookies=dict(http.cookies)).content
        wanted = configs_of(http)
    with raw_session(b.url) as http:
        write(http, "/network/lan", lambda o: o["dIpv4"].update(lan_b))
        own = configs_of(http)
        assert upload(http, "/config/upload", archive).json()["message"] == "config import pending reboot"
        assert configs_of(http) == own, "nothing applied before the reboot"
        http.post("/system/reboot")
    wait_reboot(b.url)
    with raw_session(b.url) as http:
        got = configs_of(http)
        info = http.get("/system/device-info").json()
    assert info["sSerialNumber"] == "RC2B000000000B", "the serial is B's"
    for path in ("/network/lan", "/record/storage/config"):
        assert got[path] == own[path], f"{path} is B's own"
    for stream in ("/video/0/stream", "/video/1/stream"):
        assert got[stream]["rtsp"]["sURL"].startswith(f"rtsp://{b.host}:"), "generated for B"
        wanted[stream]["rtsp"]["sURL"] = got[stream]["rtsp"]["sURL"]
    for path in ALL_SPECS:
        if path not in ("/network/lan", "/record/storage/config"):
            assert got[path] == wanted[path], path
    assert got["/notify/cfg"]["dHttp"]["sUrl"] == "http://hook" and got["/osd/cfg"] != own["/osd/cfg"]


def test_wifi_power_scan_connect_and_forget(camera):
    with raw_session(camera.url) as http:
        assert http.get("/network/wifi-status").json() == {"iPower": 1, "iId": 1, "sType": "wifi"}
        bad = http.post("/network/wifi-status", params={"power": "maybe"}).json()
        assert bad["message"] == "invalid power value: use 'on' or 'off'"
        assert http.post("/network/wifi-status", params={"power": "off"}).json()["message"] == "power off success"
        assert http.get("/network/wifi-list").json()["code"] != 0
        http.post("/network/wifi-status", params={"power": "on"})
        scan = {n["sSsid"]: n for n in http.get("/network/wifi-list").json()}
        office = scan["Seeed-Office"]
        assert office["sConnected"] == "false" and office["sReserved"] == "false"
        wrong = http.post("/network/wifi", json={"sBssid": office["sBssid"], "sPassword": "nope"}).json()
        assert wrong["status"] == -2
        assert http.post("/network/wifi", json={"sSsid": "Nowhere", "sPassword": "x"}).json()["status"] == -1
        ok = http.post("/network/wifi", json={"sSsid": "Seeed-Office", "sPassword": "Office#Wifi1"}).json()
        assert ok == {"code": 0, "message": "Wifi connect success", "status": 0}
        assert http.get("/network/wifi").json()["dLink"]["sSsid"] == "Seeed-Office"
        scan = {n["sSsid"]: n for n in http.get("/network/wifi-list").json()}
        assert scan["Seeed-Office"]["sConnected"] == "true" and scan["Seeed-Office"]["sReserved"] == "true"
        assert http.delete("/network/wifi", params={"disconnect": "Seeed-Office"}).json()["code"] == 0
        assert http.get("/network/wifi").json()["dIpv4"]["sV4Address"] == ""
        assert http.delete("/network/wifi", params={"Ignore": "Seeed-Office"}).json()["message"] == "ignore success"
        again = http.delete("/network/wifi", params={"ignore": "Seeed-Office"}).json()
        assert again["message"] == "ignore failed - maybe the ssid is not saved"


def test_a_camera_whose_port_is_taken_during_a_reboot_says_so(make_camera, caplog):
    import logging
    import socket

    from recamera_mcp.simulator.fleet import bind_socket

    cam = make_camera(reboot_s=1.0)
    caplog.set_level(logging.ERROR, logger="recamera_mcp.simulator.fleet")
    cam.camera.reboot()
    deadline = time.monotonic() + 5
    squatter: socket.socket | None = None
    while squatter is None:
        assert time.monotonic() < deadline, "the camera never went down"
        try:
            squatter = bind_socket(cam.host, cam.port)
        except OSError:
            time.sleep(0.02)
    try:
        while "cannot come back after the reboot" not in caplog.text:
            assert time.monotonic() < deadline + 5, "no error was reported"
            time.sleep(0.02)
        assert not cam.up.is_set()
    finally:
        squatter.close()
