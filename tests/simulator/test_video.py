"""Live video area of the simulator: encoders, stream outputs and the RTSP URL, OSD, audio; all strict writes."""

from __future__ import annotations

import copy

from recamera_mcp.simulator.schemas.video import OSD
from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import rejected


def test_encode_partial_write_resets_omitted_fields(camera):
    with raw_session(camera.url) as http:
        before = http.get("/video/0/encode").json()
        assert before["id"] == 0 and before["sStreamType"] == "mainStream"
        changed = dict(before, iGOP=30, sFrameRate="25", sRCMode="VBR")
        assert http.put("/video/0/encode", json=changed).json() == {"code": 0, "message": "success"}
        assert http.get("/video/0/encode").json() == changed
        assert http.put("/video/0/encode", json={"iGOP": 90}).json()["code"] == 0
        after = http.get("/video/0/encode").json()
    assert after["iGOP"] == 90
    assert after["sFrameRate"] == "30" and after["sRCMode"] == "CBR", "omitted fields go back to the defaults"


ENCODE_REJECTIONS = [
    (0, "sResolution", "1920x1080", ("WxH format",)),
    (0, "sResolution", "19a0*1080", ("numeric WxH",)),
    (0, "sResolution", "4096*2160", ("384*384 ~ 3840*2160",)),
    (1, "sResolution", "2560*1440", ("384*384 ~ 1920*1080",)),
    (0, "sOutputDataType", "MJPEG", ("H.264 or H.265",)),
    (0, "sFrameRate", 30, ("Invalid parameter type",)),
    (0, "sFrameRate", "fast", ("numeric string",)),
    (0, "sFrameRate", "121", ("1~120",)),
    (0, "iMaxRate", 65537, ("iMaxRate must be 3~65536",)),
    (0, "iGOP", 0, ("iGOP must be 1~120",)),
    (0, "sRCMode", "ABR", ("CBR or VBR",)),
    (0, "sRCQuality", "best", ("highest, high, medium, or low",)),
    (0, "iBitDepth", 10, ("Unknown parameter: iBitDepth",)),
]


def test_encode_rejections_leave_the_device_unchanged(camera):
    with raw_session(camera.url) as http:
        for stream, field, value, words in ENCODE_REJECTIONS:
            before = http.get(f"/video/{stream}/encode").json()
            rejected(http.put(f"/video/{stream}/encode", json=dict(before, **{field: value})), *words)
            assert http.get(f"/video/{stream}/encode").json() == before, (field, value)


def test_encode_id_is_read_only_and_post_is_accepted(camera):
    with raw_session(camera.url) as http:
        assert http.post("/video/1/encode", json={"id": 0, "sResolution": "1920*1080"}).json()["code"] == 0
        sub = http.get("/video/1/encode").json()
    assert sub["id"] == 1 and sub["sResolution"] == "1920*1080" and sub["sStreamType"] == "subStream"


def test_stream_reports_rtsp_url_with_configured_port(make_camera):
    cam = make_camera(rtsp_port=8554)
    with raw_session(cam.url) as http:
        main = http.get("/video/0/stream").json()
        sub = http.get("/video/1/stream").json()
        assert main["rtsp"]["sURL"] == f"rtsp://{cam.host}:8554/main"
        assert sub["rtsp"]["sURL"] == f"rtsp://{cam.host}:8554/sub"
        sent = copy.deepcopy(main)
        sent["rtsp"]["sURL"] = "rtsp://evil:1/x"
        sent["rtsp"]["iAuthType"] = 1
        assert http.post("/video/0/stream", json=sent).json()["code"] == 0
        again = http.get("/video/0/stream").json()
    assert again["rtsp"]["sURL"] == f"rtsp://{cam.host}:8554/main", "sURL is generated, never taken from a write"
    assert again["rtsp"]["iAuthType"] == 1


