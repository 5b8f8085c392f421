"""The pin store: each camera's RSA login key and TLS certificate, pinned at first use (trust on first use).

A camera keeps its key pair and certificate on its data partition, so neither changes by itself; a different one
means another device answers at that address (or the camera was re-flashed or reset). :meth:`PinStore.check`
records a fingerprint the first time and refuses a different one later with :class:`IdentityChanged`, before
anything secret is encrypted with the key or sent over the connection. Accepting a new identity is the operator's
act (:meth:`PinStore.forget`, the ``recamera-mcp pins forget`` command), never an argument an agent can pass.

Pins are kept by the camera's normalised host (:func:`pin_key_of`: ``192.168.1.5``, or ``host:port`` off the default
port) in a JSON file only the owner can read (mode 0600), or in memory when no file is given::

    {"192.168.1.5": {"login key": {"sha256": "9f2c...", "since": "2026-01-05T10:00:00+00:00"},
                     "TLS certificate": {"sha256": "51ab...", "since": "..."}}}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from pathlib import Path
from typing import Any, Literal

from recamera_mcp.client._errors import IdentityChanged
from recamera_mcp.client._host import HostAddress
from recamera_mcp.client._private_file import write_private_json

__all__ = ["LOGIN_KEY", "TLS_CERTIFICATE", "PinKind", "PinStore", "fingerprint", "pin_key_of"]

PinKind = Literal["login key", "TLS certificate"]
LOGIN_KEY: PinKind = "login key"
TLS_CERTIFICATE: PinKind = "TLS certificate"
KINDS: tuple[PinKind, ...] = (LOGIN_KEY, TLS_CERTIFICATE)


def fingerprint(der: bytes) -> str:
    """SHA-256 of a DER blob (a certificate, or a public key's SubjectPublicKeyInfo), lower-case hex."""
    return hashlib.sha256(der).hexdigest()


def pin_key_of(address: HostAddress) -> str:
    """The name a camera's pins are kept under: its host, with the port unless it is 80 (or 443 for HTTPS, the
    same camera's other port)."""
    if address.scheme == "https" and address.port == 443:
        address = HostAddress("http", address.host, 80)
    return address.key


class PinStore:
    """Fingerprints by camera and kind, in a 0600 JSON file (``path``) or in memory (``path=None``)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else None
        self._memory: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return self._memory
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, Any]) -> None:
        if self.path is None:
            self._memory = data
            return
        write_private_json(self.path, data, indent=1)

    def get(self, key: str, kind: PinKind) -> str | None:
        """The pinned fingerprint, or None when nothing is pinned yet."""
        with self._lock:
            host = self._load().get(key)
        entry = host.get(kind) if isinstance(host, dict) else None
        return entry.get("sha256") if isinstance(entry, dict) and isinstance(entry.get("sha256"), str) else None

    def check(self, key: str, kind: PinKind, seen: str) -> bool:
        """Pin ``seen`` at first use (True: pinned just now) or confirm it (False); a different fingerprint than
        the pinned one raises :class:`IdentityChanged`."""
        with self._lock:
            data = self._load()
            found = data.get(key)
            host: dict[str, Any] = found if isinstance(found, dict) else {}
            entry = host.get(kind)
            pinned = entry.get("sha256") if isinstance(entry, dict) else None
            if pinned == seen:
                return False
            if isinstance(pinned, str):
                raise IdentityChanged(
                    f"{key} presented another {kind} than the one pinned at its first use "
                    f"(pinned SHA-256 {pinned[:16]}..., now {seen[:16]}...); nothing secret was sent",
                    "if the camera was re-flashed, reset or given a new certificate, the operator accepts the new one "
                    f"with `recamera-mcp pins forget {key}` (or by removing it from the pin file); otherwise another "
                    "device is answering at this address",
                    kind=kind,
                    pinned=pinned,
                    seen=seen,
                    pin_key=key,
                )
            host = {**host, kind: {"sha256": seen, "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}}
            self._save({**data, key: host})
            return True

    def forget(self, key: str, kind: PinKind | None = None) -> bool:
        """Drop a camera's pins (one kind, or all): the next contact pins what it presents. False: none were kept."""
        with self._lock:
            data = self._load()
            host = data.get(key)
            if not isinstance(host, dict):
                return False
            if kind is None:
                del data[key]
            elif host.pop(kind, None) is None:
                return False
            elif not host:
                del data[key]
            self._save(data)
            return True

    def entries(self) -> dict[str, dict[str, str]]:
        """Every pinned camera: ``{host: {kind: sha256}}``."""
        with self._lock:
            data = self._load()
        out: dict[str, dict[str, str]] = {}
        for key, host in data.items():
            if isinstance(host, dict):
                out[key] = {kind: str(e["sha256"]) for kind, e in host.items() if isinstance(e, dict) and "sha256" in e}
        return out
