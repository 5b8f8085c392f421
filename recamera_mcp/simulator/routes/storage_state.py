"""State of the recording/storage area: two slots (internal eMMC, SD card), their real folders, relays, events.

Each device gets a real temporary folder (created on first use, removed when its area state is dropped: the
device is gone, or a factory reset; at interpreter exit at the latest). Inside it, one folder per slot holds the
slot's data directory ``DCIM`` (see :mod:`recamera_mcp.simulator.samples` for the layout); the SD card starts
with the sample recordings.

A relay serves a slot's data directory under ``/storage/relay/<uuid>/`` and lives ``settings.relay_timeout_s``
after the last request that used it (or the last ``RELAY``).

Python API for tests: :func:`storage_area` ``(state)`` → :class:`StorageArea` with :meth:`StorageArea.add_recording`,
:meth:`StorageArea.set_slot`, :meth:`StorageArea.data_dir`, :meth:`StorageArea.expire_relays`, :meth:`StorageArea.fill`.

Things that move with time (asynchronous storage tasks, the ALWAYS_ON writer) register in :data:`ADVANCERS`; every
:func:`storage_area` call runs them first, so whoever looks sees the state of now.

A slot is **full** when its free bytes are below ``iQuotaMinimumRecommendBytes``. A full slot with ``bQuotaRotate``
false takes no new recording (``bReadyForNewEvent`` false, triggers answer 30016); with rotation on, a new
recording first frees the oldest ones as FREE_UP does.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import tempfile
import time
import uuid as uuidlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from recamera_mcp.simulator import samples
from recamera_mcp.simulator.clock import device_now
from recamera_mcp.simulator.errors import Module, busy, invalid, not_found, not_permitted
from recamera_mcp.simulator.schemas.recording import EMMC_DEV_PATH, EMMC_UUID, SD_DEV_PATH, SD_UUID, STORAGE_CONFIG
from recamera_mcp.simulator.state import DeviceState

_M = Module.RECORD
GiB = 1 << 30


class SlotState(IntEnum):
    """``eState`` of a storage slot (``sState`` is the name)."""

    ERROR = 1
    NOT_FORMATTED_OR_FORMAT_UNSUPPORTED = 2
    FORMATTING = 3
    NOT_MOUNTED = 4
    MOUNTED = 5
    CONFIGURED = 6
    INDEXING = 7
    READY = 8


@dataclass
class Slot:
    """One storage slot. ``key`` names its folder inside the device folder."""

    key: str
    dev_path: str
    mount_path: str
    removable: bool
    internal: bool
    label: str
    uuid: str
    fs_type: str
    size_bytes: int
    base_used_bytes: int
    """Bytes used outside the data directory (file system, other data)."""
    state: SlotState = SlotState.MOUNTED
    quota_limit: int = -1
    quota_rotate: bool = True
    rotating: bool = False
    """A FREE_UP task is removing recordings (``bRotating``)."""


@dataclass
class Relay:
    directory: str
    dev_path: str
    last_used: float


@dataclass
class RecordEvent:
    """The last rule event: a recording being written (``WRITING``), then ``COMPLETED``; or ``FAILED`` at once."""

    rule_type: str
    rule_id: str
    started_ms: int
    ends_at: float
    """When the clip is done (monotonic); for a failed event, when an ALWAYS_ON writer tries again."""
    dev_path: str
    path: str
    failed: bool = False

    def writing(self) -> bool:
        return not self.failed and time.monotonic() < self.ends_at

    def status(self) -> str:
        if self.failed:
            return "FAILED"
        return "WRITING" if self.writing() else "COMPLETED"


def resolve_inside(root: Path, rel: str) -> Path | None:
    """``root / rel`` when it stays inside ``root`` (no ``..``, no absolute path, no symlink out), else None."""
    if "\x00" in rel or "\\" in rel or rel.startswith("/"):
        return None
    parts = [part for part in rel.split("/") if part]
    if any(part in (".", "..") for part in parts):
        return None
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, *parts))
    if real != real_root and not real.startswith(real_root + os.sep):
        return None
    return Path(real)


class StorageArea:
    """Slots, relays and the last record event of one device."""

    def __init__(self, state: DeviceState) -> None:
        self._state = state
        self.revision = 1
        self.relays: dict[str, Relay] = {}
        self.event: RecordEvent | None = None
        self.fail_next_event = False
        """Armed by the ``record_event_failed`` fault: the next rule event ends FAILED."""
        self.advancing = False
        self._serial = 20001
        self._root: Path | None = None
        self.slots: dict[str, Slot] = {
            EMMC_DEV_PATH: Slot(
                key="emmc", dev_path=EMMC_DEV_PATH, mount_path="/userdata", removable=False, internal=True,
                label="userdata", uuid=EMMC_UUID, fs_type="ext4", size_bytes=6 * GiB, base_used_bytes=1_180_000_000,
            ),
            SD_DEV_PATH: Slot(
                key="sd", dev_path=SD_DEV_PATH, mount_path="/mnt/sd", removable=True, internal=False,
                label="SDCARD", uuid=SD_UUID, fs_type="exfat", size_bytes=31_914_983_424, base_used_bytes=3_145_728,
            ),
        }  # fmt: skip
        self.apply_selection()

    # ---- folders ---------------------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """The device's folder (created with its sample recordings on first use)."""
        with self._state.lock:
            if self._root is None:
                root = Path(tempfile.mkdtemp(prefix=f"recamera-sim-{self._state.settings.serial}-"))
                weakref.finalize(self, shutil.rmtree, str(root), True)
                for slot in self.slots.values():
                    with_samples = self._state.settings.sample_recordings and not slot.internal
                    samples.fill_data_dir(root / slot.key / samples.DATA_DIR_NAME, with_samples)
                self._root = root
            return self._root

    def data_dir(self, dev_path: str = SD_DEV_PATH) -> Path:
        """The real folder behind a slot's data directory (``DCIM``)."""
        return self.root / self.slots[dev_path].key / samples.DATA_DIR_NAME

    def used_bytes(self, slot: Slot) -> int:
        total = 0
        for folder, _dirs, files in os.walk(self.data_dir(slot.dev_path)):
            for name in files:
                try:
                    total += os.lstat(os.path.join(folder, name)).st_size
                except OSError:
                    pass
        return total

    # ---- slots -----------------------------------------------------------------------------------------------
    def selected(self) -> Slot | None:
        """The slot the storage config selects, if any."""
        choice = self._state.configs[STORAGE_CONFIG.path].get("dSelectSlotToEnable")
        return self.find(choice) if isinstance(choice, dict) else None

    def find(self, selection: dict[str, Any]) -> Slot | None:
        """The slot a ``{sByDevPath, sByUUID}`` selection names (either key may be empty)."""
        for slot in self.slots.values():
            by_path = (selection.get("sByDevPath") or None) == slot.dev_path
            if by_path or (selection.get("sByUUID") or None) == slot.uuid:
                return slot
        return None

    def apply_selection(self) -> None:
        """After the storage config changed: the selected mounted slot becomes READY, the others MOUNTED."""
        with self._state.lock:
            chosen = self.selected()
            for slot in self.slots.values():
                if slot is chosen and slot.state == SlotState.MOUNTED:
                    slot.state = SlotState.READY
                elif slot is not chosen and slot.state >= SlotState.CONFIGURED:
                    slot.state = SlotState.MOUNTED
                    self.relays.pop(slot.dev_path, None)
            self.changed()

    def slot_for(self, dev_path: str | None) -> Slot:
        """The slot named by ``sSlotDevPath``, or the selected one."""
        if dev_path is None:
            slot = self.selected()
            if slot is None:
                raise not_permitted(_M, "No storage slot is selected (POST /record/storage/config first)")
            return slot
        if dev_path not in self.slots:
            raise invalid(_M, f"Unknown storage slot: {dev_path}")
        return self.slots[dev_path]

    def set_slot(
        self,
        dev_path: str = SD_DEV_PATH,
        *,
        state: int | None = None,
        size_bytes: int | None = None,
        base_used_bytes: int | None = None,
    ) -> Slot:
        """Test API: force a slot's state and/or sizes (e.g. ``set_slot(state=SlotState.MOUNTED)``)."""
        with self._state.lock:
            slot = self.slots[dev_path]
            if state is not None:
                slot.state = SlotState(state)
                if slot.state < SlotState.CONFIGURED:
                    self.relays.pop(dev_path, None)
            if size_bytes is not None:
                slot.size_bytes = size_bytes
            if base_used_bytes is not None:
                slot.base_used_bytes = base_used_bytes
            self.changed()
            return slot

    def changed(self) -> None:
        self.revision += 1

    def require_configured(self, slot: Slot, action: str) -> None:
        if slot.state < SlotState.CONFIGURED:
            raise not_permitted(
                _M, f"{action} needs the slot to be CONFIGURED or later; {slot.dev_path} is {slot.state.name}"
            )

    def writing_on(self, slot: Slot) -> bool:
        return self.event is not None and self.event.writing() and self.event.dev_path == slot.dev_path

    # ---- status ----------------------------------------------------------------------------------------------
    def slot_json(self, slot: Slot) -> dict[str, Any]:
        mounted = slot.state >= SlotState.MOUNTED
        used = self.used_bytes(slot) if mounted else 0
        selected = self.selected() is slot
        return {
            "sDevPath": slot.dev_path,
            "sMountPath": slot.mount_path if mounted else "",
            "bRemovable": slot.removable,
            "bInternal": slot.internal,
            "sLabel": slot.label,
            "sUUID": slot.uuid,
            "sType": slot.fs_type,
            "bSelected": selected,
            "bEnabled": selected and slot.state >= SlotState.CONFIGURED,
            "bSyncing": False,
            "bWriting": self.writing_on(slot),
            "bRotating": slot.rotating,
            "eState": int(slot.state),
            "sState": slot.state.name,
            "iStatsSizeBytes": slot.size_bytes if mounted else 0,
            "iStatsFreeBytes": max(0, slot.size_bytes - slot.base_used_bytes - used) if mounted else 0,
            "iQuotaMinimumRecommendBytes": min(2 * GiB, slot.size_bytes // 10),
            "iQuotaPreservedBytes": min(512 << 20, slot.size_bytes // 50),
            "iQuotaUsedBytes": used,
            "iQuotaLimitBytes": slot.quota_limit,
            "bQuotaRotate": slot.quota_rotate,
            "dRelayStatus": self.relay_status(slot),
        }

    def status(self) -> dict[str, Any]:
        with self._state.lock:
            return {
                "lSlots": [self.slot_json(slot) for slot in self.slots.values()],
                "sDataDirName": samples.DATA_DIR_NAME,
                "iRevision": self.revision,
            }

    # ---- relay -----------------------------------------------------------------------------------------------
    @property
    def relay_timeout(self) -> float:
        return self._state.settings.relay_timeout_s

    def _live_relay(self, slot: Slot) -> Relay | None:
        relay = self.relays.get(slot.dev_path)
        if relay is not None and time.monotonic() - relay.last_used >= self.relay_timeout:
            del self.relays[slot.dev_path]
            return None
        return relay

    def relay_status(self, slot: Slot) -> dict[str, Any]:
        relay = self._live_relay(slot)
        remain = 0.0 if relay is None else self.relay_timeout - (time.monotonic() - relay.last_used)
        return {
            "iRelayTimeoutRemain": max(0, math.ceil(remain)),
            "iRelayTimeout": math.ceil(self.relay_timeout),
            "sRelayDirectory": "" if relay is None else relay.directory,
        }

    def start_relay(self, slot: Slot) -> dict[str, Any]:
        """``RELAY``: create the slot's relay, or refresh the live one (same directory)."""
        with self._state.lock:
            self.require_configured(slot, "RELAY")
            relay = self._live_relay(slot)
            if relay is None:
                relay = Relay(directory=str(uuidlib.uuid4()), dev_path=slot.dev_path, last_used=time.monotonic())
                self.relays[slot.dev_path] = relay
                self.changed()
            relay.last_used = time.monotonic()
            return self.relay_status(slot)

    def stop_relay(self, slot: Slot) -> None:
        with self._state.lock:
            if self.relays.pop(slot.dev_path, None) is not None:
                self.changed()

    def expire_relays(self) -> None:
        """Every relay expires now (the ``relay_expire`` fault)."""
        with self._state.lock:
            self.relays.clear()
            self.changed()

    def use_relay(self, directory: str) -> Path | None:
        """The data directory a live relay serves (refreshing it), or None when unknown, expired or unusable."""
        with self._state.lock:
            for dev_path, relay in list(self.relays.items()):
                if relay.directory != directory:
                    continue
                slot = self.slots[dev_path]
                if self._live_relay(slot) is None or slot.state < SlotState.CONFIGURED:
                    return None
                relay.last_used = time.monotonic()
                return self.data_dir(dev_path)
            return None

    # ---- actions ---------------------------------------------------------------------------------------------
    def check_formattable(self, slot: Slot) -> None:
        if slot.state == SlotState.FORMATTING:
            raise busy(_M, f"{slot.dev_path} is busy: it is being formatted")
        if self.writing_on(slot):
            raise busy(_M, f"{slot.dev_path} is busy: a recording is being written (turn bRuleEnabled off first)")

    def format(self, slot: Slot) -> None:
        """``FORMAT``: the slot is emptied and mounted again."""
        with self._state.lock:
            self.check_formattable(slot)
            self.wipe(slot)

    def wipe(self, slot: Slot) -> None:
        """The end of a format: the data directory is empty, the slot READY when selected (else MOUNTED)."""
        with self._state.lock:
            data_dir = self.data_dir(slot.dev_path)
            shutil.rmtree(data_dir.parent, ignore_errors=True)
            data_dir.mkdir(parents=True)
            slot.base_used_bytes = min(slot.base_used_bytes, 3_145_728) if slot.removable else slot.base_used_bytes
            slot.state = SlotState.READY if self.selected() is slot else SlotState.MOUNTED
            self.changed()

    def eject(self, slot: Slot) -> None:
        """``EJECT``: a removable mounted slot becomes NOT_MOUNTED (its files stay on the card)."""
        with self._state.lock:
            if not slot.removable:
                raise not_permitted(_M, f"{slot.dev_path} is not removable")
            if slot.state < SlotState.MOUNTED:
                raise not_permitted(_M, f"{slot.dev_path} is not mounted ({slot.state.name})")
            if self.writing_on(slot):
                raise busy(_M, f"{slot.dev_path} is writing a recording")
            slot.state = SlotState.NOT_MOUNTED
            self.relays.pop(slot.dev_path, None)
            self.changed()

    def remount(self) -> None:
        """At boot the camera mounts every card that is in: an ejected removable slot is MOUNTED again (and READY
        when it is the selected one)."""
        with self._state.lock:
            for slot in self.slots.values():
                if slot.removable and slot.state == SlotState.NOT_MOUNTED:
                    slot.state = SlotState.MOUNTED
            self.apply_selection()

    def configure(self, slot: Slot, limit: int, rotate: bool) -> None:
        with self._state.lock:
            self.require_configured(slot, "CONFIG")
            slot.quota_limit = limit
            slot.quota_rotate = rotate
            self.changed()

    def recordings(self, slot: Slot) -> list[str]:
        """Recording files of a slot (relative paths, oldest first; thumbnails excluded)."""
        base = self.data_dir(slot.dev_path)
        found = [
            path.relative_to(base).as_posix()
            for path in base.glob("*/*")
            if path.is_file() and not path.name.startswith(".")
        ]
        return sorted(found, key=lambda rel: rel.rsplit("/", 1)[-1])

    def _remove_file(self, base: Path, rel: str) -> None:
        (base / rel).unlink(missing_ok=True)
        (base / samples.thumb_path(rel)).unlink(missing_ok=True)
        folder = (base / rel).parent
        thumbs = folder / samples.THUMB_DIR
        if thumbs.is_dir() and not any(thumbs.iterdir()):
            thumbs.rmdir()
        if folder != base and not any(folder.iterdir()):
            folder.rmdir()

    def full(self, slot: Slot) -> bool:
        """Free bytes below ``iQuotaMinimumRecommendBytes``."""
        info = self.slot_json(slot)
        return bool(info["iStatsFreeBytes"] < info["iQuotaMinimumRecommendBytes"])

    def _sizes(self, base: Path, rel: str) -> int:
        """Bytes a recording takes, its thumbnail included."""
        thumb = base / samples.thumb_path(rel)
        return (base / rel).stat().st_size + (thumb.stat().st_size if thumb.is_file() else 0)

    def free_up_plan(self, slot: Slot) -> list[str]:
        """The recordings ``FREE_UP`` removes, oldest first: until the free space reaches the recommended minimum
        and the used bytes fit the quota limit (the one being written stays)."""
        with self._state.lock:
            self.require_configured(slot, "FREE_UP")
            base = self.data_dir(slot.dev_path)
            info = self.slot_json(slot)
            free, used, minimum = info["iStatsFreeBytes"], info["iQuotaUsedBytes"], info["iQuotaMinimumRecommendBytes"]
            plan: list[str] = []
            for rel in self.recordings(slot):
                if free >= minimum and (slot.quota_limit < 0 or used <= slot.quota_limit):
                    break
                if self.event is not None and self.event.writing() and self.event.path == rel:
                    continue
                size = self._sizes(base, rel)
                plan.append(rel)
                free += size
                used -= size
            return plan

    def remove_recordings(self, slot: Slot, rels: list[str]) -> tuple[int, int]:
        """Remove these recordings (and their thumbnails); (files removed, bytes freed)."""
        with self._state.lock:
            base = self.data_dir(slot.dev_path)
            removed = freed = 0
            for rel in rels:
                if not (base / rel).is_file():
                    continue
                freed += self._sizes(base, rel)
                self._remove_file(base, rel)
                removed += 1
            if removed:
                self.changed()
            return removed, freed

    def free_up(self, slot: Slot) -> tuple[int, int]:
        """``FREE_UP`` at once (see :meth:`free_up_plan`). Returns (files removed, bytes freed)."""
        with self._state.lock:
            return self.remove_recordings(slot, self.free_up_plan(slot))

    def fill(self, slot: Slot) -> str:
        """The ``storage_full`` fault: an old recording fills the slot below the recommended minimum and rotation
        is turned off. Returns the filler's path (a sparse file; FREE_UP removes it first, being the oldest)."""
        with self._state.lock:
            self.require_configured(slot, "storage_full")
            info = self.slot_json(slot)
            size = max(1, info["iStatsFreeBytes"] - info["iQuotaMinimumRecommendBytes"] // 2)
            when = device_now(self._state) - dt.timedelta(days=30)
            existing = self.recordings(slot)
            if existing:
                oldest = dt.datetime.strptime(existing[0].rsplit("/", 1)[-1][:19], "%Y-%m-%d %H-%M-%S")
                when = min(when, (oldest - dt.timedelta(days=1)).replace(tzinfo=when.tzinfo))
            rel = samples.recording_name(when, self.next_serial())
            path = self.data_dir(slot.dev_path) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                handle.truncate(size)
            os.utime(path, (when.timestamp(), when.timestamp()))
            slot.quota_rotate = False
            self.changed()
            return rel

    def remove(self, slot: Slot, paths: list[str]) -> None:
        """``REMOVE_FILES_OR_DIRECTORIES`` (paths relative to the data directory); all checked before any goes."""
        with self._state.lock:
            self.require_configured(slot, "REMOVE_FILES_OR_DIRECTORIES")
            base = self.data_dir(slot.dev_path)
            targets: list[tuple[str, Path]] = []
            for rel in paths:
                target = resolve_inside(base, rel) if isinstance(rel, str) and rel.strip("/") else None
                if target is None or target == Path(os.path.realpath(base)):
                    raise invalid(_M, f"Invalid path (must be inside the data directory): {rel!r}")
                if not os.path.lexists(target):
                    raise not_found(_M, f"No such file or directory: {rel}")
                targets.append((rel.strip("/"), target))
            for rel, target in targets:
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                else:
                    self._remove_file(base, rel)
            self.changed()

    # ---- recordings ------------------------------------------------------------------------------------------
    def next_serial(self) -> int:
        """The ``NNNNN`` of the next recording name."""
        with self._state.lock:
            self._serial += 1
            return self._serial - 1

    def add_recording(
        self,
        size_bytes: int | None = None,
        *,
        when: dt.datetime | None = None,
        ext: str = "mp4",
        thumbnail: bool = False,
        dev_path: str = SD_DEV_PATH,
    ) -> str:
        """Test API: add a recording to a slot; returns its path relative to the data directory.

        With ``size_bytes`` the file holds that many offset-dependent bytes (50 MB take well under a second);
        without, it is a small real MP4 (or JPEG for ``ext="jpg"``).
        """
        with self._state.lock:
            when = when or device_now(self._state)
            rel = samples.recording_name(when, self.next_serial(), ext)
            path = self.data_dir(dev_path) / rel
            if size_bytes is not None:
                samples.write_pattern(path, size_bytes)
            elif ext != "mp4" or not samples.write_mp4(path, rel.rsplit("/", 1)[-1]):
                samples.write_jpeg(path, rel.rsplit("/", 1)[-1])
            if thumbnail:
                samples.write_jpeg(self.data_dir(dev_path) / samples.thumb_path(rel), "thumb")
            stamp = when.timestamp()
            os.utime(path, (stamp, stamp))
            self.changed()
            return rel


ADVANCERS: list[Callable[[DeviceState, StorageArea], None]] = []
"""Run by :func:`storage_area` before it answers (storage tasks, the ALWAYS_ON writer register here)."""


def storage_area(state: DeviceState) -> StorageArea:
    """The storage/recording area state of ``state`` (created on first use), brought up to date."""
    with state.lock:
        area = state.area("storage", lambda: StorageArea(state))
        if not area.advancing:
            area.advancing = True
            try:
                for advance in ADVANCERS:
                    advance(state, area)
            finally:
                area.advancing = False
        return area
