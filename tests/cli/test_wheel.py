"""Install in one line: the built wheel carries the playbooks, the API reference and SKILL.md, installs into a
fresh virtual environment (what ``pipx install`` and ``uvx`` do) and runs ``recamera-mcp demo`` from there.

The build and the install use pip's own configuration, so they reach the same package index the setup script
installs from (offline in CI: a local index)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.cli.helpers import ROOT


def _run(argv: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAMERA_", "PYTHONPATH", "VIRTUAL_ENV"))}
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, f"{argv[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_wheel_installs_in_a_fresh_venv_and_runs_the_demo(tmp_path):
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(dist)], tmp_path, 300)
    wheel = next(dist.glob("recamera_mcp-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "recamera_mcp/_skill/SKILL.md" in names
    assert {f"recamera_mcp/_playbooks/{p.name}" for p in (ROOT / "playbooks").glob("*.md")} <= names
    assert {f"recamera_mcp/reference/{p.name}" for p in (ROOT / "recamera_mcp" / "reference").glob("*.md")} <= names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, 120)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path, 600)
    python = str(venv / "bin" / "python")
    where = _run([python, "-c", "import recamera_mcp; print(recamera_mcp.__file__)"], tmp_path, 60)
    assert where.stdout.strip().startswith(str(venv)), "the installed copy runs, not the checkout"

    command = str(venv / "bin" / "recamera-mcp")
    assert _run([command, "skill"], tmp_path, 60).stdout == (ROOT / "SKILL.md").read_text(encoding="utf-8")
    demo = _run([command, "demo", "--prefix", "127.0.27.", "--first", "10"], tmp_path, 300)
    assert demo.stdout.rstrip().endswith("every step succeeded"), demo.stdout[-2000:]
    assert "=== Playbook 1:" in demo.stdout and "image content: image/jpeg" in demo.stdout
