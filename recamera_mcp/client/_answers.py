"""Reading the device's answers, the pure part: what counts as a failure, and the error it becomes.

The firmware reports failure in several ways, and each one is an error here (never a success):

- an HTTP status >= 400;
- a body ``code`` other than 0 or 200 (``{"code": 30016, "message": "busy"}``);
- an ``iStatus`` below 0 (``-1`` wrong, ``-3`` locked: the login answers are read by the login code itself);
- a ``status`` below 0 (the Wi-Fi connect answers ``{"code": 0, "status": -1, "message": "connect timeout"}``);
- a known failure message with ``code`` 0 (``"Unable to Obtain IP address"``, ``"connect timeout"``).

The resulting :class:`DeviceApiError` keeps the device's status, code, module (10xxx device .. 50xxx terminal) and
message, and says what to try.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recamera_mcp.client._errors import (
    AuthError,
    DeviceApiError,
    MustChangePassword,
    NotSupported,
    ReCameraError,
    module_of_code,
)
from recamera_mcp.client._untrusted import cap_text, escape_controls

__all__ = ["FAILURE_MESSAGES", "body_code", "device_message", "failure_of", "is_unauthorized", "public_key_of"]

FAILURE_MESSAGES = (
    "connect timeout",
    "worng password",  # sic: the firmware's spelling
    "wrong password",
    "unable to obtain ip address",
    "failed",
    "fail to",
    "not implemented",
    "timeout",
)
"""Lower-case message starts (or, for the Wi-Fi ones, whole messages) that mean failure even with ``code`` 0."""

_HINTS = {
    400: "fix the named parameter and try again; read the current object first",
    404: "this endpoint or item does not exist on this device or firmware",
    409: "the device is busy; wait a moment and try again",
    413: "the request body is too large for the device",
    500: "the device failed internally; try again later or check its logs",
}
_MODULE_HINTS = {
    3: "the recording subsystem refused it: check the storage slot state and the recording rules",
    4: "the AI subsystem refused it: check the model and its info",
}
_MESSAGE_HINTS = (
    ("connect timeout", "the network did not answer: check that the SSID is in range (scan the Wi-Fi list) and try "
     "again"),
    ("worng password", "the Wi-Fi password is wrong: give the network's password"),
    ("wrong password", "the password is wrong: give the right one"),
    ("unable to obtain ip address", "the link is up but DHCP gave no address: check the network's DHCP server, or set "
     "a static address"),
)  # fmt: skip
"""What to try for a known failure message (lower case, matched at the start)."""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def body_code(body: Any) -> int | None:
    """The integer ``code`` of a JSON object body, or None."""
    return _int(body.get("code")) if isinstance(body, dict) else None


def device_message(body: Any) -> str | None:
    """The ``message`` (or ``sMessage``) text of a JSON object body, or None: at most 300 characters, control
    characters escaped (it is the camera's text, quoted in error messages)."""
    if not isinstance(body, dict):
        return None
    text = body.get("message", body.get("sMessage"))
    return cap_text(escape_controls(str(text)[:2000]), 300) if text not in (None, "") else None


def is_unauthorized(status: int, body: Any) -> bool:
    """A 401 status, or a body ``code`` 401: the token is missing, expired or revoked."""
    return status == 401 or body_code(body) == 401


def public_key_of(status: int, body: Any) -> str | None:
    """The ``sPublicKey`` of a ``GET /system/key`` answer, or None: the one test that a host is a reCamera."""
    key = body.get("sPublicKey") if isinstance(body, dict) else None
    return key if status == 200 and isinstance(key, str) and key.strip() else None


def _soft_failure(body: Mapping[str, Any]) -> str | None:
    """Why a 2xx answer with code 0 still means failure, or None."""
    status = _int(body.get("status"))
    if status is not None and status < 0:
        return f"status {status}"
    i_status = _int(body.get("iStatus"))
    if i_status is not None and i_status < 0:
        return f"iStatus {i_status}"
    message = (device_message(body) or "").strip().lower()
    if message and any(message == m or message.startswith(m) for m in FAILURE_MESSAGES):
        return "the device's message says it failed"
    return None


def failure_of(where: str, status: int, body: Any, *, must_change: bool = False) -> ReCameraError | None:
    """The error an answer means (``where``: ``"host: METHOD /path"``), or None when it is a success."""
    code = body_code(body)
    message = device_message(body)
    soft = _soft_failure(body) if isinstance(body, dict) and 200 <= status < 300 and code in (None, 0, 200) else None
    if 200 <= status < 300 and code in (None, 0, 200) and soft is None:
        return None
    if (status == 403 or code == 403) and (must_change or "password" in (message or "").lower()):
        return MustChangePassword(
            f"{where} refused: the device requires a password change first",
            "change the password (change_password) before anything else",
        )
    if status == 501 or code == 501:
        return NotSupported(
            f"{where} is not implemented by this device ({message or 'Not Implemented'})",
            "this firmware lacks the feature; check the firmware version",
        )
    if status == 401 or code == 401:
        return AuthError(f"{where} needs a login ({message or 'Unauthorized'})", "log in first")
    module = module_of_code(code)
    detail = f" with device code {code}" if code is not None and code not in (0, 200, status) else ""
    if module is not None:
        detail += f" ({module} module)"
    if soft is not None:
        detail = f" ({soft})"
    lowered = (message or "").strip().lower()
    message_hint = next((hint for start, hint in _MESSAGE_HINTS if lowered.startswith(start)), None)
    module_hint = _MODULE_HINTS.get((code or 0) // 10000) if module is not None and code is not None else None
    hint = (
        message_hint
        or module_hint
        or _HINTS.get(status, _HINTS.get(code or 0, "check the request against the API reference"))
    )
    return DeviceApiError(
        f"{where} failed: HTTP {status}{detail}" + (f": {message}" if message else ""),
        hint,
        status_code=status,
        device_code=code,
        device_message=message,
    )
