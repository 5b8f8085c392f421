"""The simulated SenseCraft cloud over real sockets: token → user_id, the conversion task lifecycle, validation."""

from __future__ import annotations

import hashlib
import time

import httpx
import pytest

from recamera_mcp.simulator.cloud import CloudSettings

TOKEN = CloudSettings().token
USER = CloudSettings().user_id
ONNX = b"\x08\x07\x12\x07pytorch" + bytes(range(256)) * 8
KINDS = {"framework_type": "9", "device_type": "40"}


def create(http: httpx.Client, content: bytes = ONNX, name: str = "yolo_custom.onnx", **fields: str) -> httpx.Response:
    data = {"user_id": USER, **KINDS, **fields}
    return http.post("/v1/api/create_task", data=data, files={"file": (name, content, "application/octet-stream")})


def wait_status(http: httpx.Client, model_id: str, final: str) -> list[str]:
    """Every status seen while polling (with a deadline) until ``final``."""
    seen: list[str] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = http.get("/v1/api/train_status", params={"user_id": USER, "model_id": model_id}).json()
        assert body["code"] == 0 and 0 <= body["data"]["progress"] <= 100
        if not seen or seen[-1] != body["data"]["status"]:
            seen.append(body["data"]["status"])
        if seen[-1] == final:
            return seen
        time.sleep(0.05)
    pytest.fail(f"still {seen} after 10 s")


def test_token_resolves_user_id_and_a_wrong_token_is_401(sim_cloud):
    with httpx.Client(base_url=sim_cloud.url) as http:
        ok = http.post("/api/v1/user/login_token", headers={"Authorization": TOKEN})
        assert ok.status_code == 200 and ok.json()["code"] == 0 and ok.json()["data"]["user_id"] == USER
        for header in ({"Authorization": "wrong"}, {"Authorization": f"Bearer {TOKEN}"}, {}):
            bad = http.post("/api/v1/user/login_token", headers=header)
            assert bad.status_code == 401 and bad.json() == {
                "code": 401,
                "msg": "invalid or expired token",
                "data": None,
            }


def test_full_conversion_lifecycle(sim_cloud):
    # the first poll must come while the task is still queued, and one poll must fall inside the conversion
    sim_cloud.cloud.settings.queued_s = sim_cloud.cloud.settings.convert_s = 1.0
    with httpx.Client(base_url=sim_cloud.url, timeout=10) as http:
        created = create(http)
        assert created.status_code == 200, created.text
        model_id = created.json()["data"]["model_id"]
        assert created.json()["data"]["status"] == "queued"
        early = http.get("/v1/api/get_model", params={"user_id": USER, "model_id": model_id})
        assert early.status_code == 409 and early.json()["code"] == 409

        assert wait_status(http, model_id, "done") == ["queued", "converting", "done"]

        rknn = http.get("/v1/api/get_model", params={"user_id": USER, "model_id": model_id})
        assert rknn.status_code == 200 and rknn.headers["content-type"] == "application/octet-stream"
        assert rknn.content.startswith(b"RKNN") and len(rknn.content) > len(ONNX)
        assert 'filename="yolo_custom.rknn"' in rknn.headers["content-disposition"]
        v2 = http.get("/v2/api/get_model", params={"user_id": USER, "model_id": model_id}).json()["data"]
        assert v2["file_name"] == "yolo_custom.rknn" and v2["size"] == len(rknn.content)
        assert v2["download_url"].startswith(sim_cloud.url + "/files/")
        assert httpx.get(v2["download_url"]).content == rknn.content
        assert httpx.get(v2["download_url"].split("?")[0] + "?sig=forged").status_code == 404

        create(http, name="second.onnx")
        listing = {**KINDS, "user_id": USER, "page": 1, "size": 1}
        page1 = http.get("/v1/api/get_training_records", params=listing).json()["data"]
        page2 = http.get("/v1/api/get_training_records", params={**listing, "page": 2}).json()["data"]
        assert page1["total"] == 2 and [r["model_name"] for r in page1["list"] + page2["list"]] == [
            "second",
            "yolo_custom",
        ]
        assert page2["list"][0]["status"] == "done" and page2["list"][0]["file_size"] == len(ONNX)

        deleted = http.get("/v1/api/del_model", params={"user_id": USER, "model_id": model_id})
        assert deleted.json() == {"code": 0, "msg": "success", "data": {"model_id": model_id}}
        gone = http.get("/v1/api/train_status", params={"user_id": USER, "model_id": model_id})
        assert gone.status_code == 404
    assert ("POST", "/v1/api/create_task", 200) in sim_cloud.cloud.calls


