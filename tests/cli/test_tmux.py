"""A terminal session, recorded: ``recamera-mcp`` runs in a real tmux pane (send-keys), and the pane is captured
(capture-pane) while it works: the progress bar of an upload moves, and the table of ``watch`` updates in place.

Each test starts its own tmux server on a private socket and stops it afterwards; the frames captured are kept
in the test's folder (``*-session.txt``) for a person to read."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import cli_env
from tests.cli.test_json import FAST, rknn

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="no tmux (scripts/system-deps.sh installs it)")


class Pane:
    """One tmux pane running bash, on a private tmux server."""

    def __init__(self, tmp: Path) -> None:
        assert TMUX is not None
        self.tmux = [TMUX, "-L", f"recamera-cli-{uuid.uuid4().hex[:8]}", "-f", "/dev/null"]
        env = [arg for key, value in cli_env(tmp).items() if key != "COLUMNS" for arg in ("-e", f"{key}={value}")]
        self._run("new-session", "-d", "-s", "cli", "-x", "140", "-y", "48", *env, "bash --norc --noprofile")
        self.frames: list[str] = []

    def _run(self, *args: str) -> str:
        done = subprocess.run([*self.tmux, *args], capture_output=True, text=True, timeout=20)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def send(self, line: str) -> None:
        self._run("send-keys", "-t", "cli", line, "Enter")

    def capture(self) -> str:
        frame = self._run("capture-pane", "-p", "-t", "cli")
        if not self.frames or self.frames[-1] != frame:
            self.frames.append(frame)
        return frame

    def until(self, done: Callable[[str], bool], timeout: float = 60) -> str:
        """Capture the pane over and over (every frame that differs is kept) until ``done(frame)``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.capture()
            if done(frame):
                return frame
            time.sleep(0.03)
        raise AssertionError("the pane never showed it; last frame:\n" + (self.frames[-1] if self.frames else ""))

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    opened = Pane(tmp_path)
    yield opened
    opened.close()


def _keep(tmp: Path, name: str, pane: Pane) -> None:
    (tmp / f"{name}-session.txt").write_text("\n\f\n".join(pane.frames), encoding="utf-8")


COMMAND = f"{sys.executable} -m recamera_mcp"
EXITED = re.compile(r"^EXIT=(\d+)\s*$", re.MULTILINE)
"""The line ``echo EXIT=$?`` prints when the command ended (the typed line itself shows ``EXIT=$?``)."""
BYTES = re.compile(r"uploading people\.rknn.*?(\d+\.\d)/(\d+\.\d) MB")


def test_an_upload_shows_its_progress_bar_moving(pane, make_camera, tmp_path):
    camera = make_camera()
    camera.camera.faults.latency_s = 0.2  # every request waits: the bar is seen between chunks
    model = rknn(tmp_path, size=14 * 512 * 1024)
    pane.send(f"cd {tmp_path} && {COMMAND} upload-model {camera.address} {model} --category Detection; echo EXIT=$?")
    last = pane.until(lambda frame: EXITED.search(frame) is not None, timeout=120)
    _keep(tmp_path, "upload", pane)
    seen = [(float(m[1]), float(m[2])) for frame in pane.frames for m in [BYTES.search(frame)] if m]
    assert any(0 < done < total for done, total in seen), f"no bar on its way: {seen}"
    assert len({done for done, _ in seen}) >= 3, f"the bar did not move: {seen}"
    assert EXITED.findall(last) == ["0"] and "7.3/7.3 MB" in last, last
    assert "━" in last and "listed" in last and "people.rknn" in last, "the finished bar, then the result"


def test_watch_updates_its_table_in_place(pane, make_camera, tmp_path):
    camera = make_camera(**FAST)
    pane.send(f"cd {tmp_path} && {COMMAND} set {camera.address} inference iEnable=1 >/dev/null && "
              f"{COMMAND} watch {camera.address} --duration 4; echo EXIT=$?")  # fmt: skip
    counts: list[int] = []

    def live(frame: str) -> bool:
        match = re.search(r"(\d+) results in [\d.]+ s", frame)
        if match and "per label" in frame and not EXITED.search(frame):
            counts.append(int(match[1]))
            assert frame.count("per label") == 1, "redrawn in place, not printed again below"
        return EXITED.search(frame) is not None

    last = pane.until(live, timeout=60)
    _keep(tmp_path, "watch", pane)
    assert len(set(counts)) >= 3 and counts == sorted(counts), f"the table did not update: {counts}"
    assert EXITED.findall(last) == ["0"] and "stopped by duration" in last and last.count("per label") == 1
    assert "person" in last
