"""Faults of the camera's HTTP API, through the MCP client: each test asserts what the user sees and the camera's
state afterwards, and that no write was sent twice (the simulator's request log counts them).

A read is retried (after a 5xx or a broken connection) and a refused token leads to one re-login and one retry; a
write is never re-sent after the camera may have acted on it: the user gets a clear error saying so instead."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok

TIME = "/system/time"


def writes(camera, path: str = TIME) -> int:
    return sum(1 for e in camera.camera.log if e.path == path and e.method in ("PUT", "POST"))


def reads(camera, path: str = TIME) -> int:
    return sum(1 for e in camera.camera.log if e.path == path and e.method == "GET")


class _ArmAfterRead(list):  # type: ignore[type-arg]
    """The camera's request log, which sets fault switches right after the read-before-write GET is logged (the
    simulator logs a request before answering it), so that they hit the write that follows."""

    def __init__(self, items: list, faults, settings: dict) -> None:  # type: ignore[type-arg]
        super().__init__(items)
        self.faults, self.settings, self.armed = faults, settings, False

    def append(self, entry) -> None:  # type: ignore[no-untyped-def]
        super().append(entry)
        if not self.armed and entry.method == "GET" and entry.path == TIME:
            self.armed = True
            for name, value in self.settings.items():
                setattr(self.faults, name, value)


@contextlib.contextmanager
def on_the_write(camera, **settings):  # type: ignore[no-untyped-def]
    """Fault switches that hit the write of the next update_config (not its read)."""
    camera.camera.faults.only_path = TIME
    camera.camera.log = _ArmAfterRead(camera.camera.log, camera.camera.faults, settings)
    try:
        yield
    finally:
        camera.camera.log = list(camera.camera.log)


async def settled(count, wanted: int) -> int:
    """``count()`` once it reaches ``wanted`` (a request the client gave up on is logged when the camera gets to
    it), or its value after a 10 s deadline."""
    async with asyncio.timeout(10):
        while count() < wanted:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0)
    return int(count())


async def update_timezone(mcp, camera, zone: str = "UTC"):
    return await mcp.call_tool(
        "update_config", {"host": camera.address, "area": "time", "changes": {"sTimezone": zone}}
    )


@pytest.mark.parametrize("fault", ["expire_tokens", "revoke_tokens"])
async def test_a_token_lost_mid_session_costs_one_login_and_one_retry(connect, camera, fault):
    async with connect() as mcp:
        await call_ok(mcp, "get_device_status", host=camera.address)
        getattr(camera.camera, fault)()
        camera.camera.clear_log()
        result = await update_timezone(mcp, camera)
    assert not result.is_error and result.structured_content["changes"][0]["kept"]
    assert camera.camera.logins() == 1 and writes(camera) == 1
    assert camera.camera.config(TIME)["sTimezone"] == "UTC"


async def test_a_token_refused_again_after_the_fresh_login_stops_with_a_clear_error(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "get_device_status", host=camera.address)
        camera.camera.revoke_tokens()
        camera.camera.faults.fail_next, camera.camera.faults.fail_status = 2, 401
        camera.camera.faults.only_path = "/system/device-info"
        camera.camera.clear_log()
        text = await call_error(mcp, "get_device_status", host=camera.address)
    assert "refused a fresh token" in text and "not retrying" in text
    assert camera.camera.logins() == 1


async def test_a_lockout_is_reported_with_the_wait_and_never_retried(connect, make_camera):
    cam = make_camera(lockout_after=1, lockout_s=30)
    async with connect(make_options(password="Wrong#Pass1")) as mcp:
        text = await call_error(mcp, "get_device_status", host=cam.address)
        text2 = await call_error(mcp, "get_device_status", host=cam.address)
        assert "login" in text and "login" in text2
        text3 = await call_error(mcp, "login", host=cam.address, password="Wrong#Pass2")
    assert "lock" in (text + text2 + text3).lower()
    assert cam.camera.logins() <= 2, "logins were retried against a locked-out camera"


async def test_a_5xx_once_on_a_read_is_retried(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        camera.camera.faults.fail_next, camera.camera.faults.only_path = 1, TIME
        camera.camera.clear_log()
        out = await call_ok(mcp, "get_config", host=camera.address, area="time")
    assert out["config"]["sTimezone"] and reads(camera) == 2


async def test_a_5xx_on_a_read_again_and_again_ends_in_a_clear_error(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        camera.camera.faults.fail_next, camera.camera.faults.only_path = 10, TIME
        camera.camera.clear_log()
        text = await call_error(mcp, "get_config", host=camera.address, area="time")
    assert "HTTP 500" in text and "try again later" in text and reads(camera) == 3


async def test_a_write_answered_with_5xx_is_reported_and_not_repeated(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        camera.camera.clear_log()
        with on_the_write(camera, fail_next=1, fail_status=503):
            result = await update_timezone(mcp, camera, "Europe/Paris")
    assert result.is_error and "HTTP 503" in result.content[0].text
    assert writes(camera) == 1, "a failed write was sent again"
    assert camera.camera.config(TIME)["sTimezone"] != "Europe/Paris"


async def test_latency_past_the_timeout_is_a_timeout_and_a_write_is_sent_once(connect, camera):
    async with connect(make_options(timeout_s=0.5)) as mcp:
        await call_ok(mcp, "login", host=camera.address)
        camera.camera.faults.latency_s = 2.0
        camera.camera.clear_log()
        text = await call_error(mcp, "get_config", host=camera.address, area="time")
        assert "did not answer" in text and "within 0.5 s" in text
    assert await settled(lambda: reads(camera), 1) == 1  # a timeout is told at once, not retried
    camera.camera.faults.latency_s = 0
    async with connect(make_options(timeout_s=0.5)) as mcp:
        dry = {"host": camera.address, "area": "time", "changes": {"sTimezone": "UTC"}, "dry_run": True}
        await call_ok(mcp, "update_config", **dry)  # logged in, firmware generation known: the write comes next
        camera.camera.clear_log()
        with on_the_write(camera, latency_s=2.0):  # (latency hits every request after the read, not only TIME)
            result = await update_timezone(mcp, camera, "Asia/Tokyo")
    assert result.is_error and "read its state back" in result.content[0].text
    assert await settled(lambda: writes(camera), 1) == 1, "a write that timed out was sent again"
    camera.camera.faults.latency_s = 0


async def test_a_connection_reset_mid_body_retries_a_read_and_never_a_write(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        camera.camera.faults.drop_next, camera.camera.faults.only_path = 1, TIME
        camera.camera.clear_log()
        out = await call_ok(mcp, "get_config", host=camera.address, area="time")
        assert out["config"] and reads(camera) == 2
        camera.camera.clear_log()
        with on_the_write(camera, drop_next=1):
            result = await update_timezone(mcp, camera, "Europe/Oslo")
    assert result.is_error and "broke" in result.content[0].text
    assert writes(camera) == 1, "a write whose answer broke was sent again"


async def test_malformed_json_is_a_clear_error_and_nothing_is_written(connect, camera):
    before = camera.camera.config(TIME)
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        camera.camera.faults.malformed_next, camera.camera.faults.only_path = 3, TIME
        camera.camera.clear_log()
        text = await call_error(mcp, "update_config", host=camera.address, area="time", changes={"sTimezone": "UTC"})
    assert "not JSON" in text and writes(camera) == 0 and camera.camera.config(TIME) == before
