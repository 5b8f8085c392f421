"""Item 5: allow_public, allow_large, reveal_secrets and the confirmation mode are the operator's; an agent may ask,
the user may allow one call by elicitation; confirmation tokens are bound to the MCP session and the plan."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from recamera_mcp.server import create_server
from recamera_mcp.simulator.routes.storage_state import storage_area
from tests.security.helpers import accept, answering
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok, destructive_calls, files_on_card


def ftp_password(camera) -> str:
    return str(camera.camera.config("/ftp/setting")["sFtpPassword"])


async def test_an_agent_cannot_reveal_secrets_by_itself(connect, camera):
    async with connect() as mcp:
        text = await call_error(mcp, "get_config", host=camera.address, area="ftp", reveal_secrets=True)
        assert "reveal_secrets=true refused" in text and "--reveal-secrets" in text
        text = await call_error(
            mcp, "update_config", host=camera.address, area="ftp", changes={"sFtpPort": "2100"}, dry_run=True,
            reveal_secrets=True,
        )  # fmt: skip
        assert "refused" in text
    assert ftp_password(camera) not in text


async def test_the_user_may_reveal_for_one_call(connect, camera):
    asked: list[str] = []
    async with connect(elicitation_callback=accept(asked)) as mcp:
        out = await call_ok(mcp, "get_config", host=camera.address, area="ftp", reveal_secrets=True)
        assert out["config"]["sFtpPassword"] == ftp_password(camera) and len(asked) == 1
        masked = await call_ok(mcp, "get_config", host=camera.address, area="ftp")
        assert masked["config"]["sFtpPassword"] == "********" and len(asked) == 1
    declined: list[str] = []
    async with connect(elicitation_callback=answering("decline", None, declined)) as mcp:
        text = await call_error(mcp, "get_config", host=camera.address, area="ftp", reveal_secrets=True)
    assert "declined" in text and ftp_password(camera) not in text


async def test_the_operator_switch_allows_what_the_agent_asks(connect, camera):
    async with connect(make_options(reveal_secrets=True)) as mcp:
        out = await call_ok(mcp, "get_config", host=camera.address, area="ftp", reveal_secrets=True)
    assert out["config"]["sFtpPassword"] == ftp_password(camera)


async def test_a_read_only_server_never_reveals(connect, camera):
    asked: list[str] = []
    async with connect(make_options(reveal_secrets=True, read_only=True), elicitation_callback=accept(asked)) as mcp:
        text = await call_error(mcp, "get_config", host=camera.address, area="ftp", reveal_secrets=True)
    assert "read-only" in text and asked == []


@pytest.mark.parametrize(("subnet", "switch"), [("8.8.8.0/24", "allow_public"), ("10.0.0.0/8", "allow_large")])
async def test_an_agent_cannot_widen_discovery_by_itself(connect, subnet, switch):
    async with connect() as mcp:
        text = await call_error(mcp, "discover_devices", subnet=subnet, timeout_s=0.2, **{switch: True})
    assert f"{switch}=true refused" in text and f"--{switch.replace('_', '-')}" in text


async def test_a_declined_widening_scans_nothing(connect):
    asked: list[str] = []
    async with connect(elicitation_callback=answering("decline", None, asked)) as mcp:
        text = await call_error(mcp, "discover_devices", subnet="8.8.8.0/30", timeout_s=0.2, allow_public=True)
    assert "declined" in text and len(asked) == 1 and "8.8.8.0/30" in asked[0]


async def test_confirmation_mode_elicit_refuses_tokens(connect, camera):
    async with connect(make_options(confirm_mode="elicit")) as mcp:
        text = await call_error(mcp, "storage", host=camera.address, action="eject")
        assert "confirmation mode elicit" in text and "cannot" in text
        text = await call_error(mcp, "storage", host=camera.address, action="eject", confirm_token="anything")
        assert "never a token" in text
    assert destructive_calls(camera) == []
    asked: list[str] = []
    async with connect(make_options(confirm_mode="elicit"), elicitation_callback=accept(asked)) as mcp:
        done = await call_ok(mcp, "storage", host=camera.address, action="eject")
    assert done["done"] and len(asked) == 1 and destructive_calls(camera) == ["EJECT"]


async def test_confirmation_mode_token_never_elicits(connect, camera):
    asked: list[str] = []
    async with connect(make_options(confirm_mode="token"), elicitation_callback=accept(asked)) as mcp:
        first = await call_ok(mcp, "storage", host=camera.address, action="eject")
    assert first["done"] is False and first["confirmation"]["confirm_token"] and asked == []


async def test_a_token_is_refused_when_the_plan_changed(connect, camera):
    async with connect() as mcp:
        first = await call_ok(mcp, "storage", host=camera.address, action="format")
        planned = first["plan"]["files_affected"]
        area = storage_area(camera.camera)
        for _ in range(7):
            area.add_recording(1000)
        before = files_on_card(camera)
        token = first["confirmation"]["confirm_token"]
        text = await call_error(mcp, "storage", host=camera.address, action="format", confirm_token=token)
    assert "the plan changed" in text and f"files_affected {planned}" in text
    assert destructive_calls(camera) == [] and files_on_card(camera) == before


async def test_a_token_works_only_in_the_mcp_session_that_got_it(camera):
    """Legacy sessions have a session to bind to (2026 requests are stateless: there the principal binds)."""
    server = create_server(make_options())
    async with Client(server, mode="legacy") as alice, Client(server, mode="legacy") as bob:
        first = await call_ok(alice, "storage", host=camera.address, action="eject")
        token = first["confirmation"]["confirm_token"]
        text = await call_error(bob, "storage", host=camera.address, action="eject", confirm_token=token)
        assert "another MCP session" in text and destructive_calls(camera) == []
        again = await call_ok(alice, "storage", host=camera.address, action="eject")
        done = await call_ok(
            alice, "storage", host=camera.address, action="eject", confirm_token=again["confirmation"]["confirm_token"]
        )
    assert done["done"] and destructive_calls(camera) == ["EJECT"]


def test_the_switches_are_no_tool_arguments_that_grant_anything():
    """Every tool argument named like a switch is documented as a request, never a grant."""
    from recamera_mcp.server.tools import TOOLS

    server = create_server(make_options())
    listed = {t.name: t for t in server._tool_manager.list_tools()}
    for name in TOOLS:
        props = listed[name].parameters.get("properties", {})
        for switch in ("allow_public", "allow_large", "reveal_secrets"):
            if switch in props:
                assert props[switch]["description"].startswith("Ask to"), json.dumps(props[switch])
