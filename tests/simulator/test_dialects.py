"""The firmware generation a camera speaks: chosen per camera, visible in its version."""

from __future__ import annotations

import pytest

from recamera_mcp.simulator.dialects import FIRMWARE_VERSIONS
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.testing import raw_session
from tests.simulator.helpers import FIRMWARES


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_each_generation_reports_its_version(make_camera, firmware):
    with raw_session(make_camera(firmware=firmware).url) as http:
        assert http.get("/system/device-info").json()["sFirmwareVersion"] == FIRMWARE_VERSIONS[firmware]
        assert http.get("/system/version").json() == {"sCurrentVersion": FIRMWARE_VERSIONS[firmware]}


def test_default_is_2026_and_an_unknown_generation_is_refused():
    assert SimSettings().firmware == "2026"
    with pytest.raises(ValueError, match="legacy"):
        SimSettings(firmware="2025")  # type: ignore[arg-type]
