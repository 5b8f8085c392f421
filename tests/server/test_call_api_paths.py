"""call_api refusals hold for every spelling of a refused path (CGI prefix, dot segments, percent-encoding)."""

from __future__ import annotations

import pytest

from recamera_mcp.server.tools.api import canonical_path
from tests.server.helpers import call_error, call_ok

SPELLINGS = [
    ("/cgi-bin/entry.cgi/system/reboot", False),
    ("/cgi-bin/entry.cgi/system/reboot", True),
    ("/system/./reboot", False),
    ("//system//reboot", False),
    ("/system/%72eboot", False),
    ("/SYSTEM/REBOOT", False),
]


@pytest.mark.parametrize(("path", "raw"), SPELLINGS)
def test_canonical_path_undoes_every_spelling(path, raw):
    assert canonical_path(path, raw)[0].lower() == "/system/reboot"
    assert canonical_path(path, raw)[1] is False


def test_canonical_path_keeps_raw_paths_and_trailing_slashes():
    assert canonical_path("/storage/relay/abc/2025-10-16/", True) == ("/storage/relay/abc/2025-10-16/", True)
    assert canonical_path("/", False) == ("/", False)
    for bad in ("system/reboot", "/x/%2e%2e/system/reboot", "/system/reboot#x", "/a%3Fb"):
        with pytest.raises(ValueError):
            canonical_path(bad, False)


async def test_call_api_refuses_reboot_spelled_otherwise(connect, camera):
    async with connect() as mcp:
        for path, raw in SPELLINGS:
            text = await call_error(mcp, "call_api", host=camera.address, method="POST", path=path, raw=raw)
            assert "refuses" in text, (path, text)
        assert not [c for c in camera.camera.calls() if c[1] == "/system/reboot"]


async def test_call_api_config_write_spelled_otherwise_is_still_read_before_write(connect, camera):
    async with connect() as mcp:
        result = await call_ok(
            mcp,
            "call_api",
            host=camera.address,
            method="PUT",
            path="/cgi-bin/entry.cgi/system/./time",
            body={"sTimezone": "Europe/Berlin"},
        )
        assert result["update"]["changes"][0]["field"] == "sTimezone"
        stored = camera.camera.config("/system/time")
        assert stored["sTimezone"] == "Europe/Berlin" and stored["dNtpConfig"]["sAddress"] == "pool.ntp.org"
