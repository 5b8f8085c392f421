"""Wi-Fi failures over real sockets: a connect that times out with the right password, the interface going down."""

from __future__ import annotations

import httpx

from recamera_mcp.simulator.routes.streams import log_state
from recamera_mcp.simulator.testing import raw_session

OFFICE = {"sSsid": "Seeed-Office", "sPassword": "Office#Wifi1"}


def fault(camera, name: str) -> None:
    assert httpx.post(camera.url + "/__sim__/faults", json={name: True}).json()["code"] == 0


def log_texts(camera) -> list[str]:
    return [line.text for line in log_state(camera.camera).lines]


def test_a_fault_makes_the_next_connect_time_out_with_the_right_password(camera):
    with raw_session(camera.url) as http:
        fault(camera, "wifi_connect_timeout")
        timed_out = http.post("/network/wifi", json=OFFICE).json()
        assert timed_out == {"code": 0, "message": "connect timeout", "status": -1}
        assert http.get("/network/wifi").json()["dLink"]["sSsid"] == ""
        assert http.post("/network/wifi", json=OFFICE).json()["status"] == 0, "only the next connect"
        assert http.get("/network/wifi").json()["dLink"]["sSsid"] == "Seeed-Office"
    assert any("Seeed-Office: association timed out" in text for text in log_texts(camera))


def test_power_off_takes_the_interface_down(camera):
    with raw_session(camera.url) as http:
        assert http.post("/network/wifi", json=OFFICE).json()["status"] == 0
        fault(camera, "wifi_power_off")
        assert http.get("/network/wifi-status").json() == {"iPower": 0, "iId": 1, "sType": "wifi"}
        down = http.get("/network/wifi").json()
        assert down["dIpv4"] == {"sV4Method": "dhcp", "sV4Address": "", "sV4Gateway": "", "sV4Netmask": ""}
        assert down["dLink"]["iPower"] == 0 and down["dLink"]["sSsid"] == "" and down["dLink"]["sAddress"]
        for answer in (http.get("/network/wifi-list"), http.post("/network/wifi", json=OFFICE)):
            assert answer.json()["code"] == 10001 and "powered off" in answer.json()["message"]
        assert http.post("/network/wifi-status", params={"power": "on"}).json()["message"] == "power on success"
        scan = {n["sSsid"]: n for n in http.get("/network/wifi-list").json()}
        assert scan["Seeed-Office"]["sReserved"] == "true" and scan["Seeed-Office"]["sConnected"] == "false"
    assert any("CTRL-EVENT-DISCONNECTED" in text for text in log_texts(camera))
