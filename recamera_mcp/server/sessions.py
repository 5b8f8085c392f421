"""One device client per host for the whole server session, with credentials resolved out of the agent's sight.

Hosts are normalised to their address before anything else (``parse_host`` folds address aliases, a host name is
resolved once and the client connects to that address), so session keys, credentials, lockouts and pins never
differ between two spellings of one camera. The lockout bookkeeping and the pins outlive a session: a new ``login``
call does not forget that the camera locked this server out, nor which key it had.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from mcp.server.mcpserver.exceptions import ToolError

from recamera_mcp.client import (
    AuthError,
    HostAddress,
    LockedOut,
    LockoutBook,
    MustChangePassword,
    PinStore,
    ReCameraClient,
    TokenCache,
    TokenRejected,
    WrongCredentials,
    parse_host,
    resolve_host,
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
    """Device sessions keyed by the normalised host (``ip`` or ``ip:port``)."""

    credentials: CredentialStore
    timeout_s: float = 10.0
    token_cache: TokenCache | None = None
    pins: PinStore = field(default_factory=PinStore)
    """The camera identities (login key, TLS certificate) pinned at first use; shared by every principal."""
    lockouts: LockoutBook = field(default_factory=LockoutBook)
    """When each camera accepts logins again; shared by every principal (the camera locks out by IP)."""
    _sessions: dict[str, Session] = field(default_factory=dict)
    _retired: list[ReCameraClient] = field(default_factory=list)
    """Clients replaced by a new login: calls still running on them finish; they are closed at shutdown."""
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def sibling(self) -> SessionRegistry:
        """A registry for another principal: the same credentials, pins and lockouts; no sessions, no token cache
        (a cached token must not let one principal skip the login another made)."""
        return SessionRegistry(
            credentials=self.credentials, timeout_s=self.timeout_s, pins=self.pins, lockouts=self.lockouts
        )

    async def address(self, host: str) -> HostAddress:
        """``host`` normalised: parsed (aliases folded) and a host name resolved to its address."""
        return await resolve_host(parse_host(host))

    def _new(self, address: HostAddress, typed: str, username: str | None, password: str | None) -> Session:
        named = parse_host(typed)
        keys = (address.key, address.host, named.key, named.host, typed.strip())
        scoped = self.credentials.defaults_apply(address.host, (named.host,))
        creds = self.credentials.resolve(keys, username, password, defaults_apply=scoped)
        if creds.password is None:
            if not scoped and self.credentials.resolve(keys, None, None).password is not None:
                raise ToolError(
                    f"no credentials are configured for {address.key}: the default password goes only to "
                    f'{self.credentials.defaults_scope()}. To use this camera, add [hosts."{address.key}"] '
                    f"password = ... to the config file, list it in [defaults] hosts (or RECAMERA_HOSTS), or pass "
                    "password= to login"
                )
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
            pins=self.pins,
            lockouts=self.lockouts,
        )
        return Session(client=client, credential_source=creds.source)

    async def open(self, host: str, username: str | None = None, password: str | None = None) -> Session:
        """A fresh session for ``host`` with these (or the configured) credentials, replacing any old one."""
        session = self._new(await self.address(host), host, username, password)
        async with self._lock:
            old = self._sessions.pop(session.client.address.key, None)
            self._sessions[session.client.address.key] = session
            if old is not None:
                self._retired.append(old.client)
        return session

    async def _get_or_open(self, host: str) -> Session:
        address = await self.address(host)
        session = self._sessions.get(address.key)
        if session is not None:
            return session
        candidate = self._new(address, host, None, None)
        async with self._lock:  # concurrent first calls for one host share one client
            session = self._sessions.setdefault(address.key, candidate)
        if session is not candidate:
            await candidate.client.close()
        return session

    async def unauthenticated(self, host: str) -> ReCameraClient:
        """The client for ``host`` without logging in (for checks that must work when a login would fail)."""
        return (await self._get_or_open(host)).client

    async def client(self, host: str) -> ReCameraClient:
        """The logged-in client for ``host``; logs in with the configured credentials on first use."""
        session = await self._get_or_open(host)
        key = session.client.address.key
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
        key = (await self.address(host)).key
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

    async def find(self, host: str) -> Session | None:
        """The session held for ``host``, if any (no login, no new session)."""
        return self._sessions.get((await self.address(host)).key)

    def get_or_none(self, host: str) -> Session | None:
        """The session held for ``host`` as typed (an address; a host name is not resolved here: use :meth:`find`)."""
        return self._sessions.get(parse_host(host).key)

    def all(self) -> list[Session]:
        return list(self._sessions.values())

    async def close_all(self) -> None:
        clients = [s.client for s in self._sessions.values()] + self._retired
        self._sessions.clear()
        self._retired.clear()
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
