"""The request funnel of one camera: every request, streamed body, upload and WebSocket of the client goes here.

:class:`Funnel` owns the login state and the one auth rule, written once in :meth:`Funnel._authorized` and used
by :meth:`request`, :meth:`stream` and :meth:`websocket` alike: log in lazily (one login for concurrent callers),
send with the token cookie, and on a 401 log in again **once** (shared by every caller that saw the same token)
and retry **once**; a second 401 raises :class:`TokenRejected`. Failed logins are never retried: wrong credentials
are remembered, a lockout is waited out (in a :class:`LockoutBook` that outlives one client). The camera's RSA login
key is pinned at first use (``_pins.py``): a different key is refused before any password is encrypted with it.
Answers that mean failure become errors (``_answers.py``). The wire itself (httpx) is
:class:`~recamera_mcp.client._transport.HttpTransport`, which pins the TLS certificate the same way.

The API areas (``cam.config``, ``cam.system`` ...) are built on this funnel and call nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

from recamera_mcp.client._answers import failure_of, is_unauthorized, public_key_of
from recamera_mcp.client._auth import (
    LockoutBook,
    encrypt_password,
    key_fingerprint,
    load_public_key,
    password_problem,
    read_login_answer,
    token_from,
)
from recamera_mcp.client._dialect import Dialect, dialect_of
from recamera_mcp.client._errors import (
    AuthError,
    DeviceApiError,
    LockedOut,
    NotAReCamera,
    ReCameraError,
    TokenRejected,
    ValidationError,
    WrongCredentials,
)
from recamera_mcp.client._host import CGI_PREFIX, HostAddress, parse_host
from recamera_mcp.client._models import LoginResult
from recamera_mcp.client._pins import LOGIN_KEY, PinStore, pin_key_of
from recamera_mcp.client._token_cache import TokenCache, token_expiry, token_is_live
from recamera_mcp.client._transport import (
    DeviceResponse,
    DeviceWebSocket,
    HttpTransport,
    HttpxTransport,
    StreamedResponse,
    WebSocketRefused,
)

__all__ = ["DEFAULT_USERNAME", "Funnel"]

log = logging.getLogger(__name__)

DEFAULT_USERNAME = "admin"
R = TypeVar("R")


class Funnel:
    """One camera: its address, credentials, token and connection pool. See the module docstring.

    ``host``: ``ip``, ``ip:port``, ``name[:port]`` or an ``http(s)://`` URL. ``transport`` lets tests run the
    simulator in-process (``httpx.ASGITransport``). ``token_cache`` persists tokens across restarts.
    ``get_retries``: extra attempts of a GET after a connection error or a 5xx (writes are never retried).
    ``pins``: where the camera's login key and TLS certificate are pinned (in memory by default); ``lockouts``: the
    lockout bookkeeping shared with other clients of the same cameras (one of its own by default).
    """

    def __init__(
        self,
        host: str | HostAddress,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        transport: HttpxTransport | None = None,
        token_cache: TokenCache | None = None,
        verify_tls: bool = False,
        get_retries: int = 2,
        retry_backoff_s: float = 0.2,
        pins: PinStore | None = None,
        lockouts: LockoutBook | None = None,
    ) -> None:
        address = host if isinstance(host, HostAddress) else parse_host(host)
        if not timeout > 0:
            raise ValidationError(f"timeout must be > 0 s, got {timeout}", "give a timeout in seconds", field="timeout")
        if get_retries < 0:
            raise ValidationError("get_retries must be >= 0", "use 0 to disable retries", field="get_retries")
        self.username = username
        self._password = password
        self.timeout = timeout
        self.get_retries = get_retries
        self.token_cache = token_cache
        self.must_change_password = False
        self._token: str | None = None
        self._token_expires: float | None = None
        self._generation = 0
        self._login_lock = asyncio.Lock()
        self.pins = pins if pins is not None else PinStore()
        self.pin_key = pin_key_of(address)
        """The name this camera's pins and lockout are kept under (its normalised host)."""
        self._lockouts = lockouts if lockouts is not None else LockoutBook()
        self._rejected: tuple[str, str] | None = None
        self.login_key_fingerprint: str | None = None
        """SHA-256 of the camera's RSA login key (hex), once it was fetched."""
        self._dialect: Dialect | None = None
        self._wire = HttpTransport(
            address, timeout=timeout, verify_tls=verify_tls, transport=transport, retry_backoff_s=retry_backoff_s,
            pins=self.pins, pin_key=self.pin_key,
        )  # fmt: skip

    @property
    def address(self) -> HostAddress:
        """Where the camera is (the scheme follows the camera when it switches HTTPS on or off)."""
        return self._wire.address

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.address.key!r}, username={self._user!r}, logged_in={self.logged_in})"

    async def __aenter__(self: R) -> R:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool. The token stays valid on the device (and in the cache) for reuse."""
        await self._wire.aclose()

    # ---- credentials and token -----------------------------------------------------------------------------
    @property
    def _user(self) -> str:
        return self.username or DEFAULT_USERNAME

    @property
    def logged_in(self) -> bool:
        """True when the client holds a token that has not expired by its own clock."""
        return self._token is not None and token_is_live(self._token_expires)

    @property
    def locked_for_s(self) -> int:
        """Seconds until the device accepts logins from this address again (0: not locked out)."""
        return self._lockouts.wait_s(self.pin_key)

    @property
    def tls_fingerprint(self) -> str | None:
        """SHA-256 of the camera's TLS certificate (hex) once it was reached over HTTPS; pinned at first use."""
        return self._wire.tls_fingerprint

    def set_credentials(self, username: str | None, password: str | None) -> None:
        """Use other credentials from now on (drops the current token and the memory of rejected credentials)."""
        self._drop_token()
        self.username = username
        self._password = password
        self._rejected = None
        self.must_change_password = False

    def _set_token(self, token: str, *, persist: bool) -> None:
        self._token = token
        self._token_expires = token_expiry(token)
        self._generation += 1
        if persist and self.token_cache is not None:
            self.token_cache.put(self.address, self._user, token)

    def _drop_token(self) -> None:
        self._token = None
        self._token_expires = None
        if self.token_cache is not None:
            self.token_cache.drop(self.address, self._user)

    def _reuse_token(self) -> bool:
        if self.logged_in:
            return True
        if self.token_cache is not None and not self.must_change_password:
            cached = self.token_cache.get(self.address, self._user)
            if cached is not None:
                self._set_token(cached, persist=False)
                log.debug("reusing the cached token for %s@%s", self._user, self.address.key)
                return True
        return False

    def _refuse_if_blocked(self, *, force: bool) -> None:
        wait = self.locked_for_s
        if wait > 0:
            raise LockedOut(
                f"{self.address.key} locked out logins from this address",
                f"wait {wait} s before trying again; do not retry automatically",
                wait_s=wait,
            )
        if not force and self._password is not None and self._rejected == (self._user, self._password):
            raise WrongCredentials(
                f"{self.address.key} already rejected these credentials",
                "give the right user name and password; the same ones are not retried, to avoid a lockout",
            )

    # ---- authentication ------------------------------------------------------------------------------------
    async def get_public_key(self) -> str:
        """The device's RSA public key (no login needed). Raises :class:`NotAReCamera` for other HTTP hosts."""
        response = await self.request("GET", "/system/key", auth=False, check=False)
        key = public_key_of(response.status_code, response.body)
        if key is None:
            raise NotAReCamera(
                f"{self.address.key} answers HTTP but is not a reCamera "
                f"(GET /system/key gave HTTP {response.status_code} without sPublicKey)",
                "check the address and port; a reCamera answers /system/key with its public key",
            )
        return key

    async def login(self, *, force: bool = False) -> LoginResult:
        """Log in, or reuse a live token (held, or from the token cache) unless ``force``.

        Raises :class:`WrongCredentials`, :class:`LockedOut` (never retried), :class:`AuthError` (no credentials).
        A device that demands a new password gives ``must_change_password=True``: call :meth:`change_password`.
        """
        async with self._login_lock:
            if not force and self._reuse_token():
                return self._login_result(reused=True)
            await self._login_locked(force=force)
        return self._login_result(reused=False)

    def _login_result(self, *, reused: bool) -> LoginResult:
        return LoginResult(
            logged_in=self.logged_in,
            must_change_password=self.must_change_password,
            reused_token=reused,
            username=self._user,
        )

    async def _login_locked(self, *, force: bool = False) -> None:
        """The login exchange; the caller holds ``_login_lock``."""
        self._refuse_if_blocked(force=force)
        if self._password is None:
            raise AuthError(
                f"no credentials to log in to {self.address.key}",
                "give a username and password (from a config file or the environment, so that they need not be "
                "typed where others can read them)",
            )
        key = await self._pinned_key()
        user, password = self._user, self._password
        body = {"sUserName": user, "sPassword": encrypt_password(key, password)}
        response = await self.request("POST", "/system/login", json=body, auth=False, check=False)
        if response.status_code >= 500:
            failure = failure_of(f"{self.address.key}: POST /system/login", response.status_code, response.body)
            raise failure or AuthError(f"{self.address.key} failed the login", "try again later")
        try:
            answer = read_login_answer(self.address.key, response.body)
        except LockedOut as exc:
            self._lockouts.lock(self.pin_key, max(exc.wait_s, 1))
            self._drop_token()
            raise
        except WrongCredentials:
            self._rejected = (user, password)
            self._drop_token()
            raise
        token = token_from(list(response.set_cookies))
        if token is None:
            raise AuthError(
                f"{self.address.key} accepted the login but set no token cookie",
                "the device answered unexpectedly; try again, or check its firmware",
            )
        self._rejected = None
        self._dialect = None  # a new login may follow a firmware upgrade: read the version again
        self.must_change_password = answer.must_change_password
        self._set_token(token, persist=not answer.must_change_password)
        log.info(
            "logged in to %s as %s%s",
            self.address.key,
            user,
            " (password change required)" if answer.must_change_password else "",
        )

    async def _pinned_key(self) -> Any:
        """The camera's RSA key, checked against the pinned one (pinned now at first use) before it encrypts
        anything; :class:`IdentityChanged` when it differs."""
        try:
            key = load_public_key(await self.get_public_key())
        except ValueError as exc:
            raise NotAReCamera(
                f"{self.address.key} sent a public key that is not RSA", "check that the host is a reCamera"
            ) from exc
        seen = key_fingerprint(key)
        if self.pins.check(self.pin_key, LOGIN_KEY, seen):
            log.info("%s: pinned its login key at first use (SHA-256 %s)", self.pin_key, seen)
        self.login_key_fingerprint = seen
        return key

    async def _relogin(self, seen_generation: int) -> None:
        """Replace a refused token, once for all concurrent callers that saw the same token."""
        async with self._login_lock:
            if self._generation != seen_generation and self.logged_in:
                return  # another caller already logged in again
            self._drop_token()
            await self._login_locked()

    async def _current_token(self) -> tuple[str | None, int]:
        if not self.logged_in:
            async with self._login_lock:
                if not self._reuse_token():
                    await self._login_locked()
        return self._token, self._generation

    async def _authorized(
        self,
        what: str,
        attempt: Callable[[str | None], Awaitable[R]],
        refused: Callable[[R], Awaitable[bool]],
    ) -> R:
        """The one auth rule: lazy login, send, and on a refusal one re-login and one retry (see the module)."""
        token, generation = await self._current_token()
        result = await attempt(token)
        if not await refused(result):
            return result
        log.info("%s refused the token on %s; logging in again once", self.address.key, what)
        await self._relogin(generation)
        result = await attempt(self._token)
        if await refused(result):
            self._drop_token()
            raise TokenRejected(
                f"{self.address.key} refused a fresh token on {what}",
                "not retrying again; the device may be revoking sessions or its clock may be off; check it, then "
                "log in again",
            )
        return result

    async def logout(self) -> None:
        """Log out on the device (revoking the token) and forget the token locally."""
        try:
            if self.logged_in:
                token = self._token
                await self._wire.send("POST", self._url("/system/logout", False), headers=_cookie(token))
        finally:
            self._drop_token()
            self.must_change_password = False

    async def change_password(self, new_password: str, old_password: str | None = None) -> None:
        """Change the device password (RSA-encrypted), then log in again with the new one.

        ``old_password`` defaults to the password the client logged in with.
        """
        old = old_password if old_password is not None else self._password
        if old is None:
            raise AuthError("the current password is not known", "pass old_password")
        problem = password_problem(new_password)
        if problem is not None:
            raise ValidationError(problem, "choose a stronger password", field="new_password")
        key = await self._pinned_key()
        borrowed = self._password is None
        if borrowed:
            self._password = old  # lets request() log in for the PUT; dropped again if the device refuses it
        body = {
            "sUserName": self._user,
            "sOldPassword": encrypt_password(key, old),
            "sNewPassword": encrypt_password(key, new_password),
        }
        try:
            await self.request("PUT", "/system/password", json=body)
        except ReCameraError as exc:
            if borrowed:
                self._password = None
            if not isinstance(exc, DeviceApiError):
                raise
            text = (exc.device_message or "").lower()
            if "old password" in text:
                raise WrongCredentials(
                    f"{self.address.key} rejected the old password", "give the current password as old_password"
                ) from None
            if "at least" in text:
                raise ValidationError(
                    f"{self.address.key} refused the new password: {exc.device_message}",
                    "choose a stronger password",
                    field="new_password",
                ) from None
            raise
        log.info("password changed on %s for %s; logging in again", self.address.key, self._user)
        self._drop_token()
        self._password = new_password
        self._rejected = None
        self.must_change_password = False
        await self.login(force=True)

    async def dialect(self) -> Dialect:
        """The firmware generation of the camera (from its device info; read once per login)."""
        if self._dialect is None:
            info = await self.get_object("/system/device-info")
            self._dialect = dialect_of(info.get("sFirmwareVersion"))
        return self._dialect

    def note_dialect(self, dialect: Dialect) -> None:
        """The camera's answers showed its generation (``_dialect.dialect_of_refusal``): use it until the next
        login."""
        self._dialect = dialect

    # ---- the funnel ----------------------------------------------------------------------------------------
    def _url(self, path: str, raw: bool) -> str:
        if not isinstance(path, str) or "://" in path or ".." in path.split("?", 1)[0].split("/"):
            raise ValidationError(
                f"invalid path {path!r}", "give a path such as /system/device-info (no host, no ..)", field="path"
            )
        if not path.startswith("/"):
            path = "/" + path
        if raw or path == CGI_PREFIX or path.startswith(CGI_PREFIX + "/"):
            return path
        return CGI_PREFIX + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        raw: bool = False,
        auth: bool = True,
        timeout: float | None = None,
        check: bool = True,
        retries: int | None = None,
    ) -> DeviceResponse:
        """Send one request to the device and return its whole answer (bounded in size and time).

        ``path`` is relative to ``/cgi-bin/entry.cgi`` unless ``raw`` (then relative to the host root). With
        ``auth`` the token cookie is sent (logging in first when there is none); a 401 leads to one re-login and
        one retry. GETs are retried after a connection error or a 5xx; writes never. ``check=False`` returns an
        answer that means failure instead of raising it (:class:`DeviceApiError` and kin). ``retries`` overrides
        the client's ``get_retries`` for this GET (0: one attempt, e.g. to probe whether a camera is down).
        """
        method = method.upper()
        url = self._url(path, raw)
        attempts = 1 + ((self.get_retries if retries is None else max(0, retries)) if method == "GET" else 0)

        async def attempt(token: str | None) -> DeviceResponse:
            merged = {**(headers or {}), **_cookie(token)}
            return await self._wire.send(
                method, url, params=params, json=json, content=content, headers=merged, timeout=timeout,
                attempts=attempts,
            )  # fmt: skip

        async def refused(response: DeviceResponse) -> bool:
            return is_unauthorized(response.status_code, response.body)

        if auth:
            response = await self._authorized(f"{method} {url}", attempt, refused)
        else:
            response = await attempt(None)
        if check:
            failure = failure_of(
                f"{self.address.key}: {method} {url}",
                response.status_code,
                response.body,
                must_change=self.must_change_password,
            )
            if failure is not None:
                raise failure
        return response

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        raw: bool = False,
        timeout: float | None = None,
    ) -> AsyncIterator[StreamedResponse]:
        """Send one request and hand over the answer unread, for bodies too big to hold in memory.

        Auth as :meth:`request` (lazy login, one re-login on 401); no retries, no status check: look at
        ``status_code``. Iterate the body with :meth:`StreamedResponse.iter_bytes` (transport errors mapped).
        """
        method = method.upper()
        url = self._url(path, raw)
        opened: list[contextlib.AsyncExitStack] = []

        async def attempt(token: str | None) -> StreamedResponse:
            stack = contextlib.AsyncExitStack()
            opened.append(stack)
            merged = {**(headers or {}), **_cookie(token)}
            return await stack.enter_async_context(
                self._wire.stream(method, url, params=params, headers=merged, content=content, timeout=timeout)
            )

        async def refused(answer: StreamedResponse) -> bool:
            if answer.status_code != 401:
                return False
            await opened[-1].aclose()  # nothing to read from a refused answer: free its connection now
            return True

        try:
            yield await self._authorized(f"{method} {url}", attempt, refused)
        finally:
            for stack in opened:
                await stack.aclose()

    @contextlib.asynccontextmanager
    async def websocket(self, path: str, *, subprotocols: list[str] | None = None) -> AsyncIterator[DeviceWebSocket]:
        """Open a WebSocket (raw ``path``, e.g. ``/ws/inference/results``) with the token cookie, as the device
        requires (a ``?token=`` query is refused there); ``wss://`` when the camera runs HTTPS. Auth as
        :meth:`request`: a 401 on the handshake leads to one re-login and one retry."""

        async def attempt(token: str | None) -> DeviceWebSocket | WebSocketRefused:
            try:
                return await self._wire.websocket(path, headers=_cookie(token), subprotocols=subprotocols)
            except WebSocketRefused as exc:
                return exc

        async def refused(answer: DeviceWebSocket | WebSocketRefused) -> bool:
            return isinstance(answer, WebSocketRefused) and answer.status == 401

        answer = await self._authorized(f"WebSocket {path}", attempt, refused)
        if isinstance(answer, WebSocketRefused):
            raise failure_of(f"{self.address.key}: WebSocket {path}", answer.status, None) or DeviceApiError(
                f"{self.address.key} refused the WebSocket {path}", "check the path", status_code=answer.status
            )
        try:
            yield answer
        finally:
            await answer.close()

    # ---- JSON helpers --------------------------------------------------------------------------------------
    async def get_json(self, path: str, *, params: Mapping[str, Any] | None = None, raw: bool = False) -> Any:
        """GET a JSON answer (retried on connection errors and 5xx)."""
        response = await self.request("GET", path, params=params, raw=raw)
        if response.body is None:
            raise DeviceApiError(
                f"{self.address.key}: GET {path} answered something that is not JSON",
                "try again; if it persists, read this endpoint's raw content",
                status_code=response.status_code,
            )
        return response.body

    async def get_object(self, path: str, *, params: Mapping[str, Any] | None = None, raw: bool = False) -> Any:
        """GET a JSON object (a dict); anything else is a :class:`DeviceApiError`."""
        value = await self.get_json(path, params=params, raw=raw)
        if not isinstance(value, dict):
            raise DeviceApiError(
                f"{self.address.key}: GET {path} did not answer a JSON object",
                "the device answered unexpectedly; try again",
                status_code=200,
            )
        return value

    async def send_json(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        raw: bool = False,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send a write (never retried) and return the device's answer; an answer meaning failure raises."""
        response = await self.request(method, path, params=params, json=body, raw=raw, timeout=timeout)
        answer = response.body
        if isinstance(answer, dict):
            return answer
        return {"code": 0, "message": "success"} if answer is None else {"code": 0, "data": answer}


def _cookie(token: str | None) -> dict[str, str]:
    return {"Cookie": f"token={token}"} if token else {}
