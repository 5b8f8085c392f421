"""The streamable HTTP transport, run safely: a bearer token on every request, Host and Origin always checked.

- **Bearer tokens.** Every request carries ``Authorization: Bearer <token>``. Tokens come from the config file
  (``[server] http_token = "..."``, or several named ones in ``[server.http_tokens]``: ``alice = "..."``) or the
  environment (``RECAMERA_MCP_HTTP_TOKEN``); with none configured and a loopback bind, one is generated and printed
  once on stderr at start. A non-loopback bind without a configured token is refused.
- **Principals.** Each token is a principal (its name; ``default`` for the single one) with its own camera sessions
  and confirmation tokens (``ServerState.for_principal``): one client can neither use another's camera logins nor
  redeem its confirmations.
- **Host / Origin.** DNS-rebinding protection is always on, with an allow-list derived from the bind address (the
  loopback names for a loopback bind, the machine's addresses and name for a wildcard bind) plus the operator's
  ``[server] allowed_hosts`` / ``--allowed-host``.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import secrets
import socket
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from recamera_mcp.server.state import PRINCIPAL_SCOPE_KEY

__all__ = ["BearerAuth", "HttpSetupError", "allowed_hosts", "http_app", "http_tokens", "is_loopback_bind"]

log = logging.getLogger(__name__)

TOKEN_ENV = "RECAMERA_MCP_HTTP_TOKEN"
MIN_TOKEN_CHARS = 16


class HttpSetupError(ValueError):
    """The HTTP transport cannot start safely with these settings (the message says what to set)."""


def is_loopback_bind(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def http_tokens(server: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Configured tokens by principal name (``[server.http_tokens]``, ``[server] http_token``, the environment)."""
    found: dict[str, str] = {}
    table = server.get("http_tokens")
    if table is not None:
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise HttpSetupError("[server.http_tokens] must map principal names to token strings")
        found.update({str(k): v for k, v in table.items()})
    single = server.get("http_token") or env.get(TOKEN_ENV)
    if single:
        if not isinstance(single, str):
            raise HttpSetupError("[server] http_token must be a string")
        found.setdefault("default", single)
    short = [name for name, token in found.items() if len(token) < MIN_TOKEN_CHARS]
    if short:
        raise HttpSetupError(f"HTTP tokens must be at least {MIN_TOKEN_CHARS} characters (too short: {short})")
    return found


def allowed_hosts(bind: str, port: int, extra: Iterable[str] = ()) -> list[str]:
    """The ``Host`` values the server answers: derived from the bind address, plus ``extra`` (``name`` or
    ``name:port``)."""
    names: set[str] = set()
    if is_loopback_bind(bind):
        names |= {"127.0.0.1", "localhost", "[::1]", f"[{bind}]" if ":" in bind else bind}
    elif bind in ("0.0.0.0", "::", ""):
        names |= {"127.0.0.1", "localhost", "[::1]", socket.gethostname().lower()}
        try:
            for info in socket.getaddrinfo(socket.gethostname(), None):
                address = str(info[4][0])
                names.add(f"[{address}]" if ":" in address else address)
        except OSError:
            pass
    else:
        names.add(f"[{bind}]" if ":" in bind and not bind.startswith("[") else bind)
    hosts = sorted(f"{name}:{port}" for name in names)
    for item in extra:
        hosts += [item] if ":" in item.rsplit("]", 1)[-1] else [f"{item}:{port}", item]
    return hosts


def security_settings(hosts: list[str]) -> TransportSecuritySettings:
    origins = sorted({f"{scheme}://{h}" for h in hosts for scheme in ("http", "https")})
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


class BearerAuth:
    """ASGI middleware: an HTTP request without a known bearer token gets 401; a known one names the principal
    (``scope[PRINCIPAL_SCOPE_KEY]``). Tokens are compared in constant time."""

    def __init__(self, app: ASGIApp, tokens: Mapping[str, str]) -> None:
        if not tokens:
            raise HttpSetupError("no HTTP token: the HTTP transport never runs without authentication")
        self.app = app
        self._tokens = [(name, token.encode()) for name, token in tokens.items()]

    def _principal(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name.lower() == b"authorization":
                kind, _, given = bytes(value).partition(b" ")
                if kind.lower() != b"bearer":
                    return None
                found = None
                for principal, token in self._tokens:
                    if hmac.compare_digest(given.strip(), token):
                        found = principal
                return found
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        principal = self._principal(scope)
        if principal is None:
            body = json.dumps(
                {"error": "unauthorized", "error_description": "send Authorization: Bearer <the server's token>"}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b'Bearer realm="recamera-mcp"'),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        scope[PRINCIPAL_SCOPE_KEY] = principal
        await self.app(scope, receive, send)


def http_app(
    server: MCPServer[Any],
    *,
    bind: str,
    port: int,
    tokens: Mapping[str, str],
    extra_hosts: Iterable[str] = (),
) -> ASGIApp:
    """The MCP server's streamable HTTP app behind :class:`BearerAuth`, with Host/Origin checks on."""
    app = server.streamable_http_app(transport_security=security_settings(allowed_hosts(bind, port, extra_hosts)),
                                     host=bind)  # fmt: skip
    return BearerAuth(app, tokens)


def resolve_tokens(bind: str, configured: dict[str, str]) -> dict[str, str]:
    """The tokens to run with: the configured ones; on a loopback bind without any, a new one printed on stderr;
    on any other bind without any, :class:`HttpSetupError`."""
    if configured:
        return configured
    if not is_loopback_bind(bind):
        raise HttpSetupError(
            f"refusing to serve HTTP on {bind} without a configured bearer token: set {TOKEN_ENV}, or "
            "[server] http_token (or [server.http_tokens]) in the config file"
        )
    token = secrets.token_urlsafe(32)
    print(
        f"recamera-mcp: HTTP bearer token for this run (send 'Authorization: Bearer <token>'): {token}",
        file=sys.stderr,
        flush=True,
    )
    return {"default": token}
