"""``ReCameraClient``: one camera, one shared ``httpx.AsyncClient``, one request funnel.

:meth:`ReCameraClient.request` is the only place that touches httpx. It owns the base URL (CGI or raw path), the
token cookie, lazy login, the one re-login and one retry on 401 (shared by concurrent callers), bounded retries of
idempotent GETs, the switch to HTTPS when the device redirects, error mapping and the wire log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from recamera_mcp import __version__
from recamera_mcp.client._auth import (
    encrypt_password,
    load_public_key,
    password_problem,
    read_login_answer,
    token_from,
)
from recamera_mcp.client._config import WritePlan, area_spec, resolve_spec
from recamera_mcp.client._endpoints import AreaSpec, ConfigArea
from recamera_mcp.client._errors import (
    AuthError,
    DeviceApiError,
    DeviceTimeout,
    DeviceUnreachable,
    LockedOut,
    MustChangePassword,
    NotAReCamera,
    NotSupported,
    ReCameraError,
    TokenRejected,
    ValidationError,
    WrongCredentials,
)
from recamera_mcp.client._host import CGI_PREFIX, HostAddress, parse_host
from recamera_mcp.client._models import LoginResult, WriteResult
from recamera_mcp.client._secrets import WIRE_LOGGER, mask_secrets
from recamera_mcp.client._token_cache import TokenCache, token_expiry, token_is_live
from recamera_mcp.client._validators import check_merged, check_with_device

__all__ = ["DEFAULT_USERNAME", "ReCameraClient", "StreamedResponse"]

log = logging.getLogger(__name__)
wire = logging.getLogger(WIRE_LOGGER)

DEFAULT_USERNAME = "admin"
_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_WIRE_PREVIEW = 2000

_HINTS = {
    400: "fix the named parameter and try again; read the current config first",
    404: "this endpoint or item does not exist on this device or firmware",
    409: "the device is busy; wait a moment and try again",
    413: "the request body is too large for the device",
    500: "the device failed internally; try again later or check its logs",
}


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return jsonlib.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def _body_code(body: Any) -> int | None:
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _is_unauthorized(response: httpx.Response) -> bool:
    return response.status_code == 401 or _body_code(_json_or_none(response)) == 401


def _preview(value: Any) -> str:
    text = jsonlib.dumps(mask_secrets(value), ensure_ascii=False, default=str)
    return text if len(text) <= _WIRE_PREVIEW else text[:_WIRE_PREVIEW] + f"... ({len(text)} chars)"


class StreamedResponse:
    """An answer whose body has not been read yet (from :meth:`ReCameraClient.stream`)."""

    def __init__(
        self,
        response: httpx.Response,
        mapped: Callable[[str, str, float | None], contextlib.AbstractContextManager[None]],
        method: str,
        url: str,
        timeout: float | None,
    ) -> None:
        self._response = response
        self._mapped = mapped
        self._where = (method, url, timeout)
        self.status_code = response.status_code
        self.headers: Mapping[str, str] = response.headers

    async def iter_bytes(self, chunk_size: int = 256 * 1024) -> AsyncIterator[bytes]:
        """The body in chunks; a broken connection raises :class:`DeviceUnreachable`, a stall :class:`DeviceTimeout`."""
        with self._mapped(*self._where):
            async for chunk in self._response.aiter_bytes(chunk_size):
                yield chunk

    async def read(self) -> bytes:
        """The whole body (for small answers, e.g. an error)."""
        with self._mapped(*self._where):
            return await self._response.aread()


class ReCameraClient:
    """An async client for one reCamera. Use ``async with ReCameraClient(...) as cam:`` or call :meth:`close`.

    ``host``: ``ip``, ``ip:port``, ``name[:port]`` or an ``http(s)://`` URL. ``transport`` lets tests run the
    simulator in-process (``httpx.ASGITransport``). ``token_cache`` persists tokens across restarts.
    ``get_retries``: extra attempts of a GET after a connection error or a 5xx (writes are never retried).
    """

    def __init__(
        self,
        host: str | HostAddress,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        token_cache: TokenCache | None = None,
        verify_tls: bool = False,
        get_retries: int = 2,
        retry_backoff_s: float = 0.2,
    ) -> None:
        self.address = host if isinstance(host, HostAddress) else parse_host(host)
        if not timeout > 0:
            raise ValidationError(f"timeout must be > 0 s, got {timeout}", "give a timeout in seconds", field="timeout")
        if get_retries < 0:
            raise ValidationError("get_retries must be >= 0", "use 0 to disable retries", field="get_retries")
        self.username = username
        self._password = password
        self.timeout = timeout
        self.get_retries = get_retries
        self.retry_backoff_s = retry_backoff_s
        self.token_cache = token_cache
        self.must_change_password = False
        self._token: str | None = None
        self._token_expires: float | None = None
        self._generation = 0
        self._login_lock = asyncio.Lock()
        self._locked_until = 0.0
        self._rejected: tuple[str, str] | None = None
        self._http = httpx.AsyncClient(
            base_url=self.address.base_url,
            transport=transport,
            timeout=timeout,
            verify=verify_tls,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": f"recamera-mcp/{__version__}", "Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"ReCameraClient({self.address.key!r}, username={self._user!r}, logged_in={self.logged_in})"

    # ---- lifecycle -----------------------------------------------------------------------------------------
    async def __aenter__(self) -> ReCameraClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool. The token stays valid on the device (and in the cache) for reuse."""
        await self._http.aclose()

    # ---- credentials and token -----------------------------------------------------------------------------
    @property
    def _user(self) -> str:
        return self.username or DEFAULT_USERNAME

    @property
    def logged_in(self) -> bool:
        """True when the client holds a token that has not expired by its own clock."""
        return self._token is not None and token_is_live(self._token_expires)

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
        remaining = self._locked_until - time.monotonic()
        if remaining > 0:
            wait = math.ceil(remaining)
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
        body = _json_or_none(response)
        key = body.get("sPublicKey") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(key, str) or not key.strip():
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
                "pass username and password, or configure them (RECAMERA_USERNAME / RECAMERA_PASSWORD, or the "
                "config file) so they need not appear in the conversation",
            )
        try:
            key = load_public_key(await self.get_public_key())
        except ValueError as exc:
            raise NotAReCamera(
                f"{self.address.key} sent a public key that is not RSA", "check that the host is a reCamera"
            ) from exc
        user, password = self._user, self._password
        body = {"sUserName": user, "sPassword": encrypt_password(key, password)}
        response = await self._request("POST", "/system/login", json=body, auth=False, relogin=False, check=True)
        try:
            answer = read_login_answer(self.address.key, _json_or_none(response))
        except LockedOut as exc:
            self._locked_until = time.monotonic() + max(exc.wait_s, 1)
            self._drop_token()
            raise
        except WrongCredentials:
            self._rejected = (user, password)
            self._drop_token()
            raise
        token = token_from(response.headers.get_list("set-cookie"))
        if token is None:
            raise AuthError(
                f"{self.address.key} accepted the login but set no token cookie",
                "the device answered unexpectedly; try again, or check its firmware",
            )
        self._rejected = None
        self.must_change_password = answer.must_change_password
        self._set_token(token, persist=not answer.must_change_password)
        log.info(
            "logged in to %s as %s%s",
            self.address.key,
            user,
            " (password change required)" if answer.must_change_password else "",
        )

    async def _relogin(self, seen_generation: int) -> None:
        """Replace a refused token, once for all concurrent callers that saw the same token."""
        async with self._login_lock:
            if self._generation != seen_generation and self.logged_in:
                return  # another caller already logged in again
            self._drop_token()
            await self._login_locked()

    async def logout(self) -> None:
        """Log out on the device (revoking the token) and forget the token locally."""
        try:
            if self.logged_in:
                await self._request("POST", "/system/logout", relogin=False, check=False)
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
        borrowed = self._password is None
        if borrowed:
            self._password = old  # lets request() log in for the PUT; dropped again if the device refuses it
        key = load_public_key(await self.get_public_key())
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

    # ---- the funnel ----------------------------------------------------------------------------------------
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
    ) -> httpx.Response:
        """Send one request to the device and return the answer (errors mapped to :class:`ReCameraError`).

        ``path`` is relative to ``/cgi-bin/entry.cgi`` unless ``raw`` (then relative to the host root). With
        ``auth`` the token cookie is sent (logging in first when there is none); a 401 leads to one re-login and
        one retry. ``check=False`` returns error answers instead of raising :class:`DeviceApiError`.
        """
        return await self._request(
            method,
            path,
            params=params,
            json=json,
            content=content,
            headers=headers,
            raw=raw,
            auth=auth,
            timeout=timeout,
            check=check,
        )

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

    async def _request(
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
        relogin: bool = True,
    ) -> httpx.Response:
        method = method.upper()
        url = self._url(path, raw)
        token: str | None = None
        generation = 0
        if auth:
            if not self.logged_in:
                async with self._login_lock:
                    if not self._reuse_token():
                        await self._login_locked()
            token, generation = self._token, self._generation
        send = dict(params=params, json=json, content=content, headers=headers, timeout=timeout)
        response = await self._send(method, url, token=token, **send)
        if auth and relogin and _is_unauthorized(response):
            log.info("%s refused the token on %s %s; logging in again once", self.address.key, method, url)
            await self._relogin(generation)
            response = await self._send(method, url, token=self._token, **send)
            if _is_unauthorized(response):
                self._drop_token()
                raise TokenRejected(
                    f"{self.address.key} refused a fresh token on {method} {url}",
                    "not retrying again; the device may be revoking sessions or its clock may be off; check it, then "
                    "log in again",
                )
        if check:
            self._raise_for_answer(method, url, response)
        return response

    async def _send(
        self,
        method: str,
        url: str,
        *,
        token: str | None,
        params: Mapping[str, Any] | None,
        json: Any,
        content: bytes | str | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
    ) -> httpx.Response:
        """One request with GET retries and the HTTPS switch; no auth logic."""
        attempts = 1 + (self.get_retries if method == "GET" else 0)
        attempt = 0
        switched = False
        while True:
            attempt += 1
            request_headers = dict(headers or {})
            if token is not None:
                request_headers["Cookie"] = f"token={token}"
            if wire.isEnabledFor(logging.DEBUG):
                wire.debug("-> %s %s%s %s", method, self.address.key, url, _preview(json) if json is not None else "")
            try:
                with self._mapped_errors(method, url, timeout):
                    response = await self._http.request(
                        method,
                        url,
                        params=dict(params) if params else None,
                        json=json,
                        content=content,
                        headers=request_headers,
                        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    )
            except DeviceUnreachable as exc:
                if attempt >= attempts:
                    raise
                log.info("GET %s on %s failed (%s); retrying", url, self.address.key, exc.message)
            else:
                if wire.isEnabledFor(logging.DEBUG):
                    body = _json_or_none(response)
                    shown = _preview(body) if body is not None else f"<{len(response.content)} bytes>"
                    wire.debug("<- %s %s%s %s", response.status_code, self.address.key, url, shown)
                if response.is_redirect and not switched and self._follow_scheme_switch(response):
                    switched = True
                    attempt -= 1
                    continue
                if response.status_code not in _RETRY_STATUSES or attempt >= attempts:
                    return response
                log.info("GET %s on %s answered %s; retrying", url, self.address.key, response.status_code)
            finally:
                self._http.cookies.clear()  # the token travels only in the explicit Cookie header
            await asyncio.sleep(min(self.retry_backoff_s * 2 ** (attempt - 1), 2.0))

    def _follow_scheme_switch(self, response: httpx.Response) -> bool:
        """When the device redirects to the same host under the other scheme (HTTPS on/off), follow it."""
        location = urlsplit(response.headers.get("location", ""))
        scheme = location.scheme.lower()
        if scheme not in ("http", "https") or scheme == self.address.scheme:
            return False
        if (location.hostname or "").lower() not in (self.address.host, ""):
            return False
        new = self.address.with_scheme(scheme, location.port)
        log.warning("%s redirects to %s; switching to %s", self.address.key, scheme.upper(), new.base_url)
        self.address = new
        self._http.base_url = httpx.URL(new.base_url)
        return True

    @contextlib.contextmanager
    def _mapped_errors(self, method: str, url: str, timeout: float | None) -> Iterator[None]:
        """Translate httpx transport errors into the client's errors (the only place that catches httpx)."""
        where = self.address.key
        try:
            yield
        except httpx.TimeoutException as exc:
            raise DeviceTimeout(
                f"{where} did not answer {method} {url} within {timeout or self.timeout:g} s",
                "check that the camera is on and reachable; for a slow operation give a longer timeout",
            ) from exc
        except httpx.ConnectError as exc:
            raise DeviceUnreachable(
                f"cannot connect to {where}: {exc}",
                "check the address and port and that the camera is powered and on this network; after a reboot "
                "wait about a minute",
            ) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise DeviceUnreachable(
                f"the connection to {where} broke during {method} {url}: {exc.__class__.__name__}",
                "try again; if it persists the device may be rebooting or overloaded",
            ) from exc
        except httpx.TransportError as exc:
            raise DeviceUnreachable(
                f"cannot talk to {where}: {exc.__class__.__name__}: {exc}", "check the address and the network"
            ) from exc

    def _raise_for_answer(self, method: str, url: str, response: httpx.Response) -> None:
        status = response.status_code
        body = _json_or_none(response)
        code = _body_code(body)
        if 200 <= status < 300 and code in (None, 0, 200):
            return
        message = None
        if isinstance(body, dict):
            text = body.get("message", body.get("sMessage"))
            message = str(text) if text is not None else None
        where = f"{self.address.key}: {method} {url}"
        if (status == 403 or code == 403) and (self.must_change_password or "password" in (message or "").lower()):
            raise MustChangePassword(
                f"{where} refused: the device requires a password change first",
                "call change_password(new_password) before anything else",
            )
        if status == 501 or code == 501:
            raise NotSupported(
                f"{where} is not implemented by this device ({message or 'Not Implemented'})",
                "this firmware lacks the feature; check the firmware version",
            )
        if status == 401 or code == 401:
            raise AuthError(f"{where} needs a login ({message or 'Unauthorized'})", "log in first")
        detail = f" with device code {code}" if code is not None and code != status else ""
        hint = _HINTS.get(status, _HINTS.get(code or 0, "check the request against the API reference"))
        raise DeviceApiError(
            f"{where} failed: HTTP {status}{detail}" + (f": {message}" if message else ""),
            hint,
            status_code=status,
            device_code=code,
            device_message=message,
        )

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        raw: bool = False,
        timeout: float | None = None,
    ) -> AsyncIterator[StreamedResponse]:
        """Send one request and hand over the answer unread, for bodies too big to hold in memory.

        Auth as :meth:`request` (lazy login, one re-login on 401); no retries, no status check: look at
        ``status_code``. Iterate the body with :meth:`StreamedResponse.iter_bytes` (transport errors mapped).
        """
        method = method.upper()
        url = self._url(path, raw)
        relogged = False
        while True:
            if not self.logged_in:
                async with self._login_lock:
                    if not self._reuse_token():
                        await self._login_locked()
            token, generation = self._token, self._generation
            request_headers = {**(headers or {}), "Cookie": f"token={token}"}
            wire.debug("-> %s %s%s (streamed)", method, self.address.key, url)
            try:
                with self._mapped_errors(method, url, timeout):
                    request = self._http.build_request(
                        method,
                        url,
                        params=dict(params) if params else None,
                        headers=request_headers,
                        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    )
                    response = await self._http.send(request, stream=True)
            finally:
                self._http.cookies.clear()
            if response.status_code != 401:
                break
            await response.aclose()
            if relogged:
                self._drop_token()
                raise TokenRejected(
                    f"{self.address.key} refused a fresh token on {method} {url}",
                    "not retrying again; check the device, then log in again",
                )
            relogged = True
            await self._relogin(generation)
        try:
            yield StreamedResponse(response, self._mapped_errors, method, url, timeout)
        finally:
            await response.aclose()

    # ---- JSON helpers --------------------------------------------------------------------------------------
    def _parse(self, response: httpx.Response, method: str, path: str) -> Any:
        body = _json_or_none(response)
        if body is None:
            raise DeviceApiError(
                f"{self.address.key}: {method} {path} answered something that is not JSON",
                "try again; if it persists, read this endpoint with request() as raw content",
                status_code=response.status_code,
            )
        return body

    async def get_json(self, path: str, *, params: Mapping[str, Any] | None = None, raw: bool = False) -> Any:
        """GET a JSON answer (retried on connection errors and 5xx)."""
        return self._parse(await self.request("GET", path, params=params, raw=raw), "GET", path)

    async def send_json(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        raw: bool = False,
    ) -> dict[str, Any]:
        """Send a write (never retried) and return the device's answer; a non-zero ``code`` raises."""
        response = await self.request(method, path, params=params, json=body, raw=raw)
        answer = _json_or_none(response)
        if isinstance(answer, dict):
            return answer
        return {"code": 0, "message": "success"} if answer is None else {"code": 0, "data": answer}

    # ---- configs -------------------------------------------------------------------------------------------
    @staticmethod
    def area_spec(area: ConfigArea | str) -> AreaSpec:
        """The table entry of a config area; :class:`ValidationError` for an unknown one."""
        return area_spec(area)

    async def get_config(self, area: ConfigArea | str) -> dict[str, Any]:
        """The whole config object of an area, as the device sends it (secrets included: mask before showing)."""
        spec = area_spec(area)
        value = await self.get_json(spec.path, params=spec.params, raw=spec.raw)
        if not isinstance(value, dict):
            raise DeviceApiError(
                f"{self.address.key}: GET {spec.path} did not answer a JSON object",
                "the device answered unexpectedly; try again",
                status_code=200,
            )
        return value

    async def read_modify_write(
        self,
        path_or_area: str | ConfigArea,
        changes: Mapping[str, Any],
        *,
        write_method: str | None = None,
        raw: bool = False,
        dry_run: bool = False,
        reveal_secrets: bool = False,
    ) -> WriteResult:
        """Change some fields of a config object and leave every other field as it was.

        GET the whole object, validate ``changes`` against it (unknown field or wrong type: :class:`ValidationError`
        and nothing is written), deep-merge them, send the WHOLE object with the endpoint's method, GET it again
        and report each asked field. ``dry_run`` sends no write and reports what would change. Secret values are
        masked in the result unless ``reveal_secrets``; a masked value in ``changes`` keeps the device's value.
        """
        spec = resolve_spec(path_or_area, raw=raw, write_method=write_method)
        current = await self.get_json(spec.path, params=spec.params, raw=spec.raw)
        if not isinstance(current, dict):
            raise NotSupported(
                f"{self.address.key}: {spec.path} does not answer a JSON object, so it cannot be changed by field",
                "use send_json() for this endpoint",
            )
        plan = WritePlan.build(spec, current, changes, reveal_secrets=reveal_secrets)
        check_merged(spec, plan.current, plan.merged)  # per-area rules (video, stream, OSD, audio)
        await check_with_device(self, spec, plan.merged)  # rules that depend on the device (record triggers)
        if dry_run or not plan.needs_write:
            return plan.preview(dry_run=dry_run)
        await self.send_json(spec.write_method, spec.path, plan.merged, params=spec.params, raw=spec.raw)
        result = plan.report(await self.get_json(spec.path, params=spec.params, raw=spec.raw))
        for change in result.changes:
            if not change.kept:
                log.warning("%s did not keep %s on %s", self.address.key, change.field, spec.path)
        return result
