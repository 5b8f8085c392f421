"""One simulated camera's state: stored configs, auth, the request log and the fault switches.

A reboot (:meth:`DeviceState.reboot`: ``POST /system/reboot``, a factory reset, or the ``reboot_s`` fault) revokes
every token, clears the ``cpu_high`` switch and calls ``on_reboot()`` on every per-area state object that has one
(the ISP reloads its persisted values, inference restarts, running storage tasks fail). Everything else (configs,
files, upload sessions) survives, as the device keeps it on its data partition.
"""

from __future__ import annotations

import asyncio
import copy
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from recamera_mcp.simulator.auth import AuthState
from recamera_mcp.simulator.schemas import default_configs
from recamera_mcp.simulator.settings import SimSettings

T = TypeVar("T")


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the device saw it. ``path`` is relative to the CGI base when it was a CGI path."""

    method: str
    path: str
    query: str
    body_keys: tuple[str, ...]
    body: Any
    status: int
    client: str
    raw_path: str

    @property
    def call(self) -> tuple[str, str]:
        """``(method, path)``, handy for asserting sequences."""
        return (self.method, self.path)


@dataclass
class Faults:
    """Per-device fault switches. Set them from a test, or over HTTP at ``POST /__sim__/faults``."""

    answer_next: dict[str, Any] | None = None
    """``{"status": 200, "body": {...}, "path": "/network/wifi", "method": "POST"}``: the next request whose path
    contains ``path`` (and whose method is ``method``; both optional) gets exactly this answer, once it passed the
    token check, and is not handled: a failure form (HTTP >= 400, ``code``, ``iStatus``, ``status``, a message) on
    demand."""
    latency_s: float = 0.0
    fail_next: int = 0
    fail_status: int = 500
    drop_next: int = 0
    malformed_next: int = 0
    only_path: str | None = None
    """When set, the counted faults only hit requests whose path contains this text."""
    # ---- firmware dialects and diagnosis states (sim-dialects)
    cpu_high: bool = False
    """``/system/resource-info`` answers CPU, NPU and memory usage pinned at 97 % (cleared by false or a reboot)."""

    def matches(self, path: str) -> bool:
        return self.only_path is None or self.only_path in path

    def take_answer(self, method: str, path: str) -> dict[str, Any] | None:
        """The canned answer for this request (cleared once given), or None."""
        canned = self.answer_next
        if canned is None or canned.get("path", "") not in path or canned.get("method", method) != method:
            return None
        self.answer_next = None
        return canned


@dataclass
class DeviceState:
    """Everything one simulated camera knows. Safe to read from the test thread."""

    settings: SimSettings = field(default_factory=SimSettings)
    index: int = 0
    auth: AuthState = field(init=False)
    configs: dict[str, Any] = field(default_factory=dict)
    log: list[LoggedRequest] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    extras: dict[str, Any] = field(default_factory=dict)
    """Per-area state objects, created on first use by each area's accessor (see :meth:`area`)."""
    boot_time: float = field(default_factory=time.time)
    reboot_hook: Callable[[float], None] | None = None
    """Set by the fleet: takes the seconds to stay down."""
    host: str = "127.0.0.1"
    """The camera's address (set by the fleet): its certificate names it."""
    http_port: int = 0
    """The camera's HTTP port (set by the fleet): where the HTTPS port redirects to while HTTPS is off."""
    boots: int = 0
    """How many times the camera came back from a reboot (see :meth:`booted`)."""
    boot_actions: tuple[Callable[[DeviceState], None], ...] = ()
    """Run by :meth:`booted`, one per area (``ON_BOOT`` in the route modules; set by ``create_app``)."""
    https_hook: Callable[[], Awaitable[None]] | None = None
    """Set by the fleet: bring the HTTPS listener in line with ``/system/secure`` (see ``routes/secure.py``)."""
    lock: threading.RLock = field(default_factory=threading.RLock)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    """Background work of the areas (a capture, a firmware download, the notify publisher): the fleet cancels
    every one when the camera goes down. Start them with :meth:`spawn`."""

    def __post_init__(self) -> None:
        self.auth = AuthState(self.settings, index=self.index)
        self.reset_configs()

    # ---- configs -------------------------------------------------------------------------------------------
    def reset_configs(self) -> None:
        """Every config object back to its defaults (factory reset), and the per-area state dropped."""
        self.configs = default_configs(self.settings.firmware)
        self.extras.clear()

    def config(self, path: str) -> Any:
        """A deep copy of the stored object at ``path`` (as a test would read it)."""
        return copy.deepcopy(self.configs[path])

    def area(self, name: str, factory: Callable[[], T]) -> T:
        """The per-area state object ``name``, created with ``factory`` on first use."""
        with self.lock:
            if name not in self.extras:
                self.extras[name] = factory()
            value: T = self.extras[name]
            return value

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``work`` on the running event loop until it ends or the camera goes down."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def cancel_tasks(self) -> None:
        """Cancel every background task (the camera goes down) and wait for them to finish."""
        tasks = [task for task in self.tasks if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ---- request log ---------------------------------------------------------------------------------------
    def calls(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every logged request, oldest first."""
        return [entry.call for entry in self.log]

    def clear_log(self) -> None:
        self.log.clear()

    def logins(self) -> int:
        """How many ``POST /system/login`` requests the device has seen."""
        return sum(1 for entry in self.log if entry.call == ("POST", "/system/login"))

    # ---- faults --------------------------------------------------------------------------------------------
    def revoke_tokens(self) -> None:
        """Every token issued so far answers 401 "Token revoked" (as after a logout elsewhere)."""
        self.auth.revoke_all()

    def expire_tokens(self) -> None:
        """Every token issued so far answers 401 "Token expired"."""
        self.auth.expire_all()

    def reboot(self, seconds: float | None = None) -> None:
        """Go down (connection refused) for ``seconds``, then come back with every session invalidated.

        Without a fleet (an app used in-process) the camera never goes down: it "boots" at once."""
        with self.lock:
            self.faults.cpu_high = False
            for area in list(self.extras.values()):
                hook = getattr(area, "on_reboot", None)
                if callable(hook):
                    hook()
        if self.reboot_hook is not None:
            self.reboot_hook(self.settings.reboot_s if seconds is None else seconds)
        else:
            self.booted()

    def booted(self) -> None:
        """The camera comes back from a reboot: every session invalidated, a new boot time, then each area's boot
        action (a config import or a firmware install takes effect, ...). The fleet calls it right before the
        camera answers again."""
        with self.lock:
            self.auth.revoke_all()
            self.boots += 1
            self.boot_time = time.time()
            for action in self.boot_actions:
                action(self)
