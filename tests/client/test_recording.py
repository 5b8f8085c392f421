"""Record rule validation in read_modify_write: triggers, schedule windows, formats, and the model-dependent
region rule (classification ⇒ no regions, detection ⇒ at least one polygon, default the full frame)."""

from __future__ import annotations

from typing import Any

import pytest

from recamera_mcp.client import ConfigArea, ValidationError
from recamera_mcp.client._validators import problems_of

FULL = [[0, 0], [1, 0], [1, 1], [0, 1]]
RULE = {"sID": "r1", "iDebounceTimes": 3, "lConfidenceFilter": [0.5, 1.0], "lClassFilter": ["person"]}


def writes(device: Any) -> list[tuple[str, str]]:
    return [c for c in device.camera.calls() if c[0] == "POST" and c[1].startswith("/record/")]


@pytest.mark.parametrize(
    ("area", "changes", "field", "text"),
    [
        (ConfigArea.RECORD_TRIGGERS, {"sCurrentSelected": "MOTION"}, "sCurrentSelected", "INFERENCE_SET"),
        (ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": []}, "lInferenceSet", "at least one rule"),
        (ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [RULE, RULE]}, "lInferenceSet[1].sID", "used twice"),
        (
            ConfigArea.RECORD_TRIGGERS,
            {"lInferenceSet": [{"sID": "rule-1", "lConfidenceFilter": [50, 100]}]},
            "lInferenceSet[0].lConfidenceFilter",
            "0 <= min <= max <= 1",
        ),
        (
            ConfigArea.RECORD_TRIGGERS,
            {"lInferenceSet": [{"sID": "rule-1", "lRegionFilter": [{"lPolygon": [[0, 0], [640, 0], [640, 480]]}]}]},
            "lInferenceSet[0].lRegionFilter[0].lPolygon",
            "normalised to 0..1",
        ),
        (ConfigArea.RECORD_TRIGGERS, {"dTimer": {"iIntervalSeconds": 0}}, "dTimer.iIntervalSeconds", "1~604800"),
        (ConfigArea.RECORD_TRIGGERS, {"dGPIO": {"sSignal": "UP"}}, "dGPIO.sSignal", "RISING"),
        (ConfigArea.RECORD_GLOBAL, {"dWriterConfig": {"sFormat": "mp4"}}, "dWriterConfig.sFormat", "upper case"),
        (
            ConfigArea.RECORD_SCHEDULE,
            {"lActiveWeekdays": [{"sStart": "Monday 09:00:00", "sEnd": "Mon 18:00:00"}]},
            "lActiveWeekdays[0].sStart",
            "weekday and time",
        ),
        (
            ConfigArea.RECORD_SCHEDULE,
            {"lActiveWeekdays": [{"sStart": "Mon 09:00:00", "sEnd": "Mon 24:30:00"}]},
            "lActiveWeekdays[0].sEnd",
            "24:00:00 allowed",
        ),
        (
            ConfigArea.RECORD_SCHEDULE,
            {"lActiveWeekdays": [{"sStart": "Sun 22:00:00", "sEnd": "Mon 06:00:00"}]},
            "lActiveWeekdays[0].sEnd",
            "split a window across Sunday midnight",
        ),
        (
            ConfigArea.RECORD_SCHEDULE,
            {"bEnabled": True, "lActiveWeekdays": []},
            "lActiveWeekdays",
            "nothing would ever",
        ),
    ],
)
async def test_bad_record_rules_are_refused_before_any_write(camera, make_client, area, changes, field, text):
    client = make_client(camera)
    with pytest.raises(ValidationError) as caught:
        await client.config.update(area, changes)
    assert caught.value.field == field and text in str(caught.value), str(caught.value)
    assert writes(camera) == []


async def test_good_schedule_and_trigger_are_written(camera, make_client):
    client = make_client(camera)
    windows = [{"sStart": "Mon 22:00:00", "sEnd": "Tue 06:00:00"}, {"sStart": "Sun 22:00:00", "sEnd": "Sun 24:00:00"}]
    result = await client.config.update(ConfigArea.RECORD_SCHEDULE, {"bEnabled": True, "lActiveWeekdays": windows})
    assert result.written and all(c.kept for c in result.changes)
    result = await client.config.update(ConfigArea.RECORD_TRIGGERS, {"sCurrentSelected": "HTTP"})
    assert result.written


