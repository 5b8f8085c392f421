"""TLS for a camera's self-signed certificate: the pin checked inside the handshake, before any request is sent.

A camera's certificate is self-signed, so no CA can vouch for it: the trust is its SHA-256, pinned at first use
(``_pins.py``). :func:`pinning_context` hands the peer's DER certificate to a check as soon as the handshake
completes, through ``SSLContext.sslobject_class`` (used by both httpx's and asyncio's TLS), so a refused certificate
aborts the connection before a byte of the request (a token, an encrypted password) leaves.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Callable

__all__ = ["PinMismatch", "pinning_context", "same_host"]


class PinMismatch(ssl.SSLError):
    """Raised inside the TLS handshake when the certificate is not the pinned one (the request is never sent)."""


def pinning_context(check: Callable[[bytes], None], *, verify: bool = False) -> ssl.SSLContext:
    """A client TLS context that hands the peer's DER certificate to ``check`` as soon as the handshake completes,
    before any application data is sent. ``check`` raises to abort the connection. ``verify``: also require a
    certificate a CA signed for the host (a camera's is self-signed, so the default is off: the pin is the trust)."""
    if verify:
        context = ssl.create_default_context()  # loads the system's CA store: ~25 ms, so only when asked for
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # TLS 1.2+, the pin is the trust: no CA store to load
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

    class Pinned(ssl.SSLObject):
        def do_handshake(self) -> None:
            super().do_handshake()
            check(self.getpeercert(binary_form=True) or b"")

    context.sslobject_class = Pinned
    return context


def same_host(named: str | None, host: str) -> bool:
    """True when a redirect's host is the camera's own (an address compared as an address)."""
    if not named:
        return False
    try:
        return ipaddress.ip_address(named) == ipaddress.ip_address(host)
    except ValueError:
        return named.lower().rstrip(".") == host
