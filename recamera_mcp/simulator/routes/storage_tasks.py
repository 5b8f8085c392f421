"""Asynchronous storage tasks of the 2026 firmware: ``FORMAT`` and ``FREE_UP`` submitted with ``ASYNC_SUBMIT``.

A task runs for ``settings.storage_task_s``: ``PENDING`` for its first 10 %, then ``RUNNING`` (``iProgress``
0-99), then ``COMPLETED`` (100) with the same end result as the legacy synchronous action. Its state moves lazily
(whenever the storage area is looked at). One task at a time per slot.

- FORMAT: the slot is ``FORMATTING`` (no relay, no recording) while it runs; the files go at the end. A cancel
  puts the slot back as it was, files untouched.
- FREE_UP: the slot shows ``bRotating``; the oldest recordings go one by one as the progress grows (the plan is
  made at submission, and checked once more at the end). A cancel stops it: what is gone is gone, nothing more goes.
- A reboot fails a running task (``FAILED``, "interrupted by a reboot"); a formatting slot comes back as it was.

The task object (``dTask`` of ``ASYNC_STATUS`` / ``ASYNC_CANCEL``)::

    {"sTaskUID": "<uuid>", "sAction": "FORMAT"|"FREE_UP", "sSlotDevPath": "/dev/...",
     "sStatus": "PENDING"|"RUNNING"|"COMPLETED"|"FAILED"|"CANCELED", "iProgress": 0-100, "sMessage": "..."}
"""

from __future__ import annotations

import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from recamera_mcp.simulator.errors import Module, SimError, busy, not_found, not_permitted
from recamera_mcp.simulator.routes.storage_state import ADVANCERS, Slot, SlotState, StorageArea, storage_area
from recamera_mcp.simulator.state import DeviceState

_M = Module.RECORD
ASYNC_ACTIONS = ("FORMAT", "FREE_UP")
ACTIVE = ("PENDING", "RUNNING")
PENDING_SHARE = 0.1
"""The first tenth of a task's time it is PENDING."""
MAX_FINISHED = 32
"""Finished tasks kept for ``ASYNC_STATUS`` (the oldest are forgotten)."""


@dataclass
class StorageTask:
    uid: str
    action: str
    dev_path: str
    started: float
    duration: float
    status: str = "PENDING"
    progress: int = 0
    message: str = ""
    plan: list[str] = field(default_factory=list)
    """FREE_UP: the recordings to remove, oldest first."""
    done: int = 0
    """FREE_UP: how many of the plan are removed."""
    freed: int = 0
    previous: SlotState | None = None
    """FORMAT: the slot's state before it started formatting."""

    def wire(self) -> dict[str, Any]:
        return {
            "sTaskUID": self.uid,
            "sAction": self.action,
            "sSlotDevPath": self.dev_path,
            "sStatus": self.status,
            "iProgress": self.progress,
            "sMessage": self.message,
        }

    def fraction(self) -> float:
        return 1.0 if self.duration <= 0 else min(1.0, (time.monotonic() - self.started) / self.duration)


