"""Login, token reuse, one shared re-login on 401, no loops, lockout, must-change, token cache (real sockets)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat

import pytest

from recamera_mcp.client import (
    AuthError,
    LockedOut,
    MustChangePassword,
    ReCameraClient,
    TokenCache,
    TokenRejected,
    ValidationError,
    WrongCredentials,
)
from recamera_mcp.simulator.testing import PASSWORD


async def test_login_once_then_token_reused(camera, make_client, settle):
    cam = make_client(camera)
    result = await cam.login()
    assert result.logged_in and not result.reused_token and not result.must_change_password
    for _ in range(5):
        assert (await cam.get_json("/system/device-info"))["sSerialNumber"]
    again = await cam.login()
    assert again.reused_token
    await settle(camera)
    assert camera.camera.logins() == 1
    assert "token" not in result.model_dump_json().lower().replace("reused_token", "")


async def test_lazy_login_on_first_call(camera, make_client, settle):
    cam = make_client(camera)
    assert not cam.logged_in
    await cam.get_json("/system/device-info")
    await settle(camera)
    assert cam.logged_in and camera.camera.calls()[:3] == [
        ("GET", "/system/key"),
        ("POST", "/system/login"),
        ("GET", "/system/device-info"),
    ]


async def test_concurrent_401s_share_one_relogin(camera, make_client, settle):
    cam = make_client(camera)
    await cam.login()
    camera.camera.expire_tokens()
    await settle(camera)
    camera.camera.clear_log()
    results = await asyncio.gather(*(cam.get_json("/system/device-info") for _ in range(10)))
    assert all(r["sSerialNumber"] for r in results)
    await settle(camera)
    assert camera.camera.logins() == 1
    statuses = [e.status for e in camera.camera.log if e.path == "/system/device-info"]
    assert statuses.count(401) == 10 and statuses.count(200) == 10


async def test_second_401_is_token_rejected_without_loop(camera, make_client, settle):
    cam = make_client(camera)
    await cam.login()
    faults = camera.camera.faults
    faults.only_path, faults.fail_status, faults.fail_next = "/network/lan", 401, 5
    with pytest.raises(TokenRejected) as info:
        await cam.get_json("/network/lan")
    await settle(camera)
    assert camera.camera.logins() == 2, "one login, then exactly one re-login"
    await settle(camera)
    assert camera.camera.calls().count(("GET", "/network/lan")) == 2, "one try, one retry, no loop"
    assert "fresh token" in str(info.value)
    assert not cam.logged_in


async def test_forged_cached_token_is_replaced_by_one_login(camera, make_client, tmp_path, settle):
    cache = TokenCache(tmp_path / "tokens.json")
    cam = make_client(camera, token_cache=cache)
    cache.put(cam.address, "admin", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.Zm9yZ2Vk")
    assert (await cam.get_json("/system/device-info"))["sSerialNumber"]
    await settle(camera)
    assert camera.camera.logins() == 1
    assert cache.get(cam.address, "admin") not in (None, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.Zm9yZ2Vk")


async def test_wrong_password_is_not_retried(camera, make_client, settle):
    cam = make_client(camera, password="Wrong#Pass1")
    with pytest.raises(WrongCredentials) as info:
        await cam.get_json("/system/device-info")
    assert "Wrong#Pass1" not in str(info.value)
    with pytest.raises(WrongCredentials):
        await cam.get_json("/system/device-info")
    with pytest.raises(WrongCredentials):
        await cam.login()
    await settle(camera)
    assert camera.camera.logins() == 1, "the same rejected credentials are never sent again by themselves"
    cam.set_credentials("admin", PASSWORD)
    assert (await cam.login()).logged_in


async def test_missing_credentials(camera, make_client, settle):
    cam = make_client(camera, password=None)
    with pytest.raises(AuthError) as info:
        await cam.get_json("/system/device-info")
    assert "username and password" in info.value.hint and "environment" in info.value.hint
    await settle(camera)
    assert camera.camera.logins() == 0


async def test_lockout_is_reported_and_never_retried(make_camera, make_client, settle):
    device = make_camera(lockout_after=2, lockout_s=60)
    cam = make_client(device, password="Wrong#Pass1")
    with pytest.raises(WrongCredentials):
        await cam.login()
    with pytest.raises(LockedOut) as info:
        await cam.login(force=True)
    assert info.value.wait_s >= 59 and "do not retry" in str(info.value)
    await settle(device)
    assert device.camera.logins() == 2
    cam.set_credentials("admin", PASSWORD)
    for call in (cam.login(), cam.login(force=True), cam.get_json("/system/device-info")):
        with pytest.raises(LockedOut):
            await call
    await settle(device)
    assert device.camera.logins() == 2, "no login is sent while locked out"


async def test_must_change_password_then_change(make_camera, make_client):
    device = make_camera(factory=True, password="Factory#1")
    cam = make_client(device, password="Factory#1")
    result = await cam.login()
    assert result.logged_in and result.must_change_password
    with pytest.raises(MustChangePassword) as info:
        await cam.get_json("/system/device-info")
    assert "change_password" in info.value.hint
    with pytest.raises(ValidationError) as weak:
        await cam.change_password("abc")
    assert weak.value.field == "new_password"
    await cam.change_password("New#Pass99")
    assert not cam.must_change_password and cam.logged_in
    assert (await cam.get_json("/system/device-info"))["sSerialNumber"]
    other = make_client(device, password="New#Pass99")
    assert (await other.login()).logged_in


async def test_change_password_with_wrong_old_password(camera, make_client):
    cam = make_client(camera)
    with pytest.raises(WrongCredentials):
        await cam.change_password("New#Pass99", old_password="Not#Current1")
    assert (await cam.get_json("/system/device-info"))["sSerialNumber"], "the session still works"


async def test_logout_revokes_and_next_call_logs_in(camera, make_client, settle):
    cam = make_client(camera)
    await cam.login()
    await cam.logout()
    assert not cam.logged_in
    await cam.get_json("/system/device-info")
    await settle(camera)
    assert camera.camera.logins() == 2


async def test_token_cache_file_is_0600_and_reused_across_clients(camera, make_client, tmp_path, settle):
    path = tmp_path / "cache" / "tokens.json"
    first = make_client(camera, token_cache=TokenCache(path))
    await first.get_json("/system/device-info")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    entry = next(iter(json.loads(path.read_text()).values()))
    assert entry["expires_at"] > 0
    await first.close()
    second = make_client(camera, token_cache=TokenCache(path))
    assert (await second.login()).reused_token
    await second.get_json("/system/device-info")
    await settle(camera)
    assert camera.camera.logins() == 1, "a restarted client reuses the live token"


async def test_no_secret_in_logs_or_errors(camera, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    cam = make_client(camera)
    await cam.config.update("ftp", {"sFtpPassword": "Ftp#Secret77"})
    token = cam._token
    camera.camera.expire_tokens()
    await cam.get_json("/ftp/setting")
    errors = []
    bad = ReCameraClient(camera.address, password="Wrong#Pass1")
    try:
        await bad.login()
    except WrongCredentials as exc:
        errors.append(str(exc))
    finally:
        await bad.close()
    text = caplog.text + "\n".join(errors)
    assert "-> POST" in text, "the wire log was captured"
    for secret in (PASSWORD, "Ftp#Secret77", "Wrong#Pass1", token, cam._token):
        assert secret not in text