async def test_detection_model_needs_a_region_and_defaults_to_the_full_frame(camera, make_client):
    client = make_client(camera)  # the simulator's default inference model is a detection model
    with pytest.raises(ValidationError) as caught:
        await client.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{**RULE, "lRegionFilter": []}]})
    assert "detection model" in str(caught.value) and "lPolygon" in caught.value.hint
    assert writes(camera) == []
    await client.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [RULE]})  # a new rule, no regions
    stored = await client.config.get(ConfigArea.RECORD_TRIGGERS)
    assert [r["sID"] for r in stored["lInferenceSet"]] == ["rule-1", "r1"], "added beside the device's rule"
    assert stored["lInferenceSet"][1]["lRegionFilter"] == [{"lPolygon": FULL}]


async def test_classification_model_needs_empty_regions(camera, make_client):
    client = make_client(camera)
    await client.config.update(ConfigArea.INFERENCE, {"iEnable": 0, "sModel": "mobilenet_cls.rknn"})
    rule = {"sID": "rule-1", "lRegionFilter": [{"lPolygon": FULL}, {"lPolygon": FULL}]}
    with pytest.raises(ValidationError) as caught:
        await client.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [rule]})
    assert "classification model" in str(caught.value) and caught.value.field == "lInferenceSet[0].lRegionFilter"
    assert writes(camera) == []
    with pytest.raises(ValidationError) as caught:  # a new rule is fine, but the device's rule-1 has a region
        await client.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [RULE]})
    assert caught.value.field == "lInferenceSet[0].lRegionFilter"
    clear = {"lInferenceSet": [{"sID": "rule-1", "lRegionFilter": []}]}
    assert (await client.config.update(ConfigArea.RECORD_TRIGGERS, clear)).written
    result = await client.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [RULE]})
    assert result.written
    stored = await client.config.get(ConfigArea.RECORD_TRIGGERS)
    assert [(r["sID"], r["lRegionFilter"]) for r in stored["lInferenceSet"]] == [("rule-1", []), ("r1", [])]


@pytest.mark.parametrize("firmware", ["legacy", "2026"])
async def test_class_filters_speak_the_cameras_firmware(make_camera, make_client, firmware):
    """Class ids on legacy firmware, label names on 2026 firmware, and only labels of the inference model."""
    camera = make_camera(firmware=firmware)
    client = make_client(camera)
    right, wrong = ([1], ["person"]) if firmware == "legacy" else (["car"], [0])
    with pytest.raises(ValidationError) as caught:
        await client.config.update(
            ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "rule-1", "lClassFilter": wrong}]}
        )
    assert "this firmware" in str(caught.value) and caught.value.field == "lInferenceSet[0].lClassFilter"
    unknown = [999] if firmware == "legacy" else ["unicorn"]
    with pytest.raises(ValidationError, match="not among the inference model's labels"):
        await client.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{**RULE, "lClassFilter": unknown}]})
    assert writes(camera) == []
    done = await client.config.update(
        ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "rule-1", "lClassFilter": right}]}
    )
    assert (
        done.written
        and (await client.config.get(ConfigArea.RECORD_TRIGGERS))["lInferenceSet"][0]["lClassFilter"] == right
    )


@pytest.mark.parametrize("firmware", ["legacy", "2026"])
async def test_inference_model_switch_uses_each_firmwares_id(make_camera, make_client, firmware):
    camera = make_camera(firmware=firmware)
    client = make_client(camera)
    await client.config.update(ConfigArea.INFERENCE, {"sModel": "mobilenet_cls.rknn"})
    assert (await client.inference.state())["sModel"] == "mobilenet_cls.rknn"
    post = next(e for e in camera.camera.log if e.method == "POST" and e.path == "/model/inference")
    index = [m["model"] for m in await client.models.list()].index("mobilenet_cls.rknn")
    assert index > 0, "the test needs a model that is not the first"
    assert post.query == f"id={0 if firmware == 'legacy' else index}"


def test_defaults_pass_every_record_rule():
    from recamera_mcp.simulator.schemas.recording import RECORD_RULE, RULE_CONFIG, SCHEDULE

    assert problems_of(ConfigArea.RECORD_GLOBAL, RULE_CONFIG.default_object()) == []
    assert problems_of(ConfigArea.RECORD_SCHEDULE, SCHEDULE.default_object()) == []
    assert problems_of(ConfigArea.RECORD_TRIGGERS, RECORD_RULE.default_object()) == []
