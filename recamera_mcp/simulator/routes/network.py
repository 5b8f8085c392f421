"""Wi-Fi (10xxx): radio power, scan list, the connected network, connect, forget and disconnect.

Three networks are in range (:data:`NETWORKS`), each with its password. ``POST /network/wifi`` with ``sBssid`` (or
``sSsid``) and ``sPassword`` answers ``{"code": 0, "message", "status"}`` as the firmware does: ``status`` 0
"Wifi connect success", -1 "connect timeout" (no such network in range), -2 "worng password" [sic].

Faults (``POST /__sim__/faults``):

- ``wifi_connect_timeout``: the next connect answers -1 "connect timeout" even with the right password (the
  network stays unconnected; the one after is normal again).
- ``wifi_power_off``: the Wi-Fi interface goes down, as after ``POST /network/wifi-status?power=off``: the
  connection drops (saved networks stay), ``GET /network/wifi-status`` answers ``iPower 0``, ``GET /network/wifi``
  answers the empty view (``dIpv4`` addresses ``""``, ``dLink.iPower 0``, ``sSsid``/``sBssid`` ``""``; method and
  MAC kept), and a scan or a connect answers 10001 "Wi-Fi is powered off: ...". ``?power=on`` brings it back.
Both write a line to the system log (``wpa_supplicant[873]: ...``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.errors import Module, SimError, invalid, not_permitted
from recamera_mcp.simulator.routes.common import data, device_of, read_object, success
from recamera_mcp.simulator.routes.streams import append_log
from recamera_mcp.simulator.state import DeviceState

_M = Module.DEVICE


@dataclass(frozen=True)
class Network:
    bssid: str
    ssid: str
    frequency: int
    rssi: int
    flags: str
    password: str


NETWORKS = (
    Network("a4:2b:b0:11:22:33", "Seeed-Office", 5180, -48, "[WPA2-PSK-CCMP][ESS]", "Office#Wifi1"),
    Network("a4:2b:b0:11:22:34", "Seeed-Guest", 2437, -63, "[ESS]", ""),
    Network("f0:9f:c2:55:66:77", "Lab-2.4G", 2462, -77, "[WPA-PSK-TKIP][WPA2-PSK-CCMP][ESS]", "labpass123"),
)
WLAN_MAC = "2c:f7:f1:00:00:02"


@dataclass
class Wifi:
    power: int = 1
    saved: set[str] = field(default_factory=set)
    """SSIDs of saved networks."""
    connected: str | None = None
    """BSSID of the connected network."""
    timeout_next: bool = False


def wifi_of(state: DeviceState) -> Wifi:
    return state.area("wifi", Wifi)


def _by_ssid(ssid: str) -> Network | None:
    return next((n for n in NETWORKS if n.ssid == ssid), None)


def _by_bssid(bssid: str) -> Network | None:
    return next((n for n in NETWORKS if n.bssid.lower() == bssid.lower()), None)


def _require_power(wifi: Wifi) -> None:
    if not wifi.power:
        raise not_permitted(_M, "Wi-Fi is powered off: POST /network/wifi-status?power=on first")


async def wifi_status(request: Request) -> Response:
    state = device_of(request)
    wifi = wifi_of(state)
    if request.method == "GET":
        return data({"iPower": wifi.power, "iId": 1, "sType": "wifi"})
    power = request.query_params.get("power")
    if power not in ("on", "off"):
        raise invalid(_M, "invalid power value: use 'on' or 'off'")
    with state.lock:
        wifi.power = int(power == "on")
        if not wifi.power:
            wifi.connected = None
    return success(f"power {power} success")


async def wifi_list(request: Request) -> Response:
    wifi = wifi_of(device_of(request))
    _require_power(wifi)
    return data(
        [
            {
                "sBssid": n.bssid,
                "sFlags": n.flags,
                "iFrequency": n.frequency,
                "iRssi": n.rssi,
                "sSsid": n.ssid,
                "sConnected": "true" if wifi.connected == n.bssid else "false",
                "sReserved": "true" if n.ssid in wifi.saved else "false",
            }
            for n in NETWORKS
        ]
    )


def _connected_view(wifi: Wifi, address: str) -> dict[str, Any]:
    network = _by_bssid(wifi.connected) if wifi.connected else None
    up = network is not None
    return {
        "dIpv4": {
            "sV4Method": "dhcp",
            "sV4Address": address if up else "",
            "sV4Gateway": "192.168.50.1" if up else "",
            "sV4Netmask": "255.255.255.0" if up else "",
        },
        "dLink": {
            "sDNS1": "192.168.50.1" if up else "",
            "sDNS2": "",
            "sAddress": WLAN_MAC,
            "sInterface": "wlan0",
            "iPower": wifi.power,
            "sSsid": network.ssid if network else "",
            "sBssid": network.bssid if network else "",
        },
    }


async def wifi(request: Request) -> Response:
    state = device_of(request)
    box = wifi_of(state)
    if request.method == "GET":
        return data(_connected_view(box, state.settings.wifi_ipv4))
    if request.method == "DELETE":
        return _forget(state, box, request)
    if "scan" in request.query_params:
        _require_power(box)
        return success("scan success")
    body = await read_object(request, _M)
    unknown = set(body) - {"sBssid", "sSsid", "sPassword"}
    if unknown:
        raise invalid(_M, f"Unknown parameter: {sorted(unknown)[0]}")
    bssid, ssid, password = body.get("sBssid"), body.get("sSsid"), body.get("sPassword", "")
    if not isinstance(password, str):
        raise invalid(_M, "Invalid parameter type: sPassword")
    if not (isinstance(bssid, str) and bssid) and not (isinstance(ssid, str) and ssid):
        raise invalid(_M, "Missing parameter: sBssid")
    _require_power(box)
    network = _by_bssid(bssid) if isinstance(bssid, str) and bssid else _by_ssid(str(ssid))
    with state.lock:
        timeout, box.timeout_next = box.timeout_next, False
    if network is None or timeout:
        if network is not None:
            append_log(state, "WARN", f"wpa_supplicant[873]: wlan0: {network.ssid}: association timed out")
        return JSONResponse({"code": 0, "message": "connect timeout", "status": -1})
    if network.password and password != network.password:
        return JSONResponse({"code": 0, "message": "worng password", "status": -2})
    with state.lock:
        box.connected = network.bssid
        box.saved.add(network.ssid)
    return JSONResponse({"code": 0, "message": "Wifi connect success", "status": 0})


def _forget(state: DeviceState, box: Wifi, request: Request) -> Response:
    params = request.query_params
    ignore = params.get("ignore", params.get("Ignore"))
    with state.lock:
        current = _by_bssid(box.connected) if box.connected else None
        if ignore is not None:
            if ignore not in box.saved:
                raise SimError(int(_M) + 2, "ignore failed - maybe the ssid is not saved", 400)
            box.saved.discard(ignore)
            if current is not None and current.ssid == ignore:
                box.connected = None
            return success("ignore success")
        ssid = params.get("disconnect")
        if ssid is None:
            raise invalid(_M, "Missing parameter: ignore or disconnect")
        if current is None or current.ssid != ssid:
            raise SimError(int(_M) + 2, f"disconnect failed - not connected to {ssid!r}", 400)
        box.connected = None
    return success("disconnect success")


ROUTES: list[BaseRoute] = [
    Route("/network/wifi-status", wifi_status, methods=["GET", "POST"]),
    Route("/network/wifi-list", wifi_list, methods=["GET"]),
    Route("/network/wifi", wifi, methods=["GET", "POST", "DELETE"]),
]


def _timeout_next(state: DeviceState) -> None:
    wifi_of(state).timeout_next = True


def _power_off(state: DeviceState) -> None:
    box = wifi_of(state)
    with state.lock:
        box.power = 0
        box.connected = None
    append_log(state, "WARN", "wpa_supplicant[873]: wlan0: CTRL-EVENT-DISCONNECTED reason=3, interface down")


FAULTS = {"wifi_connect_timeout": _timeout_next, "wifi_power_off": _power_off}
