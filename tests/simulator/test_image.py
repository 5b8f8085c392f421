"""Image (ISP) area of the simulator: edit mode per profile, commit, timeout discard, BLC/HDR/HLC, reset."""

from __future__ import annotations

import time

import httpx
import pytest

from recamera_mcp.simulator.routes.image import isp_state
from recamera_mcp.simulator.schemas.image import default_image
from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import reboot, rejected

OK = {"code": 0, "message": "success"}


def _brightness(http: httpx.Client, profile: int) -> int:
    return int(http.get("/image/0").json()["profile"][profile]["imageAdjustment"]["iBrightness"])


def test_get_image_has_the_documented_shape(camera):
    with raw_session(camera.url) as http:
        image = http.get("/image/0").json()
    assert image == default_image()
    assert set(image) == {"id", "videoAdjustment", "nightToDay", "profile"} and len(image["profile"]) == 3
    assert set(image["profile"][2]) == {"imageAdjustment", "exposure", "BLC", "whiteBlance", "imageEnhancement"}
    assert image["nightToDay"]["iProfileCur"] == 0


def test_profile_writes_need_edit_mode_for_that_profile(camera):
    with raw_session(camera.url) as http:
        message = rejected(http.put("/image/0/0/adjustment", json={"iBrightness": 70}), "edit mode")
        assert 'PUT /image/0/scene {"iProfile": 0}' in message
        assert http.put("/image/0/scene", json={"iProfile": 1}).json() == OK
        message = rejected(http.put("/image/0/2/adjustment", json={"iBrightness": 70}), "Profile 2", "profile 1")
        assert 'PUT /image/0/scene {"iProfile": 2}' in message
        rejected(http.put("/image/0/3/adjustment", json={}), "Invalid scene id: must be 0, 1, or 2")
        for bad in (3, -2, "1", True, None):
            rejected(http.put("/image/0/scene", json={"iProfile": bad}), "iProfile must be -1, 0, 1, or 2")
        rejected(http.put("/image/0/scene", json={}), "Missing parameter: iProfile")
        assert _brightness(http, 2) == default_image()["profile"][2]["imageAdjustment"]["iBrightness"]


def test_commit_keeps_the_value_and_partial_write_resets_the_sub_object(camera):
    with raw_session(camera.url) as http:
        assert http.put("/image/0/scene", json={"iProfile": 0}).json() == OK
        assert http.put("/image/0/0/adjustment", json={"iBrightness": 70, "iContrast": 40}).json() == OK
        assert http.put("/image/0/0/adjustment", json={"iBrightness": 75}).json() == OK
        live = http.get("/image/0").json()["profile"][0]["imageAdjustment"]
        assert live == {"iBrightness": 75, "iContrast": 50, "iHue": 50, "iSaturation": 50, "iSharpness": 50}
        assert isp_state(camera.camera).committed["profile"][0]["imageAdjustment"]["iBrightness"] == 50
        assert http.put("/image/0/scene", json={"iProfile": -1}).json() == OK
        assert _brightness(http, 0) == 75
        assert http.post("/image/0/scene-save").json() == OK
        rejected(http.put("/image/0/0/adjustment", json={"iBrightness": 10}), "Not in edit mode")
    isp = isp_state(camera.camera)
    assert isp.committed["profile"][0]["imageAdjustment"]["iBrightness"] == 75
    assert (isp.commits, isp.saves, isp.editing) == (1, 1, None)


def test_night_profile_write_reverts_omitted_fields_to_its_own_defaults(camera):
    night_defaults = default_image()["profile"][2]["imageEnhancement"]
    with raw_session(camera.url) as http:
        http.put("/image/0/scene", json={"iProfile": 2})
        assert http.put("/image/0/2/enhancement", json={"iNoiseReduceMode": 0}).json() == OK
        stored = http.get("/image/0").json()["profile"][2]["imageEnhancement"]
    assert stored == dict(night_defaults, iNoiseReduceMode=0)


