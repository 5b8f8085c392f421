"""Config objects of the device module (10xxx): time, LAN, HTTP API key, FTP, serial port, HTTPS."""

from __future__ import annotations

import ipaddress

from recamera_mcp.simulator.errors import Module
from recamera_mcp.simulator.schemas.base import Check, ConfigSpec, Json, OneOf, Pattern, Range
from recamera_mcp.simulator.zones import known_zone

_M = Module.DEVICE


def _ipv4(value: Json) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except (ipaddress.AddressValueError, ValueError, TypeError):
        return False
    return True


def _numeric_port(value: Json) -> bool:
    return isinstance(value, str) and value.isdigit() and 1 <= int(value) <= 65535


def _time_body(body: dict[str, Json]) -> str | None:
    """The firmware needs the clock value in manual mode and the server in NTP mode, not defaults."""
    if body.get("sMethod") == "manual" and "iTimestamp" not in body:
        return "Missing parameter: iTimestamp"
    if body.get("sMethod") == "ntp" and "dNtpConfig" not in body:
        return "Missing parameter: dNtpConfig"
    return None


def _time_rules(obj: dict[str, Json]) -> str | None:
    if obj["sMethod"] == "ntp" and not obj["dNtpConfig"]["sAddress"]:
        return "Missing parameter: dNtpConfig"
    return None


def _lan_rules(obj: dict[str, Json]) -> str | None:
    ipv4 = obj["dIpv4"]
    if ipv4["sV4Method"] != "manual":
        return None
    try:
        iface = ipaddress.IPv4Interface(f"{ipv4['sV4Address']}/{ipv4['sV4Netmask']}")
        gateway = ipaddress.IPv4Address(ipv4["sV4Gateway"])
    except ValueError:
        return "Invalid IP address format"
    address = iface.ip
    if address.is_loopback or address == ipaddress.IPv4Address("0.0.0.0"):
        return "IP cannot be loopback(127.x.x.x) or default(0.0.0.0)"
    if address in (iface.network.network_address, iface.network.broadcast_address):
        return "IP cannot be network address or broadcast address"
    if gateway not in iface.network:
        return "IP and gateway must be in the same subnet"
    if address == gateway:
        return "IP address cannot be the same as gateway"
    if not (obj["dLink"]["sDNS1"] or obj["dLink"]["sDNS2"]):
        return "At least one of sDNS1 or sDNS2 is required"
    return None


TIME = ConfigSpec(
    path="/system/time",
    write_method="PUT",
    module=_M,
    defaults={
        "sMethod": "ntp",
        "dNtpConfig": {"sAddress": "pool.ntp.org", "sPort": "123"},
        "iTimestamp": 0,
        "sTimezone": "Asia/Shanghai",
        "sTz": "UTC+8",
    },
    rules={
        "sMethod": OneOf(("ntp", "manual")),
        "dNtpConfig.sPort": Check(_numeric_port, "a numeric port 1~65535"),
        "iTimestamp": Range(0, 4102444800),
        "sTz": Pattern(r"UTC[+-](1[0-4]|[0-9])(:[0-5][0-9])?", "UTC+H or UTC-H (e.g. UTC+8)"),
        "sTimezone": Check(known_zone, "an IANA zone name such as Europe/Berlin"),
    },
    cross=(_time_rules,),
    body_rules=(_time_body,),
)

LAN = ConfigSpec(
    path="/network/lan",
    write_method="PUT",
    module=_M,
    defaults={
        "dIpv4": {
            "sV4Method": "dhcp",
            "sV4Address": "192.168.1.100",
            "sV4Gateway": "192.168.1.1",
            "sV4Netmask": "255.255.255.0",
        },
        "dLink": {
            "sDNS1": "192.168.1.1",
            "sDNS2": "8.8.8.8",
            "sAddress": "2c:f7:f1:00:00:01",
            "sInterface": "eth0",
            "iPower": 1,
            "sNicSpeed": "100baseT/Full",
        },
    },
    rules={
        "dIpv4.sV4Method": OneOf(("dhcp", "manual")),
        "dIpv4.sV4Address": Check(_ipv4, "an IPv4 address (Invalid IP address format)"),
        "dIpv4.sV4Gateway": Check(_ipv4, "an IPv4 address (Invalid gateway format)"),
        "dIpv4.sV4Netmask": Check(_ipv4, "a dotted netmask (Invalid netmask format)"),
        "dLink.sDNS1": Check(lambda v: v == "" or _ipv4(v), "an IPv4 address or empty"),
        "dLink.sDNS2": Check(lambda v: v == "" or _ipv4(v), "an IPv4 address or empty"),
        "dLink.sNicSpeed": OneOf(("Auto", "10baseT/Half", "10baseT/Full", "100baseT/Half", "100baseT/Full")),
        "dLink.iPower": OneOf((0, 1)),
    },
    readonly=frozenset({"dLink.sAddress", "dLink.sInterface"}),
    cross=(_lan_rules,),
)

HTTP_API = ConfigSpec(
    path="/web/setting",
    write_method="POST",
    module=_M,
    defaults={"sEnable": False, "sApiKey": "K3y-0f-32-characters-for-API!!aa"},
    rules={"sApiKey": Check(lambda v: isinstance(v, str) and len(v) == 32, "32 characters long")},
)

FTP = ConfigSpec(
    path="/ftp/setting",
    write_method="POST",
    module=_M,
    defaults={"sEnable": False, "sFtpPort": "21", "sFtpUser": "recamera", "sFtpPassword": "Ftp#Pass2026"},
    rules={
        "sFtpPort": Check(_numeric_port, "a numeric port 1~65535 (the port out of range)"),
        "sFtpUser": Pattern(r"[a-z_][a-z0-9_-]{0,31}", "a lower-case user name of 1~32 characters"),
        "sFtpPassword": Check(lambda v: isinstance(v, str) and len(v) >= 6, "at least 6 characters (weak password)"),
    },
    aliases={"sEnabel": "sEnable"},
)

SERIAL_PORT = ConfigSpec(
    path="/api/v1/device/serial-port",
    write_method="POST",
    module=_M,
    raw=True,
    defaults={"iBaudrate": 115200, "sParity": "N", "iStopbits": 1, "iBytesize": 8},
    rules={
        "iBaudrate": OneOf((9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600)),
        "sParity": OneOf(("N", "E", "O")),
        "iStopbits": OneOf((1, 2)),
        "iBytesize": OneOf((5, 6, 7, 8)),
    },
)

HTTPS = ConfigSpec(
    path="/system/secure",
    write_method="POST",
    module=_M,
    defaults={"sEnable": False},
)

SPECS: tuple[ConfigSpec, ...] = (TIME, LAN, HTTP_API, FTP, SERIAL_PORT, HTTPS)
