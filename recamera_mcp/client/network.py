"""The network area (``cam.network``): the camera's Wi-Fi (status, scan, connect, forget, radio power), and which of
its interfaces this client reaches it through.

    status = await cam.network.wifi_status()          # powered, connected network, address, link
    networks = await cam.network.scan()
    reason = cam.network.may_cut_link("connect", status, "Office")   # None, or why it may cut this client off
    status = await cam.network.connect("Office", password)

A connect succeeds only when the device says so: it answers ``code 0`` with ``status`` 0, while -1 ("connect
timeout") and -2 ("worng password") are failures (``_answers.py`` raises on any ``status`` below 0; here they
become messages that say what to do). The password is sent once and never appears in a result, log or error.
Forgetting uses ``DELETE /network/wifi?ignore=<ssid>`` (the firmware's lower-case key).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any, Literal

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import DeviceApiError, NotSupported, ValidationError
from recamera_mcp.client._funnel import Funnel

__all__ = ["NetworkAPI", "WifiNetwork", "WifiStatus", "link_of"]

log = logging.getLogger(__name__)

WIFI_STATUS = "/network/wifi-status"
WIFI_LIST = "/network/wifi-list"
WIFI = "/network/wifi"
LAN = "/network/lan"
MAX_NETWORKS = 200
Link = Literal["wifi", "lan", "unknown"]


class WifiNetwork(BaseModel):
    """One network the camera sees."""

    ssid: str
    bssid: str
    rssi_dbm: int | None = None
    frequency_mhz: int | None = None
    security: str = Field(default="", description="The device's flags, e.g. [WPA2-PSK-CCMP][ESS]")
    connected: bool = False
    saved: bool = False

    @property
    def secured(self) -> bool:
        return any(word in self.security.upper() for word in ("WPA", "WEP", "PSK", "SAE", "EAP"))


class WifiStatus(BaseModel):
    """The camera's Wi-Fi, and how this client reaches the camera."""

    powered: bool
    connected: bool
    ssid: str | None = None
    bssid: str | None = None
    ipv4: str | None = Field(default=None, description="The camera's Wi-Fi address")
    lan_ipv4: str | None = Field(default=None, description="The camera's wired address")
    link: Link = Field(description="The interface this client reaches the camera through (unknown: neither address)")


def _text(value: Any, limit: int = 100) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _flag(value: Any) -> bool:
    return value is True or value == 1 or (isinstance(value, str) and value.lower() == "true")


def _ip(value: Any) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if isinstance(value, str) and value else None
    except ValueError:
        return None


def link_of(host: str, lan_ipv4: str | None, wifi_ipv4: str | None) -> Link:
    """Which interface ``host`` (the address this client uses) is: ``wifi``, ``lan`` or ``unknown``."""
    address = _ip(host)
    if address is not None and address == wifi_ipv4:
        return "wifi"
    if address is not None and address == lan_ipv4:
        return "lan"
    return "unknown"


def parse_networks(body: Any) -> list[WifiNetwork]:
    """The scan list (``[{sSsid, sBssid, iRssi, iFrequency, sFlags, sConnected, sReserved}]``), strongest first."""
    items = body if isinstance(body, list) else []
    found: list[WifiNetwork] = []
    for item in items[:MAX_NETWORKS]:
        if not isinstance(item, dict):
            continue
        ssid, bssid = _text(item.get("sSsid"), 64), _text(item.get("sBssid"), 32)
        if ssid is None and bssid is None:
            continue
        found.append(
            WifiNetwork(
                ssid=ssid or "",
                bssid=bssid or "",
                rssi_dbm=_int(item.get("iRssi")),
                frequency_mhz=_int(item.get("iFrequency")),
                security=_text(item.get("sFlags"), 120) or "",
                connected=_flag(item.get("sConnected")),
                saved=_flag(item.get("sReserved")),
            )
        )
    return sorted(found, key=lambda n: -(n.rssi_dbm if n.rssi_dbm is not None else -999))


