"""Config objects of the live video area (20xxx): encoders, stream outputs, OSD, audio.

Field names, ranges and messages follow ``recamera-api-fields.md`` §2.3 (the firmware's validation texts where
the binary has them). The ISP objects live in :mod:`~recamera_mcp.simulator.schemas.image`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from recamera_mcp.simulator.errors import Module
from recamera_mcp.simulator.schemas.base import (
    Check,
    ConfigSpec,
    CrossRule,
    Json,
    MaxItems,
    OneOf,
    Pattern,
    Range,
    Rule,
)

_M = Module.VIDEO

MAX_PRIVACY_MASKS = 6


def _bit() -> Check:
    return Check(lambda v: type(v) is int and v in (0, 1), "0 or 1")


@dataclass(frozen=True)
class Resolution(Rule):
    """``"W*H"`` with both sides within the stream's limits (the firmware's three messages)."""

    max_w: int
    max_h: int
    min_side: int = 384

    def check(self, name: str, value: Json) -> str | None:
        if not isinstance(value, str) or "*" not in value:
            return f"{name} must be in WxH format"
        match = re.fullmatch(r"(\d{1,5})\*(\d{1,5})", value)
        if match is None:
            return f"{name} must be numeric WxH"
        width, height = int(match[1]), int(match[2])
        if not (self.min_side <= width <= self.max_w and self.min_side <= height <= self.max_h):
            return f"{name} must be {self.min_side}*{self.min_side} ~ {self.max_w}*{self.max_h}"
        return None


@dataclass(frozen=True)
class FrameRate(Rule):
    """A numeric string 1~120 (``"30"``)."""

    def check(self, name: str, value: Json) -> str | None:
        if not isinstance(value, str) or not value.isdigit():
            return f"{name} must be numeric string"
        if not 1 <= int(value) <= 120:
            return f"{name} must be 1~120"
        return None


# ---- /video/{0|1}/encode ----------------------------------------------------------------------------------------
def _encode(stream: int) -> ConfigSpec:
    main = stream == 0
    return ConfigSpec(
        path=f"/video/{stream}/encode",
        write_method="PUT",
        module=_M,
        defaults={
            "id": stream,
            "sStreamType": "mainStream" if main else "subStream",
            "iEnabled": 1,
            "sResolution": "3840*2160" if main else "640*480",
            "sOutputDataType": "H.265",
            "sFrameRate": "30",
            "iMaxRate": 8192 if main else 1024,
            "iGOP": 60,
            "sRCMode": "CBR" if main else "VBR",
            "sRCQuality": "high",
        },
        rules={
            "sStreamType": Check(lambda v: len(v) <= 63, "at most 63 chars (sStreamType is too long)"),
            "iEnabled": _bit(),
            "sResolution": Resolution(3840, 2160) if main else Resolution(1920, 1080),
            "sOutputDataType": Check(lambda v: v in ("H.264", "H.265"), "H.264 or H.265"),
            "sFrameRate": FrameRate(),
            "iMaxRate": Range(3, 65536),
            "iGOP": Range(1, 120),
            "sRCMode": Check(lambda v: v in ("CBR", "VBR"), "CBR or VBR"),
            "sRCQuality": Check(lambda v: v in ("highest", "high", "medium", "low"), "highest, high, medium, or low"),
        },
        readonly=frozenset({"id"}),
    )


# ---- /video/{0|1}/stream ----------------------------------------------------------------------------------------
def _multicast(value: Json) -> bool:
    try:
        return isinstance(value, str) and ipaddress.IPv4Address(value).is_multicast
    except ValueError:
        return False


def _port(value: Json) -> bool:
    return isinstance(value, str) and value.isdigit() and 1 <= int(value) <= 65535


def _rtmp_url(value: Json) -> bool:
    return isinstance(value, str) and (value == "" or re.fullmatch(r"rtmps?://[^\s/]+(/\S*)?", value) is not None)


def _stream_rules(main: bool) -> CrossRule:
    def rule(obj: dict[str, Json]) -> str | None:
        if main:
            on = [name for name in ("rtsp", "rtmp", "onvif") if obj[name]["iEnabled"]]
            if len(on) > 1:
                return "Only one of RTSP/RTMP/ONVIF can be enabled at a time for main stream"
        else:
            if obj["onvif"]["iEnabled"]:
                return "onvif.iEnabled must be 0 for sub stream (ONVIF is served on the main stream only)"
            if obj["rtsp"]["iEnabled"] and obj["rtmp"]["iEnabled"]:
                return "Only one of RTSP/RTMP can be enabled at a time for sub stream"
        if obj["rtmp"]["iEnabled"] and not obj["rtmp"]["sURL"]:
            return "Empty parameter: rtmp.sURL (an rtmp:// URL is required when RTMP is enabled)"
        return None

    return rule


def _stream(stream: int) -> ConfigSpec:
    main = stream == 0
    credentials = Pattern(r"[^\s:@]{1,31}", "1~31 characters without spaces, ':' or '@'")
    return ConfigSpec(
        path=f"/video/{stream}/stream",
        write_method="POST",
        module=_M,
        defaults={
            "rtsp": {"iEnabled": 1, "sURL": "", "iAuthType": 0, "sUserName": "admin", "sPassword": "admin"},
            "rtmp": {"iEnabled": 0, "sURL": ""},
            "onvif": {"iEnabled": 0, "iAuthType": 0, "sUserName": "admin", "sPassword": "admin"},
            "muticast": {"iEnabled": 0, "sAddress": "224.1.1.1", "sPort": "8868" if main else "8869"},
        },
        rules={
            "rtsp.iEnabled": _bit(),
            "rtsp.iAuthType": _bit(),
            "rtsp.sUserName": credentials,
            "rtsp.sPassword": credentials,
            "rtmp.iEnabled": _bit(),
            "rtmp.sURL": Check(_rtmp_url, "empty or an rtmp:// or rtmps:// URL"),
            "onvif.iEnabled": _bit(),
            "onvif.iAuthType": _bit(),
            "onvif.sUserName": credentials,
            "onvif.sPassword": credentials,
            "muticast.iEnabled": _bit(),
            "muticast.sAddress": Check(_multicast, "IPv4 multicast address (224.0.0.0 ~ 239.255.255.255)"),
            "muticast.sPort": Check(_port, "1~65535"),
        },
        readonly=frozenset({"rtsp.sURL"}),
        cross=(_stream_rules(main),),
    )


# ---- /osd/cfg -----------------------------------------------------------------------------------------------------
_DATE_STYLES = tuple(
    f"{kind}-{order}" for kind in ("CHR", "NUM") for order in ("YYYY-MM-DD", "DD-MM-YYYY", "MM-DD-YYYY")
)


def _unique_mask_ids(obj: dict[str, Json]) -> str | None:
    seen: set[int] = set()
    for mask in obj["maskOverlay"]["privacyMask"]:
        if mask["id"] in seen:
            return f"maskOverlay.privacyMask ids must be unique (id {mask['id']} appears twice)"
        seen.add(mask["id"])
    return None


_UNIT = Range(0, 1)
OSD_MASK_TEMPLATE: dict[str, Any] = {
    "id": 0,
    "iPositionX": 0.0,
    "iPositionY": 0.0,
    "iMaskWidth": 0.1,
    "iMaskHeight": 0.1,
}

OSD = ConfigSpec(
    path="/osd/cfg",
    write_method="POST",
    module=_M,
    defaults={
        "attribute": {"iOSDFontSize": 32, "sOSDFrontColor": "FFFFFF", "sOSDFrontColorMode": 0},
        "channelNameOverlay": {"iEnabled": 1, "iPositionX": 0.02, "iPositionY": 0.04, "sChannelName": "reCamera"},
        "dateTimeOverlay": {
            "iEnabled": 1,
            "iDisplayWeekEnabled": 0,
            "iPositionX": 0.6,
            "iPositionY": 0.04,
            "sDateStyle": "CHR-YYYY-MM-DD",
            "sTimeStyle": "24hour",
        },
        "SNOverlay": {"iEnabled": 0, "iPositionX": 0.02, "iPositionY": 0.92},
        "inferenceOverlay": {"iEnabled": 1},
        "maskOverlay": {"iEnabled": 0, "privacyMask": []},
    },
    items={"maskOverlay.privacyMask": OSD_MASK_TEMPLATE},
    rules={
        "maskOverlay.privacyMask": MaxItems(MAX_PRIVACY_MASKS),
        "attribute.iOSDFontSize": OneOf((0, 16, 32, 48, 64)),
        "attribute.sOSDFrontColor": Pattern(r"[0-9A-Fa-f]{6}", "6 hex digits RRGGBB"),
        "attribute.sOSDFrontColorMode": _bit(),
        "channelNameOverlay.iEnabled": _bit(),
        "channelNameOverlay.iPositionX": _UNIT,
        "channelNameOverlay.iPositionY": _UNIT,
        "channelNameOverlay.sChannelName": Check(lambda v: len(v) <= 63, "at most 63 characters"),
        "dateTimeOverlay.iEnabled": _bit(),
        "dateTimeOverlay.iDisplayWeekEnabled": _bit(),
        "dateTimeOverlay.iPositionX": _UNIT,
        "dateTimeOverlay.iPositionY": _UNIT,
        "dateTimeOverlay.sDateStyle": OneOf(_DATE_STYLES),
        "dateTimeOverlay.sTimeStyle": OneOf(("12hour", "24hour")),
        "SNOverlay.iEnabled": _bit(),
        "SNOverlay.iPositionX": _UNIT,
        "SNOverlay.iPositionY": _UNIT,
        "inferenceOverlay.iEnabled": _bit(),
        "maskOverlay.iEnabled": _bit(),
        "maskOverlay.privacyMask[].id": Check(lambda v: v >= 0, ">= 0"),
        "maskOverlay.privacyMask[].iPositionX": _UNIT,
        "maskOverlay.privacyMask[].iPositionY": _UNIT,
        "maskOverlay.privacyMask[].iMaskWidth": _UNIT,
        "maskOverlay.privacyMask[].iMaskHeight": _UNIT,
    },
    cross=(_unique_mask_ids,),
)


def missing_osd_parts(body: dict[str, Json]) -> str | None:
    """The firmware's "missing required section/field" message for an OSD write body, or None.

    Unlike most endpoints, ``/osd/cfg`` does not fill omitted sections from defaults: every section and every
    field of a section is required (mask items may omit fields, they take the item template).
    """
    for section, fields in OSD.defaults.items():
        if section not in body:
            return f"missing required section: {section}"
        if isinstance(body[section], dict):
            for name in fields:
                if name not in body[section]:
                    return f"missing required field: {section}.{name}"
    return None


# ---- /audio/{0|1} and /audio/storage ------------------------------------------------------------------------------
def _audio_rules(obj: dict[str, Json]) -> str | None:
    kind, rate = obj["sEncodeType"], obj["iBitRate"]
    if kind not in ("G711A", "G711U", "G726"):
        return f"Unsupported sEncodeType '{kind}', valid values: G711A, G711U, G726"
    if kind in ("G711A", "G711U") and rate != 64000:
        return "iBitRate must be 64000 for G711x encoding"
    if kind == "G726" and rate not in (16000, 24000, 32000, 40000):
        return "iBitRate must be 16000, 24000, 32000 or 40000 for G726 encoding"
    return None


def _storage_audio_rules(obj: dict[str, Json]) -> str | None:
    if obj["sEncodeType"] != "MP3":
        return f"Unsupported sEncodeType '{obj['sEncodeType']}', valid values: MP3"
    if not 8000 <= obj["iBitRate"] <= 128000:
        return "iBitRate out of range: must be between 8000 and 128000"
    return None


def _audio(path: str, kind: str, cross: CrossRule) -> ConfigSpec:
    return ConfigSpec(
        path=path,
        write_method="POST",
        module=_M,
        defaults={"iEnable": 1, "iBitRate": 64000, "sEncodeType": kind},
        rules={"iEnable": _bit()},
        cross=(cross,),
    )


SPECS: tuple[ConfigSpec, ...] = (
    _encode(0),
    _encode(1),
    _stream(0),
    _stream(1),
    OSD,
    _audio("/audio/0", "G711A", _audio_rules),
    _audio("/audio/1", "G711A", _audio_rules),
    _audio("/audio/storage", "MP3", _storage_audio_rules),
)
