"""Benchmark: how long the command line takes to start, next to what it would take with the MCP server loaded.

    .venv/bin/python -m bench.cli_start [--runs 7]

Each figure is the median wall time of fresh interpreters: ``python -c pass`` (the floor), ``recamera-mcp --help``
and ``recamera-mcp status --help`` (what this package's lazy command table costs), ``recamera-mcp status`` against
a simulated camera (a whole camera command: imports, login, three requests), and, as the baseline, importing the
MCP server and OpenCV as an eager command table would (the cost every command paid before).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from recamera_mcp.simulator.fleet import SimFleet
from recamera_mcp.simulator.settings import SimSettings

PASSWORD = "Bench#Pass2026"


def _median_s(argv: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{argv} failed: {done.stderr.decode()[-500:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAMERA_")}
    env.update(RECAMERA_PASSWORD=PASSWORD, RECAMERA_MCP_CONFIG="/nonexistent/config.toml")
    fleet = SimFleet().start()
    try:
        camera = fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD))
        cli = [sys.executable, "-m", "recamera_mcp"]
        rows = [
            ("python -c pass (floor)", [sys.executable, "-c", "pass"]),
            ("recamera-mcp --help", [*cli, "--help"]),
            ("recamera-mcp status --help", [*cli, "status", "--help"]),
            ("recamera-mcp status HOST --json", [*cli, "status", camera.address, "--json"]),
            ("baseline: import the MCP server + OpenCV", [sys.executable, "-c", "import recamera_mcp.server.app, cv2"]),
        ]
        print(f"median of {args.runs} fresh interpreters")
        for name, argv in rows:
            print(f"  {name:45} {_median_s(argv, args.runs, env) * 1000:7.0f} ms")
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
