"""Core tools through a real MCP client against the simulator: login, tokens, status, config, sessions."""

from __future__ import annotations

from recamera_mcp.server.tools.registry import TOOLS
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok

WRITE_METHODS = ("POST", "PUT", "DELETE")


async def test_login_then_calls_reuse_the_token(connect, camera):
    async with connect() as mcp:
        result = await call_ok(mcp, "login", host=camera.address)
        assert result["logged_in"] and not result["must_change_password"]
        assert "token" not in str(result).lower().replace("reused_token", "")
        await call_ok(mcp, "get_device_status", host=camera.address)
        await call_ok(mcp, "get_config", host=camera.address, area="lan")
        assert camera.camera.logins() == 1


async def test_tools_log_in_by_themselves_with_configured_credentials(connect, camera):
    async with connect() as mcp:
        status = await call_ok(mcp, "get_device_status", host=camera.address)
        assert status["serial"] == camera.camera.settings.serial
        assert status["firmware"] and status["cpu_pct"] is not None and status["time_utc"]
        sessions = await call_ok(mcp, "list_sessions")
        assert [s["host"] for s in sessions["sessions"]] == [camera.address]
        assert sessions["sessions"][0]["credential_source"] == "environment"


async def test_expired_token_mid_session_relogs_once_and_retries_once(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        camera.camera.expire_tokens()
        camera.camera.clear_log()
        config = await call_ok(mcp, "get_config", host=camera.address, area="time")
        assert config["config"]["sMethod"] in ("ntp", "manual")
        calls = camera.camera.calls()
        assert calls.count(("POST", "/system/login")) == 1
        assert calls.count(("GET", "/system/time")) == 2, calls


async def test_persistent_401_is_an_error_not_a_loop(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        camera.camera.clear_log()
        camera.camera.faults.fail_status = 401
        camera.camera.faults.fail_next = 5
        text = await call_error(mcp, "get_config", host=camera.address, area="time")
        assert "401" in text or "token" in text.lower()
        assert camera.camera.logins() <= 1
        assert len(camera.camera.log) <= 4


async def test_wrong_password_is_reported_and_not_retried(connect, camera):
    async with connect() as mcp:
        text = await call_error(mcp, "login", host=camera.address, password="Wrong#Pass1")
        assert "password" in text.lower()
        text = await call_error(mcp, "get_device_status", host=camera.address)
        assert "login" in text.lower()
        assert camera.camera.logins() == 1, "a failed login must not be retried automatically"


async def test_lockout_is_reported_and_never_retried(connect, make_camera):
    cam = make_camera(lockout_after=2, lockout_s=60)
    async with connect(make_options(password="Wrong#Pass1")) as client:
        await call_error(client, "login", host=cam.address)
        text = await call_error(client, "login", host=cam.address)
        assert "lock" in text.lower() and "wait" in text.lower()
        before = cam.camera.logins()
        text = await call_error(client, "get_device_status", host=cam.address)
        assert cam.camera.logins() == before


async def test_must_change_password_flow(connect, make_camera):
    cam = make_camera(factory=True, password="Factory#2026")
    async with connect(make_options(password="Factory#2026")) as client:
        result = await call_ok(client, "login", host=cam.address)
        assert result["must_change_password"] is True
        text = await call_error(client, "get_device_status", host=cam.address)
        assert "change_password" in text or "change the password" in text.lower()
        asked = await call_ok(client, "change_password", host=cam.address, new_password="Brand#New2026")
        assert not asked["changed"] and asked["confirmation"]["confirm_token"]
        done = await call_ok(
            client, "change_password", host=cam.address, new_password="Brand#New2026",
            confirm_token=asked["confirmation"]["confirm_token"],
        )  # fmt: skip
        assert done["changed"]
        await call_ok(client, "login", host=cam.address, password="Brand#New2026")
        status = await call_ok(client, "get_device_status", host=cam.address)
        assert status["serial"]


async def test_update_config_changes_only_the_given_field(connect, camera):
    async with connect() as mcp:
        before = camera.camera.config("/network/lan")
        result = await call_ok(
            mcp, "update_config", host=camera.address, area="lan", changes={"dLink": {"sDNS2": "9.9.9.9"}}
        )
        assert result["written"] and result["changes"] == [
            {"field": "dLink.sDNS2", "before": before["dLink"]["sDNS2"], "after": "9.9.9.9", "kept": True}
        ]
        after = camera.camera.config("/network/lan")
        before["dLink"]["sDNS2"] = "9.9.9.9"
        assert after == before
        calls = camera.camera.calls()
        write = calls.index(("PUT", "/network/lan"))
        assert ("GET", "/network/lan") in calls[:write], "a GET precedes the write"
        assert camera.camera.log[write].body_keys == ("dIpv4", "dLink"), "the whole object is written"


async def test_dry_run_sends_no_write(connect, camera):
    async with connect() as mcp:
        result = await call_ok(
            mcp,
            "update_config",
            host=camera.address,
            area="lan",
            changes={"dIpv4": {"sV4Method": "dhcp"}},
            dry_run=True,
        )
        assert result["dry_run"] and not result["written"]
        assert not [c for c in camera.camera.calls() if c[0] in WRITE_METHODS and c[1] != "/system/login"]


async def test_bad_input_gets_clear_errors_and_leaves_device_unchanged(connect, camera):
    async with connect() as mcp:
        before = camera.camera.config("/network/lan")
        cases = [
            ({"host": "http://", "area": "lan", "changes": {}}, "host"),
            ({"host": "300.1.2.3:99999", "area": "lan", "changes": {}}, "host"),
            ({"host": camera.address, "area": "nope", "changes": {}}, "area"),
            ({"host": camera.address, "area": "lan", "changes": {"dIpv4": {"sBogus": "x"}}}, "sBogus"),
            ({"host": camera.address, "area": "lan", "changes": {"dIpv4": {"sV4Method": 5}}}, "sV4Method"),
            ({"host": camera.address, "area": "lan", "changes": {"dIpv4": {"sV4Method": "static"}}}, "sV4Method"),
        ]
        for args, mentioned in cases:
            text = await call_error(mcp, "update_config", **args)
            assert mentioned.lower() in text.lower(), (args, text)
            assert "Traceback" not in text
        assert camera.camera.config("/network/lan") == before


async def test_two_devices_in_one_session(connect, make_camera):
    async with connect() as mcp:
        first, second = make_camera(), make_camera(serial="RC2B0000000099")
        a = await call_ok(mcp, "get_device_status", host=first.address)
        b = await call_ok(mcp, "get_device_status", host=second.address)
        assert a["serial"] != b["serial"] == "RC2B0000000099"
        await call_ok(mcp, "update_config", host=second.address, area="ftp", changes={"sFtpPort": "2121"})
        assert first.camera.config("/ftp/setting")["sFtpPort"] == "21"
        assert second.camera.config("/ftp/setting")["sFtpPort"] == "2121"
        hosts = sorted(s["host"] for s in (await call_ok(mcp, "list_sessions"))["sessions"])
        assert hosts == sorted([first.address, second.address])


async def test_secrets_are_masked_and_a_masked_value_keeps_the_secret(connect, camera):
    async with connect(make_options(reveal_secrets=True)) as mcp:  # the operator allows revealing on request
        real = camera.camera.config("/ftp/setting")["sFtpPassword"]
        shown = await call_ok(mcp, "get_config", host=camera.address, area="ftp")
        assert shown["config"]["sFtpPassword"] == "********"
        await call_ok(
            mcp,
            "update_config",
            host=camera.address,
            area="ftp",
            changes={"sFtpPassword": "********", "sFtpPort": "2200"},
        )
        assert camera.camera.config("/ftp/setting")["sFtpPassword"] == real
        revealed = await call_ok(mcp, "get_config", host=camera.address, area="ftp", reveal_secrets=True)
        assert revealed["config"]["sFtpPassword"] == real


async def test_logout_revokes_and_forgets(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "login", host=camera.address)
        assert (await call_ok(mcp, "logout", host=camera.address))["had_session"]
        assert (await call_ok(mcp, "list_sessions"))["sessions"] == []
        assert ("POST", "/system/logout") in camera.camera.calls()


async def test_call_api_reads_and_turns_config_writes_into_read_before_write(connect, camera):
    async with connect() as mcp:
        info = await call_ok(mcp, "call_api", host=camera.address, method="GET", path="/system/device-info")
        assert info["body"]["sSerialNumber"] == camera.camera.settings.serial
        result = await call_ok(
            mcp, "call_api", host=camera.address, method="PUT", path="/system/time", body={"sTimezone": "Europe/Berlin"}
        )
        assert result["update"]["changes"][0]["field"] == "sTimezone"
        stored = camera.camera.config("/system/time")
        assert stored["sTimezone"] == "Europe/Berlin" and stored["dNtpConfig"]["sAddress"] == "pool.ntp.org"


async def test_call_api_refuses_destructive_paths(connect, camera):
    async with connect() as mcp:
        for method, path, body in [
            ("POST", "/system/factory-reset", None),
            ("POST", "/system/reboot", None),
            ("POST", "/record/storage/control", {"sAction": "FORMAT"}),
            ("DELETE", "/model/delete?File-name=x.rknn", None),
        ]:
            text = await call_error(mcp, "call_api", host=camera.address, method=method, path=path, body=body)
            assert "refuses" in text
        refused = ("/system/factory-reset", "/system/reboot", "/record/storage/control", "/model/delete")
        assert not [c for c in camera.camera.calls() if c[1] in refused], "nothing refused reached the device"


async def test_tool_annotations_are_set(connect):
    async with connect() as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        assert tools["get_device_status"].annotations.read_only_hint is True
        assert tools["list_sessions"].annotations.open_world_hint is False
        assert tools["update_config"].annotations.read_only_hint is False
        assert tools["change_password"].annotations.destructive_hint is True
        for tool in tools.values():
            assert tool.annotations is not None and tool.annotations.read_only_hint is not None, tool.name
            if TOOLS[tool.name].structured_output is not False:  # text/image tools (api_reference, snapshot)
                assert tool.output_schema is not None, tool.name


async def test_password_given_in_call_is_never_echoed(connect, camera):
    async with connect() as mcp:
        result = await mcp.call_tool("login", {"host": camera.address, "password": PASSWORD})
        assert PASSWORD not in str(result.model_dump())