def test_create_task_is_validated(sim_cloud):
    with httpx.Client(base_url=sim_cloud.url) as http:
        cases = [
            (create(http, framework_type="6"), 400, "framework_type"),
            (create(http, device_type="1"), 400, "device_type"),
            (create(http, user_id="9999"), 403, "user_id"),
            (create(http, name="model.tflite"), 400, ".onnx"),
            (create(http, content=b""), 400, "empty"),
            (
                http.post("/v1/api/create_task", data={"user_id": USER, **KINDS}, files={"model": ("m.onnx", ONNX)}),
                400,
                "file",
            ),
            (http.post("/v1/api/create_task", json={"user_id": USER}), 400, "multipart"),
        ]
        for response, status, word in cases:
            assert response.status_code == status and response.json()["code"] == status, response.text
            assert word in response.json()["msg"]
        bad_list = http.get("/v1/api/get_training_records", params={"user_id": USER, **KINDS, "size": 0})
        assert bad_list.status_code == 400
    assert sim_cloud.cloud.tasks == {}


def test_garbage_and_forced_failures_end_failed(sim_cloud):
    sim_cloud.cloud.settings.queued_s = sim_cloud.cloud.settings.convert_s = 0.0
    with httpx.Client(base_url=sim_cloud.url) as http:
        garbage = create(http, content=b"not a model").json()["data"]["model_id"]
        assert wait_status(http, garbage, "failed")[-1] == "failed"
        sim_cloud.cloud.fail_next = 1
        forced = create(http).json()["data"]["model_id"]
        fine = create(http).json()["data"]["model_id"]
        status = http.get("/v1/api/train_status", params={"user_id": USER, "model_id": forced}).json()["data"]
        assert status["status"] == "failed" and "error" in status
        assert wait_status(http, fine, "done")[-1] == "done"
        assert http.get("/v1/api/get_model", params={"user_id": USER, "model_id": forced}).status_code == 409


# ---- faults ------------------------------------------------------------------------------------------------------
def faults(sim_cloud, **body) -> httpx.Response:
    return httpx.post(sim_cloud.url + "/__sim__/faults", json=body)


def converted(http: httpx.Client) -> str:
    model_id = create(http).json()["data"]["model_id"]
    assert wait_status(http, model_id, "done")[-1] == "done"
    return model_id


def test_fault_control_is_type_checked_and_not_logged(sim_cloud):
    for body in ({"error_status": 404}, {"latency_s": -1}, {"fail_next": 1.5}, {"token_rejected": 1}, {"nope": 1}):
        answer = faults(sim_cloud, **{"md5_mismatch_next": 3, **body})
        assert answer.status_code == 400 and answer.json()["code"] == 400 and answer.json()["data"] is None, body
    assert httpx.get(sim_cloud.url + "/__sim__/faults").json()["md5_mismatch_next"] == 0, "a refused body sets nothing"
    assert "md5_mismatch_next" in faults(sim_cloud, nope=1).json()["msg"]
    assert faults(sim_cloud, fail_next=0).json()["code"] == 0
    assert sim_cloud.cloud.calls == [], "the control surface is not part of the cloud"


