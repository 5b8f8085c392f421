"""Secrets: masking them in results, and a logging filter that keeps them out of the wire log.

A field is secret when its dotted path is listed for its endpoint (``dMqtt.sPassword``), or when its key looks
like one (``...Password``, ``...Passwd``, ``...Token``, ``...ApiKey``, ``...Secret``). Empty values are not
masked (an empty password is not a secret, and showing it is useful).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "SECRET_MASK",
    "WIRE_LOGGER",
    "RedactingFilter",
    "install_redaction",
    "is_secret_key",
    "mask_secrets",
    "redact_text",
]

SECRET_MASK = "********"
WIRE_LOGGER = "recamera_mcp.wire"
_SECRET_KEY = re.compile(r"(passw(or)?d|token|apikey|api_key|secret)$", re.IGNORECASE)


def is_secret_key(key: str) -> bool:
    """True when a key name looks like a secret (``sFtpPassword``, ``sToken``, ``sApiKey``)."""
    return bool(_SECRET_KEY.search(key))


def _mask(value: Any) -> Any:
    return SECRET_MASK if value not in (None, "") else value


def mask_secrets(obj: Any, secret_fields: Iterable[str] = (), *, by_name: bool = True) -> Any:
    """A copy of ``obj`` with secret values replaced by :data:`SECRET_MASK`.

    ``secret_fields`` are dotted paths (``dMqtt.sPassword``); with ``by_name`` any key that looks secret is
    masked too, at any depth (also inside lists).
    """
    wanted = frozenset(secret_fields)

    def walk(value: Any, prefix: str) -> Any:
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            for key, item in value.items():
                dotted = f"{prefix}.{key}" if prefix else str(key)
                if not isinstance(item, dict | list) and (
                    dotted in wanted or (by_name and isinstance(key, str) and is_secret_key(key))
                ):
                    out[key] = _mask(item)
                else:
                    out[key] = walk(item, dotted)
            return out
        if isinstance(value, list):
            return [walk(item, f"{prefix}[]") for item in value]
        return value

    return walk(obj, "")


_TEXT_PATTERNS = (
    (re.compile(r"(token=)[^;\s\"',}]+", re.IGNORECASE), r"\1" + SECRET_MASK),
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), SECRET_MASK),
    (
        re.compile(
            r"""(["']\w*(?:passw(?:or)?d|token|apikey|api_key|secret)["']\s*:\s*)(["'])(?:\\.|(?!\2).)+\2""",
            re.IGNORECASE,
        ),
        r"\1\2" + SECRET_MASK + r"\2",
    ),
    # user:password@ in a URL (scheme://...@) or a bare host string (user:password@host)
    (re.compile(r"\b([a-z][a-z0-9+.-]*://)[^\s/'\"]*@", re.IGNORECASE), r"\1***@"),
    (re.compile(r"(?<![\w/.:@-])[^\s/'\"@:]+:[^\s/'\"]*@"), "***@"),
)


def redact_text(text: str) -> str:
    """``text`` with cookie tokens, JWTs, secret-looking JSON/dict values and URL credentials masked."""
    for pattern, replacement in _TEXT_PATTERNS:
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
)


def install_redaction() -> None:
    """Attach :class:`RedactingFilter` to the wire logger and the HTTP library loggers (idempotent)."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


install_redaction()
