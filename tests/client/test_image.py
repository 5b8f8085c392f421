"""ISP tuning (exact request sequence, guaranteed commit, validation before I/O) and the video/OSD/audio rules."""

from __future__ import annotations

import pytest

from recamera_mcp.client import ConfigArea, ValidationError
from recamera_mcp.client._endpoints import CONFIG_AREAS
from recamera_mcp.client._validators import check_merged, problems_of

IMAGE = [("GET", "/image/0")]
SAVE_COMMIT = [("POST", "/image/0/scene-save"), ("PUT", "/image/0/scene"), ("GET", "/image/0")]
"""2026 firmware (the simulator's default): scene-save while editing, then the commit, then the read-back."""
COMMIT = [("PUT", "/image/0/scene"), ("GET", "/image/0")]


def isp(camera):
    return camera.camera.extras["image"]


async def fresh(camera, make_client, settle):
    cam = make_client(camera)
    await cam.login()
    await cam.dialect()  # the firmware generation, read once per login
    await settle(camera)
    camera.camera.clear_log()
    return cam


def calls(camera):
    """The logged requests without the settle markers."""
    return [e.call for e in camera.camera.log if not e.query.startswith("settle=")]


def bodies(camera, method, path):
    return [e.body for e in camera.camera.log if e.call == (method, path)]


async def test_current_scene_resolves_to_profile_in_use_and_commits(camera, make_client, settle):
    cam = await fresh(camera, make_client, settle)
    await cam.send_json("PUT", "/image/0/night-to-day", {"iProfileSelect": 2})
    await settle(camera)
    camera.camera.clear_log()

    result = await cam.image.tune("current", adjustment={"iBrightness": 70})

    await settle(camera)
    assert calls(camera) == IMAGE + [("PUT", "/image/0/scene"), ("PUT", "/image/0/2/adjustment")] + SAVE_COMMIT
    assert bodies(camera, "PUT", "/image/0/scene") == [{"iProfile": 2}, {"iProfile": -1}]
    # the WHOLE sub-object: night profile's own values kept, only brightness changed
    assert bodies(camera, "PUT", "/image/0/2/adjustment") == [
        {"iBrightness": 70, "iContrast": 50, "iHue": 50, "iSaturation": 30, "iSharpness": 50}
    ]
    assert result.ok and result.profile == 2 and result.left_edit_mode and result.saved
    [change] = result.changes
    assert (change.field, change.before, change.after, change.kept) == (
        "profile[2].imageAdjustment.iBrightness",
        60,
        70,
        True,
    )
    state = isp(camera)
    assert state.editing is None and state.commits == 1 and state.saves == 1
    assert state.committed["profile"][2]["imageAdjustment"]["iBrightness"] == 70
    assert state.persisted["profile"][2]["imageAdjustment"]["iBrightness"] == 70, "saved: survives a reboot"


async def test_failed_step_still_commits_and_says_so(camera, make_client, settle):
    cam = await fresh(camera, make_client, settle)
    camera.camera.faults.only_path = "/image/0/0/adjustment"
    camera.camera.faults.fail_next = 1

    result = await cam.image.tune("general", adjustment={"iBrightness": 80}, exposure={"sExposureTime": "1/60"})

    await settle(camera)
    assert calls(camera) == IMAGE + [("PUT", "/image/0/scene"), ("PUT", "/image/0/0/adjustment")] + COMMIT
    assert result.saved is None and any("nothing was saved" in note for note in result.notes)
    assert [e.status for e in camera.camera.log if e.path == "/image/0/0/adjustment"] == [500]
    assert bodies(camera, "PUT", "/image/0/scene")[-1] == {"iProfile": -1}
    assert result.failed_step == "PUT /image/0/0/adjustment" and "500" in (result.error or "")
    assert result.entered_edit_mode and result.left_edit_mode
    assert isp(camera).editing is None  # not left in edit mode
    assert {c.field: c.kept for c in result.changes} == {
        "profile[0].imageAdjustment.iBrightness": False,
        "profile[0].exposure.sExposureTime": False,
    }
    assert "edit mode was left" in result.summary()


async def test_scene_save_404_is_tolerated(camera, make_client, settle):
    cam = await fresh(camera, make_client, settle)
    camera.camera.faults.only_path = "/image/0/scene-save"
    camera.camera.faults.fail_status = 404
    camera.camera.faults.fail_next = 1
    result = await cam.image.tune("day", white_balance={"sWhiteBlanceStyle": "daylight"})
    assert result.ok and result.left_edit_mode and result.saved, "no scene-save: the commit saves"
    assert any("no scene-save" in note for note in result.notes)


