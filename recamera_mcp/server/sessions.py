"""One device client per host for the whole server session, with credentials resolved out of the agent's sight."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from mcp.server.mcpserver.exceptions import ToolError

from recamera_mcp.client import (
    AuthError,
    LockedOut,
    MustChangePassword,
    ReCameraClient,
    TokenCache,
    TokenRejected,
    WrongCredentials,
    parse_host,
)
from recamera_mcp.server.credentials import CredentialStore

log = logging.getLogger(__name__)


@dataclass
class Session:
    """A device client plus what the server remembers about its logins."""

    client: ReCameraClient
    credential_source: str
    blocked: str | None = None
    """Set after a failed login: no automatic login is tried again until ``login`` is called."""


@dataclass
class SessionRegistry:
    """Device sessions keyed by host (``ip`` or ``ip:port``)."""

    credentials: CredentialStore
    timeout_s: float = 10.0
    token_cache: TokenCache | None = None
    _sessions: dict[str, Session] = field(default_factory=dict)
    _retired: list[ReCameraClient] = field(default_factory=list)
    """Clients replaced by a new login: calls still running on them finish; they are closed at shutdown."""
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _new(self, host: str, username: str | None, password: str | None) -> Session:
        address = parse_host(host)
        creds = self.credentials.resolve((address.key, address.host, host.strip()), username, password)
        if creds.password is None:
            raise ToolError(
                f"no password known for {address.key}: pass password= to login, set RECAMERA_PASSWORD in the "
                f'server\'s environment, or add [hosts."{address.key}"] password = ... to the config file'
            )
        client = ReCameraClient(
            address,
            username=creds.username,
            password=creds.password,
            timeout=self.timeout_s,
            token_cache=self.token_cache,
        )
        return Session(client=client, credential_source=creds.source)

    async def open(self, host: str, username: str | None = None, password: str | None = None) -> Session:
        """A fresh session for ``host`` with these (or the configured) credentials, replacing any old one."""
        session = self._new(host, username, password)
        async with self._lock:
            old = self._sessions.pop(session.client.address.key, None)
            self._sessions[session.client.address.key] = session
            if old is not None:
                self._retired.append(old.client)
        return session

    async def _get_or_open(self, host: str) -> Session:
        key = parse_host(host).key
        session = self._sessions.get(key)
        if session is not None:
            return session
        candidate = self._new(host, None, None)
        async with self._lock:  # concurrent first calls for one host share one client
            session = self._sessions.setdefault(key, candidate)
        if session is not candidate:
            await candidate.client.close()
        return session

    async def unauthenticated(self, host: str) -> ReCameraClient:
        """The client for ``host`` without logging in (for checks that must work when a login would fail)."""
        return (await self._get_or_open(host)).client

    async def client(self, host: str) -> ReCameraClient:
        """The logged-in client for ``host``; logs in with the configured credentials on first use."""
        key = parse_host(host).key
        session = await self._get_or_open(host)
        if session.blocked is not None:
            raise ToolError(session.blocked)
        if not session.client.logged_in:
            try:
                await session.client.login()
            except LockedOut as exc:
                session.blocked = f"logins to {key} are locked out: {exc}"
                raise ToolError(session.blocked) from None
            except (WrongCredentials, AuthError) as exc:
                if isinstance(exc, TokenRejected | MustChangePassword):
                    raise
                session.blocked = (
                    f"the last login to {key} failed ({exc}); call login(host, password=...) with the right "
                    "credentials: nothing is retried automatically"
                )
                raise ToolError(session.blocked) from None
        return session.client

    async def close(self, host: str) -> bool:
        """Log out and forget the session; False when there was none."""
        key = parse_host(host).key
        async with self._lock:
            session = self._sessions.pop(key, None)
        if session is None:
            return False
        try:
            if session.client.logged_in:
                await session.client.logout()
        finally:
            await session.client.close()
        return True

    def get_or_none(self, host: str) -> Session | None:
        return self._sessions.get(parse_host(host).key)

    def all(self) -> list[Session]:
        return list(self._sessions.values())

    async def close_all(self) -> None:
        clients = [s.client for s in self._sessions.values()] + self._retired
        self._sessions.clear()
        self._retired.clear()
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
