"""Storage slots, the pure part: ``GET /record/storage/status`` as typed slots, their states, and what to do so a
slot serves files. Below the relay (``_relay.py``) and the storage area (``storage.py``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import DeviceApiError, Fix, StorageNotReady, ValidationError

__all__ = ["CONFIGURED", "READY", "STATES", "STATUS_PATH", "Slot", "StorageStatus", "parse_status", "serve_fix"]

STATUS_PATH = "/record/storage/status"
CONTROL_PATH = "/record/storage/control"
CONFIGURED = 6
"""``eState`` from which a slot records and serves files (CONFIGURED, INDEXING, READY)."""
READY = 8
STATES = {
    1: "ERROR",
    2: "NOT_FORMATTED_OR_FORMAT_UNSUPPORTED",
    3: "FORMATTING",
    4: "NOT_MOUNTED",
    5: "MOUNTED",
    6: "CONFIGURED",
    7: "INDEXING",
    8: "READY",
}


class RelayInfo(BaseModel):
    directory: str = Field(description="The relay UUID; empty when no relay is live")
    remain_s: int
    timeout_s: int


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class Slot(BaseModel):
    """One storage slot (internal eMMC or SD card), in plain names."""

    dev_path: str
    label: str = ""
    uuid: str = ""
    fs_type: str = ""
    mount_path: str = ""
    removable: bool = False
    internal: bool = False
    selected: bool = False
    enabled: bool = False
    writing: bool = False
    state: str = Field(description="ERROR, NOT_FORMATTED_OR_FORMAT_UNSUPPORTED, FORMATTING, NOT_MOUNTED, MOUNTED, "
                       "CONFIGURED, INDEXING or READY")  # fmt: skip
    state_code: int
    size_bytes: int = 0
    free_bytes: int = 0
    used_bytes: int = Field(default=0, description="Bytes of recordings in the data directory")
    min_free_bytes: int = Field(default=0, description="Free space the device recommends keeping (FREE_UP aims for it)")
    quota_limit_bytes: int = Field(default=-1, description="-1: no limit")
    quota_rotate: bool = True
    relay: RelayInfo | None = None

    @property
    def serves_files(self) -> bool:
        return self.state_code >= CONFIGURED

    @classmethod
    def from_device(cls, raw: dict[str, Any]) -> Slot:
        code = _int(raw.get("eState"))
        relay = raw.get("dRelayStatus")
        return cls(
            dev_path=str(raw.get("sDevPath", ""))[:256],
            label=str(raw.get("sLabel", ""))[:256],
            uuid=str(raw.get("sUUID", ""))[:256],
            fs_type=str(raw.get("sType", ""))[:64],
            mount_path=str(raw.get("sMountPath", ""))[:256],
            removable=bool(raw.get("bRemovable")),
            internal=bool(raw.get("bInternal")),
            selected=bool(raw.get("bSelected")),
            enabled=bool(raw.get("bEnabled")),
            writing=bool(raw.get("bWriting")),
            state=str(raw.get("sState") or STATES.get(code, "UNKNOWN"))[:64],
            state_code=code,
            size_bytes=_int(raw.get("iStatsSizeBytes")),
            free_bytes=_int(raw.get("iStatsFreeBytes")),
            used_bytes=_int(raw.get("iQuotaUsedBytes")),
            min_free_bytes=_int(raw.get("iQuotaMinimumRecommendBytes")),
            quota_limit_bytes=_int(raw.get("iQuotaLimitBytes"), -1),
            quota_rotate=bool(raw.get("bQuotaRotate", True)),
            relay=RelayInfo(
                directory=str(relay.get("sRelayDirectory") or "")[:128],
                remain_s=_int(relay.get("iRelayTimeoutRemain")),
                timeout_s=_int(relay.get("iRelayTimeout")),
            )
            if isinstance(relay, dict)
            else None,
        )


def select_fix(dev_path: str) -> Fix:
    """Select ``dev_path`` for recording (the storage config's ``dSelectSlotToEnable``)."""
    return Fix(
        op="config.update", args={"area": "storage", "changes": {"dSelectSlotToEnable": {"sByDevPath": dev_path}}}
    )


def serve_fix(slot: Slot) -> tuple[str, Fix | None]:
    """What to do so that ``slot`` serves files (reaches CONFIGURED), and the operation that does it."""
    state = slot.state
    if state in ("NOT_FORMATTED_OR_FORMAT_UNSUPPORTED", "ERROR"):
        return (
            f"format {slot.dev_path} first (this erases the card)",
            Fix(op="storage.action", args={"action": "format", "slot": slot.dev_path}),
        )
    if state == "NOT_MOUNTED":
        return (
            "the device has no mount command: take the card out and insert it again, or reboot the camera (it mounts "
            "its cards when it starts), then select it for recording",
            Fix(op="system.reboot"),
        )
    if state == "FORMATTING":
        return "wait until formatting is done, then try again", None
    return (
        f"select {slot.dev_path} for recording (storage config dSelectSlotToEnable.sByDevPath)",
        select_fix(slot.dev_path),
    )


class StorageStatus(BaseModel):
    slots: list[Slot]
    data_dir: str = "DCIM"
    revision: int | None = None

    def selected(self) -> Slot | None:
        return next((s for s in self.slots if s.selected), None)

    def slot(self, dev_path: str | None) -> Slot:
        """The slot at ``dev_path``, or the selected one; raises with what to do when there is none."""
        if dev_path is None:
            chosen = self.selected()
            if chosen is None:
                known = ", ".join(f"{s.dev_path} ({s.label}, {s.state})" for s in self.slots)
                raise StorageNotReady(
                    "no storage slot is selected for recording",
                    f"select one in the storage config (dSelectSlotToEnable.sByDevPath); slots: {known}",
                    fix=select_fix(self.slots[0].dev_path) if self.slots else None,
                )
            return chosen
        for candidate in self.slots:
            if candidate.dev_path == dev_path:
                return candidate
        known = ", ".join(s.dev_path for s in self.slots)
        raise ValidationError(f"no storage slot {dev_path!r}", f"use one of: {known}", field="slot")


def parse_status(host: str, raw: Any) -> StorageStatus:
    """``GET /record/storage/status`` as typed slots."""
    if not isinstance(raw, dict) or not isinstance(raw.get("lSlots"), list):
        raise DeviceApiError(f"{host}: unexpected storage status", "try again", status_code=200)
    revision = raw.get("iRevision")
    return StorageStatus(
        slots=[Slot.from_device(s) for s in raw["lSlots"][:64] if isinstance(s, dict)],
        data_dir=str(raw.get("sDataDirName") or "DCIM")[:64],
        revision=revision if isinstance(revision, int) and not isinstance(revision, bool) else None,
    )