class NetworkAPI:
    """The camera's Wi-Fi (see the module docstring)."""

    def __init__(self, funnel: Funnel) -> None:
        self._funnel = funnel

    async def scan(self) -> list[WifiNetwork]:
        """``GET /network/wifi-list``: the networks in range, strongest first (needs the radio on)."""
        return parse_networks(await self._funnel.get_json(WIFI_LIST))

    async def wifi_status(self) -> WifiStatus:
        """Radio power, the connected network and its address, the wired address, and the link in use."""
        power = await self._funnel.get_object(WIFI_STATUS)
        powered = _flag(power.get("iPower"))
        view = await self._funnel.get_object(WIFI)
        ipv4 = view.get("dIpv4") if isinstance(view.get("dIpv4"), dict) else {}
        link = view.get("dLink") if isinstance(view.get("dLink"), dict) else {}
        wifi_ip = _ip(ipv4.get("sV4Address"))
        ssid, bssid = _text(link.get("sSsid"), 64), _text(link.get("sBssid"), 32)
        if powered and wifi_ip and ssid is None:
            joined = [n for n in await self.scan() if n.connected]
            if joined:
                ssid, bssid = joined[0].ssid, joined[0].bssid
        lan_ip: str | None = None
        try:
            lan = await self._funnel.get_object(LAN)
            lan_ipv4 = lan.get("dIpv4") if isinstance(lan.get("dIpv4"), dict) else {}
            lan_ip = _ip(lan_ipv4.get("sV4Address"))
        except (DeviceApiError, NotSupported) as exc:
            log.info("%s: no LAN settings (%s)", self._funnel.address.key, exc.message)
        connected = powered and (wifi_ip is not None or ssid is not None)
        return WifiStatus(
            powered=powered,
            connected=connected,
            ssid=ssid if connected else None,
            bssid=bssid if connected else None,
            ipv4=wifi_ip if connected else None,
            lan_ipv4=lan_ip,
            link=link_of(self._funnel.address.host, lan_ip, wifi_ip if connected else None),
        )

    def may_cut_link(self, action: str, status: WifiStatus, ssid: str | None = None) -> str | None:
        """Why ``action`` (``connect``, ``forget``, ``power_off``) may cut this client off the camera, or None.

        It may when the Wi-Fi is up and this client does not reach the camera over its wired address: a new
        connection, forgetting the joined network or a radio off drop the current Wi-Fi link."""
        if not status.connected or status.link == "lan":
            return None
        if action == "forget" and ssid != status.ssid:
            return None
        if action not in ("connect", "forget", "power_off"):
            return None
        verb = {"connect": f"joining {ssid!r}", "forget": f"forgetting {ssid!r}", "power_off": "the radio off"}
        where = self._funnel.address.host
        if status.link == "wifi":
            return (
                f"this client reaches the camera over its Wi-Fi ({where}, on {status.ssid!r}): {verb[action]} drops "
                "that link; the camera may then be reachable only on its wired address or a new Wi-Fi address"
            )
        return (
            f"this client reaches the camera at {where}, which is neither its wired ({status.lan_ipv4 or 'none'}) "
            f"nor its Wi-Fi ({status.ipv4}) address: if that path runs over the Wi-Fi, {verb[action]} cuts it"
        )

    async def connect(self, ssid: str, password: str | None = None) -> WifiStatus:
        """Join ``ssid`` (``POST /network/wifi``); succeeds only on the device's ``status 0``.

        Raises :class:`ValidationError` before sending for a bad SSID or password, and :class:`DeviceApiError`
        saying what to do when the device answers a timeout (-1) or a wrong password (-2)."""
        name = ssid.strip() if isinstance(ssid, str) else ""
        if not name or len(name.encode()) > 32:
            raise ValidationError("give the network name (1 to 32 bytes)", "use a name from the scan", field="ssid")
        secret = password or ""
        if secret and not 8 <= len(secret) <= 63:
            raise ValidationError("a WPA password has 8 to 63 characters", "check the Wi-Fi password", field="password")
        key = self._funnel.address.key
        networks = await self.scan()
        match = next((n for n in networks if n.ssid == name), None)
        if match is not None and match.secured and not secret:
            raise ValidationError(f"{name!r} is secured ({match.security})", "give its password", field="password")
        body: dict[str, Any] = {"sSsid": name, "sPassword": secret}
        if match is not None and match.bssid:
            body["sBssid"] = match.bssid
        log.info("%s: joining Wi-Fi %r", key, name)
        try:
            await self._funnel.send_json("POST", WIFI, body)
        except DeviceApiError as exc:
            raise _connect_failure(key, name, exc, in_scan=match is not None) from None
        return await self.wifi_status()

    async def forget(self, ssid: str) -> WifiStatus:
        """Forget a saved network (``DELETE /network/wifi?ignore=<ssid>``); it is dropped if joined."""
        name = ssid.strip() if isinstance(ssid, str) else ""
        if not name:
            raise ValidationError("give the network name to forget", "use a saved name from the scan", field="ssid")
        await self._funnel.request("DELETE", WIFI, params={"ignore": name})
        return await self.wifi_status()

    async def power(self, on: bool) -> WifiStatus:
        """Switch the Wi-Fi radio (``POST /network/wifi-status?power=on|off``)."""
        await self._funnel.send_json("POST", WIFI_STATUS, params={"power": "on" if on else "off"})
        return await self.wifi_status()


def _connect_failure(key: str, ssid: str, exc: DeviceApiError, *, in_scan: bool) -> DeviceApiError:
    text = (exc.device_message or "").lower()
    if "password" in text:
        message, hint = f"{key} could not join {ssid!r}: the password is wrong", "give the right Wi-Fi password"
    elif "timeout" in text:
        seen = "" if in_scan else " (it is not in the camera's scan)"
        message = f"{key} could not join {ssid!r}: connect timeout{seen}"
        hint = "check the name, that the network is in range of the camera, and the password"
    else:
        return exc
    return DeviceApiError(
        message + "; its other links are unchanged",
        hint,
        status_code=exc.status_code,
        device_code=exc.device_code,
        device_message=exc.device_message,
    )
