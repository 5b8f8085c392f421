"""Completions (``completion/complete``) through the SDK client against the simulator, and the device templates
whose variables they complete.

The protocol completes prompt arguments and resource-template variables only (there is no tool-argument ref), so
``host``, ``area``, recording ``path``, ``model`` and the tune_image ``group``/``field`` are completed where the
prompts and templates carry them.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.types import PromptReference, ResourceTemplateReference

from recamera_mcp.client import GROUPS
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.server.state import ServerOptions
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_ok

RECORDINGS = "recamera://device/{host}/recordings/{+path}"
CONFIG = "recamera://device/{host}/config/{area}"
IMAGE = "recamera://device/{host}/image/{group}{?field}"
MODELS = "recamera://device/{host}/models/{model}"


async def values(mcp: Any, ref: Any, name: str, value: str = "", **given: str) -> list[str]:
    answer = await mcp.complete(ref, {"name": name, "value": value}, given or None)
    return list(answer.completion.values)


def template(uri: str) -> ResourceTemplateReference:
    return ResourceTemplateReference(type="ref/resource", uri=uri)


async def test_host_area_and_recording_path_complete_against_the_simulator(connect, camera):
    ip, port = camera.address.split(":")
    configured = "192.0.2.7"  # a host only the credentials file names (never contacted)
    options = ServerOptions(
        credentials=CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD}, hosts={configured: {"password": "x"}})
    )
    async with connect(options) as mcp:
        status = template("recamera://device/{host}/status")
        assert await values(mcp, status, "host") == [configured]
        await call_ok(mcp, "discover_devices", subnet=ip, port=int(port), timeout_s=2)
        assert await values(mcp, status, "host") == [camera.address, configured]  # found by the discovery
        assert await values(mcp, PromptReference(type="ref/prompt", name="login"), "host", "127.") == [camera.address]

        area = await values(mcp, PromptReference(type="ref/prompt", name="change-setting"), "area", "rec")
        assert area == ["record_global", "record_schedule", "record_triggers"]
        assert "record_triggers" in await values(mcp, template(CONFIG), "area", "trig")  # inside the name too

        days = await values(mcp, template(RECORDINGS), "path", "", host=camera.address)
        listed = await call_ok(mcp, "list_recordings", host=camera.address)
        assert days == [e["path"] for e in listed["entries"]] and all(d.endswith("/") for d in days)
        files = await values(mcp, template(RECORDINGS), "path", days[0], host=camera.address)
        in_day = await call_ok(mcp, "list_recordings", host=camera.address, path=days[0])
        assert files == [e["path"] for e in in_day["entries"]] and all(f.startswith(days[0]) for f in files)
        one = await values(mcp, template(RECORDINGS), "path", files[0][:-2], host=camera.address)
        assert one == [files[0]]
        assert await values(mcp, status, "host") == [camera.address, configured]  # now with a session, once


async def test_device_backed_completions_ask_only_known_cameras(connect, camera, make_camera):
    other = make_camera()
    async with connect() as mcp:
        await call_ok(mcp, "get_device_status", host=camera.address)
        other.camera.clear_log()
        assert await values(mcp, template(RECORDINGS), "path", "", host=other.address) == []
        assert other.camera.log == []  # a host typed in is never contacted by a keystroke
        assert await values(mcp, template(RECORDINGS), "path", "") == []  # no host given yet


async def test_models_sections_endpoints_groups_and_fields_complete(connect, camera):
    async with connect() as mcp:
        await call_ok(mcp, "get_device_status", host=camera.address)
        models = await values(mcp, template(MODELS), "model", "", host=camera.address)
        assert models and all(isinstance(m, str) and m for m in models)
        assert await values(mcp, template("recamera://reference/{section}"), "section", "net") == ["network"]
        endpoints = template("recamera://reference/{section}/{endpoint}")
        assert "network-lan" in await values(mcp, endpoints, "endpoint", "network-l", section="network")
        assert await values(mcp, template(IMAGE), "group", "") == [g.name for g in GROUPS]
        assert await values(mcp, template(IMAGE), "field", "iB", group="adjustment") == ["iBrightness"]
        assert "white_balance.iWhiteBalanceCT" in await values(mcp, template(IMAGE), "field", "white")
        assert await values(mcp, PromptReference(type="ref/prompt", name="snapshot"), "stream", "") == ["main", "sub"]


async def test_device_templates_read_config_recordings_image_and_models(connect, camera):
    async with connect() as mcp:
        host = camera.address

        async def read(uri: str) -> Any:
            result = await mcp.read_resource(uri)
            return json.loads(result.contents[0].text)

        config = await read(f"recamera://device/{host}/config/record_triggers")
        direct = await call_ok(mcp, "get_config", host=host, area="record_triggers")
        assert config["config"] == direct["config"]
        root = await read(f"recamera://device/{host}/recordings/")
        assert root["path"] == "/" and root["entries"]
        day = root["entries"][0]["path"]
        folder = await read(f"recamera://device/{host}/recordings/{day}")
        entry = await read(f"recamera://device/{host}/recordings/{folder['entries'][0]['path']}")
        assert entry == folder["entries"][0]
        image = await read(f"recamera://device/{host}/image/adjustment")
        assert image["key"] == "imageAdjustment" and "iBrightness" in image["values"]
        one = await read(f"recamera://device/{host}/image/adjustment?field=iBrightness")
        assert one["values"] == {"iBrightness": image["values"]["iBrightness"]}
        model = (await values(mcp, template(MODELS), "model", "", host=host))[0]
        assert isinstance(await read(f"recamera://device/{host}/models/{model}"), dict)
