"""Host strings as a user types them (``ip``, ``ip:port``, ``name``, ``name:port``, ``http(s)://base/...``).

Every spelling of one address comes out the same (:func:`parse_host`): an IPv4-mapped IPv6 address is its IPv4
address, and the numeric forms the system resolver also takes (``0x7f.0.0.1``, ``0177.0.0.1``, ``0x7f000001``)
are refused, so that no alias of an address gets its own session, credentials or lockout state. Host names are
resolved to their address by :func:`resolve_host` before any such bookkeeping.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from recamera_mcp.client._errors import DeviceUnreachable, ValidationError

__all__ = ["CGI_PREFIX", "MAX_HOST_CHARS", "HostAddress", "is_local_address", "parse_host", "resolve_host"]

CGI_PREFIX = "/cgi-bin/entry.cgi"
MAX_HOST_CHARS = 300
"""Longer host strings are refused before any parsing."""
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_NUMERIC_PART = re.compile(r"0x[0-9a-f]*|[0-9]+")
_HINT = "give an IP address or host name, optionally with :port, or a URL such as http://192.168.1.5:8080"


@dataclass(frozen=True)
class HostAddress:
    """Where a camera is: scheme, host (IP or lower-case name) and port."""

    scheme: str
    host: str
    port: int

    @property
    def _host_for_url(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:8080`` (the port is left out when it is the scheme's default)."""
        port = "" if self.port == _DEFAULT_PORTS[self.scheme] else f":{self.port}"
        return f"{self.scheme}://{self._host_for_url}{port}"

    @property
    def key(self) -> str:
        """The name sessions and caches use: ``127.0.0.1:8080``, or ``127.0.0.1`` on port 80."""
        return self._host_for_url if self.port == 80 else f"{self._host_for_url}:{self.port}"

    def cgi_url(self, path: str = "") -> str:
        """The full URL of a CGI path: ``cgi_url("/system/key")``."""
        if path and not path.startswith("/"):
            path = "/" + path
        return f"{self.base_url}{CGI_PREFIX}{path}"

    def with_scheme(self, scheme: str, port: int | None = None) -> HostAddress:
        """The same host under another scheme (used when the device redirects to HTTPS)."""
        return HostAddress(scheme, self.host, port if port is not None else _DEFAULT_PORTS[scheme])

    def __str__(self) -> str:
        return self.key


def _bad(text: str, why: str) -> ValidationError:
    return ValidationError(f"invalid host {text!r}: {why}", _HINT, field="host")


def _check_host(text: str, host: str) -> str:
    if not host:
        raise _bad(text, "no host name or address")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)  # ::ffff:10.0.0.5 is 10.0.0.5
        return str(ip)
    name = host.lower().rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _bad(text, "not a valid IP address or host name")
    if all(_NUMERIC_PART.fullmatch(label) for label in labels):
        # 127.1, 0x7f.0.0.1, 0177.0.0.1, 2130706433: the resolver reads these as IPv4 addresses (inet_aton)
        raise _bad(text, "not a valid IPv4 address (write it as four decimal numbers, e.g. 192.168.1.5)")
    return name


def _check_port(text: str, port: str) -> int:
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise _bad(text, f"port {port!r} must be a number from 1 to 65535")
    return int(port)


def parse_host(text: str, default_port: int = 80) -> HostAddress:
    """Parse a host string; raises :class:`ValidationError` (field ``host``) for anything else.

    ``default_port`` applies to plain ``http`` hosts given without a port; ``https://`` URLs default to 443.
    """
    if not isinstance(text, str):
        raise ValidationError(f"host must be a string, got {type(text).__name__}", _HINT, field="host")
    if len(text) > MAX_HOST_CHARS:
        raise ValidationError(f"host is {len(text)} characters long (at most {MAX_HOST_CHARS})", _HINT, field="host")
    raw = text.strip()
    if "@" in raw:  # user:password@host: refuse without echoing what came before the @
        shown = ("://" in raw and raw.split("://", 1)[0] + "://" or "") + "***@" + raw.rpartition("@")[2]
        raise _bad(shown, "credentials in the host are not accepted; pass username and password separately")
    if not raw or any(c.isspace() for c in raw):
        raise _bad(text, "empty or contains spaces")
    if "://" in raw:
        try:
            parts = urlsplit(raw)
            scheme = parts.scheme.lower()
            port_text = raw.split("://", 1)[1].split("/", 1)[0].rpartition("]")[2].partition(":")[2]
        except ValueError as exc:
            raise _bad(text, str(exc)) from exc
        if scheme not in _DEFAULT_PORTS:
            raise _bad(text, f"scheme {parts.scheme!r} is not http or https")
        if parts.username is not None or parts.password is not None:
            raise _bad(text, "credentials in the URL are not accepted; pass username and password separately")
        host = _check_host(text, parts.hostname or "")
        if port_text:
            port = _check_port(text, port_text)
        else:
            port = default_port if scheme == "http" else _DEFAULT_PORTS[scheme]
        return HostAddress(scheme, host, port)
    if raw.startswith("["):
        inner, sep, rest = raw[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise _bad(text, "malformed [IPv6] address")
        host = _check_host(text, inner)
        port = _check_port(text, rest[1:]) if rest else default_port
        return HostAddress("http", host, port)
    if raw.count(":") > 1:  # a bare IPv6 address
        return HostAddress("http", _check_host(text, raw), default_port)
    name, sep, port_text = raw.partition(":")
    if "/" in raw:
        raise _bad(text, "a path needs a scheme, e.g. http://host/...")
    host = _check_host(text, name)
    port = _check_port(text, port_text) if sep else default_port
    return HostAddress("http", host, port)


def is_local_address(host: str) -> bool:
    """True for a private, loopback or link-local IP address (a name is not an address: False)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local


async def resolve_host(address: HostAddress, timeout_s: float = 5.0) -> HostAddress:
    """``address`` with a host name replaced by its address (IPv4 preferred); an IP address comes back as it is.

    Connecting to the address found here (not to the name again) keeps a name from pointing somewhere else between
    the check of the address and the connection. Raises :class:`DeviceUnreachable` when the name does not resolve."""
    try:
        ipaddress.ip_address(address.host)
        return address
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout_s):
            infos = await loop.getaddrinfo(address.host, address.port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError) as exc:
        raise DeviceUnreachable(
            f"cannot resolve the host name {address.host!r} ({exc.__class__.__name__})",
            "check the name, or give the camera's IP address",
        ) from None
    found = [str(info[4][0]) for info in infos]
    found.sort(key=lambda ip: ":" in ip)  # IPv4 first
    if not found:
        raise DeviceUnreachable(f"the host name {address.host!r} has no address", "give the camera's IP address")
    return HostAddress(address.scheme, parse_host(found[0]).host, address.port)
