"""The README's main job: ``recamera-mcp demo`` walks every playbook on simulated cameras over stdio."""

from __future__ import annotations

import os
import subprocess
import sys


def test_demo_walks_every_playbook_and_succeeds():
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECAMERA_")}
    done = subprocess.run(
        [sys.executable, "-m", "recamera_mcp", "demo", "--prefix", "127.0.7.", "--first", "60"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for number in range(1, 7):
        assert f"=== Playbook {number}:" in out
    assert "image content: image/jpeg" in out
    assert "ERROR" not in out and out.rstrip().endswith("every step succeeded")