async def test_scene_save_failure_is_reported_and_the_commit_still_sent(camera, make_client, settle):
    cam = await fresh(camera, make_client, settle)
    camera.camera.faults.answer_next = {"status": 200, "body": {"code": 20005, "message": "save failed"},
                                        "path": "/image/0/scene-save"}  # fmt: skip
    result = await cam.image.tune("day", white_balance={"sWhiteBlanceStyle": "daylight"})
    assert result.ok and result.left_edit_mode and result.saved is False
    assert any("not saved" in note and "save failed" in note for note in result.notes)
    assert isp(camera).editing is None


@pytest.mark.parametrize("firmware", ["legacy", "2026"])
async def test_each_firmware_saves_the_tuned_profile(make_camera, make_client, settle, firmware):
    """2026 saves with scene-save sent before the commit (after it, it would save nothing); legacy saves with the
    commit and has no scene-save, so none is sent."""
    camera = make_camera(firmware=firmware)
    cam = await fresh(camera, make_client, settle)
    result = await cam.image.tune("night", adjustment={"iContrast": 15})
    await settle(camera)
    sequence = SAVE_COMMIT if firmware == "2026" else COMMIT
    assert calls(camera) == IMAGE + [("PUT", "/image/0/scene"), ("PUT", "/image/0/2/adjustment")] + sequence
    assert result.ok and result.saved and result.left_edit_mode
    assert isp(camera).persisted["profile"][2]["imageAdjustment"]["iContrast"] == 15


@pytest.mark.parametrize(
    ("groups", "field", "text"),
    [
        ({"adjustment": {"iBrightness": 170}}, "adjustment.iBrightness", "0-100"),
        ({"white_balance": {"iWhiteBalanceCT": 2000}}, "white_balance.iWhiteBalanceCT", "2800-7500"),
        ({"backlight": {"iHDRLevel": 2}}, "backlight.iHDRLevel", "1"),
        ({"exposure": {"sExposure": "auto"}}, "exposure.sExposure", "sExposureMode"),
        ({"video_adjustment": {"iImageRotation": 45}}, "video_adjustment.iImageRotation", "90"),
        ({}, "groups", "adjustment"),
    ],
)
async def test_range_validation_before_any_request(camera, make_client, settle, groups, field, text):
    cam = await fresh(camera, make_client, settle)
    with pytest.raises(ValidationError) as info:
        await cam.image.tune("night", **groups)
    assert info.value.field == field and text in str(info.value)
    await settle(camera)
    assert calls(camera) == []


async def test_backlight_exclusion_checked_against_current_values(camera, make_client, settle):
    cam = await fresh(camera, make_client, settle)
    assert (await cam.image.tune("general", backlight={"sHDR": "open"})).ok
    await settle(camera)
    camera.camera.clear_log()
    with pytest.raises(ValidationError) as info:
        await cam.image.tune("general", backlight={"sBLCRegion": "open"})
    message = str(info.value)
    assert "sHDR (already open)" in message and "only one at a time" in message
    assert "'sBLCRegion': 'open'" in message and "'sHDR': 'close'" in message
    await settle(camera)
    assert calls(camera) == IMAGE  # read, nothing written
    # the suggested fix works
    ok = await cam.image.tune("general", backlight={"sBLCRegion": "open", "sHDR": "close"})
    assert ok.ok and all(c.kept for c in ok.changes)


async def test_camera_wide_groups_need_no_edit_mode(camera, make_client, settle):
    cam = await fresh(camera, make_client, settle)
    result = await cam.image.tune(video_adjustment={"sImageFlip": "mirror"})
    await settle(camera)
    assert calls(camera) == IMAGE + [("PUT", "/image/0/video-adjustment"), ("GET", "/image/0")]
    assert bodies(camera, "PUT", "/image/0/video-adjustment") == [
        {"iImageRotation": 0, "sImageFlip": "mirror", "sPowerLineFrequencyMode": "PAL(50HZ)"}
    ]
    assert result.ok and not result.entered_edit_mode and result.changes[0].kept
    with pytest.raises(ValidationError, match="iDuskTime"):
        await cam.image.tune(night_to_day={"iDuskTime": 3600})


