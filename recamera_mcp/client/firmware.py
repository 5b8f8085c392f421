"""The firmware area (``cam.firmware``): is there an update, upgrade from the network or from a local file, follow the
download, then wait while the camera installs and restarts, and check that it came back on the new version.

    check = await cam.firmware.check()                     # current and latest version, update_available, updating
    job = await cam.firmware.start_network(expected=check.latest)   # a fresh device sConfirmToken, sent at once
    result = await cam.firmware.watch(job, FirmwareWait())  # download progress, install, fresh login, version

The device's own two phases: ``POST /system/firmware-upgrade?upload-type=network`` answers the versions and an
``sConfirmToken`` and starts nothing; the same call with ``{"sConfirmToken"}`` starts the download. An upgrade
already running (``sUpdating``, or a running download progress) is watched, never started again. Progress comes from
``GET /system/firmware-download-progress`` (older firmware: ``GET /system/firmware-upgrade``); after ``success`` the
camera installs and stops answering, then comes back with every session invalidated and the new
``sFirmwareVersion``. The client remembers the upgrade it started (:attr:`FirmwareAPI.job`), so a caller whose wait
was cut off can watch it again (:meth:`FirmwareAPI.resume`).

A local firmware is a tar holding ``boot.img``, ``rootfs.img`` and ``RK_OTA_update.sh``, checked by
:func:`inspect_firmware_file` before anything is sent, then uploaded with the shared resumable upload
(``_upload.py``) and watched like a network upgrade.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import tarfile
import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import (
    DeviceApiError,
    DeviceTimeout,
    DeviceUnreachable,
    ReCameraError,
    ValidationError,
)
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._restart import Progress, WaitPolicy
from recamera_mcp.client._upload import CHUNK_SIZE, ResumableUpload, UploadProgress, UploadSession
from recamera_mcp.client.models import file_md5
from recamera_mcp.client.system import SystemAPI

__all__ = [
    "FileUpload",
    "FirmwareAPI",
    "FirmwareCheck",
    "FirmwareFile",
    "FirmwareProgress",
    "FirmwareWait",
    "UpgradeJob",
    "UpgradeResult",
    "check_release_url",
    "inspect_firmware_file",
]

log = logging.getLogger(__name__)

UPGRADE = "/system/firmware-upgrade"
PROGRESS = "/system/firmware-download-progress"
REQUIRED_MEMBERS = ("boot.img", "rootfs.img", "RK_OTA_update.sh")
RUNNING = frozenset({"starting", "downloading", "success"})
FAILED = frozenset({"error", "fail", "sha256_error", "sha256_download_error", "unreachable"})
_VERSION = re.compile(r"V\d{1,4}\.\d{1,4}\.\d{1,6}")
MAX_FIRMWARE_BYTES = 2 * 1024 * 1024 * 1024
IDLE_POLLS = 3
"""Progress polls answering ``idle`` right after a start before the upgrade counts as not started."""


class FirmwareProgress(BaseModel):
    """One reading of the download progress."""

    status: str = Field(description="idle, starting, downloading, success (then it installs), or a failure")
    percent: int | None = None
    done_bytes: int | None = None
    total_bytes: int | None = None

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def failed(self) -> bool:
        return self.status in FAILED


class FirmwareCheck(BaseModel):
    """What the camera runs, and what it could upgrade to."""

    current: str | None = Field(default=None, description="The running firmware version")
    latest: str | None = Field(default=None, description="The latest release the camera found")
    update_available: bool
    updating: bool = Field(description="An upgrade is running already")
    release_url: str | None = Field(default=None, description="Where the camera looked (None: its default repository)")
    progress: FirmwareProgress | None = None


class FirmwareFile(BaseModel):
    """A local firmware file, checked."""

    path: str
    size_bytes: int
    md5: str
    version: str | None = Field(default=None, description="The version it installs, when the file says (ota_version)")


class FileUpload(BaseModel):
    """How a local firmware file reached the camera."""

    size_bytes: int
    bytes_sent: int = Field(description="Bytes this call sent (a chunk lost in transit counts twice)")
    resumed_from: int = Field(default=0, description="> 0: an earlier, interrupted upload was continued there")
    recoveries: int = Field(default=0, description="Interruptions this call recovered from")


class UpgradeJob(BaseModel):
    """An upgrade the camera is running."""

    source: Literal["network", "file"]
    from_version: str | None = None
    target_version: str | None = Field(default=None, description="The version it should come back with (None: unknown)")
    started: float = Field(default_factory=time.monotonic, exclude=True)
    already_running: bool = Field(default=False, description="It was running before this call (watched, not started)")
    upload: FileUpload | None = None


class FirmwareWait(BaseModel):
    """How often and how long an upgrade is followed."""

    progress_interval_s: float = Field(default=2.0, gt=0, description="Seconds between download progress polls")
    download_timeout_s: float = Field(default=1800.0, gt=0, description="The download must end within this")
    install: WaitPolicy = Field(
        default_factory=lambda: WaitPolicy(interval_s=5.0, timeout_s=600.0, down_within_s=600.0),
        description="The install: the camera is polled every 5 s, for at most 10 minutes",
    )


class UpgradeResult(BaseModel):
    """An upgrade that finished with the camera back on its new firmware."""

    source: Literal["network", "file"]
    from_version: str | None
    to_version: str | None = Field(description="The version the camera runs now")
    elapsed_s: float = Field(description="From the start of the upgrade (or of this watch) until done")
    download_s: float
    install_s: float
    went_down: bool
    logged_in: bool
    upload: FileUpload | None = Field(default=None, description="For a local file: how it was uploaded")


def check_release_url(url: str) -> str:
    """A release repository URL as the device may be given it: http or https, a host, no credentials."""
    text = url.strip() if isinstance(url, str) else ""
    bad = not text or len(text) > 300 or any(ord(c) < 33 or c == "\x7f" for c in text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port, bad = None, None, True
    del port
    if bad or parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "the release URL must be an http:// or https:// URL",
            "give the repository URL, e.g. https://github.com/Seeed-Studio/reCamera-Pro-OTA",
            field="file_path",
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError(
            "the release URL must not carry credentials", "give a public repository URL", field="file_path"
        )
    return text


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value == value and abs(value) < 2**53:
        return int(value)
    return None


def _version(value: Any) -> str | None:
    return value[:64] if isinstance(value, str) and value else None


def _truthy(value: Any) -> bool:
    return value is True or value == 1 or (isinstance(value, str) and value.lower() == "true")


def parse_progress(body: Any) -> FirmwareProgress:
    """The progress answer (``{sStatus, iPercent, iCurrent, iTotal}``; bytes may come as floats)."""
    data = body if isinstance(body, dict) else {}
    status = data.get("sStatus")
    percent = _int(data.get("iPercent"))
    return FirmwareProgress(
        status=status[:40] if isinstance(status, str) and status else "unknown",
        percent=max(0, min(100, percent)) if percent is not None else None,
        done_bytes=_int(data.get("iCurrent")),
        total_bytes=_int(data.get("iTotal")),
    )


def _inspect(path: Path) -> FirmwareFile:
    if not path.is_file():
        raise ValidationError(f"no firmware file at {path}", "give the path of the firmware .tar", field="file_path")
    size = path.stat().st_size
    if size == 0 or size > MAX_FIRMWARE_BYTES:
        raise ValidationError(f"{path.name} is {size} bytes: no firmware", "give the firmware .tar", field="file_path")
    version: str | None = None
    try:
        with tarfile.open(path, mode="r:") as tar:
            members = {m.name.removeprefix("./"): m for m in tar.getmembers()}
            unsafe = [n for n in members if n.startswith("/") or ".." in n.split("/")]
            if unsafe:
                raise ValidationError(
                    f"{path.name} holds unsafe paths ({unsafe[0]!r})", "use an official firmware", field="file_path"
                )
            missing = [m for m in REQUIRED_MEMBERS if m not in members or not members[m].isfile()]
            if missing:
                raise ValidationError(
                    f"{path.name} is not a reCamera firmware: it lacks {', '.join(missing)}",
                    "a firmware tar holds boot.img, rootfs.img and RK_OTA_update.sh",
                    field="file_path",
                )
            named = members.get("ota_version")
            handle = tar.extractfile(named) if named is not None and named.isfile() else None
            if handle is not None:
                text = handle.read(64).decode("ascii", "replace").strip()
                version = text if _VERSION.fullmatch(text) else None
    except tarfile.TarError:
        raise ValidationError(
            f"{path.name} is not a tar archive", "a firmware file is an uncompressed .tar", field="file_path"
        ) from None
    return FirmwareFile(path=str(path), size_bytes=size, md5=file_md5(path), version=version)


async def inspect_firmware_file(path: str | Path) -> FirmwareFile:
    """Check a local firmware tar (``boot.img``, ``rootfs.img``, ``RK_OTA_update.sh``, safe member names) and
    compute its MD5, off the event loop; :class:`ValidationError` when it is not one."""
    return await asyncio.to_thread(_inspect, Path(path).expanduser())


class FirmwareAPI:
    """Firmware checks and upgrades of one camera (see the module docstring)."""

    def __init__(self, funnel: Funnel, system: SystemAPI) -> None:
        self._funnel = funnel
        self._system = system
        self.job: UpgradeJob | None = None
        """The upgrade this client started or found running, until it finished."""
        self._pending: dict[str, UploadSession] = {}
        """Interrupted uploads of local files, by path: the next upload of the same file continues them."""

    async def progress(self) -> FirmwareProgress:
        """``GET /system/firmware-download-progress`` (``GET /system/firmware-upgrade`` on older firmware)."""
        try:
            return parse_progress(await self._funnel.get_object(PROGRESS))
        except DeviceApiError as exc:
            if exc.status_code != 404:
                raise
            return parse_progress(await self._funnel.get_object(UPGRADE))

    async def _check(self, release_url: str | None) -> tuple[FirmwareCheck, str | None]:
        body = {"sReleaseURL": check_release_url(release_url)} if release_url else None
        answer = await self._funnel.send_json("POST", UPGRADE, body, params={"upload-type": "network"})
        updating = _truthy(answer.get("sUpdating"))
        progress: FirmwareProgress | None = None
        try:
            progress = await self.progress()
        except DeviceApiError as exc:
            log.info("%s: no firmware progress (%s)", self._funnel.address.key, exc.message)
        current, latest = _version(answer.get("sCurrentVersion")), _version(answer.get("sLatestVersion"))
        available = _truthy(answer.get("iUpdateAvailable"))
        # a "success" left over from an upgrade already installed is no upgrade running
        running = progress is not None and progress.running and (progress.status != "success" or available)
        check = FirmwareCheck(
            current=current,
            latest=latest,
            update_available=available,
            updating=updating or running,
            release_url=body["sReleaseURL"] if body else None,
            progress=progress,
        )
        token = answer.get("sConfirmToken")
        return check, token if isinstance(token, str) and token else None

    async def check(self, release_url: str | None = None) -> FirmwareCheck:
        """Current and latest version, and whether an upgrade is available or running. Starts nothing."""
        check, _token = await self._check(release_url)
        return check

    async def start_network(self, expected: str | None = None, release_url: str | None = None) -> UpgradeJob:
        """Start a network upgrade: a fresh check (for the device's ``sConfirmToken``), then the confirmation.

        An upgrade already running is returned (``already_running``) instead of started. ``expected``: the version
        the caller agreed to; a different latest version is refused (:class:`ValidationError`), and so is a camera
        that is up to date."""
        check, token = await self._check(release_url)
        if check.updating:
            self.job = self.job or UpgradeJob(
                source="network", from_version=check.current, target_version=expected, already_running=True
            )
            return self.job
        if not check.update_available:
            raise ValidationError(
                f"{self._funnel.address.key} runs {check.current}, the latest release: nothing to upgrade",
                "nothing to do",
                field="action",
            )
        if expected is not None and check.latest != expected:
            raise ValidationError(
                f"the latest release is now {check.latest}, not {expected} as agreed",
                "check again and confirm the new version",
                field="action",
            )
        if token is None:
            raise DeviceApiError(
                f"{self._funnel.address.key} offered no sConfirmToken for the upgrade",
                "check again; this firmware may upgrade differently",
                status_code=200,
            )
        job = UpgradeJob(source="network", from_version=check.current, target_version=check.latest)
        log.warning("%s: firmware upgrade %s -> %s confirmed", self._funnel.address.key, check.current, check.latest)
        await self._funnel.send_json("POST", UPGRADE, {"sConfirmToken": token}, params={"upload-type": "network"})
        self.job = job
        return job

    async def start_file(
        self,
        firmware: FirmwareFile,
        progress: UploadProgress | None = None,
        *,
        chunk_size: int = CHUNK_SIZE,
        recover_s: float = 120.0,
    ) -> UpgradeJob:
        """Upload a checked local firmware and start its install: the resumable upload (512 KiB chunks with
        ``Content-Range: bytes a-b``, then the MD5), which rides out a dropped connection or a reboot, and an upload
        this raised out of is continued by the next call for the same file. The device checks the MD5 and the tar
        ("MD5 checksum mismatch", "Invalid firmware: Missing ..."), then answers "Upgrade started"."""
        path = Path(firmware.path)
        current = _version((await self._system.device_info()).get("sFirmwareVersion"))
        key = str(path.resolve())
        upload = ResumableUpload(
            self._funnel, UPGRADE, path, range_total=False, chunk_size=chunk_size, progress=progress,
            init_body=json.dumps({"iFileSize": firmware.size_bytes}).encode(),
            session=self._pending.pop(key, None), recover_s=recover_s,
        )  # fmt: skip
        try:
            result = await upload.run()
        except BaseException:
            if upload.session is not None:
                self._pending[key] = upload.session
            raise
        if result.md5 != firmware.md5:
            raise ValidationError(
                f"{path.name} changed since it was checked", "check it again, then upgrade", field="file_path"
            )
        log.warning("%s: firmware file %s uploaded, install started", self._funnel.address.key, path.name)
        self.job = UpgradeJob(
            source="file", from_version=current, target_version=firmware.version,
            upload=FileUpload(size_bytes=result.size, bytes_sent=result.bytes_sent, resumed_from=result.resumed_from,
                              recoveries=result.recoveries),
        )  # fmt: skip
        return self.job

    async def resume(self, wait: FirmwareWait, progress: Progress | None = None) -> UpgradeResult | None:
        """Watch the upgrade this client started (or found running) again, e.g. after a wait was cut off; None
        when there is none."""
        if self.job is None:
            return None
        return await self.watch(self.job, wait, progress)

    async def watch(self, job: UpgradeJob, wait: FirmwareWait, progress: Progress | None = None) -> UpgradeResult:
        """Follow the download (progress every ``wait.progress_interval_s``), then the install (the camera goes
        down and comes back, bounded by ``wait.install``), then check a fresh session and the version.

        ``progress(done, 100, message)``: the download is the first half, the install the second. Raises
        :class:`DeviceApiError` when the camera reports a failed download, :class:`DeviceTimeout` past a bound."""
        key = self._funnel.address.key
        start = time.monotonic()
        try:
            went_down = await self._follow_download(job, wait, progress, start)
            download_s = time.monotonic() - start
            installing = time.monotonic()

            async def install_progress(done: float, total: float | None, message: str) -> None:
                if progress is not None:
                    await progress(50 + round(49 * min(1.0, done / (total or 1)), 1), 100, message)

            back = await self._system.wait_restart(
                wait.install,
                went_down=went_down,
                old_version=job.from_version,
                target_version=job.target_version,
                progress=install_progress,
                started=installing,
                what="firmware install",
            )
        except ReCameraError:
            self.job = None  # failed or timed out: nothing left to watch (a cancelled wait keeps it, to resume)
            raise
        self.job = None
        self._system.restarted()
        log.info("%s: firmware %s -> %s", key, job.from_version, back.firmware)
        return UpgradeResult(
            source=job.source,
            from_version=job.from_version,
            to_version=back.firmware,
            elapsed_s=round(time.monotonic() - min(start, job.started), 1),
            download_s=round(download_s, 1),
            install_s=round(time.monotonic() - installing, 1),
            went_down=back.went_down,
            logged_in=back.logged_in,
            upload=job.upload,
        )

    async def _follow_download(
        self, job: UpgradeJob, wait: FirmwareWait, progress: Progress | None, start: float
    ) -> bool:
        """Poll the progress until the download is over; True when the camera stopped answering meanwhile."""
        key = self._funnel.address.key
        seen_running = job.already_running
        idle = 0
        while True:
            try:
                reading = await self.progress()
            except (DeviceUnreachable, DeviceTimeout):
                log.info("%s stopped answering after the download: installing", key)
                return True
            if reading.failed:
                self.job = None
                raise DeviceApiError(
                    f"{key}: the firmware download failed on the camera ({reading.status})",
                    "nothing was installed; check the camera's internet access and try again",
                    status_code=200,
                    device_message=reading.status,
                )
            if reading.status == "success":
                if progress is not None:
                    await progress(50, 100, "download complete; the camera installs and restarts")
                return False
            if reading.running:
                seen_running = True
                percent = reading.percent or 0
                if progress is not None:
                    await progress(percent / 2, 100, f"downloading firmware: {percent} %")
            elif seen_running:
                return False  # idle again: the install already ran (the version check follows)
            else:
                idle += 1
                if idle >= IDLE_POLLS:
                    info = await self._system.device_info()
                    if _version(info.get("sFirmwareVersion")) != job.from_version:
                        return False
                    self.job = None
                    raise DeviceApiError(
                        f"{key}: the firmware upgrade did not start (progress stays {reading.status})",
                        "check for updates again",
                        status_code=200,
                    )
            if time.monotonic() - start > wait.download_timeout_s:
                raise DeviceTimeout(
                    f"{key}: the firmware download did not finish within {wait.download_timeout_s:g} s",
                    "it may still be running: read the upgrade status later",
                )
            await asyncio.sleep(wait.progress_interval_s)
