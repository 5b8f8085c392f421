"""``recamera-mcp doctor``: what this machine has for the optional features, and how to add what is missing;
``recamera-mcp skill``: print SKILL.md.

Nothing here is needed to drive real cameras: GStreamer serves the simulator's RTSP feed, nmap speeds up
discovery, a local MQTT broker receives the simulated cameras' notifications. Each check says what falls back."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys

from pydantic import BaseModel, Field
from rich.console import Console

from recamera_mcp.cli._command import Command, json_of
from recamera_mcp.cli._render import table

__all__ = ["DoctorReport", "check_all", "doctor", "skill"]

SBIN = "/usr/sbin:/usr/local/sbin:/opt/homebrew/bin:/opt/homebrew/sbin"


class Check(BaseModel):
    name: str
    ok: bool
    needed_for: str
    found: str | None = Field(default=None, description="What was found (path, version)")
    fallback: str = Field(description="What happens without it")
    install: str = Field(description="How to add it")


class DoctorReport(BaseModel):
    checks: list[Check]
    missing: int


def _gstreamer() -> Check:
    from recamera_mcp.simulator.rtsp import SYSTEM_PYTHON, rtsp_available

    reason = rtsp_available()
    return Check(
        name="GStreamer RTSP server", ok=reason is None, needed_for="the simulator's RTSP feed (sim, snapshots of "
        "simulated cameras)", found=f"{SYSTEM_PYTHON} with gi and GstRtspServer" if reason is None else reason,
        fallback="sim serves HTTP only (as sim --no-rtsp); snapshots then use the camera's own capture where the "
        "firmware has one, and the RTSP tests are skipped",
        install="Debian/Ubuntu: sudo apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
        "gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-rtsp (or bash scripts/system-deps.sh); "
        "macOS: brew install gstreamer gst-rtsp-server pygobject3",
    )  # fmt: skip


def _binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=SBIN)


def _version(binary: str, *args: str) -> str:
    try:
        done = subprocess.run([binary, *args], capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return binary
    first = (done.stdout or done.stderr).strip().splitlines()
    return f"{binary} ({first[0][:80]})" if first else binary


def _nmap() -> Check:
    found = _binary("nmap")
    return Check(
        name="nmap", ok=found is not None, needed_for="discovery (discover, discover_devices method nmap)",
        found=_version(found, "--version") if found else None,
        fallback="discovery sweeps with TCP connects instead (method auto picks it; as exact, a little slower on "
        "large subnets)",
        install="Debian/Ubuntu: sudo apt-get install nmap; macOS: brew install nmap; Windows: nmap.org/download",
    )  # fmt: skip


def _mosquitto() -> Check:
    found = _binary("mosquitto")
    return Check(
        name="MQTT broker (mosquitto)", ok=found is not None,
        needed_for="the simulated cameras' notifications, so check_notifications can be tried on the simulator",
        found=_version(found, "-h") if found else None,
        fallback="real cameras are checked on the broker they are configured with (none needed here); simulated "
        "notifications go nowhere and the MQTT tests are skipped",
        install="Debian/Ubuntu: sudo apt-get install mosquitto; macOS: brew install mosquitto",
    )  # fmt: skip


def _opencv() -> Check:
    try:
        import cv2

        info = str(cv2.getBuildInformation())
        ffmpeg = any("FFMPEG:" in line and "YES" in line for line in info.splitlines())
        found, ok = f"OpenCV {cv2.__version__}, FFmpeg {'yes' if ffmpeg else 'no'}", ffmpeg
    except ImportError as exc:
        found, ok = f"not importable: {exc}", False
    return Check(
        name="OpenCV with FFmpeg", ok=ok, needed_for="snapshots and thumbnails over RTSP", found=found,
        fallback="snapshots use the camera's own capture where the firmware has one",
        install="pip install opencv-python-headless (a dependency: reinstall recamera-mcp)",
    )  # fmt: skip


def check_all() -> DoctorReport:
    """Every check, in a fixed order."""
    checks = [_gstreamer(), _nmap(), _mosquitto(), _opencv()]
    return DoctorReport(checks=checks, missing=sum(not c.ok for c in checks))


def _doctor_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _doctor(args: argparse.Namespace) -> int:
    """Always 0: every feature checked is optional (the report says what falls back)."""
    report = check_all()
    if args.json:
        print(json_of(report))
        return 0
    out = Console(highlight=False)
    rows = [(c.name, "ok" if c.ok else "missing", c.found if c.ok else c.fallback, None if c.ok else c.install)
            for c in report.checks]  # fmt: skip
    out.print(table("recamera-mcp doctor", ("what", "state", "found / without it", "to add it"), rows))
    out.print("everything is here" if not report.missing else f"{report.missing} optional part(s) missing: "
              "the features above fall back as said")  # fmt: skip
    return 0


doctor = Command(_doctor_args, _doctor)


def _skill(args: argparse.Namespace) -> int:
    from recamera_mcp.skill import skill_text

    sys.stdout.write(skill_text())
    return 0


skill = Command(lambda parser: None, _skill)
