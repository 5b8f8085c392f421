"""The README's main job: ``recamera-mcp demo`` walks every playbook on simulated cameras over stdio, also on a
machine without the GStreamer packages (RTSP forced off: the snapshots come from the camera's own capture)."""

from __future__ import annotations

import os
import subprocess
import sys

from recamera_mcp.demo import PLAYBOOK_ORDER


def run_demo(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAMERA_")}
    done = subprocess.run(
        [sys.executable, "-m", "recamera_mcp", "demo", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for number in range(1, len(PLAYBOOK_ORDER) + 1):
        assert f"=== Playbook {number}:" in out
    assert "image content: image/jpeg" in out
    assert "ERROR" not in out and out.rstrip().endswith("every step succeeded")
    return out


def test_demo_walks_every_playbook_and_succeeds():
    run_demo("--prefix", "127.0.7.", "--first", "60")


def test_demo_completes_every_step_without_rtsp():
    out = run_demo("--prefix", "127.0.24.", "--first", "60", "--no-rtsp")
    assert "(RTSP off: forced off (--no-rtsp))" in out
    snapshots = [line for line in out.splitlines() if line.startswith("    <- ") and '"source": "capture"' in line]
    assert len(snapshots) == 2, "the snapshot playbook and the overlay step both came from the camera's capture"
    assert '"source": "rtsp"' not in out and "no snapshot" not in out
    assert "not in this build" not in out, "every step ran (the ai and system toolsets are loaded on the way)"