@dataclass
class StorageTasks:
    """The tasks of one device, by ``sTaskUID``."""

    tasks: dict[str, StorageTask] = field(default_factory=dict)
    area: StorageArea | None = None

    def running_on(self, dev_path: str) -> StorageTask | None:
        return next((t for t in self.tasks.values() if t.dev_path == dev_path and t.status in ACTIVE), None)

    def find(self, uid: str) -> StorageTask:
        task = self.tasks.get(uid)
        if task is None:
            raise not_found(_M, f"No such task: sTaskUID {uid}")
        return task

    # ---- moving on ---------------------------------------------------------------------------------------------
    def advance(self, area: StorageArea) -> None:
        for task in self.tasks.values():
            if task.status in ACTIVE:
                self._step(area, task)

    def _step(self, area: StorageArea, task: StorageTask) -> None:
        fraction = task.fraction()
        slot = area.slots[task.dev_path]
        if task.action == "FREE_UP":
            due = int(len(task.plan) * fraction)
            if due > task.done:
                _, freed = area.remove_recordings(slot, task.plan[task.done : due])
                task.freed += freed
                task.done = due
        if fraction >= 1.0:
            self._finish(area, task, slot)
        elif fraction >= PENDING_SHARE:
            task.status = "RUNNING"
            task.progress = min(99, int(fraction * 100))
            task.message = f"{task.action} of {task.dev_path} running"

    def _finish(self, area: StorageArea, task: StorageTask, slot: Slot) -> None:
        task.status, task.progress = "COMPLETED", 100
        if task.action == "FORMAT":
            area.wipe(slot)
            task.message = f"{task.dev_path} formatted"
        else:
            slot.rotating = False
            area.changed()
            try:
                removed, freed = area.free_up(slot)  # whatever the plan left (nothing, unless new recordings came)
            except SimError as exc:  # the slot is no longer usable
                task.status, task.message = "FAILED", exc.message
                return
            task.freed += freed
            task.message = f"removed {task.done + removed} recordings, freed {task.freed} bytes"
        self._forget_old()

    def _forget_old(self) -> None:
        finished = [uid for uid, t in self.tasks.items() if t.status not in ACTIVE]
        for uid in finished[: max(0, len(finished) - MAX_FINISHED)]:
            del self.tasks[uid]

    def _stop(self, area: StorageArea, task: StorageTask, status: str, message: str) -> None:
        task.status, task.message = status, message
        slot = area.slots[task.dev_path]
        if task.action == "FORMAT" and task.previous is not None and slot.state == SlotState.FORMATTING:
            slot.state = task.previous
        slot.rotating = False
        area.changed()

    # ---- the requests -----------------------------------------------------------------------------------------
    def submit(self, state: DeviceState, area: StorageArea, slot: Slot, action: str) -> StorageTask:
        """``ASYNC_SUBMIT`` of FORMAT / FREE_UP: the preconditions are checked now, the work is done over time."""
        with state.lock:
            other = self.running_on(slot.dev_path)
            if other is not None:
                raise busy(_M, f"{slot.dev_path} is busy: {other.action} task {other.uid} is {other.status}")
            task = StorageTask(
                uid=str(uuidlib.uuid4()),
                action=action,
                dev_path=slot.dev_path,
                started=time.monotonic(),
                duration=state.settings.storage_task_s,
                message=f"{action} of {slot.dev_path} submitted",
            )
            if action == "FORMAT":
                area.check_formattable(slot)
                task.previous = slot.state
                slot.state = SlotState.FORMATTING
                area.relays.pop(slot.dev_path, None)
            else:
                task.plan = area.free_up_plan(slot)
                slot.rotating = True
            area.changed()
            self.tasks[task.uid] = task
            self._step(area, task)
            return task

    def cancel(self, area: StorageArea, uid: str) -> StorageTask:
        task = self.find(uid)
        if task.status not in ACTIVE:
            raise not_permitted(_M, f"Task {uid} is {task.status}: only a PENDING or RUNNING task can be canceled")
        self._stop(area, task, "CANCELED", f"{task.action} of {task.dev_path} canceled")
        return task

    def on_reboot(self) -> None:
        if self.area is None:
            return
        for task in self.tasks.values():
            if task.status in ACTIVE:
                self._stop(self.area, task, "FAILED", "interrupted by a reboot")


def tasks_of(state: DeviceState) -> StorageTasks:
    tasks = state.area("storage_tasks", StorageTasks)
    if tasks.area is None:
        tasks.area = storage_area(state)
    return tasks


def _advance(state: DeviceState, area: StorageArea) -> None:
    tasks = state.extras.get("storage_tasks")
    if isinstance(tasks, StorageTasks):
        tasks.area = area
        tasks.advance(area)


ADVANCERS.append(_advance)
