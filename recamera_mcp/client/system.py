"""The system area (``cam.system``): device info, load, clock and battery; reboot, factory reset and waiting for
the camera to come back; configuration backups.

    status = await cam.system.status()   # serial, firmware, CPU/NPU/memory/storage, clock, battery in one call
    await cam.system.reboot()
    back = await cam.system.wait_restart(WaitPolicy(interval_s=2, timeout_s=300))
    backup = await cam.system.backup()                       # every config area, secrets masked
    plan = await cam.system.restore(backup, dry_run=True)    # what restoring it here would change

:meth:`SystemAPI.status` reads four endpoints at once; only device-info is required, a part the device does not
answer is listed in ``unavailable``. :meth:`SystemAPI.wait_restart` is the one bounded wait for a restarting
camera (``_restart.py``); backups and restores follow the rules of ``_backup.py``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._backup import (
    MAX_ARCHIVE_BYTES,
    AreaRestore,
    ConfigArchive,
    ConfigBackup,
    RestorePlan,
    restore_areas,
    restore_changes,
)
from recamera_mcp.client._endpoints import ConfigArea
from recamera_mcp.client._errors import DeviceApiError, DeviceUnreachable, NotSupported, ReCameraError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._localfile import SafeFile
from recamera_mcp.client._restart import Progress, RestartResult, WaitPolicy, wait_for_restart
from recamera_mcp.client._secrets import mask_secrets
from recamera_mcp.client._upload import ResumableUpload, UploadProgress, UploadSession
from recamera_mcp.client.config import ConfigAPI

__all__ = ["BatteryInfo", "DeviceStatus", "ExportedArchive", "SystemAPI"]

log = logging.getLogger(__name__)

DEVICE_INFO = "/system/device-info"
RESOURCES = "/system/resource-info"
TIME = "/system/time"
BATTERY = "/system/battery"
REBOOT = "/system/reboot"
FACTORY_RESET = "/system/factory-reset"
CONFIG_EXPORT = "/config/export"
CONFIG_UPLOAD = "/config/upload"
_DOWNLOAD_PATH = re.compile(r"/[A-Za-z0-9._~/-]{1,200}")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) else None


class BatteryInfo(BaseModel):
    attached: bool
    charging: bool
    steps: int
    total_steps: int


class DeviceStatus(BaseModel):
    """Device info, load and clock of one camera."""

    host: str
    serial: str | None = None
    firmware: str | None = None
    sensor: str | None = None
    board: str | None = None
    cpu_pct: int | None = None
    npu_pct: int | None = None
    mem_pct: int | None = None
    storage_pct: int | None = None
    mem: str | None = Field(None, description="used/total, human readable")
    storage: str | None = None
    time_utc: str | None = Field(None, description="Device clock, ISO 8601 UTC")
    timezone: str | None = None
    time_method: str | None = Field(None, description="ntp or manual")
    battery: BatteryInfo | None = None
    unavailable: list[str] = Field(default_factory=list, description="Parts the device did not answer")


class ExportedArchive(BaseModel):
    """The device's own config export, saved to a local file."""

    path: str
    size_bytes: int


