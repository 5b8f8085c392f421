"""``recamera-mcp demo``: simulated cameras driven through the MCP server by a real MCP client, step by step.

The simulator runs in this process; the server runs as a ``recamera-mcp serve`` subprocess over stdio (exactly as
Claude Desktop would start it), with the simulated camera's password in its environment, never in a tool call.
When a playbook needs a tool of a toolset the server has not loaded, the demo loads that toolset with the
``toolsets`` tool first, as an agent does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import ImageContent, TextContent

from recamera_mcp.playbooks import load_playbooks, lookup, resolve_args
from recamera_mcp.simulator import SimFleet, SimSettings
from recamera_mcp.simulator.cli import generated_password

MAX_SHOWN = 600


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prefix", default="127.0.0.", help="simulated subnet prefix (default 127.0.0.)")
    parser.add_argument("--first", type=int, default=20, help="last octet of the first camera (default 20)")
    parser.add_argument("--cameras", type=int, default=2, help="simulated cameras (default 2)")
    parser.add_argument("--in-process", action="store_true", help="run the server in-process instead of stdio")
    parser.add_argument(
        "--no-rtsp", action="store_true", help="cameras without RTSP (snapshots by the camera's own capture)"
    )


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + " ..."


PLAYBOOK_ORDER = (
    "discover-devices", "login", "change-setting", "tune-image", "snapshot", "recordings", "troubleshoot-detections",
)  # fmt: skip


def _values(cams: list[str], subnet: str, port: int, downloads: str) -> dict[str, dict[str, Any]]:
    """Argument values for each playbook, as a user would give them to the prompt."""
    cam = cams[0]
    return {
        "discover-devices": {"subnet": subnet, "port": port},
        "login": {"host": cam},
        "change-setting": {"host": cam, "area": "time", "changes": {"sTimezone": "Europe/Berlin"}},
        "tune-image": {"host": cam, "brightness": 65},
        "snapshot": {"host": cam, "stream": "sub"},
        "recordings": {"host": cam, "dest_dir": downloads},
        "troubleshoot-detections": {"host": cam},
    }


async def _call(client: Client, number: str, tool: str, args: dict[str, Any]) -> tuple[bool, Any]:
    print(f"[{number}] {tool}({_show(args)[1:-1]})", flush=True)
    started = time.perf_counter()
    result = await client.call_tool(tool, args)
    took = time.perf_counter() - started
    if result.is_error:
        text = " ".join(c.text for c in result.content if isinstance(c, TextContent))
        print(f"    <- ERROR ({took:.2f} s): {text}\n", flush=True)
        return False, None
    shown: Any = result.structured_content
    if shown is None:
        shown = " ".join(c.text for c in result.content if isinstance(c, TextContent))[:MAX_SHOWN]
    print(f"    <- ({took:.2f} s) {_show(shown)}", flush=True)
    for image in (c for c in result.content if isinstance(c, ImageContent)):
        print(f"    <- image content: {image.mime_type}, {len(image.data) * 3 // 4} bytes", flush=True)
    print(flush=True)
    return True, result.structured_content


async def _tool_names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


async def _holders(client: Client, tools: set[str]) -> dict[str, str]:
    """Tool name → the toolset that holds it, from ``toolsets(action="list")`` (empty without that tool)."""
    if "toolsets" not in tools:
        return {}
    listing = (await client.call_tool("toolsets", {"action": "list"})).structured_content or {}
    return {name: ts["name"] for ts in listing.get("toolsets", []) for name in ts.get("tools", [])}


async def _walk(client: Client, cams: list[str], subnet: str, port: int, downloads: str) -> int:
    """Run every playbook's steps (the same steps its MCP prompt gives an agent), then a second camera."""
    tools = await _tool_names(client)
    print(f"server offers {len(tools)} tools: {', '.join(sorted(tools))}\n", flush=True)
    holders = await _holders(client, tools)
    books = load_playbooks()
    values = _values(cams, subnet, port, downloads)
    failures = 0
    for index, name in enumerate(PLAYBOOK_ORDER, start=1):
        book = books[name]
        print(f'=== Playbook {index}: {book.title}   (e.g. "{book.intents[0]}")', flush=True)
        known = dict(values[name])
        for number, step in enumerate(book.steps, start=1):
            if step.tool not in tools and step.tool in holders:
                load = {"action": "enable", "name": holders[step.tool]}
                if not (await _call(client, f"{index}.{number}a", "toolsets", load))[0]:
                    failures += 1
                    break
                tools = await _tool_names(client)
            if step.tool not in tools:
                print(f"[{index}.{number}] {step.tool}: not in this build; skipped\n", flush=True)
                continue
            ok, structured = await _call(client, f"{index}.{number}", step.tool, resolve_args(step.args, known))
            if not ok:
                failures += 1
                break
            for var, path in step.save.items():
                known[var] = lookup(structured, path)
    print("=== Several cameras in one session", flush=True)
    for number, (tool, args) in enumerate([("get_device_status", {"host": cams[-1]}), ("list_sessions", {})], start=1):
        failures += 0 if (await _call(client, f"{len(PLAYBOOK_ORDER) + 1}.{number}", tool, args))[0] else 1
    return failures


async def _main(args: argparse.Namespace) -> int:
    password = generated_password()
    fleet = SimFleet().start()
    try:
        cams = []
        from recamera_mcp.simulator.rtsp import rtsp_available

        rtsp_off = "forced off (--no-rtsp)" if args.no_rtsp else rtsp_available()
        port = 80 if os.geteuid() == 0 else 0
        for i in range(args.cameras):
            host = f"{args.prefix}{args.first + i}"
            settings = SimSettings(password=password, serial=f"RC2B{args.first + i:010d}", rtsp_port=0)
            try:
                device = fleet.add_camera(host, port, settings, rtsp=rtsp_off is None)
            except OSError:
                port = 0
                device = fleet.add_camera(host, port, settings, rtsp=rtsp_off is None)
            port = device.port
            cams.append(device.address)
        print(f"simulated cameras: {', '.join(cams)}" + (f"  (RTSP off: {rtsp_off})" if rtsp_off else ""))
        subnet = f"{args.prefix}{args.first}-{args.first + args.cameras + 2}"
        downloads = tempfile.mkdtemp(prefix="recamera-demo-")
        env = {**os.environ, "RECAMERA_PASSWORD": password}
        # the demo's files and the simulated cameras' pins stay in its own folder, never in the user's
        own = ["--files-root", downloads, "--pins", os.path.join(downloads, "pins.json")]
        if args.in_process:
            from pathlib import Path

            from recamera_mcp.server import ServerOptions, create_server

            os.environ["RECAMERA_PASSWORD"] = password
            async with Client(create_server(ServerOptions(files_root=Path(downloads)))) as client:
                failures = await _walk(client, cams, subnet, port, "recordings")
        else:
            params = StdioServerParameters(
                command=sys.executable, args=["-m", "recamera_mcp", "serve", "--log-level", "WARNING", *own], env=env
            )
            async with Client(params) as client:
                failures = await _walk(client, cams, subnet, port, "recordings")
        print(f"downloads were saved in {downloads}")
        print("demo finished" + (f" with {failures} failed step(s)" if failures else ": every step succeeded"))
        return 1 if failures else 0
    finally:
        fleet.stop()


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
