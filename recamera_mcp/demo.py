"""``recamera-mcp demo``: simulated cameras driven through the MCP server by a real MCP client, step by step.

The simulator runs in this process; the server runs as a ``recamera-mcp serve`` subprocess over stdio (exactly as
Claude Desktop would start it), with the simulated camera's password in its environment, never in a tool call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import ImageContent

from recamera_mcp.simulator import SimFleet, SimSettings
from recamera_mcp.simulator.cli import generated_password

MAX_SHOWN = 600


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prefix", default="127.0.0.", help="simulated subnet prefix (default 127.0.0.)")
    parser.add_argument("--first", type=int, default=20, help="last octet of the first camera (default 20)")
    parser.add_argument("--cameras", type=int, default=2, help="simulated cameras (default 2)")
    parser.add_argument("--in-process", action="store_true", help="run the server in-process instead of stdio")


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + " ..."


def _steps(cams: list[str], subnet: str, port: int) -> list[tuple[str, str, dict[str, Any]]]:
    cam = cams[0]
    return [
        ("Discover the cameras of the subnet", "discover_devices", {"subnet": subnet, "port": port, "timeout_s": 0.5}),
        ("Log in (password from the server's environment)", "login", {"host": cam}),
        ("Status in one call", "get_device_status", {"host": cam}),
        ("Read the network config", "get_config", {"host": cam, "area": "lan"}),
        (
            "Preview a change (dry run, nothing written)",
            "update_config",
            {"host": cam, "area": "time", "changes": {"sTimezone": "Europe/Berlin"}, "dry_run": True},
        ),
        (
            "Change it safely (read-before-write)",
            "update_config",
            {"host": cam, "area": "time", "changes": {"sTimezone": "Europe/Berlin"}},
        ),
        (
            "Tune the image (scene -> edit -> adjust -> commit)",
            "tune_image",
            {"host": cam, "adjustment": {"iBrightness": 65}},
        ),
        ("Take a snapshot (120 stale frames discarded)", "snapshot", {"host": cam, "stream": "sub"}),
        ("Recording and storage status", "get_recording_status", {"host": cam}),
        ("Browse recordings through the relay", "list_recordings", {"host": cam, "limit": 5}),
        ("Second camera, same session", "get_device_status", {"host": cams[-1]}),
        ("Sessions held by the server", "list_sessions", {}),
    ]


async def _walk(client: Client, cams: list[str], subnet: str, port: int) -> int:
    tools = {t.name for t in (await client.list_tools()).tools}
    print(f"server offers {len(tools)} tools: {', '.join(sorted(tools))}\n", flush=True)
    failures = 0
    for number, (title, tool, args) in enumerate(_steps(cams, subnet, port), start=1):
        print(f"[{number}] {title}\n    -> {tool}({_show(args)[1:-1]})", flush=True)
        if tool not in tools:
            print("    (this tool is not available in this build; skipped)\n", flush=True)
            continue
        started = time.perf_counter()
        result = await client.call_tool(tool, args)
        took = time.perf_counter() - started
        if result.is_error:
            failures += 1
            text = " ".join(getattr(c, "text", "") for c in result.content)
            print(f"    <- ERROR ({took:.2f} s): {text}\n", flush=True)
            continue
        images = [c for c in result.content if isinstance(c, ImageContent)]
        shown = result.structured_content if result.structured_content is not None else None
        if shown is None:
            texts = [getattr(c, "text", "") for c in result.content if getattr(c, "type", "") == "text"]
            shown = " ".join(texts)[:MAX_SHOWN]
        print(f"    <- ({took:.2f} s) {_show(shown)}", flush=True)
        for image in images:
            print(f"    <- image content: {image.mime_type}, {len(image.data) * 3 // 4} bytes", flush=True)
        print(flush=True)
    return failures


async def _main(args: argparse.Namespace) -> int:
    password = generated_password()
    fleet = SimFleet().start()
    try:
        cams = []
        from recamera_mcp.simulator.rtsp import rtsp_available

        rtsp_off = rtsp_available()
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
        env = {**os.environ, "RECAMERA_PASSWORD": password}
        if args.in_process:
            from recamera_mcp.server import create_server

            os.environ["RECAMERA_PASSWORD"] = password
            async with Client(create_server()) as client:
                failures = await _walk(client, cams, subnet, port)
        else:
            params = StdioServerParameters(
                command=sys.executable, args=["-m", "recamera_mcp", "serve", "--log-level", "WARNING"], env=env
            )
            async with Client(params) as client:
                failures = await _walk(client, cams, subnet, port)
        print("demo finished" + (f" with {failures} failed step(s)" if failures else ": every step succeeded"))
        return 1 if failures else 0
    finally:
        fleet.stop()


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))