def test_profile_write_rejections_leave_the_live_values_unchanged(camera):
    cases = [
        ("adjustment", {"iBrightness": 101}, "iBrightness must be 0~100"),
        ("adjustment", {"iBrightness": "50"}, "Invalid parameter type: iBrightness"),
        ("adjustment", {"iGamma": 2}, "Unknown parameter: iGamma"),
        ("exposure", {"sExposureMode": "shutter"}, "sExposureMode must be one of auto, manual"),
        ("exposure", {"iExposureGain": 0}, "iExposureGain must be >= 1"),
        ("exposure", {"sExposureTime": "30"}, "sExposureTime"),
        ("blc", {"iHDRLevel": 2}, "iHDRLevel must be 1"),
        ("blc", {"iHLCLevel": 0}, "iHLCLevel must be 1~100"),
        ("white-blance", {"iWhiteBalanceCT": 9000}, "iWhiteBalanceCT must be 2800~7500"),
        ("white-blance", {"sWhiteBlanceStyle": "autoWhiteBalance"}, "sWhiteBlanceStyle"),
        ("enhancement", {"sNoiseReduceMode": 1}, "Unknown parameter: sNoiseReduceMode"),
    ]
    with raw_session(camera.url) as http:
        http.put("/image/0/scene", json={"iProfile": 1})
        before = http.get("/image/0").json()
        for part, body, words in cases:
            rejected(http.put(f"/image/0/1/{part}", json=body), words)
        assert http.get("/image/0").json() == before


def test_backlight_modes_exclude_each_other(camera):
    with raw_session(camera.url) as http:
        http.put("/image/0/scene", json={"iProfile": 0})
        message = rejected(http.put("/image/0/0/blc", json={"sBLCRegion": "open", "sHDR": "open"}))
        assert "BLC (sBLCRegion) and HDR (sHDR) are open" in message and '"close"' in message
        message = rejected(http.put("/image/0/0/blc", json={"sHDR": "open", "sHLC": "open", "sBLCRegion": "open"}))
        assert "BLC (sBLCRegion) and HDR (sHDR) and HLC (sHLC) are open" in message
        assert http.put("/image/0/0/blc", json={"sHLC": "open", "iHLCLevel": 40}).json() == OK
        blc = http.get("/image/0").json()["profile"][0]["BLC"]
    assert blc["sHLC"] == "open" and blc["iHLCLevel"] == 40 and blc["sHDR"] == "close"


def test_edit_mode_times_out_and_discards(make_camera):
    cam = make_camera(isp_edit_timeout_s=1.0)  # the first read must fall inside it
    with raw_session(cam.url) as http:
        http.put("/image/0/scene", json={"iProfile": 0})
        assert http.put("/image/0/0/adjustment", json={"iBrightness": 90}).json() == OK
        assert _brightness(http, 0) == 90
        deadline = time.monotonic() + 5
        while _brightness(http, 0) == 90:  # reads do not keep edit mode alive
            assert time.monotonic() < deadline, "edit mode never timed out"
        assert _brightness(http, 0) == 50
        rejected(http.put("/image/0/0/adjustment", json={"iBrightness": 91}), "Not in edit mode")
        assert http.put("/image/0/scene", json={"iProfile": -1}).json() == OK
        assert _brightness(http, 0) == 50, "a commit after the timeout has nothing to commit"
    assert isp_state(cam.camera).discarded == 1


def test_isp_timeout_fault_discards_now(camera):
    with raw_session(camera.url) as http:
        http.put("/image/0/scene", json={"iProfile": 2})
        http.put("/image/0/2/white-blance", json={"sWhiteBlanceStyle": "manual", "iWhiteBalanceCT": 3200})
        fault = httpx.post(camera.url + "/__sim__/faults", json={"isp_timeout": True})
        assert fault.json()["code"] == 0
        assert http.get("/image/0").json()["profile"][2]["whiteBlance"]["sWhiteBlanceStyle"] == "auto"
        rejected(http.put("/image/0/2/white-blance", json={}), "Not in edit mode")


