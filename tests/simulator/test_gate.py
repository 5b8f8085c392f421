"""The simulator's gate: body limit, fault switches over HTTP, request log, unknown routes, bad input."""

from __future__ import annotations

import httpx
import pytest

from recamera_mcp.simulator.testing import CGI, raw_session


def test_body_over_the_limit_is_refused_and_the_device_keeps_serving(make_camera):
    cam = make_camera(max_body_bytes=1024)
    with raw_session(cam.url) as http:
        answer = http.post("/ftp/setting", content=b"{" + b" " * 4096 + b"}")
        assert answer.status_code == 413 and answer.json()["code"] == 413
        assert http.get("/ftp/setting").status_code == 200
    assert cam.camera.log[-2].status == 413


def test_faults_over_http_fail_drop_malform_then_recover(camera):
    control = httpx.Client(base_url=camera.url + "/__sim__", timeout=5)
    with raw_session(camera.url) as http:
        assert control.post("/faults", json={"fail_next": 1, "fail_status": 503}).json()["code"] == 0
        assert http.get("/system/device-info").status_code == 503
        assert http.get("/system/device-info").status_code == 200

        control.post("/faults", json={"malformed_next": 1})
        with pytest.raises(ValueError):
            http.get("/system/device-info").json()

        control.post("/faults", json={"drop_next": 1})
        with pytest.raises(httpx.TransportError):
            http.get("/system/device-info")
        assert http.get("/system/device-info").status_code == 200

        control.post("/faults", json={"revoke_tokens": True})
        assert http.get("/system/device-info").status_code == 401
    answer = control.post("/faults", json={"no_such_fault": 1})
    assert answer.status_code == 400 and "known" in answer.json()["message"]
    control.close()


def test_fault_can_target_one_path(camera):
    camera.camera.faults.only_path = "/network/lan"
    camera.camera.faults.fail_next = 1
    with raw_session(camera.url) as http:
        assert http.get("/system/time").status_code == 200
        assert http.get("/network/lan").status_code == 500
        assert http.get("/network/lan").status_code == 200


def test_request_log_over_http_records_method_path_body_keys_status(camera):
    with raw_session(camera.url) as http:
        camera.camera.clear_log()
        lan = http.get("/network/lan").json()
        http.put("/network/lan", json=lan)
    log = httpx.get(camera.url + "/__sim__/log").json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/network/lan", 200),
        ("PUT", "/network/lan", 200),
    ]
    assert log[1]["body_keys"] == ["dIpv4", "dLink"]
    assert httpx.delete(camera.url + "/__sim__/log").json()["code"] == 0
    assert camera.camera.log == []


def test_unknown_paths_and_methods_answer_json_errors(camera):
    with raw_session(camera.url) as http:
        missing = http.get("/system/no-such-thing")
        assert missing.status_code == 404 and missing.json() == {"code": 404, "message": "API Not Found"}
        wrong = http.delete("/system/device-info")
        assert wrong.status_code == 405 and wrong.json()["code"] == 405
        for body in (b"[1, 2]", b'"text"', b"\xff\xfe", b'{"sEnable": '):
            bad = http.post("/web/setting", content=body)
            assert bad.status_code == 400 and 10000 <= bad.json()["code"] < 20000, body
    plain = httpx.get(camera.url + CGI + "/network/lan")
    assert plain.status_code == 401


def test_nan_infinity_and_deep_nesting_are_malformed_json_and_nothing_breaks(camera):
    with raw_session(camera.url) as http:
        bodies = (
            b'{"category": "Detection", "metrics": {"iou": NaN}}',
            b'{"category": "Detection", "metrics": {"iou": 1e999}}',
            b'{"category": "Detection", "metrics": {"iou": -Infinity}}',
            b"[" * 100_000 + b"]" * 100_000,
            b'{"category": "Detection", "metrics": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}",
        )
        for body in bodies:
            bad = http.post("/model/info", params={"File-name": "mobilenet_cls.rknn"}, content=body)
            assert bad.status_code == 400 and bad.json()["code"] == 40022, body[:40]
            assert "malformed JSON" in bad.json()["message"]
        assert http.get("/model/list").status_code == 200, "nothing unserialisable was stored"
    assert [entry.status for entry in camera.camera.log[-6:]] == [400] * 5 + [200]


def test_fault_switches_over_http_are_type_checked_before_any_is_set(camera):
    control = httpx.Client(base_url=camera.url + "/__sim__", timeout=5)
    for body in ({"latency_s": "1"}, {"fail_next": 1.5}, {"fail_status": 200}, {"only_path": 3}, {"reboot_s": "x"}):
        answer = control.post("/faults", json={"drop_next": 2, **body})
        assert answer.status_code == 400 and "must be" in answer.json()["message"], body
    assert control.get("/faults").json()["drop_next"] == 0, "a refused request sets nothing"
    with raw_session(camera.url) as http:
        assert http.get("/system/device-info").status_code == 200
    control.close()


def test_time_write_needs_the_value_of_its_mode(camera):
    with raw_session(camera.url) as http:
        before = http.get("/system/time").json()
        manual = http.put("/system/time", json={"sMethod": "manual", "sTimezone": "UTC", "sTz": "UTC+0"})
        assert manual.status_code == 400 and manual.json()["message"] == "Missing parameter: iTimestamp"
        ntp = http.put("/system/time", json={"sMethod": "ntp"})
        assert ntp.json()["message"] == "Missing parameter: dNtpConfig"
        assert http.get("/system/time").json()["sMethod"] == before["sMethod"]
        whole = {**before, "sMethod": "manual", "iTimestamp": 1_800_000_000}
        assert http.put("/system/time", json=whole).json()["code"] == 0
        assert abs(http.get("/system/time").json()["iTimestamp"] - 1_800_000_000) < 60


def test_answer_next_gives_the_next_matching_request_exactly_that_answer(camera):
    control = httpx.Client(base_url=camera.url + "/__sim__", timeout=5)
    canned = {"status": 200, "body": {"code": 0, "status": -1, "message": "connect timeout"}, "path": "/network/wifi"}
    with raw_session(camera.url) as http:
        assert control.post("/faults", json={"answer_next": {**canned, "method": "POST"}}).json()["code"] == 0
        assert "dLink" in http.get("/network/wifi").json(), "a GET does not match method POST"
        assert http.get("/system/device-info").status_code == 200, "another path does not match"
        answer = http.post("/network/wifi", json={"sSsid": "Seeed-Guest"})
        assert (answer.status_code, answer.json()) == (200, canned["body"]), "the device's own answer is replaced"
        assert http.post("/network/wifi", json={"sSsid": "Seeed-Guest"}).json()["message"] == "Wifi connect success"
        control.post("/faults", json={"answer_next": {"status": 409, "body": {"code": 30016, "message": "busy"}}})
        assert http.get("/record/rule/config").status_code == 409, "no path: the very next request"
        assert control.get("/faults").json()["answer_next"] is None
        control.post("/faults", json={"revoke_tokens": True, "answer_next": {"status": 200, "body": {}}})
        assert http.get("/system/device-info").status_code == 401, "the token check comes first"
    assert camera.camera.faults.answer_next is not None
    for bad in ({"status": 99}, {"status": 200, "extra": 1}, {"status": 200, "path": 3}, "x"):
        answer = control.post("/faults", json={"answer_next": bad})
        assert answer.status_code == 400 and "answer_next" in answer.json()["message"]
    control.close()
