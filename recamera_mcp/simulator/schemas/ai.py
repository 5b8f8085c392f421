"""Config objects of the AI module (40xxx): result notification (``/notify/cfg``) and the inference config.

``NOTIFY`` is served by the generic config routes. ``INFERENCE`` is not in :data:`SPECS`: ``/model/inference``
has its own route (it checks the model list and fills the live status), but writes go through the same strict
rule (omitted fields revert to :data:`INFERENCE_DEFAULTS`).
"""

from __future__ import annotations

from recamera_mcp.simulator.errors import Module
from recamera_mcp.simulator.schemas.base import Check, ConfigSpec, Json

_M = Module.AI


def _non_empty(value: Json) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _mode(value: Json) -> bool:
    return value in (0, 1, 2, 3) and not isinstance(value, bool)


def _notify_rules(obj: dict[str, Json]) -> str | None:
    mode = obj["iMode"]
    if mode == 1 and not _non_empty(obj["dMqtt"]["sURL"]):
        return "dMqtt.sURL is required and must be a non-empty string"
    if mode == 2 and not _non_empty(obj["dHttp"]["sUrl"]):
        return "dHttp.sUrl is required and must be a non-empty string"
    if mode == 3 and not _non_empty(obj["dUart"]["sPort"]):
        return "dUart.sPort is required and must be a non-empty string"
    return None


NOTIFY = ConfigSpec(
    path="/notify/cfg",
    write_method="POST",
    module=_M,
    defaults={
        "iMode": 0,
        "dTemplate": {"sDetection": "", "sClassification": "", "sSegmentation": "", "sTracking": "", "sKeypoint": ""},
        "dMqtt": {
            "sURL": "",
            "iPort": 1883,
            "sTopic": "results/data",
            "sUsername": "admin",
            "sPassword": "admin",
            "sClientId": "recamera_1126b",
        },
        "dHttp": {"sUrl": "", "sToken": ""},
        "dUart": {"sPort": "ttyS4", "sPortDev": "/dev/shm/vserial1.sock"},
    },
    rules={
        "iMode": Check(
            lambda v: v in (0, 1, 2, 3) and not isinstance(v, bool), "0 (off), 1 (MQTT), 2 (HTTP), or 3 (UART)"
        ),
        "dMqtt.iPort": Check(lambda v: isinstance(v, int) and 1 <= v <= 65535, "between 1 and 65535"),
    },
    cross=(_notify_rules,),
)

INFERENCE_DEFAULTS: dict[str, Json] = {"iEnable": 0, "sModel": "yolo11n_detection.rknn", "iFPS": 30}

INFERENCE = ConfigSpec(
    path="/model/inference",
    write_method="POST",
    module=_M,
    defaults={**INFERENCE_DEFAULTS, "sStatus": "stopped", "iActualFPS": 0},
    rules={
        "iEnable": Check(lambda v: v in (0, 1) and not isinstance(v, bool), "0 or 1"),
        "iFPS": Check(lambda v: isinstance(v, int) and v >= 0, "non-negative"),
    },
    readonly=frozenset({"sStatus", "iActualFPS"}),
)

SPECS: tuple[ConfigSpec, ...] = (NOTIFY,)
