"""One secrets policy: a config object holding every kind of secret goes through get_config, call_api, the wire log
and an error text, and the same fields come out masked in each (nothing secret anywhere)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from recamera_mcp.client import SECRET_MASK
from tests.server.helpers import call_error, call_ok

NOTIFY = "/notify/cfg"
STREAM = "/video/0/stream"
SECRETS = {
    "area field": "Mq88Secret",  # dMqtt.sPassword, listed for the area
    "key name": "Tk11Secret",  # dHttp.sToken, a secret by its name
    "url userinfo": "Ui22Secret",  # mqtt://bob:...@broker
    "url query": "Qy33Secret",  # ...?token=...
    "stream key": "Sk44Secret",  # rtmp://host/app/<key>
    "stream password": "Rp55Secret",  # rtsp.sPassword
}


def plant(camera: Any) -> None:
    notify = camera.camera.configs[NOTIFY]
    notify["dMqtt"].update(
        sURL=f"mqtt://bob:{SECRETS['url userinfo']}@broker.lan", sPassword=SECRETS["area field"], sUsername="bob"
    )
    notify["dHttp"].update(sUrl=f"https://hook.lan/in?token={SECRETS['url query']}", sToken=SECRETS["key name"])
    stream = camera.camera.configs[STREAM]
    stream["rtmp"]["sURL"] = f"rtmp://live.lan/app/{SECRETS['stream key']}"
    stream["rtsp"]["sPassword"] = SECRETS["stream password"]


def masked_fields(value: Any, prefix: str = "") -> set[str]:
    """Dotted paths of every value that shows the mask."""
    if isinstance(value, dict):
        return set().union(*(masked_fields(v, f"{prefix}.{k}" if prefix else k) for k, v in value.items()))
    return {prefix} if isinstance(value, str) and SECRET_MASK in value else set()


def assert_no_secret(text: str, where: str) -> None:
    for kind, secret in SECRETS.items():
        assert secret not in text, f"the {kind} secret leaked through {where}"


@pytest.fixture
def wire_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="recamera_mcp.wire")
    caplog.set_level(logging.DEBUG, logger="httpx")
    return caplog


async def test_every_secret_kind_is_masked_the_same_on_every_path(connect, camera, wire_log):
    plant(camera)
    expected = {
        "notify": {"dMqtt.sURL", "dMqtt.sPassword", "dHttp.sUrl", "dHttp.sToken"},
        "stream_main": {"rtmp.sURL", "rtsp.sPassword", "onvif.sPassword"},
    }
    async with connect() as mcp:
        for area, path in (("notify", NOTIFY), ("stream_main", STREAM)):
            shown = await call_ok(mcp, "get_config", host=camera.address, area=area)
            raw = await call_ok(mcp, "call_api", host=camera.address, method="GET", path=path)
            assert masked_fields(shown["config"]) == expected[area], area
            assert masked_fields(raw["body"]) == expected[area], area
            assert_no_secret(repr(shown) + repr(raw), f"get_config/call_api {area}")
        assert shown["config"]["rtmp"]["sURL"] == f"rtmp://live.lan/app/{SECRET_MASK}"
        # errors quote current values only through the same policy
        for changes in ({"dMqtt": {"sURL": 5}}, {"dMqtt": {"sPassword": 5}}, {"dHttp": {"sUrl": 7}}):
            err = await call_error(mcp, "update_config", host=camera.address, area="notify", changes=changes)
            assert "must be string" in err
            assert_no_secret(err, f"the error for {changes}")
        # a dry run and a write that touch the secret-holding objects show masks too
        dry = await call_ok(
            mcp, "update_config", host=camera.address, area="notify", changes={"dMqtt": {"iPort": 1884}}, dry_run=True
        )
        assert_no_secret(repr(dry), "a dry run")
        kept = await call_ok(
            mcp,
            "update_config",
            host=camera.address,
            area="stream_main",
            changes={"rtmp": {"sURL": f"rtmp://live.lan/app/{SECRET_MASK}"}, "rtsp": {"sUserName": "viewer"}},
        )
        assert_no_secret(repr(kept), "a write")
    # a masked URL sent back keeps the device's secret
    assert camera.camera.configs[STREAM]["rtmp"]["sURL"] == f"rtmp://live.lan/app/{SECRETS['stream key']}"
    wire = "\n".join(record.getMessage() for record in wire_log.records)
    assert "/notify/cfg" in wire and "dMqtt" in wire, "the wire log saw the objects"
    assert_no_secret(wire, "the wire log")
