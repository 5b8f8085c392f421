"""The storage area (``cam.storage``): slots and their status, storage actions with a preview, and the relay.

    status = await cam.storage.status()
    plan = await cam.storage.plan(StorageAction.FREE_UP)   # what would be deleted, nothing changed yet
    after = await cam.storage.run(plan)

Destructive actions are planned first (slot, size, files affected) so a caller can ask for confirmation, then run.
Files of the selected slot are reached through :attr:`StorageAPI.relay` (one per client, refreshed on expiry).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._dialect import Dialect, dialect_of_refusal
from recamera_mcp.client._errors import DeviceApiError, DeviceTimeout, NotSupported, StorageNotReady, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._models import Problem
from recamera_mcp.client._relay import Relay, normalize_relay_path
from recamera_mcp.client._slots import CONTROL_PATH, STATUS_PATH, StorageStatus, parse_status, serve_fix

__all__ = ["StorageAPI", "StorageAction", "StoragePlan", "TaskProgress"]

log = logging.getLogger(__name__)

TaskProgress = Callable[[int, str], Awaitable[None]]
"""``progress(percent, device status)`` of a long storage task."""
TASK_POLL_S = 0.5


class StorageAction(StrEnum):
    STATUS = "status"
    FORMAT = "format"
    FREE_UP = "free_up"
    EJECT = "eject"
    REMOVE = "remove"
    MOUNT = "mount"


_DEVICE_ACTIONS = {
    StorageAction.FORMAT: "FORMAT",
    StorageAction.FREE_UP: "FREE_UP",
    StorageAction.EJECT: "EJECT",
    StorageAction.REMOVE: "REMOVE_FILES_OR_DIRECTORIES",
}
_LONG_ACTIONS = frozenset({StorageAction.FORMAT, StorageAction.FREE_UP})
"""Run as device tasks on 2026 firmware (ASYNC_SUBMIT, polled)."""


class StoragePlan(BaseModel):
    """What a destructive storage action would do."""

    action: StorageAction
    slot: str = Field(description="Device path of the slot")
    label: str = ""
    slot_size_bytes: int = 0
    files_affected: int | None = Field(default=None, description="Recordings that would be deleted (None: unknown)")
    bytes_affected: int | None = Field(default=None, description="Bytes that would be deleted (None: unknown)")
    paths: list[str] = Field(default_factory=list, description="For remove: the paths, relative to the data dir")
    summary: str


async def _plan(
    client: Funnel, status: StorageStatus, action: StorageAction, paths: list[str] | None, slot: str | None
) -> StoragePlan:
    if action in (StorageAction.STATUS, StorageAction.MOUNT):
        raise ValidationError(f"{action.value} is not a destructive action", "call it directly", field="action")
    if action == StorageAction.REMOVE:
        if not paths:
            raise ValidationError(
                "remove needs paths", 'give paths relative to the data directory, e.g. ["2025-10-16/x.mp4"]',
                field="paths",
            )  # fmt: skip
        normalized = [normalize_relay_path(p).strip("/") for p in paths]
        if any(not p for p in normalized):
            raise ValidationError("remove cannot take the whole data directory", "use action=format", field="paths")
        paths = normalized
    elif paths:
        raise ValidationError(f"{action.value} takes no paths", "leave paths out", field="paths")
    target = status.slot(slot)
    plan = StoragePlan(action=action, slot=target.dev_path, label=target.label, slot_size_bytes=target.size_bytes,
                       paths=paths or [], summary="")  # fmt: skip
    where = f"{target.dev_path} ({target.label or 'slot'}, {target.size_bytes / 1e9:.1f} GB, {target.state})"
    if action == StorageAction.EJECT:
        if not target.removable:
            raise NotSupported(f"{target.dev_path} is not removable", "only the SD card can be ejected")
        plan.files_affected, plan.bytes_affected = 0, 0
        plan.summary = f"unmount {where}: nothing is deleted, recording to it stops until it is inserted again"
        return plan
    if not target.serves_files and action != StorageAction.FORMAT:
        hint, fix = serve_fix(target)
        raise StorageNotReady(
            f"{action.value} needs the slot to be CONFIGURED or later; {target.dev_path} is {target.state}",
            hint,
            fix=fix,
        )
    files: list[tuple[str, int, float]] = []
    if target.serves_files:
        relay = Relay(client, target.dev_path)
        if action == StorageAction.REMOVE:
            for rel in paths or []:
                files += await relay.files_under(rel)
        else:
            files = await relay.files_under("")
    if action == StorageAction.FORMAT:
        plan.files_affected = len(files) if target.serves_files else None
        plan.bytes_affected = target.used_bytes if target.serves_files else None
        count = f"{plan.files_affected} files" if plan.files_affected is not None else "every file"
        plan.summary = f"erase {where}: {count} deleted, the card is formatted"
    elif action == StorageAction.FREE_UP:
        need = max(0, target.min_free_bytes - target.free_bytes)
        if target.quota_limit_bytes >= 0:
            need = max(need, target.used_bytes - target.quota_limit_bytes)
        chosen, freed = 0, 0
        for _rel, size, _mtime in sorted(files, key=lambda f: (f[2], f[0])):
            if freed >= need:
                break
            chosen, freed = chosen + 1, freed + size
        plan.files_affected, plan.bytes_affected = chosen, freed
        plan.summary = (
            f"delete the {chosen} oldest recordings on {where} ({freed} bytes) to reach the recommended free space"
            if chosen
            else f"nothing to delete on {where}: free space is already above the recommended minimum"
        )
    else:
        plan.files_affected = len(files)
        plan.bytes_affected = sum(size for _rel, size, _mtime in files)
        plan.summary = f"delete {', '.join(paths or [])} on {where}: {plan.files_affected} files"
    return plan


class StorageAPI:
    """The camera's storage slots: status, planned actions, and the relay that serves their files."""

    def __init__(self, funnel: Funnel) -> None:
        self._funnel = funnel
        self.relay = Relay(funnel)
        """The relay of the selected slot, kept between calls (an expired one is refreshed on use)."""

    async def status(self) -> StorageStatus:
        """``GET /record/storage/status`` as typed slots."""
        return parse_status(self._funnel.address.key, await self._funnel.get_json(STATUS_PATH))

    async def plan(self, action: StorageAction, paths: list[str] | None = None, slot: str | None = None) -> StoragePlan:
        """What ``action`` would do on ``slot`` (default: the selected one), checked before anything changes."""
        return await _plan(self._funnel, await self.status(), StorageAction(action), paths, slot)

    async def mount(self, slot: str | None = None) -> tuple[StorageStatus, Problem | None]:
        """Bring an ejected card back: the storage status, and None when ``slot`` (default: the removable slot that
        is not mounted, else the selected one) is mounted, or a :class:`Problem` saying what does it.

        The device has no mount command (its storage control knows FORMAT, FREE_UP, EJECT, CONFIG, RELAY...): the
        card comes back when it is inserted again or the camera restarts, so the problem's fix is a reboot."""
        status = await self.status()
        if slot is None:
            ejected = next((s for s in status.slots if s.removable and s.state == "NOT_MOUNTED"), None)
            target = ejected or status.slot(None)
        else:
            target = status.slot(slot)
        if target.state_code >= 5:  # MOUNTED and later
            return status, None
        hint, fix = serve_fix(target)
        return status, Problem(message=f"{target.dev_path} is {target.state}: {hint}", fix=fix)

    async def run(
        self, plan: StoragePlan, *, progress: TaskProgress | None = None, timeout_s: float = 1800.0
    ) -> StorageStatus:
        """Send the planned action (``POST /record/storage/control``) and return the storage status after it.

        On 2026 firmware FORMAT and FREE_UP run as device tasks: submitted with ``sTask: ASYNC_SUBMIT``, then
        polled (``ASYNC_STATUS``) to the end, ``progress(percent, status)`` on each poll; legacy firmware runs them
        before it answers."""
        body: dict[str, Any] = {"sAction": _DEVICE_ACTIONS[plan.action], "sSlotDevPath": plan.slot}
        if plan.action == StorageAction.REMOVE:
            body["lFilesOrDirectoriesToRemove"] = plan.paths
        log.info("%s: storage %s on %s", self._funnel.address.key, body["sAction"], plan.slot)
        if plan.action not in _LONG_ACTIONS:
            await self._funnel.send_json("POST", CONTROL_PATH, body)
            return await self.status()
        dialect = await self._funnel.dialect()
        try:
            await self._run_long(dialect, body, progress, timeout_s)
        except DeviceApiError as exc:
            spoken = dialect_of_refusal(exc.device_message)
            if spoken is None or spoken == dialect:
                raise
            # the refusal names the other generation's form (the version misled): nothing was done, so say it so
            log.info("%s speaks the %s storage form; sending %s again in it", self._funnel.address.key, spoken,
                     body["sAction"])  # fmt: skip
            self._funnel.note_dialect(spoken)
            await self._run_long(spoken, body, progress, timeout_s)
        return await self.status()

    async def _run_long(
        self, dialect: Dialect, body: dict[str, Any], progress: TaskProgress | None, timeout_s: float
    ) -> None:
        if dialect == Dialect.CURRENT:
            await self._run_task(body, progress, timeout_s)
        else:
            await self._funnel.send_json("POST", CONTROL_PATH, body)

    async def _run_task(self, body: dict[str, Any], progress: TaskProgress | None, timeout_s: float) -> None:
        answer = await self._funnel.send_json("POST", CONTROL_PATH, {**body, "sTask": "ASYNC_SUBMIT"})
        uid = answer.get("sTaskUID")
        if not isinstance(uid, str) or not uid:
            raise DeviceApiError(
                f"{self._funnel.address.key} accepted {body['sAction']} without a task id (sTaskUID)",
                "read the storage status to see whether it runs",
                status_code=200,
            )
        deadline = time.monotonic() + timeout_s
        while True:
            status = await self._funnel.send_json("POST", CONTROL_PATH, {"sTask": "ASYNC_STATUS", "sTaskUID": uid})
            found = status.get("dTask")
            task: dict[str, Any] = found if isinstance(found, dict) else {}
            state = str(task.get("sStatus") or "UNKNOWN")[:32]
            percent = task.get("iProgress")
            if progress is not None:
                await progress(percent if isinstance(percent, int) and not isinstance(percent, bool) else 0, state)
            if state == "COMPLETED":
                return
            if state in ("FAILED", "CANCELED"):
                raise DeviceApiError(
                    f"{self._funnel.address.key}: storage {body['sAction']} ended {state}: "
                    f"{str(task.get('sMessage') or '')[:300]}",
                    "read the storage status; try again once the slot is ready",
                    status_code=200,
                )
            if time.monotonic() > deadline:
                raise DeviceTimeout(
                    f"storage {body['sAction']} on {self._funnel.address.key} did not end within {timeout_s:g} s "
                    f"(last: {state} {percent}%)",
                    "it may still be running: read the storage status later",
                )
            await asyncio.sleep(TASK_POLL_S)
