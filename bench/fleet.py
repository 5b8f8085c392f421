"""Benchmark: the fleet tool on 1 and on 100 simulated cameras in one run (target: 100 cameras <= 3x one camera).

    .venv/bin/python -m bench.fleet [--cameras 100] [--latency 0.05]

The MCP server runs in-process, driven by the SDK's in-memory client; the cameras run in a second process
(``recamera-mcp sim``), so the two do not share one interpreter lock. ``--latency`` gives every camera request a
delay, as a real camera's CGI (one fork of ``entry.cgi`` per request) has; 0 measures the pure overhead. Each size
is measured cold (first call: every camera logs in) and warm (sessions held). Peak memory is the server process's
tracemalloc peak during the 100-camera calls.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import httpx
from mcp import Client

from recamera_mcp.server import ServerOptions, create_server
from recamera_mcp.server.credentials import CredentialStore

PASSWORD = "Bench#Pass2026"
PREFIX = "127.0.31."
PORT = 18231


def start_cameras(count: int, latency: float) -> subprocess.Popen[bytes]:
    """``count`` simulated cameras on 127.0.31.1.. port :data:`PORT` in a child process, up and slowed."""
    sim = subprocess.Popen(
        [sys.executable, "-m", "recamera_mcp", "sim", "--devices", str(count), "--password", PASSWORD,
         "--host", PREFIX + "1", "--port", str(PORT), "--no-rtsp"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    hosts = [f"{PREFIX}{i}:{PORT}" for i in range(1, count + 1)]
    deadline = time.monotonic() + 60
    for host in hosts:
        while True:
            try:
                httpx.get(f"http://{host}/cgi-bin/entry.cgi/system/key", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or sim.poll() is not None:
                    sim.kill()
                    raise SystemExit("the simulated cameras did not start") from None
                time.sleep(0.1)
        if latency:
            httpx.post(f"http://{host}/__sim__/faults", json={"latency_s": latency}, timeout=5)
    return sim


async def timed(client: Client, args: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    result = await client.call_tool("fleet", args)
    seconds = time.perf_counter() - started
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return seconds, dict(result.structured_content)


async def measure(hosts: list[str]) -> dict[str, float]:
    options = ServerOptions(credentials=CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD}))
    figures: dict[str, float] = {}
    async with Client(create_server(options)) as client:
        status = {"action": "status", "hosts": hosts}
        change = {"action": "update_config", "hosts": hosts, "area": "time"}
        figures["status cold"], out = await timed(client, status)
        assert out["counts"] == {"ok": len(hosts)}, out["counts"]
        figures["status warm"], _ = await timed(client, status)
        for zone in ("Europe/Berlin", "Asia/Shanghai"):
            seconds, out = await timed(client, {**change, "changes": {"sTimezone": zone}})
            assert out["counts"] == {"changed": len(hosts)}, out["counts"]
            figures["update_config warm"] = seconds
    return figures


def main() -> None:
    # Warnings only, as plain text: without a handler of ours the SDK installs rich's (rendering one INFO line per
    # login would be measured as fleet work), and one httpx INFO line per request would cost more than the work.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each camera request takes (0: none)")
    args = parser.parse_args()
    sim = start_cameras(args.cameras, args.latency)
    try:
        hosts = [f"{PREFIX}{i}:{PORT}" for i in range(1, args.cameras + 1)]
        one = asyncio.run(measure(hosts[:1]))
        tracemalloc.start()
        many = asyncio.run(measure(hosts))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        sim.terminate()
        sim.wait(10)
    print(f"fleet tool, {args.cameras} simulated cameras in another process, {args.latency * 1000:.0f} ms per request")
    print(f"{'':24}{'1 camera':>12}{f'{args.cameras} cameras':>14}{'ratio':>8}  (target <= 3x)")
    for name in one:
        ratio = many[name] / one[name]
        verdict = "ok" if ratio <= 3 else "MISSED"
        print(f"  {name:22}{one[name]:>10.3f} s{many[name]:>12.3f} s{ratio:>7.1f}x  {verdict}")
    print(f"  peak Python memory of the server during the {args.cameras}-camera calls: {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
