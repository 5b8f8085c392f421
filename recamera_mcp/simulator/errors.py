"""The simulator's error answers: ``{"code": N, "message": ...}`` with the device's code ranges."""

from __future__ import annotations

from enum import IntEnum


class Module(IntEnum):
    """Code range of each API module (fact sheet: 10xxx device, 20xxx video, ...)."""

    DEVICE = 10000
    VIDEO = 20000
    RECORD = 30000
    AI = 40000
    TERMINAL = 50000


# errno-style offsets inside a module range, as the record subsystem uses them (30001, 30016, 30022).
EPERM = 1
ENOENT = 2
EBUSY = 16
EINVAL = 22


class SimError(Exception):
    """An error answer. ``code`` goes in the body, ``status`` is the HTTP status."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def invalid(module: Module, message: str) -> SimError:
    """A rejected parameter (unknown field, wrong type, out of range) in ``module``'s range."""
    return SimError(int(module) + EINVAL, message, 400)


def not_permitted(module: Module, message: str) -> SimError:
    return SimError(int(module) + EPERM, message, 400)


def busy(module: Module, message: str) -> SimError:
    return SimError(int(module) + EBUSY, message, 409)


def not_found(module: Module, message: str) -> SimError:
    return SimError(int(module) + ENOENT, message, 404)


def unauthorized(message: str) -> SimError:
    return SimError(401, message, 401)
