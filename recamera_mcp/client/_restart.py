"""Waiting for a camera to restart: it goes down, answers again, and is in the state asked for.

A reboot, a factory reset and a firmware install all end the same way: the camera stops answering, comes back
after a while (with every session invalidated), and should then be what was asked for (a working session, a new
firmware version). :func:`wait_for_restart` is the one place that waits for it, with bounded polling:

- ``GET /system/key`` (no login, one attempt, a short timeout) tells whether the camera answers; it is asked about
  once a second until the camera has gone down, then every ``interval_s``;
- once it answers again (or, for a firmware install, once its version changed even if it was never seen down),
  ``GET /system/device-info`` through the funnel checks a working session: the first 401 makes the funnel log in
  again by itself, and the version read there is compared with the one asked for;
- the whole wait ends after ``timeout_s`` (:class:`DeviceTimeout`, saying what was last seen), and a camera that
  never goes down within ``down_within_s`` is reported as not having restarted.

Progress goes to an optional async callback ``progress(done, total, message)`` (seconds waited, the bound).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from recamera_mcp.client._answers import public_key_of
from recamera_mcp.client._errors import AuthError, DeviceTimeout, ReCameraError
from recamera_mcp.client._funnel import Funnel

__all__ = ["Progress", "RestartResult", "WaitPolicy", "wait_for_restart"]

log = logging.getLogger(__name__)

DEVICE_INFO = "/system/device-info"
FAST_POLL_S = 1.0
"""How often the camera is probed while it should be going down (a reboot takes a few seconds to start)."""

Progress = Callable[[float, float | None, str], Awaitable[None]]
"""``await progress(done, total, message)``: the shape of MCP progress, so a server can pass it straight on."""


class WaitPolicy(BaseModel):
    """How long and how often to poll a restarting camera."""

    model_config = ConfigDict(frozen=True)

    interval_s: float = Field(default=5.0, gt=0, description="Seconds between polls once the camera is down")
    timeout_s: float = Field(default=600.0, gt=0, description="The whole wait, from the restart request")
    down_within_s: float = Field(default=120.0, gt=0, description="It must stop answering within this")


class RestartResult(BaseModel):
    """How a camera went through a restart."""

    went_down: bool = Field(description="The camera was seen not answering")
    down_s: float | None = Field(default=None, description="Seconds it did not answer (as seen by polling)")
    elapsed_s: float = Field(description="Seconds from the restart request until it was back as asked")
    logged_in: bool = Field(description="A fresh session works (false when no login was asked for)")
    firmware: str | None = Field(default=None, description="sFirmwareVersion after the restart (when logged in)")


async def _answers(funnel: Funnel, timeout_s: float) -> bool:
    """True when the camera answers ``/system/key`` as a reCamera (one attempt, bounded)."""
    try:
        response = await funnel.request("GET", "/system/key", auth=False, check=False, timeout=timeout_s, retries=0)
    except ReCameraError:
        return False
    return public_key_of(response.status_code, response.body) is not None


def _version_of(info: Any) -> str | None:
    value = info.get("sFirmwareVersion") if isinstance(info, dict) else None
    return value[:64] if isinstance(value, str) else None


async def wait_for_restart(
    funnel: Funnel,
    *,
    policy: WaitPolicy,
    went_down: bool = False,
    login: bool = True,
    old_version: str | None = None,
    target_version: str | None = None,
    progress: Progress | None = None,
    started: float | None = None,
    what: str = "restart",
) -> RestartResult:
    """Wait until the camera went down and came back as asked (see the module docstring).

    ``went_down``: the caller already saw it stop answering. ``login``: check a working session and read the
    firmware version (a factory reset waits without logging in). ``old_version``: a version change also counts as
    a restart, even when the camera was never seen down. ``target_version``: the version it must come back with.
    ``started``: the ``time.monotonic()`` the restart was asked for (default now). Raises :class:`DeviceTimeout`
    when the bounds pass, and an :class:`AuthError` the fresh login raised (never retried).
    """
    start = time.monotonic() if started is None else started
    deadline = start + policy.timeout_s
    probe_timeout = max(0.5, min(policy.interval_s, 3.0))
    key = funnel.address.key
    down_at: float | None = start if went_down else None
    up_at: float | None = None
    seen: str | None = None
    last = "no answer yet"

    async def report(message: str) -> None:
        nonlocal last
        last = message
        if progress is not None:
            await progress(round(time.monotonic() - start, 1), policy.timeout_s, message)

    while True:
        answers = await _answers(funnel, probe_timeout)
        now = time.monotonic()
        if not answers:
            if down_at is None:
                down_at = now
                log.info("%s stopped answering (%s)", key, what)
            up_at = None
            await report(f"{what}: camera down for {now - down_at:.0f} s")
        else:
            if down_at is not None and up_at is None:
                up_at = now
                log.info("%s answers again after %.0f s", key, now - down_at)
            result = await _check_back(funnel, login, down_at is not None, old_version, target_version)
            if result is not None:
                version, ok = result
                seen = version
                if ok:
                    return RestartResult(
                        went_down=down_at is not None,
                        down_s=round((up_at or now) - down_at, 1) if down_at is not None else None,
                        elapsed_s=round(now - start, 1),
                        logged_in=login and funnel.logged_in,
                        firmware=version,
                    )
                await report(f"{what}: camera back with firmware {version}, waiting for {target_version}")
            elif down_at is None:
                if now - start > policy.down_within_s:
                    raise DeviceTimeout(
                        f"{key} kept answering for {policy.down_within_s:g} s after the {what} request: it did not "
                        "restart",
                        "check the camera; ask again if it should restart",
                    )
                await report(f"{what}: waiting for the camera to go down ({now - start:.0f} s)")
            else:
                await report(f"{what}: camera answers again, waiting until it is ready")
        if time.monotonic() >= deadline:
            got = f"; it came back with firmware {seen}" if seen is not None and target_version else ""
            raise DeviceTimeout(
                f"{key} was not back as asked {policy.timeout_s:g} s after the {what} ({last}{got})",
                "check the camera (power, network; after a factory reset it may have a new address); wait longer "
                "before acting again",
            )
        pause = policy.interval_s if down_at is not None else min(policy.interval_s, FAST_POLL_S)
        await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))


async def _check_back(
    funnel: Funnel, login: bool, went_down: bool, old_version: str | None, target_version: str | None
) -> tuple[str | None, bool] | None:
    """``(version, done)`` once the camera answering again can be checked; None: keep waiting.

    Without ``login`` the camera is back as soon as it answers after going down. With it, device-info must answer
    through the funnel (which logs in again on the first 401), and the version must be the one asked for."""
    if not login:
        return (None, True) if went_down else None
    if not went_down and old_version is None:
        return None  # still up from before the restart: nothing to check yet
    try:
        info = await funnel.get_object(DEVICE_INFO)
    except AuthError:
        raise  # wrong credentials, a lockout or a password to change: waiting longer cannot help
    except ReCameraError as exc:
        log.info("%s answers but is not ready yet: %s", funnel.address.key, exc.message)
        return None
    version = _version_of(info)
    if not went_down and version == old_version:
        return None  # the version did not change yet and it never went down: the restart has not happened
    if target_version is not None and version != target_version:
        return version, False
    return version, True
