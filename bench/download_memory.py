"""Benchmark: peak memory while downloading a 50 MB recording, ours (streamed to disk) against a naive download
(the whole body read into memory, then written), in one run.

    .venv/bin/python -m bench.download_memory [--size-mb 50] [--runs 1]

The simulator (started here) holds a recording of ``--size-mb``. Each download runs in a fresh child process so its
peak RSS (``VmHWM``) is its own; the figures printed are the child's RSS after imports and login (baseline), its
peak, and the growth. ``ours`` is ``cam.recording.download`` (streamed to disk); ``naive`` GETs the relay URL
with :meth:`ReCameraClient.request` (httpx reads the whole body) and writes ``response.content``. The files are
compared with the original (SHA-256).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "Bench#Pass2026"


def _status_mb(key: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak of this process image) from /proc/self/status, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


async def _child(mode: str, address: str, rel: str, dest: str) -> dict[str, float | str]:
    from recamera_mcp.client import ReCameraClient

    async with ReCameraClient(address, password=PASSWORD, timeout=60) as client:
        relay = client.storage.relay
        await relay.open()
        baseline = _status_mb("VmRSS")
        started = time.perf_counter()
        if mode == "ours":
            result = await client.recording.download(rel, dest)
            path = result.file
        else:
            async with client.stream("GET", relay.url(rel), raw=True) as answer:
                whole = b"".join([chunk async for chunk in answer.iter_bytes()])  # the whole body in memory
            path = str(Path(dest) / rel.rsplit("/", 1)[-1])
            Path(path).write_bytes(whole)
            del whole
        seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")  # not ru_maxrss: Linux carries the parent's high-water mark across exec
    return {"baseline_mb": baseline, "peak_mb": peak, "seconds": seconds, "file": path}


def _run_child(mode: str, address: str, rel: str) -> dict[str, float | str]:
    with tempfile.TemporaryDirectory(prefix="bench-download-") as dest:
        out = subprocess.run(
            [sys.executable, "-m", "bench.download_memory", "--child", mode, address, rel, dest],
            check=True,
            capture_output=True,
            text=True,
        )
        result: dict[str, float | str] = json.loads(out.stdout.strip().splitlines()[-1])
        result["sha256"] = hashlib.sha256(Path(str(result["file"])).read_bytes()).hexdigest()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child", nargs=4, metavar=("MODE", "ADDRESS", "PATH", "DEST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_child(*args.child))))
        return

    from recamera_mcp.simulator.fleet import SimFleet
    from recamera_mcp.simulator.routes.storage_state import storage_area
    from recamera_mcp.simulator.settings import SimSettings

    fleet = SimFleet().start()
    try:
        device = fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD, sample_recordings=False))
        area = storage_area(device.camera)
        rel = area.add_recording(args.size_mb * 1_000_000)
        original = hashlib.sha256((area.data_dir() / rel).read_bytes()).hexdigest()
        print(f"download of a {args.size_mb} MB recording from the simulator; RSS of a fresh child process (MB)")
        print(f"{'mode':<8}{'baseline':>10}{'peak':>10}{'growth':>10}{'seconds':>10}  bytes")
        for _ in range(args.runs):
            for mode in ("ours", "naive"):
                r = _run_child(mode, device.address, rel)
                base, peak = float(r["baseline_mb"]), float(r["peak_mb"])
                same = "identical" if r["sha256"] == original else "DIFFERENT"
                print(f"{mode:<8}{base:>10.1f}{peak:>10.1f}{peak - base:>10.1f}{float(r['seconds']):>10.2f}  {same}")
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
