"""The two firmware generations the simulator speaks (``SimSettings.firmware``), and their version constants.

Each generation is strict: a client speaking the other dialect gets the device error listed here.

- **Version** (``/system/device-info`` ``sFirmwareVersion``): :data:`FIRMWARE_VERSIONS`, legacy ``V1.0.10``, 2026
  ``V1.1.3``; the network OTA check offers :data:`LATEST_RELEASES` (``V1.0.11`` / ``V1.1.4``).
- **Storage control** (``routes/storage.py``): legacy takes an optional ``sTaskType`` SYNC/ASYNC (both run at
  once) and answers 30022 "Invalid parameter: sTask" to ``sTask``/``sTaskUID``; 2026 takes ``sTask``
  SYNC/ASYNC_SUBMIT/ASYNC_STATUS/ASYNC_CANCEL, answers 30022 to ``sTaskType``, and runs FORMAT and FREE_UP only as
  ASYNC_SUBMIT tasks.
- **ISP save** (``routes/image.py``): legacy answers 404 "API Not Found" to ``scene-save`` and persists on
  ``iProfile: -1``; 2026 persists with ``scene-save`` sent in edit mode, ``-1`` alone leaves the values unsaved.
- **Inference id** (``routes/inference.py``): legacy takes only ``id=0``; 2026 takes the model's index in
  ``/model/list`` (a POST: the index of its ``sModel``).
- **Record rule** (``routes/recording.py``): legacy triggers INFERENCE_SET, TIMER, GPIO, TTY, HTTP with class ids
  in ``lClassFilter`` and no ``dSED``; 2026 adds ALWAYS_ON and SED (``dSED``) and takes label names.

Shared by both: uploads take ``Content-Range: bytes a-b/total`` and ``bytes a-b`` on every endpoint; the storage
status answers ``sDataDirName``; inference goes ``starting`` → ``running`` and ``stopping`` → ``stopped``.
"""

from __future__ import annotations

from typing import Literal

from recamera_mcp.simulator.state import DeviceState

Firmware = Literal["legacy", "2026"]
LEGACY: Firmware = "legacy"
CURRENT: Firmware = "2026"

FIRMWARE_VERSIONS: dict[str, str] = {LEGACY: "V1.0.10", CURRENT: "V1.1.3"}
"""``sFirmwareVersion`` a camera of each generation boots with (a successful upgrade changes it)."""
LATEST_RELEASES: dict[str, str] = {LEGACY: "V1.0.11", CURRENT: "V1.1.4"}
"""The newest release the network OTA check offers to each generation."""


def firmware(state: DeviceState) -> Firmware:
    """The generation ``state`` speaks."""
    return state.settings.firmware


def is_legacy(state: DeviceState) -> bool:
    return state.settings.firmware == LEGACY


def installed_version(state: DeviceState) -> str:
    """The version the camera boots with (before any upgrade)."""
    return FIRMWARE_VERSIONS[state.settings.firmware]


def latest_release(state: DeviceState) -> str:
    return LATEST_RELEASES[state.settings.firmware]
