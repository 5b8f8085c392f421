"""The live tools through the MCP client (legacy and 2026 sessions): watch_inference, read_logs, run_command
(allow-list, confirmed, refused) and check_notifications through a real broker."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.types import ElicitRequestParams, ElicitResult

from recamera_mcp.simulator.routes.streams import append_log
from tests.server.helpers import call_error, call_ok

FAST = {"inference_rate_hz": 20.0, "log_rate_hz": 20.0, "notify_retry_s": 0.2}


def terminals(camera: Any) -> int:
    return sum(1 for e in camera.camera.log if e.call == ("WS", "/ws/system/terminal"))


async def test_tools_are_annotated_and_in_their_toolsets(connect):
    async with connect() as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
    for name in ("watch_inference", "read_logs", "check_notifications"):
        hints = tools[name].annotations
        assert hints is not None and hints.read_only_hint is True and hints.destructive_hint is False, name
    run = tools["run_command"].annotations
    assert run is not None and run.read_only_hint is False and run.destructive_hint is True
    from recamera_mcp.server.tools import TOOLS

    assert {n: TOOLS[n].toolset for n in ("watch_inference", "check_notifications", "read_logs", "run_command")} == {
        "watch_inference": "ai",
        "check_notifications": "ai",
        "read_logs": "system",
        "run_command": "system",
    }


async def test_watch_inference_off_then_on(make_camera, connect):
    camera = make_camera(**FAST)
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    async with connect() as mcp:
        off = await call_ok(mcp, "watch_inference", host=camera.address, duration_s=60)
        assert off["running"] is False and off["stopped_by"] == "inference_off"
        assert "configure_inference(enabled=true)" in off["problem"]
        await call_ok(mcp, "update_config", host=camera.address, area="inference", changes={"iEnable": 1})
        few = await call_ok(mcp, "watch_inference", host=camera.address, max_results=5)
        assert (few["results"], few["stopped_by"], few["problem"]) == (5, "max_results", None)
        assert few["labels"][0]["label"] in ("person", "car") and few["top"][0]["label"] == "person"
        result = await mcp.call_tool(
            "watch_inference",
            {"host": camera.address, "duration_s": 2.5, "max_results": 1000},
            progress_callback=on_progress,
        )
    assert not result.is_error and result.structured_content is not None
    assert result.structured_content["stopped_by"] == "duration" and result.structured_content["results"] > 5
    assert progress and all(total == 2.5 for _, total in progress)
    assert [p for p, _ in progress] == sorted(p for p, _ in progress)


async def test_read_logs_filters_and_masks(make_camera, connect):
    camera = make_camera(**FAST)
    append_log(camera.camera, "error", 'notify: retry {"sPassword": "hunter2"} \x1b[31mred\x1b[0m')
    async with connect() as mcp:
        logs = await call_ok(mcp, "read_logs", host=camera.address, duration_s=0, contains="notify:")
    assert [line["text"] for line in logs["lines"]] == ['notify: retry {"sPassword": "********"} red']
    assert logs["lines"][0]["level"] == "ERROR" and logs["matched"] == 1


async def test_read_only_commands_run_at_once(camera, connect):
    async with connect() as mcp:
        out = await call_ok(mcp, "run_command", host=camera.address, command="cat /proc/version")
    assert out["ran"] is True and out["read_only"] is True and out["confirmation"] is None
    assert out["output"].startswith("Linux version 6.1.157") and "root@" not in out["output"]
    assert terminals(camera) == 1


async def test_other_commands_need_the_two_phase_confirmation(camera, connect):
    async with connect() as mcp:
        first = await call_ok(mcp, "run_command", host=camera.address, command="rm -rf /userdata/x")
        assert first["ran"] is False and first["output"] == "" and terminals(camera) == 0
        token = first["confirmation"]["confirm_token"]
        assert "rm -rf /userdata/x" in first["confirmation"]["summary"]
        err = await call_error(mcp, "run_command", host=camera.address, command="reboot", confirm_token=token)
        assert "Nothing was done" in err and terminals(camera) == 0, "a token for another command is refused"
        again = await call_ok(mcp, "run_command", host=camera.address, command="rm -rf /userdata/x")
        done = await call_ok(
            mcp, "run_command", host=camera.address, command="rm -rf /userdata/x",
            confirm_token=again["confirmation"]["confirm_token"],
        )  # fmt: skip
    assert done["ran"] is True and done["output"] == "sh: rm: not found" and done["read_only"] is False
    assert terminals(camera) == 1


@pytest.mark.parametrize(("action", "content", "runs"), [("accept", {"confirm": True}, 1), ("decline", None, 0)])
async def test_elicitation_confirms_or_refuses_a_command(camera, connect, action, content, runs):
    asked: list[str] = []

    async def answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content=content)  # type: ignore[arg-type]

    async with connect(elicitation_callback=answer) as mcp:
        result = await mcp.call_tool("run_command", {"host": camera.address, "command": "ifconfig eth0 down"})
    assert result.is_error == (runs == 0) and terminals(camera) == runs
    assert len(asked) == 1 and "ifconfig eth0 down" in asked[0]


async def test_check_notifications_through_a_real_broker(make_camera, connect, mqtt_broker):
    camera = make_camera(**FAST)
    async with connect() as mcp:
        changes = {"dMqtt": {"sURL": mqtt_broker.host, "iPort": mqtt_broker.port}}
        await call_ok(mcp, "update_config", host=camera.address, area="notify", changes=changes)
        off = await call_ok(mcp, "check_notifications", host=camera.address, duration_s=30)
        assert off["verdict"] == "mode_off"
        assert 'update_config(area="notify", changes={"iMode":1})' in off["problems"][0]
        await call_ok(mcp, "update_config", host=camera.address, area="notify", changes={"iMode": 1})
        await call_ok(mcp, "update_config", host=camera.address, area="inference", changes={"iEnable": 1})
        on = await call_ok(mcp, "check_notifications", host=camera.address, duration_s=1.5)
    assert on["verdict"] == "delivered" and on["received"] > 0 and on["problems"] == []
    assert on["target"] == f"mqtt://{mqtt_broker.host}:{mqtt_broker.port}/results/data"


async def test_call_api_names_the_tools_for_the_websockets(camera, connect):
    async with connect() as mcp:
        err = await call_error(mcp, "call_api", host=camera.address, method="GET", path="/ws/system/terminal", raw=True)
    assert "watch_inference" in err and "read_logs" in err and "run_command" in err
    assert terminals(camera) == 0