class SystemAPI:
    """Device information and state, restarts, and configuration backups.

    ``on_restart`` is called as soon as the camera is asked to restart (the client forgets what the device drops,
    such as its storage relay)."""

    def __init__(self, funnel: Funnel, config: ConfigAPI, on_restart: Callable[[], None] | None = None) -> None:
        self._funnel = funnel
        self._config = config
        self._on_restart = on_restart
        self._pending: dict[str, UploadSession] = {}
        """Interrupted archive imports, by path: the next import of the same file continues them."""

    async def device_info(self) -> dict[str, Any]:
        """``GET /system/device-info``: serial, firmware version, sensor, board."""
        info: dict[str, Any] = await self._funnel.get_object(DEVICE_INFO)
        return info

    async def resources(self) -> dict[str, Any]:
        """``GET /system/resource-info``: CPU, NPU, memory and storage use."""
        info: dict[str, Any] = await self._funnel.get_object(RESOURCES)
        return info

    async def status(self) -> DeviceStatus:
        """Serial, firmware, sensor, load, clock and battery in one call (only device-info is required)."""
        parts = {"device-info": DEVICE_INFO, "resources": RESOURCES, "time": TIME, "battery": BATTERY}
        answers = await asyncio.gather(
            *(self._funnel.get_object(path) for path in parts.values()), return_exceptions=True
        )
        got: dict[str, dict[str, Any]] = {}
        unavailable: list[str] = []
        for name, answer in zip(parts, answers, strict=True):
            if isinstance(answer, dict):
                got[name] = answer
                continue
            if name == "device-info" and isinstance(answer, Exception):
                raise answer
            if not isinstance(answer, ReCameraError) and isinstance(answer, BaseException):
                raise answer
            unavailable.append(name)
        info, res, clock, batt = (got.get(n, {}) for n in parts)
        timestamp = _int(clock.get("iTimestamp"))
        return DeviceStatus(
            host=self._funnel.address.key,
            serial=_str(info.get("sSerialNumber")),
            firmware=_str(info.get("sFirmwareVersion")),
            sensor=_str(info.get("sSensorModel")),
            board=_str(info.get("sBasePlateModel")),
            cpu_pct=_int(res.get("iCpuUsage")),
            npu_pct=_int(res.get("iNpuUsage")),
            mem_pct=_int(res.get("iMemUsage")),
            storage_pct=_int(res.get("iStorageUsage")),
            mem=_str(res.get("sMem")),
            storage=_str(res.get("sStorage")),
            time_utc=datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp is not None else None,
            timezone=_str(clock.get("sTimezone")),
            time_method=_str(clock.get("sMethod")),
            battery=BatteryInfo(
                attached=bool(batt.get("isAttached")),
                charging=bool(batt.get("isCharging")),
                steps=_int(batt.get("displaySteps")) or 0,
                total_steps=_int(batt.get("totalSteps")) or 0,
            )
            if batt.get("isAttached")
            else None,
            unavailable=unavailable,
        )

    # ---- restarts ----------------------------------------------------------------------------------------------
    def restarted(self) -> None:
        """The camera restarts (or did): forget what it drops, such as the storage relay."""
        if self._on_restart is not None:
            self._on_restart()

    async def reboot(self) -> float:
        """``POST /system/reboot``; the camera goes down shortly after answering. Returns the ``time.monotonic()``
        of the request, to pass to :meth:`wait_restart`."""
        started = time.monotonic()
        log.info("%s: reboot requested", self._funnel.address.key)
        await self._funnel.send_json("POST", REBOOT)
        self.restarted()
        return started

    async def factory_reset(self) -> float:
        """Both phases of ``POST /system/factory-reset``: ask for the device's ``sConfirmToken``, send it back at
        once. Every setting goes back to the factory values and the password to the factory one (the next login
        must change it); the camera restarts. Returns the ``time.monotonic()`` of the request."""
        key = self._funnel.address.key
        answer = await self._funnel.send_json("POST", FACTORY_RESET)
        token = answer.get("sConfirmToken")
        if not isinstance(token, str) or not token:
            raise DeviceApiError(
                f"{key} answered the factory reset request without an sConfirmToken",
                "this firmware resets differently; check its documentation",
                status_code=200,
            )
        started = time.monotonic()
        log.warning("%s: factory reset confirmed to the device", key)
        await self._funnel.send_json("POST", FACTORY_RESET, {"sConfirmToken": token})
        self.restarted()
        return started

    async def wait_restart(
        self,
        policy: WaitPolicy,
        *,
        went_down: bool = False,
        login: bool = True,
        old_version: str | None = None,
        target_version: str | None = None,
        progress: Progress | None = None,
        started: float | None = None,
        what: str = "reboot",
    ) -> RestartResult:
        """Wait (bounded) until the camera went down and came back, logged in again with a working session and on
        ``target_version`` when given; see :func:`~recamera_mcp.client._restart.wait_for_restart`."""
        return await wait_for_restart(
            self._funnel,
            policy=policy,
            went_down=went_down,
            login=login,
            old_version=old_version,
            target_version=target_version,
            progress=progress,
            started=started,
            what=what,
        )

    # ---- backups -----------------------------------------------------------------------------------------------
    async def export_config(self, dest: Path | SafeFile) -> ExportedArchive:
        """The device's own config export (``GET /config/export``, then its raw download URL) saved to ``dest``
        (a path, or a :class:`SafeFile`: never through a link, never over an existing file).

        Written to ``dest`` + ``.part`` and renamed when complete and of the announced size; a broken download is
        asked for once more (the device deletes the archive 60 s after the export)."""
        try:
            return await self._export_once(dest)
        except DeviceUnreachable as exc:
            log.info("%s: config download broke (%s); exporting again", self._funnel.address.key, exc.message)
            return await self._export_once(dest)

    async def _export_once(self, dest: Path | SafeFile) -> ExportedArchive:
        key = self._funnel.address.key
        answer = await self._funnel.get_object(CONFIG_EXPORT)
        url, size = answer.get("url"), answer.get("size")
        if not isinstance(url, str) or _DOWNLOAD_PATH.fullmatch(url) is None or ".." in url or url.startswith("//"):
            raise DeviceApiError(
                f"{key}: GET {CONFIG_EXPORT} answered no usable download path", "try again", status_code=200
            )
        expected = size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None
        if expected is not None and expected > MAX_ARCHIVE_BYTES:
            raise DeviceApiError(
                f"{key}: the config archive would be {expected} bytes", "this is not a config archive", status_code=200
            )
        sink = dest if isinstance(dest, SafeFile) else SafeFile(dest.parent, dest.name, overwrite=True, unique=False)
        written = 0
        try:
            async with self._funnel.stream("GET", url, raw=True) as response:
                if response.status_code != 200:
                    raise DeviceApiError(
                        f"{key}: GET {url} answered HTTP {response.status_code}",
                        "export again (the archive is deleted 60 s after the export)",
                        status_code=response.status_code,
                    )
                with sink.open_part(append=False) as handle:
                    async for chunk in response.iter_bytes():
                        written += len(chunk)
                        if written > MAX_ARCHIVE_BYTES:
                            raise DeviceApiError(
                                f"{key}: GET {url} sent more than {MAX_ARCHIVE_BYTES} bytes",
                                "this is not a config archive",
                                status_code=200,
                            )
                        handle.write(chunk)
            if expected is not None and written != expected:
                raise DeviceUnreachable(
                    f"{key}: the config archive has {written} bytes, {expected} were announced", "export again"
                )
            saved = sink.commit()
        finally:
            sink.discard()
            if sink is not dest:
                sink.close()
        return ExportedArchive(path=str(saved), size_bytes=written)

    async def backup(self, *, reveal_secrets: bool = False) -> ConfigBackup:
        """Every config area as the device sends it (secrets masked unless ``reveal_secrets``), with the serial,
        firmware and time; an area the device does not answer is listed in ``unavailable``."""
        info = await self.device_info()
        areas: dict[str, dict[str, Any]] = {}
        unavailable: dict[str, str] = {}
        for area in ConfigArea:
            try:
                obj = await self._config.get(area)
            except (DeviceApiError, NotSupported) as exc:
                unavailable[area.value] = exc.message
                continue
            spec = self._config.spec(area)
            areas[area.value] = obj if reveal_secrets else mask_secrets(obj, spec.secret_fields)
        return ConfigBackup(
            created_utc=datetime.now(UTC).replace(microsecond=0).isoformat(),
            host=self._funnel.address.key,
            serial=_str(info.get("sSerialNumber")),
            firmware=_str(info.get("sFirmwareVersion")),
            secrets_masked=not reveal_secrets,
            areas=areas,
            unavailable=unavailable,
        )

    async def import_config(
        self, archive: ConfigArchive, progress: UploadProgress | None = None, *, recover_s: float = 120.0
    ) -> str:
        """Upload a device config archive to ``/config/upload`` (the resumable upload; an interrupted one is
        continued by the next call for the same file). The device applies it at its next restart: call
        :meth:`reboot`. Returns the device's message ("config import pending reboot")."""
        path = Path(archive.path)
        key = str(path.resolve())
        upload = ResumableUpload(
            self._funnel, CONFIG_UPLOAD, path, range_total=False, progress=progress,
            session=self._pending.pop(key, None), recover_s=recover_s,
        )  # fmt: skip
        try:
            result = await upload.run()
        except BaseException:
            if upload.session is not None:
                self._pending[key] = upload.session
            raise
        log.warning("%s: config archive %s imported, pending a restart", self._funnel.address.key, path.name)
        message = result.answer.get("message")
        return message[:200] if isinstance(message, str) and message else "imported"

    async def restore(
        self, backup: ConfigBackup, areas: Iterable[str] | None = None, *, dry_run: bool, source: str = ""
    ) -> RestorePlan:
        """Restore a backup here, area by area (read before write, only differing leaves; see ``_backup.py``).

        ``dry_run``: nothing is written, the plan says what would change (each area checked by a dry-run
        update, so bad input shows before anything is written). An area that fails is reported in its ``error``
        and the others go on."""
        chosen, left_alone = restore_areas(backup, areas)
        plan = RestorePlan(
            source=source,
            kind="json",
            source_host=backup.host,
            source_serial=backup.serial,
            source_firmware=backup.firmware,
            left_alone=left_alone,
        )
        for area in chosen:
            plan.areas.append(await self._restore_area(area, backup.areas[area.value], dry_run=dry_run))
        changing = [a for a in plan.areas if a.changes]
        fields = sum(len(a.changes) for a in plan.areas)
        failed = [a.area for a in plan.areas if a.error]
        verb = "would change" if dry_run else "changed"
        plan.summary = (
            f"{verb} {fields} fields in {len(changing)} of {len(plan.areas)} areas"
            + (f"; failed: {', '.join(failed)}" if failed else "")
            + (f"; left alone (the camera's own): {', '.join(left_alone)}" if left_alone else "")
        )
        return plan

    async def _restore_area(self, area: ConfigArea, wanted: dict[str, Any], *, dry_run: bool) -> AreaRestore:
        try:
            current = await self._config.get(area)
            changes, skipped = restore_changes(area, wanted, current)
            out = AreaRestore(area=area.value, skipped=skipped)
            if not changes:
                return out
            result = await self._config.update(area, changes, dry_run=dry_run)
        except ReCameraError as exc:
            return AreaRestore(area=area.value, error=str(exc))
        out.changes = result.changes
        out.written = result.written
        out.revert = result.revert
        refused = [c.field for c in result.changes if result.written and not c.kept]
        if refused:
            out.error = f"the camera did not keep {', '.join(refused)}"
        return out