def test_video_adjustment_and_night_to_day_apply_at_once(camera):
    with raw_session(camera.url) as http:
        assert http.put("/image/0/video-adjustment", json={"iImageRotation": 180, "sImageFlip": "mirror"}).json() == OK
        rejected(http.put("/image/0/video-adjustment", json={"iImageRotation": 45}), "iImageRotation")
        rejected(http.put("/image/0/video-adjustment", json={"sImageFlip": "upside"}), "sImageFlip")
        night = {"iMode": 2, "iProfileSelect": 2, "iDawnTime": 30000, "iDuskTime": 70000, "iProfileCur": 0}
        assert http.put("/image/0/night-to-day", json=night).json() == OK
        rejected(
            http.put("/image/0/night-to-day", json={"iDawnTime": 70000, "iDuskTime": 30000}),
            "iDuskTime (30000) must be greater than iDawnTime (70000)",
        )
        rejected(http.put("/image/0/night-to-day", json={"iNightToDayFilterTime": 61}), "1~60")
        image = http.get("/image/0").json()
    assert image["videoAdjustment"] == {
        "iImageRotation": 180,
        "sImageFlip": "mirror",
        "sPowerLineFrequencyMode": "PAL(50HZ)",
    }
    assert image["nightToDay"]["iProfileSelect"] == 2 and image["nightToDay"]["iDuskTime"] == 70000
    assert image["nightToDay"]["iProfileCur"] == 2, "fixed mode uses the selected profile"
    assert isp_state(camera.camera).committed["videoAdjustment"]["iImageRotation"] == 180


def test_reset_restores_factory_values_and_leaves_edit_mode(camera):
    with raw_session(camera.url) as http:
        http.put("/image/0/video-adjustment", json={"iImageRotation": 90})
        http.put("/image/0/scene", json={"iProfile": 1})
        http.put("/image/0/1/exposure", json={"sExposureMode": "manual", "iExposureGain": 8})
        http.put("/image/0/scene", json={"iProfile": -1})
        http.put("/image/0/scene", json={"iProfile": 1})
        assert http.post("/image/0").json() == OK
        assert http.get("/image/0").json() == default_image()
        rejected(http.put("/image/0/1/exposure", json={}), "Not in edit mode")


@pytest.mark.parametrize(
    ("firmware", "order", "after_reboot"),
    [
        ("legacy", "save_then_commit", 70),
        ("legacy", "commit_then_save", 70),
        ("2026", "save_then_commit", 70),
        ("2026", "commit_then_save", 50),
    ],
)
def test_what_a_reboot_keeps_depends_on_the_save_order(make_camera, firmware, order, after_reboot):
    cam = make_camera(firmware=firmware)
    with raw_session(cam.url) as http:
        assert http.put("/image/0/scene", json={"iProfile": 0}).json() == OK
        assert http.put("/image/0/0/adjustment", json={"iBrightness": 70}).json() == OK
        for step in order.split("_then_"):
            if step == "commit":
                assert http.put("/image/0/scene", json={"iProfile": -1}).json() == OK
            else:
                saved = http.post("/image/0/scene-save")
                if firmware == "legacy":
                    assert saved.status_code == 404 and saved.json() == {"code": 404, "message": "API Not Found"}
                else:
                    assert saved.json() == OK, "2026 answers success, in edit mode or not"
        assert _brightness(http, 0) == 70, "committed: the value is live"
    reboot(cam.url)
    with raw_session(cam.url) as http:
        assert _brightness(http, 0) == after_reboot
        rejected(http.put("/image/0/0/adjustment", json={"iBrightness": 1}), "Not in edit mode")


def test_2026_scene_save_persists_the_profile_as_it_was_then(make_camera):
    cam = make_camera()
    with raw_session(cam.url) as http:
        http.put("/image/0/scene", json={"iProfile": 2})
        http.put("/image/0/2/adjustment", json={"iBrightness": 80})
        assert http.post("/image/0/scene-save").json() == OK
        http.put("/image/0/2/adjustment", json={"iBrightness": 20})
        http.put("/image/0/scene", json={"iProfile": -1})
        assert _brightness(http, 2) == 20
        assert http.put("/image/0/video-adjustment", json={"iImageRotation": 90}).json() == OK
        http.put("/image/0/scene", json={"iProfile": 1})
        http.put("/image/0/1/adjustment", json={"iBrightness": 10})  # edit mode is on at the reboot: lost
    reboot(cam.url)
    with raw_session(cam.url) as http:
        image = http.get("/image/0").json()
        assert image["profile"][2]["imageAdjustment"]["iBrightness"] == 80, "the value at scene-save"
        assert image["profile"][1] == default_image()["profile"][1]
        assert image["videoAdjustment"]["iImageRotation"] == 90, "video-adjustment is saved at once"
        assert http.post("/image/0").json() == OK
    reboot(cam.url)
    with raw_session(cam.url) as http:
        assert http.get("/image/0").json() == default_image(), "a reset is persisted too"
