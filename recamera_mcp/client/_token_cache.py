"""A small on-disk token cache (mode 0600), so a restarted client reuses a live token instead of logging in.

The file is JSON: ``{"admin@192.168.1.5:8080": {"token": "...", "expires_at": 1767225600.0}}``. The expiry comes
from the JWT's ``exp`` claim, read without verifying the signature (only the device can verify it).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path
from typing import Any

from recamera_mcp.client._host import HostAddress
from recamera_mcp.client._private_file import write_private_json

__all__ = ["TokenCache", "token_expiry"]

_MARGIN_S = 30.0
"""A token this close to its expiry counts as expired."""


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (epoch seconds), or None when there is none or it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
        exp = claims.get("exp") if isinstance(claims, dict) else None
    except (ValueError, UnicodeDecodeError):
        return None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def token_is_live(expires_at: float | None, now: float | None = None) -> bool:
    """True unless the expiry is known and (almost) reached."""
    return expires_at is None or expires_at - _MARGIN_S > (time.time() if now is None else now)


class TokenCache:
    """Tokens by device and user name, in a JSON file only the owner can read."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @staticmethod
    def _key(address: HostAddress, username: str) -> str:
        return (
            f"{username}@{address.scheme}://{address.key}" if address.scheme != "http" else f"{username}@{address.key}"
        )

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, Any]) -> None:
        write_private_json(self.path, data)

    def get(self, address: HostAddress, username: str) -> str | None:
        """A live token for this device and user, or None. Expired entries are dropped."""
        with self._lock:
            data = self._load()
            entry = data.get(self._key(address, username))
            if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
                return None
            expires_at = entry.get("expires_at")
            if token_is_live(expires_at if isinstance(expires_at, int | float) else None):
                token: str = entry["token"]
                return token
            del data[self._key(address, username)]
            self._save(data)
            return None

    def put(self, address: HostAddress, username: str, token: str) -> None:
        """Store a token; its expiry is read from the JWT."""
        with self._lock:
            data = self._load()
            data[self._key(address, username)] = {"token": token, "expires_at": token_expiry(token)}
            self._save(data)

    def drop(self, address: HostAddress, username: str) -> None:
        """Forget the token for this device and user (after a logout, a 401 or a password change)."""
        with self._lock:
            data = self._load()
            if data.pop(self._key(address, username), None) is not None:
                self._save(data)
