"""The one secrets policy: which values are secret, and how every layer masks them.

A value is secret when any of these holds:

- its dotted path is listed for its endpoint (``dMqtt.sPassword``: :attr:`AreaSpec.secret_fields`);
- its key looks like one: the key *ends* in ``Password``, ``Passwd``, ``Pwd``, ``Token``, ``ApiKey``, ``Secret``,
  ``SecretKey``, ``StreamKey`` or ``Psk`` (``sFtpPassword``, ``iPasswd``, ``sApiKey``; not ``sPasswordHint`` or
  ``sTokenUrl``, which only name one);
- it sits inside a URL: the password of ``user:password@`` in any URL, and the stream key (last path segment) of an
  ``rtmp://`` / ``rtmps://`` push target.

Empty values are not masked (an empty password is no secret, and seeing that it is empty helps). Results, dry runs,
raw endpoint answers, the wire log and exception texts all mask through this module: :func:`mask_secrets` for whole
objects, :func:`mask_value` for one leaf, :func:`redact_text` for free text (log lines, error messages).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "SECRET_MASK",
    "WIRE_LOGGER",
    "RedactingFilter",
    "install_redaction",
    "is_secret_field",
    "is_secret_key",
    "mask_secrets",
    "mask_url",
    "mask_value",
    "preview",
    "redact_text",
]

SECRET_MASK = "********"
WIRE_LOGGER = "recamera_mcp.wire"
_SECRET_KEY = re.compile(r"(passw(?:or)?d|pwd|token|api_?key|secret(?:_?key)?|stream_?key|psk)$", re.IGNORECASE)
_STREAM_KEY_SCHEMES = ("rtmp", "rtmps")
# bounded repetitions only: a long hostile query costs linear time (``pass\w*`` after ``[^=&]*`` was quadratic)
_SECRET_QUERY = re.compile(r"((?:^|&)[^=&]{0,64}?(?:key|token|pass\w{0,32}|secret)=)[^&]{0,4096}", re.IGNORECASE)
_PREVIEW = 2000


def is_secret_key(key: str) -> bool:
    """True when a key name is a secret's (``sFtpPassword``, ``sToken``, ``sApiKey``, ``iPasswd``)."""
    return bool(_SECRET_KEY.search(key))


def is_secret_field(dotted: str, secret_fields: Iterable[str] = ()) -> bool:
    """True when the field at ``dotted`` (``dMqtt.sPassword``, ``lUsers[].sToken``) holds a secret."""
    return dotted in frozenset(secret_fields) or is_secret_key(dotted.rsplit(".", 1)[-1].removesuffix("[]"))


def mask_url(text: str) -> str:
    """``text`` with the password of a URL's userinfo and an RTMP stream key masked (other text unchanged)."""
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact_text(text)
    if not parts.scheme or not parts.netloc:
        return text
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, password = userinfo.partition(":")
        if colon and password:
            netloc = f"{user}:{SECRET_MASK}@{hostport}"
    path = parts.path
    if parts.scheme.lower() in _STREAM_KEY_SCHEMES:
        head, sep, key = path.rstrip("/").rpartition("/")
        if sep and head and key:
            path = f"{head}/{SECRET_MASK}"
    query = parts.query
    if query and _SECRET_QUERY.search(query):
        query = _SECRET_QUERY.sub(r"\1" + SECRET_MASK, query)
    if (netloc, path, query) == (parts.netloc, parts.path, parts.query):
        return text
    return urlunsplit(parts._replace(netloc=netloc, path=path, query=query))


def mask_value(dotted: str, value: Any, secret_fields: Iterable[str] = ()) -> Any:
    """One value as it may be shown: masked when secret, URLs inside it masked, containers masked recursively."""
    if isinstance(value, dict | list):
        return mask_secrets(value, secret_fields, _prefix=dotted)
    if value in (None, ""):
        return value
    if is_secret_field(dotted, secret_fields):
        return SECRET_MASK
    if isinstance(value, str):
        return mask_url(value)
    return value


def mask_secrets(obj: Any, secret_fields: Iterable[str] = (), *, _prefix: str = "") -> Any:
    """A copy of ``obj`` with every secret value masked, at any depth (lists included).

    ``secret_fields`` are dotted paths (``dMqtt.sPassword``); list items are addressed as ``lUsers[].sToken``."""
    wanted = frozenset(secret_fields)

    def walk(value: Any, prefix: str) -> Any:
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            for key, item in value.items():
                dotted = f"{prefix}.{key}" if prefix else str(key)
                if isinstance(item, dict | list):
                    out[key] = walk(item, dotted)
                elif item not in (None, "") and is_secret_field(dotted, wanted):
                    out[key] = SECRET_MASK
                else:
                    out[key] = mask_url(item) if isinstance(item, str) else item
            return out
        if isinstance(value, list):
            return [walk(item, f"{prefix}[]") for item in value]
        if isinstance(value, str):
            return mask_url(value)
        return value

    return walk(obj, _prefix)


def preview(value: Any) -> str:
    """A masked, bounded JSON rendering of ``value`` for the wire log."""
    text = json.dumps(mask_secrets(value), ensure_ascii=False, default=str)
    return text if len(text) <= _PREVIEW else text[:_PREVIEW] + f"... ({len(text)} chars)"


# Every pattern is bounded (no unbounded repetition next to another that can match the same characters), so a huge
# hostile input costs linear time: a 200 KB string is redacted in milliseconds.
_TEXT_PATTERNS = (
    ("token=", re.compile(r"(token=)[^;\s\"',}]{1,4096}", re.IGNORECASE), r"\1" + SECRET_MASK),
    ("eyJ", re.compile(r"eyJ[\w-]{1,4096}\.[\w-]{1,4096}\.[\w-]{0,4096}"), SECRET_MASK),
    (
        ":",
        re.compile(
            r"""(["']\w{0,64}(?:passw(?:or)?d|pwd|token|api_?key|secret|stream_?key|psk)["']\s{0,8}:\s{0,8})"""
            r"""(["'])(?:\\.|(?!\2)[^\\\n]){1,4096}\2""",
            re.IGNORECASE,
        ),
        r"\1\2" + SECRET_MASK + r"\2",
    ),
    # user:password@ in a URL (scheme://...@) or a bare host string (user:password@host)
    ("@", re.compile(r"\b([a-z][a-z0-9+.-]{0,31}://)[^\s/'\"@]{0,256}@", re.IGNORECASE), r"\1***@"),
    ("@", re.compile(r"(?<![\w/.:@-])[^\s/'\"@:]{1,256}:[^\s/'\"@]{0,256}@"), "***@"),
)


def redact_text(text: str) -> str:
    """``text`` with cookie tokens, JWTs, secret-looking JSON/dict values and URL credentials masked."""
    for needle, pattern, replacement in _TEXT_PATTERNS:
        if needle.lower() in text.lower():
            text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with :func:`redact_text` (attached to the wire logger at import)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's problem, not ours
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


# httpx / httpcore log headers (Set-Cookie, Cookie) at DEBUG: their records are redacted too. A filter only sees
# records of its own logger, so each logger that emits them is listed.
REDACTED_LOGGERS = (
    WIRE_LOGGER,
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "websockets.client",
)


def install_redaction() -> None:
    """Attach :class:`RedactingFilter` to the wire logger and the HTTP library loggers (idempotent)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


install_redaction()
