"""The simulator's login rules: RSA key, cookie token, lockout, expiry, forged tokens, password change."""

from __future__ import annotations

import time

import httpx

from recamera_mcp.simulator.testing import CGI, PASSWORD, USERNAME, encrypt_password, raw_login, raw_session


def test_key_is_pkcs1_pem_and_needs_no_token(camera):
    response = httpx.get(camera.url + CGI + "/system/key")
    assert response.status_code == 200
    assert response.json()["sPublicKey"].startswith("-----BEGIN RSA PUBLIC KEY-----")


def test_login_sets_cookie_and_body_has_no_token(camera):
    body, token = raw_login(camera.url)
    assert body == {"iAuth": 1, "iStatus": 0, "sWaittime": 0}
    assert token and token.count(".") == 2
    with raw_session(camera.url) as http:
        assert http.get("/system/device-info").json()["sSerialNumber"]


def test_missing_forged_expired_and_revoked_tokens_get_401(camera):
    plain = httpx.get(camera.url + CGI + "/system/device-info")
    assert plain.status_code == 401 and plain.json() == {"code": 401, "message": "Unauthorized: No token provided"}
    forged = httpx.get(camera.url + CGI + "/system/device-info", cookies={"token": "a.b.c"})
    assert forged.status_code == 401 and forged.json()["code"] == 401
    with raw_session(camera.url) as http:
        camera.camera.expire_tokens()
        expired = http.get("/system/device-info")
        assert expired.status_code == 401 and "expired" in expired.json()["message"]
    with raw_session(camera.url) as http:
        camera.camera.revoke_tokens()
        assert http.get("/system/device-info").json()["message"].startswith("Token revoked")


def test_token_ttl_is_configurable(make_camera):
    cam = make_camera(token_ttl_s=-5)
    with raw_session(cam.url) as http:
        assert http.get("/system/device-info").json()["message"] == "Unauthorized: Token expired"


def test_lockout_after_five_failures_by_client_ip(make_camera):
    cam = make_camera(lockout_s=60)
    for _ in range(4):
        assert raw_login(cam.url, "wrong")[0]["iStatus"] == -1
    body, token = raw_login(cam.url, "wrong")
    assert body["iStatus"] == -3 and body["sWaittime"] > 0 and token is None
    body, token = raw_login(cam.url, PASSWORD)
    assert body["iStatus"] == -3 and token is None, "the right password is refused while locked"


def test_lockout_is_per_client_ip_and_ends_after_lockout_s(make_camera):
    cam = make_camera(lockout_s=2.0)  # long enough that the checks below all fall inside it
    for _ in range(5):
        assert raw_login(cam.url, "wrong")[0]["iStatus"] in (-1, -3)
    assert raw_login(cam.url)[0]["iStatus"] == -3
    other = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=cam.url + CGI, transport=other, timeout=10) as http:
        pem = http.get("/system/key").json()["sPublicKey"]
        body = {"sUserName": USERNAME, "sPassword": encrypt_password(pem, PASSWORD)}
        assert http.post("/system/login", json=body).json()["iAuth"] == 1, "another client address is not locked"
    deadline = time.monotonic() + 5
    while (answer := raw_login(cam.url))[0]["iStatus"] == -3:
        assert time.monotonic() < deadline, "the lockout never ended"
        time.sleep(0.05)
    assert answer[0]["iAuth"] == 1 and answer[1]


def test_factory_device_requires_password_change(make_camera):
    cam = make_camera(factory=True, password="Factory#1")
    body, token = raw_login(cam.url, "Factory#1")
    assert body["iAuth"] == 2 and token
    http = httpx.Client(base_url=cam.url + CGI, cookies={"token": token})
    assert http.get("/system/device-info").status_code == 403
    pem = http.get("/system/key").json()["sPublicKey"]
    weak = http.put(
        "/system/password",
        json={
            "sUserName": USERNAME,
            "sOldPassword": encrypt_password(pem, "Factory#1"),
            "sNewPassword": encrypt_password(pem, "abc"),
        },
    )
    assert weak.json()["code"] != 0
    done = http.put(
        "/system/password",
        json={
            "sUserName": USERNAME,
            "sOldPassword": encrypt_password(pem, "Factory#1"),
            "sNewPassword": encrypt_password(pem, "New#Pass99"),
        },
    )
    assert done.json()["code"] == 0
    assert raw_login(cam.url, "New#Pass99")[0] == {"iAuth": 1, "iStatus": 0, "sWaittime": 0}
    http.close()


def test_partial_write_resets_omitted_fields(camera):
    with raw_session(camera.url) as http:
        full = http.get("/network/lan").json()
        full["dLink"]["sDNS2"] = "1.1.1.1"
        assert http.put("/network/lan", json=full).json()["code"] == 0
        assert http.get("/network/lan").json()["dLink"]["sDNS2"] == "1.1.1.1"
        assert http.put("/network/lan", json={"dIpv4": full["dIpv4"]}).json()["code"] == 0
        assert http.get("/network/lan").json()["dLink"]["sDNS2"] == "8.8.8.8", "omitted field reverts to default"


def test_unknown_field_wrong_type_and_range_are_rejected_in_module_range(camera):
    with raw_session(camera.url) as http:
        before = http.get("/network/lan").json()
        for bad in ({"dIpv4": {"sBogus": 1}}, {"dIpv4": {"sV4Method": 3}}, {"dIpv4": {"sV4Method": "static"}}):
            answer = http.put("/network/lan", json=bad)
            assert answer.status_code == 400 and 10000 <= answer.json()["code"] < 20000, answer.text
        assert http.get("/network/lan").json() == before
        assert http.put("/network/lan", content=b"{not json").json()["code"] // 10000 == 1
