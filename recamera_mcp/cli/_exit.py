"""The command line's exit codes, and which error gives which.

0 ok                      1 device error (the camera refused or failed; a conflict; not supported)
2 usage                   bad arguments or input, a local file that cannot be read or written, a bad config
3 authentication          wrong or missing password, locked out, password change required
4 unreachable             nothing answers there, a timeout, or no reCamera answers there
5 refused                 a destructive command declined, or without a terminal and without ``--yes``
"""

from __future__ import annotations

from recamera_mcp.client import (
    AuthError,
    DeviceTimeout,
    DeviceUnreachable,
    NotAReCamera,
    ReCameraError,
    ValidationError,
)
from recamera_mcp.sensecraft import CloudAuthError

__all__ = ["AUTH", "DEVICE_ERROR", "OK", "REFUSED", "UNREACHABLE", "USAGE", "Refused", "UsageError", "exit_code"]

OK = 0
DEVICE_ERROR = 1
USAGE = 2
AUTH = 3
UNREACHABLE = 4
REFUSED = 5
INTERRUPTED = 130


class Refused(Exception):
    """A destructive command was not confirmed: nothing was done."""


class UsageError(Exception):
    """The command line itself is wrong (an argument argparse could not check)."""


def exit_code(exc: BaseException) -> int:
    """The exit code for an error that ended a command."""
    if isinstance(exc, Refused):
        return REFUSED
    if isinstance(exc, UsageError | ValidationError):
        return USAGE
    if isinstance(exc, AuthError | CloudAuthError):
        return AUTH
    if isinstance(exc, DeviceUnreachable | DeviceTimeout | NotAReCamera):
        return UNREACHABLE
    if isinstance(exc, ReCameraError):
        cause = exc.__cause__
        return exit_code(cause) if isinstance(cause, ReCameraError) and cause is not exc else DEVICE_ERROR
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    if isinstance(exc, OSError):  # the client maps network errors; what is left is this machine's (a local file)
        return USAGE
    return DEVICE_ERROR
