"""Read-modify-write: untouched fields stay, dry runs send nothing, bad input writes nothing, secrets masked."""

from __future__ import annotations

import logging

import pytest

from recamera_mcp.client import (
    CONFIG_AREAS,
    SECRET_MASK,
    ConfigArea,
    DeviceApiError,
    ValidationError,
    mask_secrets,
)
from recamera_mcp.client._config import resolve_spec
from recamera_mcp.client._merge import plan_changes
from recamera_mcp.client._secrets import WIRE_LOGGER, redact_text

EXPECTED_AREAS = (
    "time lan http_api ftp serial_port video_encode_main video_encode_sub stream_main stream_sub osd audio_main "
    "audio_sub audio_storage record_global record_schedule record_triggers storage notify inference https"
).split()


def test_area_table_is_complete():
    assert [a.value for a in ConfigArea] == EXPECTED_AREAS
    assert set(CONFIG_AREAS) == set(ConfigArea)
    assert CONFIG_AREAS[ConfigArea.SERIAL_PORT].raw and CONFIG_AREAS[ConfigArea.INFERENCE].params == {"id": "0"}
    assert {CONFIG_AREAS[a].write_method for a in ConfigArea} == {"PUT", "POST"}
    assert "dMqtt.sPassword" in CONFIG_AREAS[ConfigArea.NOTIFY].secret_fields


async def test_rmw_changes_one_field_and_keeps_the_rest(camera, make_client, settle):
    cam = make_client(camera)
    before = camera.camera.config("/network/lan")
    result = await cam.config.update(ConfigArea.LAN, {"dLink": {"sDNS2": "1.1.1.1"}})
    assert result.written and not result.dry_run and result.path == "/network/lan"
    assert [(c.field, c.before, c.after, c.kept) for c in result.changes] == [
        ("dLink.sDNS2", "8.8.8.8", "1.1.1.1", True)
    ]
    after = camera.camera.config("/network/lan")
    before["dLink"]["sDNS2"] = "1.1.1.1"
    assert after == before, "every untouched field is unchanged"
    assert result.unchanged_fields == 9 and result.other_changes == []
    await settle(camera)
    put = [e for e in camera.camera.log if e.method == "PUT"]
    assert len(put) == 1 and set(put[0].body) == {"dIpv4", "dLink"} and len(put[0].body["dLink"]) == 6, "whole object"


async def test_rmw_by_path_and_nested_change(camera, make_client):
    cam = make_client(camera)
    changes = {"dIpv4": {"sV4Method": "manual", "sV4Address": "192.168.1.50"}}
    result = await cam.config.update("/network/lan", changes)
    assert all(c.kept for c in result.changes) and len(result.changes) == 2
    assert camera.camera.config("/network/lan")["dIpv4"]["sV4Address"] == "192.168.1.50"


async def test_dry_run_sends_no_write(camera, make_client, settle):
    cam = make_client(camera)
    changes = {"dLink": {"sDNS2": "1.1.1.1", "sDNS1": "192.168.1.1"}}
    result = await cam.config.update("lan", changes, dry_run=True)
    assert result.dry_run and not result.written
    assert [(c.field, c.before, c.after) for c in result.changes] == [
        ("dLink.sDNS2", "8.8.8.8", "1.1.1.1"),
        ("dLink.sDNS1", "192.168.1.1", "192.168.1.1"),
    ], "every asked field, as the write lists them (one already has the value)"
    await settle(camera)
    assert not [call for call in camera.camera.calls() if call[0] in ("PUT", "POST") and call[1] != "/system/login"]
    assert camera.camera.config("/network/lan")["dLink"]["sDNS2"] == "8.8.8.8"
    written = await cam.config.update("lan", changes)
    assert [c.field for c in written.changes] == [c.field for c in result.changes]
    await settle(camera)
    sent = [e.body for e in camera.camera.log if e.method == "PUT" and e.path == "/network/lan"]
    assert sent == [result.body], "the dry run showed the very body the write sent"


async def test_nothing_to_change_sends_no_write(camera, make_client, settle):
    cam = make_client(camera)
    result = await cam.config.update("lan", {"dLink": {"sDNS2": "8.8.8.8"}})
    assert not result.written and result.changes[0].kept
    await settle(camera)
    assert ("PUT", "/network/lan") not in camera.camera.calls()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"dLink": {"sDNS3": "1.1.1.1"}}, "dLink.sDNS3", "sDNS1"),
        ({"dBogus": 1}, "dBogus", "known fields"),
        ({"dLink": {"iPower": "1"}}, "dLink.iPower", "integer"),
        ({"dLink": {"iPower": True}}, "dLink.iPower", "integer"),
        ({"dIpv4": "dhcp"}, "dIpv4", "object"),
        ({"dIpv4": {"sV4Method": 3}}, "dIpv4.sV4Method", "string"),
        ({}, "changes", "non-empty"),
    ],
)
async def test_bad_changes_write_nothing(camera, make_client, settle, changes, field, words):
    cam = make_client(camera)
    before = camera.camera.config("/network/lan")
    with pytest.raises(ValidationError) as info:
        await cam.config.update("lan", changes)
    assert info.value.field == field and words in str(info.value)
    await settle(camera)
    assert ("PUT", "/network/lan") not in camera.camera.calls()
    assert camera.camera.config("/network/lan") == before


