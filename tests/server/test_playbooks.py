"""Every playbook runs end to end against the simulator through the MCP client, and names only real tools and
arguments (checked against each tool's inputSchema)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from recamera_mcp.client import FirmwareWait, WaitPolicy
from recamera_mcp.playbooks import Playbook, PlaybookError, load_playbooks, lookup, parse, resolve_args
from recamera_mcp.simulator.dialects import LATEST_RELEASES
from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.system import firmware_version
from tests.server.conftest import make_options
from tests.server.helpers import error_text

BOOKS = load_playbooks()

Values = Callable[[Any, Path], dict[str, Any]]


def _deploy_values(cam: Any, tmp: Path) -> dict[str, Any]:
    model = tmp / "people_detector.rknn"
    model.write_bytes(b"RKNN" + bytes(range(256)) * 4000)
    return {"host": cam.address, "model_path": str(model), "classes": ["person", "car"]}


VALUES: dict[str, Values] = {
    "deploy-model": _deploy_values,
    "discover-devices": lambda cam, tmp: {"subnet": cam.address.split(":")[0], "port": int(cam.address.split(":")[1])},
    "login": lambda cam, tmp: {"host": cam.address},
    "change-setting": lambda cam, tmp: {
        "host": cam.address,
        "area": "time",
        "changes": {"sTimezone": "Europe/Berlin"},
    },
    "tune-image": lambda cam, tmp: {"host": cam.address, "brightness": 70},
    "snapshot": lambda cam, tmp: {"host": cam.address, "stream": "sub"},
    "recordings": lambda cam, tmp: {"host": cam.address, "dest_dir": "clips"},
    "upgrade-firmware": lambda cam, tmp: {"host": cam.address},
    "backup-and-clone": lambda cam, tmp: {"host": cam.address, "dest_dir": str(tmp)},
    "troubleshoot-detections": lambda cam, tmp: {"host": cam.address},
    "troubleshoot": lambda cam, tmp: {"host": cam.address, "symptom": "no_recording"},
}
CAMERA_SETTINGS: dict[str, dict[str, Any]] = {
    "upgrade-firmware": {"upload_progress_s": 1.0, "firmware_success_s": 0.2, "install_s": 1.0},
}
"""Playbooks whose camera needs other settings (a quick firmware install)."""
SERVER_OPTIONS: dict[str, dict[str, Any]] = {
    "upgrade-firmware": {
        "firmware_wait": FirmwareWait(
            progress_interval_s=0.2, install=WaitPolicy(interval_s=0.2, timeout_s=60, down_within_s=60)
        )
    },
}
SECOND_CAMERA = {"backup-and-clone": "target"}
"""Playbooks that need a second camera: the argument that gets its address (its settings differ from the first)."""
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def placeholders(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return set().union(*(placeholders(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(placeholders(v) for v in value)) if value else set()
    return set()


def test_playbooks_are_found_and_well_formed() -> None:
    assert set(BOOKS) == set(VALUES)
    for book in BOOKS.values():
        assert book.steps and book.intents and book.body.strip()
        args = {a.name for a in book.arguments}
        known = set(args)
        for step in book.steps:
            assert step.tool in book.tools, f"{book.name}: step tool {step.tool} missing from tools:"
            unknown = placeholders(step.args) - known
            assert not unknown, f"{book.name}: {step.tool} uses {unknown}, neither an argument nor saved earlier"
            known |= set(step.save)
        required = {a.name for a in book.arguments if a.required}
        assert required <= set().union(*(placeholders(s.args) for s in book.steps)), book.name


def test_malformed_playbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="front matter"):
        parse("# no front matter\n", tmp_path / "x.md")
    head = "---\nname: x\ntitle: X\ndescription: d\nintents: []\narguments: []\n"
    text = head + 'tools: ["a"]\nsteps:\n  - {"tol": 1}\n---\n'
    with pytest.raises(PlaybookError, match="tool"):
        parse(text, tmp_path / "x.md")


async def server_tools(mcp: Any) -> dict[str, Any]:
    return {t.name: t for t in (await mcp.list_tools()).tools}


async def test_every_playbook_tool_and_argument_exists(connect: Any) -> None:
    problems: list[str] = []
    async with connect() as mcp:
        tools = await server_tools(mcp)
    for book in BOOKS.values():
        for name in book.tools:
            if name not in tools:
                problems.append(f"{book.name}: no tool {name}")
        for step in book.steps:
            if step.tool not in tools:
                problems.append(f"{book.name}: a step calls {step.tool}, which the server does not have")
                continue
            schema = tools[step.tool].input_schema
            props = set(schema.get("properties", {}))
            for arg in set(step.args) - props:
                problems.append(f"{book.name}: {step.tool} has no argument {arg!r} (it takes {sorted(props)})")
            for arg in set(schema.get("required", [])) - set(step.args):
                problems.append(f"{book.name}: {step.tool} needs argument {arg!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(BOOKS))
async def test_playbook_runs_end_to_end(
    name: str, connect: Any, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    book: Playbook = BOOKS[name]
    async with connect(make_options(files_root=tmp_path, **SERVER_OPTIONS.get(name, {}))) as mcp:
        tools = await server_tools(mcp)
        needs_rtsp = "snapshot" in tools and any(s.tool == "snapshot" for s in book.steps)
        if name in CAMERA_SETTINGS:
            cam = request.getfixturevalue("make_camera")(**CAMERA_SETTINGS[name])
        else:
            cam = request.getfixturevalue("rtsp_camera" if needs_rtsp else "camera")
        values = VALUES[name](cam, tmp_path)
        second = request.getfixturevalue("make_camera")(serial="RC2B0000000999") if name in SECOND_CAMERA else None
        if second is not None:
            values[SECOND_CAMERA[name]] = second.address
            cam.camera.configs["/system/time"]["sTimezone"] = "Europe/Berlin"  # a setting only the first one has
        for step in book.steps:
            assert step.tool in tools, f"{name}: no tool {step.tool}"
            args = resolve_args(step.args, values)
            assert not placeholders(args), f"{name}: {step.tool} has unresolved placeholders {placeholders(args)}"
            result = await mcp.call_tool(step.tool, args)
            assert not result.is_error, f"{name}: {step.tool}({args}) failed: {error_text(result)}"
            for var, path in step.save.items():
                assert result.structured_content is not None, f"{name}: {step.tool} has no structured result"
                values[var] = lookup(result.structured_content, path)
    if name == "change-setting":
        assert ("PUT", "/system/time") in cam.camera.calls()
    if name == "upgrade-firmware":
        assert firmware_version(cam.camera) == LATEST_RELEASES[cam.camera.settings.firmware]
        assert any(e.body and "sConfirmToken" in e.body for e in cam.camera.log if e.path == "/system/firmware-upgrade")
    if second is not None:
        assert second.camera.config("/system/time")["sTimezone"] == "Europe/Berlin", "the setting was cloned"
    if name == "deploy-model":
        assert ai_state(cam.camera).inference["sModel"] == "people_detector.rknn"
        assert ai_state(cam.camera).models["people_detector.rknn"]["classes"] == ["person", "car"]
    if name == "recordings":
        assert [p for p in tmp_path.rglob("*") if p.is_file() and p.stat().st_size > 0], "nothing was downloaded"


async def test_skill_md_names_only_real_tools_and_playbooks(connect: Any) -> None:
    text = (Path(__file__).resolve().parents[2] / "SKILL.md").read_text(encoding="utf-8")
    assert text.startswith("---\nname: recamera-mcp\ndescription: ")
    async with connect(make_options(toolsets=frozenset({"core"}), dynamic=True)) as mcp:
        await mcp.call_tool("toolsets", {"action": "enable", "name": "all"})
        tools = await server_tools(mcp)  # every tool, and the toolsets tool of a default serve
    called = set(re.findall(r"`([a-z][a-z_]*)\(", text))  # `name(...)`: must be a tool
    mentioned = set(re.findall(r"`([a-z][a-z_]*)`", text)) & set(tools)
    named = called | mentioned
    assert {"update_config", "api_reference", "discover_devices"} <= named
    unknown = named - set(tools)
    assert not unknown, f"SKILL.md names tools the server does not have: {unknown}"
    for book in BOOKS:
        assert book in text, f"SKILL.md does not list playbook {book}"
