"""The device's login protocol, the pure parts: password encryption and reading the login answer."""

from __future__ import annotations

import base64
import hashlib
import math
import threading
import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from recamera_mcp.client._errors import AuthError, LockedOut, WrongCredentials

__all__ = [
    "LockoutBook",
    "LoginAnswer",
    "encrypt_password",
    "key_fingerprint",
    "load_public_key",
    "password_problem",
    "read_login_answer",
    "token_from",
]


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """The RSA key of ``/system/key``: a PKCS#1 PEM, an SPKI PEM, or bare base64 of either."""
    text = pem.strip()
    candidates = [text]
    if "-----BEGIN" not in text:
        body = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
        candidates = [
            f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n" for kind in ("RSA PUBLIC KEY", "PUBLIC KEY")
        ]
    for candidate in candidates:
        try:
            key = serialization.load_pem_public_key(candidate.encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError):
            continue
        if isinstance(key, rsa.RSAPublicKey):
            return key
    raise ValueError("sPublicKey is not an RSA public key in PEM form")


def key_fingerprint(key: rsa.RSAPublicKey) -> str:
    """SHA-256 (hex) of the key's SubjectPublicKeyInfo DER: the same key gives the same value in PKCS#1 or SPKI."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def encrypt_password(key: rsa.RSAPublicKey, password: str) -> str:
    """RSA PKCS#1 v1.5, base64 (standard alphabet): what the device's web UI (JSEncrypt) sends."""
    return base64.b64encode(key.encrypt(password.encode("utf-8"), padding.PKCS1v15())).decode("ascii")


def password_problem(password: str) -> str | None:
    """Why the device would refuse ``password`` as a new password, or None when it is acceptable."""
    classes = sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if len(password) < 6 or classes < 3:
        return (
            "the new password must be at least 6 characters long and include at least three of: upper-case "
            "letters, lower-case letters, digits, special characters"
        )
    return None


def token_from(set_cookie_headers: list[str]) -> str | None:
    """The ``token`` cookie of a login answer's ``Set-Cookie`` headers (None when absent or empty)."""
    for header in set_cookie_headers:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            continue
        if "token" in cookie and cookie["token"].value:
            return cookie["token"].value
    return None


@dataclass(frozen=True)
class LoginAnswer:
    must_change_password: bool


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def read_login_answer(host: str, body: Any) -> LoginAnswer:
    """Map the login body (``iStatus``, ``iAuth``, ``sWaittime``) to a result or an :class:`AuthError`."""
    if not isinstance(body, dict) or "iStatus" not in body:
        raise AuthError(
            f"{host} gave an unexpected answer to the login", "check that the host is a reCamera (GET /system/key)"
        )
    status = _int(body.get("iStatus"), -99)
    auth = _int(body.get("iAuth"), 0)
    wait = max(0, _int(body.get("sWaittime"), 0))
    if status == -3:
        raise LockedOut(
            f"{host} is refusing logins from this address after repeated failures (locked out)",
            f"wait {wait} s before trying again, with the right password; do not retry automatically",
            wait_s=wait,
        )
    if status == -1:
        raise WrongCredentials(
            f"{host} rejected the user name or password",
            "check the credentials; repeated failures lock this address out, so do not retry with the same ones",
        )
    if status == 0 and auth == 2:
        return LoginAnswer(must_change_password=True)
    if status == 0 and auth == 1:
        return LoginAnswer(must_change_password=False)
    raise AuthError(
        f"{host} refused the login (iStatus {status}, iAuth {auth})",
        "check the credentials and the device state; try again later",
    )


class LockoutBook:
    """When each camera accepts logins again, by camera (its pin key): shared by every client of one camera, so a
    lockout is remembered across new sessions and new ``login`` calls, not only within one client."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def lock(self, key: str, wait_s: float) -> None:
        """The camera refuses logins for ``wait_s`` seconds from now."""
        with self._lock:
            self._until[key] = max(self._until.get(key, 0.0), time.monotonic() + wait_s)

    def wait_s(self, key: str) -> int:
        """Seconds until the camera accepts logins again (0: not locked out)."""
        with self._lock:
            until = self._until.get(key, 0.0)
        return max(0, math.ceil(until - time.monotonic()))