def test_a_forced_failure_carries_its_reason(sim_cloud):
    assert faults(sim_cloud, fail_next=1, fail_reason="quantisation failed: out of memory").json()["code"] == 0
    with httpx.Client(base_url=sim_cloud.url) as http:
        model_id = create(http).json()["data"]["model_id"]
        assert wait_status(http, model_id, "failed")[-1] == "failed"
        status = http.get("/v1/api/train_status", params={"user_id": USER, "model_id": model_id}).json()["data"]
        assert status["error"] == "quantisation failed: out of memory"
        records = http.get("/v1/api/get_training_records", params={"user_id": USER, **KINDS}).json()["data"]
        assert records["list"][0]["error"] == status["error"]
        download = http.get("/v1/api/get_model", params={"user_id": USER, "model_id": model_id})
        assert download.status_code == 409 and "failed" in download.json()["msg"]


def test_server_errors_on_the_next_requests_then_recovery(sim_cloud):
    sim_cloud.cloud.error_next, sim_cloud.cloud.error_status = 2, 502
    with httpx.Client(base_url=sim_cloud.url) as http:
        for _ in range(2):
            bad = http.post("/api/v1/user/login_token", headers={"Authorization": TOKEN})
            assert bad.status_code == 502 and bad.json() == {"code": 502, "msg": "Bad Gateway", "data": None}
        assert http.post("/api/v1/user/login_token", headers={"Authorization": TOKEN}).status_code == 200
    assert [status for _, _, status in sim_cloud.cloud.calls] == [502, 502, 200]


def test_a_rejected_token_is_401_everywhere_it_is_sent(sim_cloud):
    with httpx.Client(base_url=sim_cloud.url) as http:
        model_id = create(http).json()["data"]["model_id"]
        faults(sim_cloud, token_rejected=True)
        login = http.post("/api/v1/user/login_token", headers={"Authorization": TOKEN})
        assert login.status_code == 401 and login.json() == {
            "code": 401,
            "msg": "invalid or expired token",
            "data": None,
        }
        params = {"user_id": USER, "model_id": model_id}
        with_token = http.get("/v1/api/train_status", params=params, headers={"Authorization": TOKEN})
        assert with_token.status_code == 401
        assert http.get("/v1/api/train_status", params=params).status_code == 200, "user_id alone still works"
        faults(sim_cloud, token_rejected=False)
        assert http.get("/v1/api/train_status", params=params, headers={"Authorization": TOKEN}).status_code == 200
        wrong = http.get("/v1/api/train_status", params=params, headers={"Authorization": "forged"})
        assert wrong.status_code == 401


def test_latency_makes_a_short_client_timeout_fire(sim_cloud):
    faults(sim_cloud, latency_s=1.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(sim_cloud.url + "/api/v1/user/login_token", headers={"Authorization": TOKEN}, timeout=0.2)
    started = time.monotonic()
    answer = httpx.post(sim_cloud.url + "/api/v1/user/login_token", headers={"Authorization": TOKEN}, timeout=10)
    assert answer.status_code == 200 and time.monotonic() - started >= 1.0
    faults(sim_cloud, latency_s=0)


def test_md5_header_and_field_match_unless_the_fault_spoils_them(sim_cloud):
    with httpx.Client(base_url=sim_cloud.url, timeout=10) as http:
        params = {"user_id": USER, "model_id": converted(http)}
        good = http.get("/v1/api/get_model", params=params)
        assert good.headers["x-model-md5"] == hashlib.md5(good.content).hexdigest()
        assert http.get("/v2/api/get_model", params=params).json()["data"]["md5"] == good.headers["x-model-md5"]
        faults(sim_cloud, md5_mismatch_next=2)
        spoiled = http.get("/v1/api/get_model", params=params)
        assert (
            spoiled.content == good.content
            and spoiled.headers["x-model-md5"] != hashlib.md5(spoiled.content).hexdigest()
        )
        assert http.get("/v2/api/get_model", params=params).json()["data"]["md5"] != good.headers["x-model-md5"]
        assert http.get("/v1/api/get_model", params=params).headers["x-model-md5"] == good.headers["x-model-md5"]
