"""``recamera-mcp sim``: what it prints, and the credentials it serves (--password, --factory, generated)."""

from __future__ import annotations

import argparse
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from recamera_mcp.simulator import cli as sim_cli
from recamera_mcp.simulator.testing import raw_login


def sim_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sim_cli.add_arguments(parser)
    return parser.parse_args(["--port", "0", *argv])


@contextmanager
def running(capsys: pytest.CaptureFixture[str], *argv: str) -> Iterator[str]:
    """Run ``sim`` in a thread until its "running" line; yields what it printed, stops it afterwards."""
    stop = threading.Event()
    thread = threading.Thread(target=sim_cli.run, args=(sim_args(*argv), stop), daemon=True)
    thread.start()
    out = ""
    deadline = time.monotonic() + 15
    try:
        while "simulator running" not in out:
            assert thread.is_alive() and time.monotonic() < deadline, f"sim did not start: {out}"
            time.sleep(0.02)
            out += capsys.readouterr().out
        yield out
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive()


@pytest.fixture(autouse=True)
def no_rtsp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim_cli, "rtsp_available", lambda: "not needed here")


def camera_url(out: str) -> str:
    found = re.search(r"^camera  (http://\S+)  user=admin", out, re.MULTILINE)
    assert found, out
    return found[1]


def test_given_password_logs_in_at_once_and_is_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with running(capsys, "--password", "Given#Pass2026") as out:
        assert "Given#Pass2026" not in out and "--password" in out
        body, token = raw_login(camera_url(out), "Given#Pass2026")
        assert body == {"iAuth": 1, "iStatus": 0, "sWaittime": 0} and token


def test_without_password_one_is_generated_printed_and_works(capsys: pytest.CaptureFixture[str]) -> None:
    with running(capsys, "--devices", "2") as out:
        passwords = re.findall(r"^password: (\S+)$", out, re.MULTILINE)
        assert len(passwords) == 1, out
        urls = re.findall(r"^camera  (http://\S+)", out, re.MULTILINE)
        assert len(urls) == 2
        for url in urls:
            assert raw_login(url, passwords[0])[0]["iAuth"] == 1


def test_factory_answers_iauth_2_with_the_printed_password(capsys: pytest.CaptureFixture[str]) -> None:
    with running(capsys, "--factory") as out:
        found = re.search(r"^password: (\S+)  \(factory state", out, re.MULTILINE)
        assert found, out
        body, token = raw_login(camera_url(out), found[1])
        assert body["iAuth"] == 2 and token


@pytest.mark.parametrize(("argv", "version"), [((), "V1.1.3"), (("--firmware", "legacy"), "V1.0.10")])
def test_firmware_generation_is_chosen_on_the_command_line(capsys: pytest.CaptureFixture[str], argv, version) -> None:
    with running(capsys, "--password", "Given#Pass2026", *argv) as out:
        url = camera_url(out)
        assert f"firmware={argv[1] if argv else '2026'}" in out
        _, token = raw_login(url, "Given#Pass2026")
        info = httpx.get(url + "/cgi-bin/entry.cgi/system/device-info", cookies={"token": token}).json()
        assert info["sFirmwareVersion"] == version


def test_an_unknown_firmware_is_refused() -> None:
    with pytest.raises(SystemExit):
        sim_args("--firmware", "2025")
