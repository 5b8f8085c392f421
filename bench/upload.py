"""Benchmark: model upload throughput, ours against a raw httpx upload of the same file in the same run, and the
peak memory of ours for a 200 MB model.

    .venv/bin/python -m bench.upload [--size-mb 200] [--runs 3]

The simulator (started here, its own process) takes the uploads. Each upload runs in a fresh child process so its
peak RSS (``VmHWM``) is its own. ``ours`` is ``cam.models.upload`` (the resumable helper: 512 KiB chunks through
the funnel, MD5 while reading, progress per chunk, status tracking, then the model list and info checks);
``raw`` is the same three-step protocol written directly on one ``httpx.AsyncClient`` (the same chunks, the same
MD5, no checks). Throughput is the file size over the wall time of the upload; target: ours >= 80 % of raw. Memory:
ours should stay flat (a few MB over the child's baseline) whatever the file size.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "Bench#Pass2026"
CHUNK = 512 * 1024


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _ours(address: str, path: Path, name: str) -> dict[str, float]:
    from recamera_mcp.client import ReCameraClient

    async with ReCameraClient(address, password=PASSWORD, timeout=60) as client:
        await client.login()
        baseline = _status_mb("VmRSS")
        started = time.perf_counter()
        result = await client.models.upload(path, name)
        seconds = time.perf_counter() - started
        assert result.listed and result.size == path.stat().st_size
    return {"baseline_mb": baseline, "peak_mb": _status_mb("VmHWM"), "seconds": seconds}


async def _raw(address: str, path: Path, name: str) -> dict[str, float]:
    import httpx

    from recamera_mcp.client import ReCameraClient

    async with ReCameraClient(address, password=PASSWORD, timeout=60) as client:  # only for the token
        await client.login()
        token = client._token
    base = f"http://{address}/cgi-bin/entry.cgi/model/upload"
    total = path.stat().st_size
    text = {"Content-Type": "text/plain"}
    async with httpx.AsyncClient(cookies={"token": token or ""}, timeout=60) as http:
        baseline = _status_mb("VmRSS")
        started = time.perf_counter()
        opened = await http.post(base, params={"upload-type": "resumable"}, headers={**text, "File-Size": str(total)})
        file_id = opened.headers["File-Id"]
        digest = hashlib.md5()
        with path.open("rb") as handle:
            at = 0
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                header = f"bytes {at}-{at + len(chunk) - 1}/{total}"
                answer = await http.post(base, params={"id": file_id}, content=chunk,
                                         headers={**text, "Content-Range": header})  # fmt: skip
                assert answer.status_code in (200, 308), answer.text
                at += len(chunk)
        done = await http.post(base, params={"start": file_id, "md5sum": digest.hexdigest(), "File-name": name},
                               headers=text)  # fmt: skip
        assert done.json()["code"] == 0, done.text
        seconds = time.perf_counter() - started
    return {"baseline_mb": baseline, "peak_mb": _status_mb("VmHWM"), "seconds": seconds}


def _child(mode: str, address: str, file: str, name: str) -> dict[str, float]:
    runner = _ours if mode == "ours" else _raw
    return asyncio.run(runner(address, Path(file), name))


def _run_child(mode: str, address: str, file: Path, name: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.upload", "--child", mode, address, str(file), name],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _serve(size_mb: int, ready: Path) -> None:
    """The simulator in its own process (so its work does not share the client's core or memory)."""
    from recamera_mcp.simulator.fleet import SimFleet
    from recamera_mcp.simulator.settings import SimSettings

    fleet = SimFleet().start()
    settings = SimSettings(password=PASSWORD, sample_recordings=False, max_upload_bytes=(size_mb + 10) * 1_000_000)
    device = fleet.add_camera("127.0.0.1", 0, settings)
    ready.write_text(device.address)
    try:
        while True:
            time.sleep(3600)
    finally:
        fleet.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=4, metavar=("MODE", "ADDRESS", "FILE", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, metavar=("SIZE_MB", "READY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    if args.serve:
        _serve(int(args.serve[0]), Path(args.serve[1]))
        return

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        ready = Path(tmp) / "address"
        sim = subprocess.Popen([sys.executable, "-m", "bench.upload", "--serve", str(args.size_mb), str(ready)])
        try:
            deadline = time.monotonic() + 30
            while not ready.exists() or not ready.read_text():
                if time.monotonic() > deadline or sim.poll() is not None:
                    raise SystemExit("the simulator did not start")
                time.sleep(0.05)
            address = ready.read_text()
            model = Path(tmp) / "bench.rknn"
            with model.open("wb") as handle:
                for _ in range(args.size_mb):
                    handle.write(os.urandom(1_000_000))
            print(f"upload of a {args.size_mb} MB model to the simulator (512 KiB chunks); child process RSS in MB")
            print(f"{'mode':<6}{'run':>4}{'seconds':>9}{'MB/s':>8}{'baseline':>10}{'peak':>8}{'growth':>8}")
            speeds: dict[str, list[float]] = {"ours": [], "raw": []}
            growth: list[float] = []
            for run in range(1, args.runs + 1):
                for mode in ("raw", "ours"):  # alternated, so both see the same machine load
                    r = _run_child(mode, address, model, f"bench_{mode}_{run}.rknn")
                    speed = args.size_mb / r["seconds"]
                    speeds[mode].append(speed)
                    grew = r["peak_mb"] - r["baseline_mb"]
                    if mode == "ours":
                        growth.append(grew)
                    print(f"{mode:<6}{run:>4}{r['seconds']:>9.2f}{speed:>8.1f}{r['baseline_mb']:>10.1f}"
                          f"{r['peak_mb']:>8.1f}{grew:>8.1f}")  # fmt: skip
            best = {mode: max(values) for mode, values in speeds.items()}
            ratio = best["ours"] / best["raw"]
            verdict = "ok" if ratio >= 0.8 else "MISSED"
            print(f"best of {args.runs}: ours {best['ours']:.1f} MB/s, raw httpx {best['raw']:.1f} MB/s: "
                  f"{ratio:.0%} of raw (target >= 80 %: {verdict})")  # fmt: skip
            print(f"ours, peak RSS growth during the upload: {max(growth):.1f} MB for a {args.size_mb} MB file")
        finally:
            sim.terminate()
            sim.wait(10)


if __name__ == "__main__":
    main()