def test_rtsp_host_setting_overrides_the_request_host(make_camera):
    cam = make_camera(rtsp_host="cam.example")
    with raw_session(cam.url) as http:
        assert http.get("/video/0/stream").json()["rtsp"]["sURL"] == "rtsp://cam.example:554/main"


def test_stream_protocol_exclusion(camera):
    with raw_session(camera.url) as http:
        main = http.get("/video/0/stream").json()
        both = copy.deepcopy(main)
        both["rtmp"] = {"iEnabled": 1, "sURL": "rtmp://live.example/app/key"}
        rejected(http.post("/video/0/stream", json=both), "Only one of RTSP/RTMP/ONVIF", "main stream")
        onvif = copy.deepcopy(main)
        onvif["onvif"]["iEnabled"] = 1
        rejected(http.post("/video/0/stream", json=onvif), "Only one of RTSP/RTMP/ONVIF")
        assert http.get("/video/0/stream").json() == main

        sub = http.get("/video/1/stream").json()
        both = copy.deepcopy(sub)
        both["rtmp"] = {"iEnabled": 1, "sURL": "rtmp://live.example/app/key"}
        rejected(http.post("/video/1/stream", json=both), "Only one of RTSP/RTMP can be enabled", "sub stream")
        sub_onvif = copy.deepcopy(sub)
        sub_onvif["rtsp"]["iEnabled"] = 0
        sub_onvif["onvif"]["iEnabled"] = 1
        rejected(http.post("/video/1/stream", json=sub_onvif), "onvif.iEnabled")

        rtmp_only = copy.deepcopy(main)
        rtmp_only["rtsp"]["iEnabled"] = 0
        rtmp_only["rtmp"] = {"iEnabled": 1, "sURL": ""}
        rejected(http.post("/video/0/stream", json=rtmp_only), "rtmp.sURL")
        rtmp_only["rtmp"]["sURL"] = "rtmp://live.example/app/key"
        assert http.post("/video/0/stream", json=rtmp_only).json()["code"] == 0
        stored = http.get("/video/0/stream").json()
    assert stored["rtsp"]["iEnabled"] == 0 and stored["rtmp"]["iEnabled"] == 1


MULTICAST_REJECTIONS = [
    ({"sAddress": "192.168.1.10"}, ("IPv4 multicast address (224.0.0.0 ~ 239.255.255.255)",)),
    ({"sPort": "70000"}, ("muticast.sPort must be 1~65535",)),
    ({"sPort": 8868}, ("Invalid parameter type: muticast.sPort",)),
    ({"iEnabled": 2}, ("muticast.iEnabled must be 0 or 1",)),
]


def test_multicast_rules(camera):
    with raw_session(camera.url) as http:
        before = http.get("/video/0/stream").json()
        for patch, words in MULTICAST_REJECTIONS:
            body = copy.deepcopy(before)
            body["muticast"].update(patch)
            rejected(http.post("/video/0/stream", json=body), *words)
        assert http.get("/video/0/stream").json() == before


def _osd_with_masks(osd, count):
    body = copy.deepcopy(osd)
    body["maskOverlay"] = {
        "iEnabled": 1,
        "privacyMask": [
            {"id": i, "iPositionX": 0.1 * i, "iPositionY": 0.5, "iMaskWidth": 0.05, "iMaskHeight": 0.1}
            for i in range(count)
        ],
    }
    return body


def test_osd_masks_at_most_six(camera):
    with raw_session(camera.url) as http:
        osd = http.get("/osd/cfg").json()
        assert osd == OSD.default_object()
        assert http.post("/osd/cfg", json=_osd_with_masks(osd, 6)).json()["code"] == 0
        six = http.get("/osd/cfg").json()
        assert len(six["maskOverlay"]["privacyMask"]) == 6
        rejected(http.post("/osd/cfg", json=_osd_with_masks(osd, 7)), "at most 6", "got 7")
        assert http.get("/osd/cfg").json() == six


