"""The command line's camera clients: one per host for the run, credentials as for the server.

Credentials come from the server's :class:`CredentialStore` (the config file's host entry, its ``[defaults]``, then
``RECAMERA_USERNAME`` / ``RECAMERA_PASSWORD``); when none is known and the command runs at a terminal, the password
is asked once without echo (:func:`getpass.getpass`) and used for the other cameras of the run that have none. A
configured ``[server] token_cache`` is used as the server uses it. One login per camera and run, never retried
(the camera locks out after 5 failures).
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from recamera_mcp.client import AuthError, MustChangePassword, ReCameraClient, TokenCache, parse_host
from recamera_mcp.server.credentials import CredentialStore

__all__ = ["CliSessions", "can_prompt"]


def can_prompt() -> bool:
    """True when a person can be asked: stdin and stderr are terminals."""
    return sys.stdin.isatty() and sys.stderr.isatty()


@dataclass
class CliSessions:
    """Device clients of one command run, keyed by host (``ip`` or ``ip:port``); satisfies the fleet's Clients."""

    credentials: CredentialStore
    username: str | None = None
    timeout_s: float = 10.0
    prompt: Callable[[str], str] | None = None
    """Asks for a password (``getpass.getpass`` at a terminal); None: never ask."""
    _clients: dict[str, ReCameraClient] = field(default_factory=dict)
    _typed: str | None = field(default=None, repr=False)

    @classmethod
    def for_terminal(cls, credentials: CredentialStore, username: str | None, timeout_s: float) -> CliSessions:
        """Sessions that ask for a missing password when a person is at the terminal."""
        return cls(credentials, username, timeout_s, getpass.getpass if can_prompt() else None)

    def _new(self, host: str) -> ReCameraClient:
        address = parse_host(host)
        creds = self.credentials.resolve((address.key, address.host, host.strip()), self.username, None)
        password = creds.password or self._typed
        if password is None and self.prompt is not None:
            typed = self.prompt(f"Password for {creds.username}@{address.key} (not shown): ")
            self._typed = password = typed or None
        if password is None:
            raise AuthError(
                f"no password known for {address.key}",
                f'set RECAMERA_PASSWORD, add [hosts."{address.key}"] password = "..." to the config file '
                f"({self.credentials.path or '~/.config/recamera-mcp/config.toml'}), or run at a terminal to be asked",
            )
        cache_path = self.credentials.token_cache_path()
        return ReCameraClient(
            address,
            username=creds.username,
            password=password,
            timeout=self.timeout_s,
            token_cache=TokenCache(cache_path) if cache_path else None,
        )

    async def unauthenticated(self, host: str) -> ReCameraClient:
        """The client for ``host`` without logging in."""
        key = parse_host(host).key
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._new(host)
        return client

    async def client(self, host: str) -> ReCameraClient:
        """The logged-in client for ``host`` (one login, never retried)."""
        client = await self.unauthenticated(host)
        if not client.logged_in:
            await client.login()
            if client.must_change_password:
                raise MustChangePassword(
                    f"{client.address.key} requires a new password before anything else works",
                    "set one in the camera's web page, or with the MCP tool change_password",
                )
        return client

    async def close(self) -> None:
        """Close every client (their tokens stay valid on the camera and in the token cache)."""
        clients, self._clients = list(self._clients.values()), {}
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
