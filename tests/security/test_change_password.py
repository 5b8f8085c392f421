"""Item 6: change_password takes the shared confirmation and needs the old password unless the camera demands a
change."""

from __future__ import annotations

from recamera_mcp.simulator.testing import PASSWORD
from tests.security.helpers import accept
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok

NEW = "Brand#New2026"


def password_puts(camera) -> int:
    return sum(1 for e in camera.camera.log if e.call == ("PUT", "/system/password"))


async def test_no_old_password_no_change(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        text = await call_error(mcp, "change_password", host=camera.address, new_password=NEW)
    assert "give old_password" in text and "Nothing was done" in text
    assert password_puts(camera) == 0 and camera.camera.auth.password == PASSWORD


async def test_the_first_call_only_asks_and_the_token_changes_it(connect, camera):
    async with connect() as mcp:
        first = await call_ok(mcp, "change_password", host=camera.address, new_password=NEW, old_password=PASSWORD)
        assert first["changed"] is False and first["confirmation"]["confirm_token"]
        assert NEW not in str(first) and PASSWORD not in str(first)
        assert password_puts(camera) == 0 and camera.camera.auth.password == PASSWORD
        text = await call_error(
            mcp, "change_password", host=camera.address, new_password="Other#New2026", old_password=PASSWORD,
            confirm_token=first["confirmation"]["confirm_token"],
        )  # fmt: skip
        assert "other arguments" in text and camera.camera.auth.password == PASSWORD
        again = await call_ok(mcp, "change_password", host=camera.address, new_password=NEW, old_password=PASSWORD)
        done = await call_ok(
            mcp, "change_password", host=camera.address, new_password=NEW, old_password=PASSWORD,
            confirm_token=again["confirmation"]["confirm_token"],
        )  # fmt: skip
    assert done["changed"] and camera.camera.auth.password == NEW and password_puts(camera) == 1


async def test_a_camera_demanding_a_change_needs_no_old_password(connect, make_camera):
    cam = make_camera(factory=True, password="Factory#2026")
    asked: list[str] = []
    async with connect(make_options(password="Factory#2026"), elicitation_callback=accept(asked)) as mcp:
        assert (await call_ok(mcp, "login", host=cam.address))["must_change_password"]
        done = await call_ok(mcp, "change_password", host=cam.address, new_password=NEW)
    assert done["changed"] and len(asked) == 1 and cam.camera.auth.password == NEW


async def test_a_weak_password_is_refused_before_asking(connect, camera):
    asked: list[str] = []
    async with connect(elicitation_callback=accept(asked)) as mcp:
        text = await call_error(mcp, "change_password", host=camera.address, new_password="weak", old_password=PASSWORD)
    assert "at least 6 characters" in text and asked == [] and password_puts(camera) == 0
