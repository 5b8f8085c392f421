"""The one table of config areas: each GET + write endpoint with its path, methods and secret fields.

Nothing else in the project hard-codes these paths: the MCP tools take a :class:`ConfigArea` and look it up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from recamera_mcp.client._lists import ListRules

__all__ = ["CONFIG_AREAS", "AreaSpec", "ConfigArea", "area_for_path"]


class ConfigArea(StrEnum):
    """Every config object of the device that can be read and written as a whole."""

    TIME = "time"
    LAN = "lan"
    HTTP_API = "http_api"
    FTP = "ftp"
    SERIAL_PORT = "serial_port"
    VIDEO_ENCODE_MAIN = "video_encode_main"
    VIDEO_ENCODE_SUB = "video_encode_sub"
    STREAM_MAIN = "stream_main"
    STREAM_SUB = "stream_sub"
    OSD = "osd"
    AUDIO_MAIN = "audio_main"
    AUDIO_SUB = "audio_sub"
    AUDIO_STORAGE = "audio_storage"
    RECORD_GLOBAL = "record_global"
    RECORD_SCHEDULE = "record_schedule"
    RECORD_TRIGGERS = "record_triggers"
    STORAGE = "storage"
    NOTIFY = "notify"
    INFERENCE = "inference"
    HTTPS = "https"


@dataclass(frozen=True, kw_only=True)
class AreaSpec:
    """One config endpoint: where it is, how it is read and written, and which of its fields are secret.

    ``path`` is relative to the CGI base unless ``raw`` (then relative to the host root). ``secret_fields`` are
    dotted paths into the object (``dMqtt.sPassword``).
    """

    path: str
    write_method: str
    read_method: str = "GET"
    raw: bool = False
    params: Mapping[str, str] | None = None
    secret_fields: frozenset[str] = field(default_factory=frozenset)
    volatile_fields: frozenset[str] = field(default_factory=frozenset)
    """Fields that change by themselves between two reads (the clock): never reported as side effects."""
    lists: ListRules = field(default_factory=ListRules)
    """How the object's lists of objects are matched in a change: by identity (``sID``, ``sName``, ``id``, or the
    field given here), by position, or replaced whole (``_lists.py``)."""
    secret_destinations: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Where a kept secret is sent: a destination field (``dMqtt.sURL``) and the secrets the device sends there
    (``dMqtt.sPassword``). Changing the destination while keeping the secret needs the secret given again, or an
    explicit confirmation (a secret must not follow a new destination unseen)."""
    description: str = ""


_STREAM_SECRETS = frozenset({"rtsp.sPassword", "onvif.sPassword"})

CONFIG_AREAS: dict[ConfigArea, AreaSpec] = {
    ConfigArea.TIME: AreaSpec(
        path="/system/time",
        write_method="PUT",
        volatile_fields=frozenset({"iTimestamp"}),
        description="System time: NTP or manual, time zone.",
    ),
    ConfigArea.LAN: AreaSpec(
        path="/network/lan", write_method="PUT", description="Wired network: IPv4 method/address, DNS, link."
    ),
    ConfigArea.HTTP_API: AreaSpec(
        path="/web/setting",
        write_method="POST",
        secret_fields=frozenset({"sApiKey"}),
        description="HTTP API access: enable flag and the 32-character API key.",
    ),
    ConfigArea.FTP: AreaSpec(
        path="/ftp/setting",
        write_method="POST",
        secret_fields=frozenset({"sFtpPassword"}),
        description="FTP server: enable, port, user, password.",
    ),
    ConfigArea.SERIAL_PORT: AreaSpec(
        path="/api/v1/device/serial-port",
        write_method="POST",
        raw=True,
        description="Serial port: baud rate, parity, stop bits, byte size.",
    ),
    ConfigArea.VIDEO_ENCODE_MAIN: AreaSpec(
        path="/video/0/encode", write_method="PUT", description="Main stream encoder: resolution, codec, rate."
    ),
    ConfigArea.VIDEO_ENCODE_SUB: AreaSpec(
        path="/video/1/encode", write_method="PUT", description="Sub stream encoder: resolution, codec, rate."
    ),
    ConfigArea.STREAM_MAIN: AreaSpec(
        path="/video/0/stream",
        write_method="POST",
        secret_fields=_STREAM_SECRETS,
        description="Main stream push: RTSP, RTMP, ONVIF, multicast (only one of RTSP/RTMP/ONVIF on).",
    ),
    ConfigArea.STREAM_SUB: AreaSpec(
        path="/video/1/stream",
        write_method="POST",
        secret_fields=_STREAM_SECRETS,
        description="Sub stream push: RTSP, RTMP, multicast (only one of RTSP/RTMP on).",
    ),
    ConfigArea.OSD: AreaSpec(
        path="/osd/cfg",
        write_method="POST",
        lists=ListRules(identity={"maskOverlay.privacyMask": "id"}),
        description="On-screen display: font, channel name, date/time, serial, inference overlay, privacy masks.",
    ),
    ConfigArea.AUDIO_MAIN: AreaSpec(path="/audio/0", write_method="POST", description="Audio of the main stream."),
    ConfigArea.AUDIO_SUB: AreaSpec(path="/audio/1", write_method="POST", description="Audio of the sub stream."),
    ConfigArea.AUDIO_STORAGE: AreaSpec(
        path="/audio/storage", write_method="POST", description="Audio of recordings (MP3)."
    ),
    ConfigArea.RECORD_GLOBAL: AreaSpec(
        path="/record/rule/config", write_method="POST", description="Recording on/off and writer format."
    ),
    ConfigArea.RECORD_SCHEDULE: AreaSpec(
        path="/record/rule/schedule-rule-config",
        write_method="POST",
        lists=ListRules(whole=frozenset({"lActiveWeekdays"})),
        description="Weekly recording schedule.",
    ),
    ConfigArea.RECORD_TRIGGERS: AreaSpec(
        path="/record/rule/record-rule-config",
        write_method="POST",
        lists=ListRules(identity={"lInferenceSet": "sID", "lInferenceSet[].lRegionFilter": ""}),
        description="What starts a recording: inference, timer, GPIO, TTY or HTTP trigger.",
    ),
    ConfigArea.STORAGE: AreaSpec(
        path="/record/storage/config", write_method="POST", description="Which storage slot recordings use."
    ),
    ConfigArea.NOTIFY: AreaSpec(
        path="/notify/cfg",
        write_method="POST",
        secret_fields=frozenset({"dMqtt.sPassword", "dHttp.sToken"}),
        secret_destinations={
            "dMqtt.sURL": frozenset({"dMqtt.sPassword"}),
            "dMqtt.iPort": frozenset({"dMqtt.sPassword"}),
            "dHttp.sUrl": frozenset({"dHttp.sToken"}),
        },
        description="Where inference results go: off, MQTT, HTTP or UART.",
    ),
    ConfigArea.INFERENCE: AreaSpec(
        path="/model/inference",
        write_method="POST",
        params={"id": "0"},
        description="Inference on/off, model and frame rate.",
    ),
    ConfigArea.HTTPS: AreaSpec(path="/system/secure", write_method="POST", description="HTTPS on or off."),
}


def area_for_path(path: str, *, raw: bool = False) -> ConfigArea | None:
    """The area served at ``path`` (query string ignored), or None."""
    bare = path.split("?", 1)[0].rstrip("/") or "/"
    for area, spec in CONFIG_AREAS.items():
        if spec.path == bare and spec.raw == raw:
            return area
    return None