async def test_device_refusal_leaves_config_unchanged(camera, make_client):
    cam = make_client(camera)
    before = camera.camera.config("/network/lan")
    with pytest.raises(DeviceApiError) as info:
        await cam.config.update("lan", {"dIpv4": {"sV4Method": "static"}})
    assert info.value.module == "device"
    assert camera.camera.config("/network/lan") == before


async def test_unknown_area():
    with pytest.raises(ValidationError) as info:
        resolve_spec("lann")
    assert info.value.field == "area" and "http_api" in info.value.hint
    with pytest.raises(ValidationError):
        resolve_spec("/x/../system/reboot")
    spec = resolve_spec("/cgi-bin/entry.cgi/model/inference?id=0")
    assert spec == CONFIG_AREAS[ConfigArea.INFERENCE]
    assert resolve_spec("/some/thing", write_method="put").write_method == "PUT"
    with pytest.raises(ValidationError):
        resolve_spec("lan", write_method="DELETE")


async def test_secrets_masked_and_mask_keeps_device_value(camera, make_client):
    cam = make_client(camera)
    real = camera.camera.config("/ftp/setting")["sFtpPassword"]
    result = await cam.config.update("ftp", {"sFtpPassword": SECRET_MASK, "sFtpPort": "2121"})
    assert [c.field for c in result.changes] == ["sFtpPort"]
    assert camera.camera.config("/ftp/setting")["sFtpPassword"] == real
    result = await cam.config.update("ftp", {"sFtpPassword": "Other#Pass2"})
    assert result.changes[0].before == SECRET_MASK and result.changes[0].after == SECRET_MASK
    assert result.changes[0].kept and camera.camera.config("/ftp/setting")["sFtpPassword"] == "Other#Pass2"
    shown = await cam.config.update("ftp", {"sFtpPassword": "Third#Pass3"}, reveal_secrets=True)
    assert shown.changes[0].after == "Third#Pass3"


def test_plan_changes_nested_lists_and_nulls():
    current = {
        "maskOverlay": {"iEnabled": 0, "privacyMask": [{"id": 0, "iPositionX": 0.1}]},
        "attribute": {"iPositionX": 0.5, "sOSDFrontColorMode": 0},
        "dSelectSlotToEnable": {"sByDevPath": "/dev/sda1"},
        "dSlot": None,
    }
    merged, planned = plan_changes(
        current,
        {
            "maskOverlay": {"privacyMask": []},
            "attribute": {"iPositionX": 1, "sOSDFrontColorMode": 1},
            "dSelectSlotToEnable": None,
            "dSlot": {"sByUUID": "x"},
        },
    )
    assert merged["maskOverlay"] == {"iEnabled": 0, "privacyMask": []}, "[] removes every item"
    assert merged["attribute"] == {"iPositionX": 1, "sOSDFrontColorMode": 1}, "types follow the value, not the prefix"
    assert merged["dSelectSlotToEnable"] is None and merged["dSlot"] == {"sByUUID": "x"}
    assert current["maskOverlay"]["privacyMask"], "the input is not modified"
    assert [p.field for p in planned] == [
        "maskOverlay.privacyMask[id=0]",
        "attribute.iPositionX",
        "attribute.sOSDFrontColorMode",
        "dSelectSlotToEnable",
        "dSlot",
    ]
    with pytest.raises(ValidationError):
        plan_changes({"dSlot": None}, {"dSlot": "text"})
    with pytest.raises(ValidationError):
        plan_changes({"attribute": {"iPositionX": 0.5}}, {"attribute": {"iPositionX": "0.5"}})


def test_mask_secrets_and_redaction(caplog):
    obj = {"dMqtt": {"sPassword": "pw1", "sTopic": "t"}, "dHttp": {"sToken": ""}, "l": [{"sApiKey": "k"}], "x": 1}
    masked = mask_secrets(obj, {"dMqtt.sPassword"})
    assert masked == {
        "dMqtt": {"sPassword": SECRET_MASK, "sTopic": "t"},
        "dHttp": {"sToken": ""},
        "l": [{"sApiKey": SECRET_MASK}],
        "x": 1,
    }
    assert obj["dMqtt"]["sPassword"] == "pw1"
    text = redact_text('Cookie: token=abc.def; {"sPassword": "p\\"w"} eyJhbGc.eyJzdWIi.c2ln \'sApiKey\': \'k\'')
    assert "abc.def" not in text and 'p\\"w' not in text and "eyJzdWIi" not in text and "'k'" not in text
    caplog.set_level(logging.DEBUG, logger=WIRE_LOGGER)
    logging.getLogger(WIRE_LOGGER).debug("sent %s", {"sFtpPassword": "Secret#1"})
    assert "Secret#1" not in caplog.text and SECRET_MASK in caplog.text