async def test_reset_image(camera, make_client, settle):
    cam = await fresh(camera, make_client, settle)
    await cam.image.tune("day", adjustment={"iContrast": 90})
    await cam.image.reset()
    assert isp(camera).committed["profile"][1]["imageAdjustment"]["iContrast"] == 50
    await settle(camera)
    assert ("POST", "/image/0") in calls(camera)


# ---- video / stream / OSD / audio rules ---------------------------------------------------------------------------
def _mask(i, x=0.1):
    return {"id": i, "iPositionX": x, "iPositionY": 0.1, "iMaskWidth": 0.1, "iMaskHeight": 0.1}


async def test_mask_limit_refused_before_write(camera, make_client, settle):
    cam = await fresh(camera, make_client, settle)
    with pytest.raises(ValidationError) as info:
        await cam.config.update(ConfigArea.OSD, {"maskOverlay": {"privacyMask": [_mask(i) for i in range(7)]}})
    assert info.value.field == "maskOverlay.privacyMask" and "at most 6" in str(info.value)
    with pytest.raises(ValidationError) as info:
        await cam.config.update(ConfigArea.OSD, {"maskOverlay": {"privacyMask": [_mask(0, x=120)]}})
    assert info.value.field == "maskOverlay.privacyMask[0].iPositionX" and "0..1" in str(info.value)
    await settle(camera)
    assert ("POST", "/osd/cfg") not in calls(camera)
    result = await cam.config.update(ConfigArea.OSD, {"maskOverlay": {"privacyMask": [_mask(i) for i in range(6)]}})
    assert result.written and all(c.kept for c in result.changes)


@pytest.mark.parametrize(
    ("area", "changes", "field", "text"),
    [
        (ConfigArea.VIDEO_ENCODE_MAIN, {"sFrameRate": "200"}, "sFrameRate", "1~120"),
        (ConfigArea.VIDEO_ENCODE_MAIN, {"sFrameRate": "abc"}, "sFrameRate", "numeric string"),
        (ConfigArea.VIDEO_ENCODE_SUB, {"sResolution": "3840*2160"}, "sResolution", "1920*1080 for the sub"),
        (ConfigArea.VIDEO_ENCODE_MAIN, {"sResolution": "1920x1080"}, "sResolution", "W*H"),
        (ConfigArea.VIDEO_ENCODE_MAIN, {"iMaxRate": 70000}, "iMaxRate", "3~65536"),
        (ConfigArea.VIDEO_ENCODE_MAIN, {"sOutputDataType": "MJPEG"}, "sOutputDataType", "H.265"),
        (ConfigArea.STREAM_MAIN, {"rtmp": {"iEnabled": 1, "sURL": "rtmp://h/live"}}, "rtmp.iEnabled", "RTSP/RTMP"),
        (ConfigArea.STREAM_SUB, {"onvif": {"iEnabled": 1}}, "onvif.iEnabled", "main stream only"),
        (ConfigArea.OSD, {"attribute": {"sOSDFrontColor": "#FF0000"}}, "attribute.sOSDFrontColor", "RRGGBB"),
        (ConfigArea.AUDIO_MAIN, {"iBitRate": 32000}, "iBitRate", "64000"),
        (ConfigArea.AUDIO_STORAGE, {"iBitRate": 256000}, "iBitRate", "8000~128000"),
    ],
)
async def test_video_rules_refuse_before_write(camera, make_client, settle, area, changes, field, text):
    cam = await fresh(camera, make_client, settle)
    with pytest.raises(ValidationError) as info:
        await cam.config.update(area, changes)
    assert info.value.field == field and text in str(info.value) and info.value.hint
    await settle(camera)
    assert [m for m, _ in calls(camera) if m != "GET"] == []


async def test_valid_video_change_is_written(camera, make_client):
    cam = make_client(camera)
    result = await cam.config.update(ConfigArea.VIDEO_ENCODE_MAIN, {"sResolution": "1920*1080", "iGOP": 30})
    assert result.written and all(c.kept for c in result.changes)


def test_existing_problem_does_not_block_an_unrelated_change():
    spec = CONFIG_AREAS[ConfigArea.VIDEO_ENCODE_MAIN]
    current = {"sFrameRate": "240", "iGOP": 60}  # a firmware that allows more than these rules know
    check_merged(spec, current, {"sFrameRate": "240", "iGOP": 30})
    with pytest.raises(ValidationError):
        check_merged(spec, current, {"sFrameRate": "240", "iGOP": 300})
    assert problems_of(ConfigArea.TIME, {"anything": 1}) == []
