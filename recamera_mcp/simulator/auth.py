"""Device login: an RSA key per boot, PKCS#1 v1.5 password decryption, HS256 JWT tokens, lockout by client IP."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from recamera_mcp.simulator.settings import SimSettings

ISSUER = "reCamera"
AUDIENCE = "Recamera2"


@lru_cache(maxsize=8)
def _pooled_key(slot: int) -> rsa.RSAPrivateKey:
    # 2048-bit keys take ~0.1 s each; a handful shared by all simulated devices keeps big fleets quick to start.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def new_private_key(index: int) -> rsa.RSAPrivateKey:
    return _pooled_key(index % 8)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    """The PKCS#1 PEM (``-----BEGIN RSA PUBLIC KEY-----``) that ``/system/key`` answers."""
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode("ascii")


def decrypt_password(key: rsa.RSAPrivateKey, value: object) -> str | None:
    """Decrypt a base64 PKCS#1 v1.5 ciphertext; None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return key.decrypt(base64.b64decode(value, validate=True), padding.PKCS1v15()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class TokenCheck:
    ok: bool
    message: str = ""
    purpose: str = "login"


@dataclass
class LoginResult:
    status: int
    auth: int
    wait_s: int
    token: str | None = None


@dataclass
class _Lock:
    failures: int = 0
    locked_until: float = 0.0
    lock_count: int = 0


@dataclass
class AuthState:
    """Password, signing secret, session version and lockouts of one device."""

    settings: SimSettings
    index: int = 0
    key: rsa.RSAPrivateKey = field(init=False)
    password: str = field(init=False)
    must_change: bool = field(init=False)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    session_version: int = 1
    expired_before: float = 0.0
    locks: dict[str, _Lock] = field(default_factory=dict)
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.key = new_private_key(self.index)
        self.password = self.settings.password
        self.must_change = self.settings.factory

    # ---- tokens --------------------------------------------------------------------------------------------
    def issue(self, username: str, purpose: str = "login") -> str:
        now = time.time()
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now - 1,
            "exp": now + self.settings.token_ttl_s,
            "username": username,
            "purpose": purpose,
            "sv": self.session_version,
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def verify(self, token: str | None) -> TokenCheck:
        if not token:
            return TokenCheck(False, "Unauthorized: No token provided")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
        except jwt.ExpiredSignatureError:
            return TokenCheck(False, "Unauthorized: Token expired")
        except jwt.ImmatureSignatureError:
            return TokenCheck(False, "Token used before issued")
        except jwt.InvalidTokenError:
            return TokenCheck(False, "Unauthorized: Invalid token or NO token provided")
        if float(claims.get("iat", 0)) < self.expired_before:
            return TokenCheck(False, "Unauthorized: Token expired")
        if claims.get("sv") != self.session_version:
            return TokenCheck(False, "Token revoked: sv mismatch")
        return TokenCheck(True, purpose=str(claims.get("purpose", "login")))

    def revoke_all(self) -> None:
        self.session_version += 1

    def expire_all(self) -> None:
        self.expired_before = time.time() + 1e-6

    # ---- login ---------------------------------------------------------------------------------------------
    def login(self, client_ip: str, username: object, encrypted_password: object) -> LoginResult:
        """The device's answer to a login attempt from ``client_ip``."""
        now = time.monotonic()
        with self._mutex:
            lock = self.locks.setdefault(client_ip, _Lock())
            if lock.locked_until > now:
                return LoginResult(-3, 0, max(1, int(lock.locked_until - now + 0.999)))
            password = decrypt_password(self.key, encrypted_password)
            if username != self.settings.username or password != self.password:
                lock.failures += 1
                if lock.failures >= self.settings.lockout_after:
                    lock.lock_count += 1
                    lock.failures = 0
                    wait = self.settings.lockout_s * (2 ** (lock.lock_count - 1))
                    lock.locked_until = now + wait
                    return LoginResult(-3, 0, max(1, int(wait + 0.999)))
                return LoginResult(-1, 0, 0)
            lock.failures = 0
            if self.must_change:
                return LoginResult(0, 2, 0, self.issue(str(username), purpose="passwd"))
            return LoginResult(0, 1, 0, self.issue(str(username)))

    def change_password(self, username: object, old: object, new: object) -> str | None:
        """Apply a password change; returns an error message or None."""
        old_plain = decrypt_password(self.key, old)
        new_plain = decrypt_password(self.key, new)
        if username != self.settings.username or old_plain != self.password:
            return "Failed to set the passwd, old password may be wrong"
        if new_plain is None or not password_is_strong(new_plain):
            return (
                "The new password must be at least 6 characters long and include at least three of the following: "
                "uppercase letters, lowercase letters, numbers, and special characters."
            )
        self.password = new_plain
        self.must_change = False
        self.revoke_all()
        return None


def password_is_strong(password: str) -> bool:
    """The device's rule: at least 6 characters and three of upper, lower, digit, special."""
    classes = [
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return len(password) >= 6 and sum(classes) >= 3