def test_osd_positions_are_fractions_and_put_is_accepted(camera):
    with raw_session(camera.url) as http:
        osd = http.get("/osd/cfg").json()
        body = copy.deepcopy(osd)
        body["channelNameOverlay"]["iPositionX"] = 0.25
        body["attribute"]["sOSDFrontColorMode"] = 1
        assert http.put("/osd/cfg", json=body).json()["code"] == 0
        stored = http.get("/osd/cfg").json()
        assert stored["channelNameOverlay"]["iPositionX"] == 0.25 and stored["attribute"]["sOSDFrontColorMode"] == 1
        pixels = copy.deepcopy(stored)
        pixels["channelNameOverlay"]["iPositionX"] = 120
        rejected(http.post("/osd/cfg", json=pixels), "channelNameOverlay.iPositionX must be 0~1")
        mode = copy.deepcopy(stored)
        mode["attribute"]["sOSDFrontColorMode"] = "1"
        rejected(http.post("/osd/cfg", json=mode), "Invalid parameter type: attribute.sOSDFrontColorMode")
        assert http.get("/osd/cfg").json() == stored


OSD_REJECTIONS = [
    (lambda b: b.pop("SNOverlay"), ("missing required section: SNOverlay",)),
    (lambda b: b["attribute"].pop("iOSDFontSize"), ("missing required field: attribute.iOSDFontSize",)),
    (lambda b: b["attribute"].update(iOSDFontSize=20), ("iOSDFontSize must be one of 0, 16, 32, 48, 64",)),
    (lambda b: b["attribute"].update(sOSDFrontColor="#FFF"), ("6 hex digits",)),
    (lambda b: b["dateTimeOverlay"].update(sDateStyle="YYYY/MM/DD"), ("sDateStyle",)),
    (lambda b: b["maskOverlay"]["privacyMask"][1].update(id=0), ("unique",)),
    (lambda b: b["maskOverlay"]["privacyMask"][0].update(id=-1), ("privacyMask[0].id must be >= 0",)),
    (lambda b: b["maskOverlay"]["privacyMask"][0].update(iColor=1), ("Unknown parameter",)),
    (lambda b: b.update(textOverlay={}), ("Unknown parameter: textOverlay",)),
]


def test_osd_rejections(camera):
    with raw_session(camera.url) as http:
        for mutate, words in OSD_REJECTIONS:
            body = _osd_with_masks(http.get("/osd/cfg").json(), 2)
            mutate(body)
            rejected(http.post("/osd/cfg", json=body), *words)
        assert http.get("/osd/cfg").json() == OSD.default_object()


def test_audio_rules(camera):
    with raw_session(camera.url) as http:
        assert http.get("/audio/0").json() == {"iEnable": 1, "iBitRate": 64000, "sEncodeType": "G711A"}
        rejected(http.post("/audio/0", json={"sEncodeType": "AAC"}), "Unsupported sEncodeType 'AAC'", "G726")
        rejected(http.post("/audio/1", json={"sEncodeType": "G711U", "iBitRate": 32000}), "64000 for G711x")
        assert http.post("/audio/1", json={"sEncodeType": "G726", "iBitRate": 32000}).json()["code"] == 0
        assert http.get("/audio/1").json() == {"iEnable": 1, "iBitRate": 32000, "sEncodeType": "G726"}
        assert http.post("/audio/1", json={"iEnable": 0}).json()["code"] == 0
        assert http.get("/audio/1").json() == {"iEnable": 0, "iBitRate": 64000, "sEncodeType": "G711A"}

        rejected(http.post("/audio/storage", json={"sEncodeType": "G711A"}), "valid values: MP3")
        rejected(http.post("/audio/storage", json={"iBitRate": 256000}), "between 8000 and 128000")
        assert http.post("/audio/storage", json={"iBitRate": 128000}).json()["code"] == 0
        assert http.get("/audio/storage").json() == {"iEnable": 1, "iBitRate": 128000, "sEncodeType": "MP3"}
