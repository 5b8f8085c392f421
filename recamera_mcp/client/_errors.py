"""The client's exceptions, all in one place.

Every error says what happened (``message``) and what to do next (``hint``); ``str(err)`` joins the two.
No message ever contains a password or a token.

    ReCameraError(Exception)
    ├── DeviceUnreachable                      connection refused, DNS failure, connection reset
    ├── DeviceTimeout(ReCameraError, TimeoutError)
    ├── NotAReCamera                           /system/key is not a 200 JSON answer with sPublicKey
    ├── IdentityChanged                        the camera's login key or TLS certificate is not the pinned one:
    │                                          .kind ("login key"|"TLS certificate"), .pinned, .seen (SHA-256)
    ├── AuthError                              login failed, or no credentials to log in with
    │   ├── WrongCredentials                   iStatus -1
    │   ├── LockedOut                          iStatus -3; .wait_s from sWaittime
    │   ├── MustChangePassword                 iAuth 2 (or 403 on a must-change token)
    │   └── TokenRejected                      a second 401 right after a fresh login
    ├── DeviceApiError                         an answer that means failure (see _answers.py): .status_code,
    │                                          .device_code, .module ("device"|"video"|"record"|"ai"|"terminal"|
    │                                          None), .device_message
    ├── StorageNotReady                        the storage slot's state does not allow it (e.g. not CONFIGURED)
    ├── Conflict                               a value is no longer the one expected (an undo after the device
    │                                          moved on): .field
    ├── ValidationError(ReCameraError, ValueError)   bad input caught before any I/O: .field
    ├── NotSupported                           the device does not implement this (501), or the client cannot
    └── DiscoveryError                         a subnet sweep could not run (nmap missing or failing, bad options)

Any error may carry a :class:`Fix`: the client operation that would resolve it (``config.update`` with its area and
changes, ``storage.action`` format, ...). The client's texts speak of the device and of this library; a front end
(the MCP server) turns a ``Fix`` into its own advice.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Conflict",
    "DiscoveryError",
    "Fix",
    "StorageNotReady",
    "AuthError",
    "DeviceApiError",
    "DeviceTimeout",
    "DeviceUnreachable",
    "IdentityChanged",
    "LockedOut",
    "MustChangePassword",
    "NotAReCamera",
    "NotSupported",
    "ReCameraError",
    "TokenRejected",
    "ValidationError",
    "WrongCredentials",
    "module_of_code",
]

_MODULES = {1: "device", 2: "video", 3: "record", 4: "ai", 5: "terminal"}


def module_of_code(code: int | None) -> str | None:
    """The API module a device error code belongs to (10xxx device, 20xxx video, ...), or None."""
    if code is None or not 10000 <= code < 60000:
        return None
    return _MODULES.get(code // 10000)


class Fix(BaseModel):
    """A client operation that would resolve a problem: ``op`` names it (``config.update``, ``storage.action``,
    ``image.tune``, ``inference.configure``, ``system.reboot``, ``login``, ``change_password``), ``args`` are its
    arguments in the client's terms (``{"area": "record_global", "changes": {"bRuleEnabled": true}}``)."""

    model_config = ConfigDict(frozen=True)

    op: str = Field(description="The client operation, e.g. config.update")
    args: dict[str, Any] = Field(default_factory=dict, description="Its arguments")


class ReCameraError(Exception):
    """Root of every error the client raises. ``message``: what happened; ``hint``: what to do next; ``fix``: the
    operation that would resolve it, when there is one."""

    def __init__(self, message: str, hint: str = "", *, fix: Fix | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}. {self.hint}" if self.hint else self.message


class DeviceUnreachable(ReCameraError):
    """The device could not be reached: connection refused, unknown host name, connection reset."""


class DeviceTimeout(ReCameraError, TimeoutError):
    """The device did not answer within the timeout."""


class NotAReCamera(ReCameraError):
    """The host answers HTTP, but ``/system/key`` is not a reCamera's answer."""


class IdentityChanged(ReCameraError):
    """The camera answered with another RSA login key or TLS certificate than the one pinned at its first use.

    Nothing secret was sent with it. ``kind`` is ``"login key"`` or ``"TLS certificate"``; ``pinned`` and ``seen``
    are SHA-256 fingerprints (hex); ``pin_key`` is the host the pin is kept under."""

    def __init__(self, message: str, hint: str = "", *, kind: str, pinned: str, seen: str, pin_key: str) -> None:
        super().__init__(message, hint, fix=Fix(op="pins.forget", args={"host": pin_key, "kind": kind}))
        self.kind = kind
        self.pinned = pinned
        self.seen = seen
        self.pin_key = pin_key


class AuthError(ReCameraError):
    """Logging in failed, or there are no credentials to log in with."""


class WrongCredentials(AuthError):
    """The device said the user name or password is wrong (``iStatus: -1``)."""


class LockedOut(AuthError):
    """Too many failed logins from this address (``iStatus: -3``); ``wait_s`` is the device's wait time."""

    def __init__(self, message: str, hint: str = "", *, wait_s: int = 0) -> None:
        super().__init__(message, hint, fix=None)
        self.wait_s = wait_s


class MustChangePassword(AuthError):
    """The device requires a password change before anything else (``iAuth: 2``)."""


class TokenRejected(AuthError):
    """The device refused a token that was issued a moment ago: a second 401 after one re-login."""


class DeviceApiError(ReCameraError):
    """The device answered with an error: a non-2xx status or a body ``code`` other than 0."""

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        status_code: int,
        device_code: int | None = None,
        device_message: str | None = None,
        fix: Fix | None = None,
    ) -> None:
        super().__init__(message, hint, fix=fix)
        self.status_code = status_code
        self.device_code = device_code
        self.device_message = device_message
        self.module = module_of_code(device_code)


class ValidationError(ReCameraError, ValueError):
    """Bad input, caught before anything was sent to the device. ``field`` names the offending input."""

    def __init__(self, message: str, hint: str = "", *, field: str | None = None, fix: Fix | None = None) -> None:
        super().__init__(message, hint, fix=fix)
        self.field = field


class NotSupported(ReCameraError):
    """The device (or this firmware) does not implement the requested operation."""


class Conflict(ReCameraError):
    """A field no longer holds the value a change left there (someone changed it since), so putting back the
    value from before that change would overwrite the newer one. ``field`` names it."""

    def __init__(self, message: str, hint: str = "", *, field: str, fix: Fix | None = None) -> None:
        super().__init__(message, hint, fix=fix)
        self.field = field


class StorageNotReady(ReCameraError):
    """The storage slot is not in a state that allows this (e.g. a relay needs CONFIGURED or later)."""


class DiscoveryError(ReCameraError):
    """A subnet sweep could not run: nmap missing or failing, or bad discovery options."""
