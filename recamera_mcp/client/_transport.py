"""The wire: the only module of the project's client layer that imports httpx (and the WebSocket client).

:class:`HttpTransport` sends one request to one camera and answers the client's own :class:`DeviceResponse` (or
:class:`StreamedResponse`, :class:`DeviceWebSocket`); it knows nothing of logins. It owns:

- error mapping: every transport failure becomes a :class:`DeviceTimeout` or :class:`DeviceUnreachable` (a closed
  client included), in :func:`mapped_errors`, the one place that catches httpx;
- bounded answers: a whole body is read only up to ``max_body_bytes``, and every request ends by a total deadline
  (a camera dripping one byte a second cannot hang a call);
- retries of idempotent requests (the caller says how many) after a connection error or a 5xx;
- the scheme switch: a 307/308 (a 301/302/303 for a GET) to the other scheme on the same host (HTTPS on or off) is
  followed once per request, every method, body included, and remembered; any other redirect is returned as it is
  (the token stays on the camera). A refused HTTPS port (HTTPS turned off) sends it back to where it started;
- TLS pinning: the self-signed certificate is pinned by SHA-256 at first use and checked in the handshake, before
  a byte of a request leaves (``_tls.py``); another one raises :class:`IdentityChanged`;
- the wire log (``recamera_mcp.wire`` at DEBUG), bodies masked by the secrets policy.

:class:`KeyProbe` is the lightweight pool discovery uses to ask thousands of hosts for ``/system/key``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import websockets
import websockets.asyncio.client
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from recamera_mcp import __version__
from recamera_mcp.client._errors import (
    DeviceApiError,
    DeviceTimeout,
    DeviceUnreachable,
    IdentityChanged,
    NotAReCamera,
    ReCameraError,
)
from recamera_mcp.client._host import CGI_PREFIX, HostAddress
from recamera_mcp.client._pins import TLS_CERTIFICATE, PinStore, fingerprint, pin_key_of
from recamera_mcp.client._secrets import WIRE_LOGGER, preview
from recamera_mcp.client._tls import PinMismatch, pinning_context, same_host

__all__ = [
    "DeviceResponse",
    "DeviceWebSocket",
    "HttpTransport",
    "HttpxTransport",
    "WebSocketRefused",
    "KeyProbe",
    "ProbeAnswer",
    "StreamedResponse",
    "mapped_errors",
]

log = logging.getLogger(__name__)
wire = logging.getLogger(WIRE_LOGGER)

HttpxTransport = httpx.AsyncBaseTransport
"""An httpx transport (``httpx.ASGITransport`` runs the simulator in-process in quick tests)."""
RETRY_STATUSES = frozenset({500, 502, 503, 504})
_KEEP_METHOD_REDIRECTS = frozenset({307, 308})  # keep method and body: followed for every method
_GET_REDIRECTS = frozenset({301, 302, 303})  # a client turns these into a GET: followed for a GET only
MAX_BODY_BYTES = 32 * 1024 * 1024
"""Largest answer read whole into memory (files are streamed, never read whole)."""
_USER_AGENT = f"recamera-mcp/{__version__}"


def _json_or_none(content: bytes) -> Any:
    if not content:
        return None
    try:
        return jsonlib.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


@dataclass(frozen=True)
class DeviceResponse:
    """A whole answer of the device: status, headers (lower-case names), body bytes and its JSON (or None)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    set_cookies: tuple[str, ...] = ()
    """Every ``Set-Cookie`` header (``headers`` joins repeated headers with ``,``)."""
    body: Any = field(default=None, repr=False)
    """The parsed JSON body, or None when the body is empty or not JSON."""

    @classmethod
    def build(cls, status: int, headers: httpx.Headers, content: bytes) -> DeviceResponse:
        return cls(
            status_code=status,
            headers={k.lower(): v for k, v in headers.items()},
            content=content,
            set_cookies=tuple(headers.get_list("set-cookie")),
            body=_json_or_none(content),
        )

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def is_redirect(self) -> bool:
        return self.status_code in (301, 302, 303, 307, 308) and "location" in self.headers


class StreamedResponse:
    """An answer whose body has not been read yet (:meth:`HttpTransport.stream`)."""

    def __init__(self, response: httpx.Response, where: tuple[str, str, str, float]) -> None:
        self._response = response
        self._where = where
        self.status_code = response.status_code
        self.headers: Mapping[str, str] = {k.lower(): v for k, v in response.headers.items()}

    async def iter_bytes(self, chunk_size: int = 256 * 1024) -> AsyncIterator[bytes]:
        """The body in chunks; a broken connection raises :class:`DeviceUnreachable`, a stall :class:`DeviceTimeout`."""
        with mapped_errors(*self._where):
            async for chunk in self._response.aiter_bytes(chunk_size):
                yield chunk

    async def read(self, limit: int = 64 * 1024) -> bytes:
        """At most ``limit`` bytes of the body (for small answers, e.g. an error)."""
        kept = bytearray()
        async for chunk in self.iter_bytes(16 * 1024):
            kept += chunk[: limit - len(kept)]
            if len(kept) >= limit:
                break
        return bytes(kept)


class DeviceWebSocket:
    """An open WebSocket to the device: text or binary messages, errors mapped, closed with ``async with``."""

    def __init__(self, connection: ClientConnection, where: str) -> None:
        self._ws = connection
        self._where = where
        self.subprotocol: str | None = connection.subprotocol

    async def recv(self, timeout_s: float | None = None) -> str | bytes | None:
        """The next message, or None when ``timeout_s`` passed first; :class:`DeviceUnreachable` when closed."""
        try:
            async with asyncio.timeout(timeout_s):
                message: str | bytes = await self._ws.recv()
                return message
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            raise DeviceUnreachable(
                f"the WebSocket {self._where} was closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})",
                "connect again",
            ) from None

    async def send(self, message: str | bytes) -> None:
        try:
            await self._ws.send(message)
        except ConnectionClosed:
            raise DeviceUnreachable(f"the WebSocket {self._where} was closed", "connect again") from None

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._ws.close()


class _NoRedirects(websockets.asyncio.client.connect):
    """The WebSocket handshake without the library's own redirect following (the transport decides, see
    :meth:`HttpTransport.websocket`): a redirect comes back as the :class:`InvalidStatus` it is."""

    def process_redirect(self, exc: Exception) -> Exception | str:
        return exc


class WebSocketRefused(Exception):
    """The device answered the WebSocket handshake with an HTTP status instead of switching protocols."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


@contextlib.contextmanager
def mapped_errors(host: str, method: str, url: str, timeout: float) -> Iterator[None]:
    """Translate transport failures into the client's errors (the only place that catches httpx)."""
    maybe_done = "" if method in ("GET", "HEAD") else "; the camera may have done it all the same: read its state back"
    try:
        yield
    except httpx.TimeoutException as exc:
        raise DeviceTimeout(
            f"{host} did not answer {method} {url} within {timeout:g} s",
            "check that the camera is on and reachable; for a slow operation give a longer timeout" + maybe_done,
        ) from exc
    except httpx.ConnectError as exc:
        raise DeviceUnreachable(
            f"cannot connect to {host}: {exc}",
            "check the address and port and that the camera is powered and on this network; after a reboot wait "
            "about a minute",
        ) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise DeviceUnreachable(
            f"the connection to {host} broke during {method} {url}: {exc.__class__.__name__}",
            "try again; if it persists the device may be rebooting or overloaded" + maybe_done,
        ) from exc
    except httpx.TransportError as exc:
        raise DeviceUnreachable(f"cannot talk to {host}: {exc.__class__.__name__}: {exc}", "check the network") from exc
    except httpx.HTTPError as exc:  # e.g. a malformed URL built from device data
        raise DeviceUnreachable(f"request to {host} failed: {exc.__class__.__name__}", "check the request") from exc
    except RuntimeError as exc:
        if "closed" not in str(exc):
            raise
        raise DeviceUnreachable(
            f"the connection pool for {host} is closed", "open a new client for this camera"
        ) from exc


class HttpTransport:
    """One camera's connection pool. ``address`` changes when the camera switches between HTTP and HTTPS.

    ``pins``/``pin_key``: where the camera's TLS certificate is pinned (an in-memory store by default)."""

    def __init__(
        self,
        address: HostAddress,
        *,
        timeout: float,
        verify_tls: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        retry_backoff_s: float = 0.2,
        pins: PinStore | None = None,
        pin_key: str | None = None,
    ) -> None:
        self.address = address
        self.origin = address  # where the camera was first reached: the fallback when HTTPS is turned off
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.retry_backoff_s = retry_backoff_s
        self.verify_tls = verify_tls
        self.pins = pins if pins is not None else PinStore()
        self.pin_key = pin_key or pin_key_of(address)
        self.tls_fingerprint: str | None = None  # SHA-256 (hex) of the certificate, once HTTPS was reached
        self._pin_failure: IdentityChanged | None = None
        self._tls = pinning_context(self._check_certificate, verify=verify_tls)
        self._http = httpx.AsyncClient(
            base_url=address.base_url,
            transport=transport,
            timeout=timeout,
            verify=self._tls,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def _check_certificate(self, der: bytes) -> None:  # the handshake's pin check (see pinning_context)
        seen = fingerprint(der)
        try:
            if self.pins.check(self.pin_key, TLS_CERTIFICATE, seen):
                log.warning("%s: pinned its TLS certificate at first use (SHA-256 %s)", self.pin_key, seen)
        except IdentityChanged as exc:
            self._pin_failure = exc
            raise PinMismatch("the camera's TLS certificate is not the pinned one") from None
        self.tls_fingerprint = seen

    @contextlib.contextmanager
    def _mapped(self, host: str, method: str, url: str, timeout: float) -> Iterator[None]:
        """:func:`mapped_errors`, with a refused certificate pin raised as the :class:`IdentityChanged` it is."""
        self._pin_failure = None
        try:
            with mapped_errors(host, method, url, timeout):
                yield
        except DeviceUnreachable:
            if self._pin_failure is not None:
                failure, self._pin_failure = self._pin_failure, None
                raise failure from None
            raise

    def _fall_back(self, exc: ReCameraError) -> bool:
        """After a refused connection on an HTTPS address the camera redirected to, go back to where it started
        (the camera turned HTTPS off); nothing was sent, so the request may be sent again."""
        if self.address == self.origin or not isinstance(exc.__cause__, httpx.ConnectError):
            return False
        log.warning("%s refuses HTTPS connections now; back to %s", self.address.key, self.origin.base_url)
        self._switch(self.origin)
        return True

    def deadline(self, timeout: float | None) -> float:
        """The total time a whole (non-streamed) request may take: twice its per-step timeout, plus a second."""
        return 2 * (timeout if timeout is not None else self.timeout) + 1.0

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        attempts: int = 1,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> DeviceResponse:
        """One request, read whole (bounded), retried up to ``attempts`` times on a connection error or a 5xx.

        ``files`` and ``data`` send a multipart form (``files`` values as httpx takes them: ``(name, open file,
        content type)``; the file is streamed from disk)."""
        attempt = 0
        switched = False
        step = timeout if timeout is not None else self.timeout
        while True:
            attempt += 1
            if wire.isEnabledFor(logging.DEBUG):
                wire.debug("-> %s %s%s %s", method, self.address.key, url, preview(json) if json is not None else "")
            try:
                response = await self._send_once(method, url, params, json, content, headers, step, files, data)
            except DeviceUnreachable as exc:
                if not switched and self._fall_back(exc):
                    switched = True
                    attempt -= 1
                    continue
                if attempt >= attempts:
                    raise
                log.info("%s %s on %s failed (%s); retrying", method, url, self.address.key, exc.message)
            else:
                if wire.isEnabledFor(logging.DEBUG):
                    shown = preview(response.body) if response.body is not None else f"<{len(response.content)} B>"
                    wire.debug("<- %s %s%s %s", response.status_code, self.address.key, url, shown)
                if not switched and self._follow_scheme_switch(method, response.status_code, response.headers):
                    switched = True
                    attempt -= 1
                    continue
                if response.status_code not in RETRY_STATUSES or attempt >= attempts:
                    return response
                log.info("%s %s on %s answered %s; retrying", method, url, self.address.key, response.status_code)
            await asyncio.sleep(min(self.retry_backoff_s * 2 ** (attempt - 1), 2.0))

    async def _send_once(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        content: bytes | str | None,
        headers: Mapping[str, str] | None,
        step: float,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> DeviceResponse:
        where = (self.address.key, method, url, step)
        try:
            with self._mapped(*where):
                async with asyncio.timeout(self.deadline(step)):
                    request = self._http.build_request(
                        method, url, params=dict(params) if params else None, json=json, content=content,
                        headers=dict(headers or {}), timeout=step, files=dict(files) if files else None,
                        data=dict(data) if data else None,
                    )  # fmt: skip
                    response = await self._http.send(request, stream=True)
                    try:
                        body = bytearray()
                        async for chunk in response.aiter_bytes(64 * 1024):
                            body += chunk
                            if len(body) > self.max_body_bytes:
                                raise DeviceApiError(
                                    f"{self.address.key}: {method} {url} answered more than "
                                    f"{self.max_body_bytes} bytes; not read any further",
                                    "this endpoint should answer a small JSON object; check the address",
                                    status_code=response.status_code,
                                )
                    finally:
                        await response.aclose()
                        # httpx's response and its bound stream refer to each other, so the request (and its body:
                        # an upload chunk) would live until the cyclic GC ran; break the cycle to free it now
                        response.stream = httpx.ByteStream(b"")
        except TimeoutError as exc:
            if isinstance(exc, DeviceTimeout):
                raise
            raise DeviceTimeout(
                f"{self.address.key} did not finish answering {method} {url} within {self.deadline(step):g} s",
                "the camera answers too slowly; check its load and the network"
                + ("; it may have done it all the same: read its state back first" if method != "GET" else ""),
            ) from None
        finally:
            self._http.cookies.clear()  # the token travels only in the explicit Cookie header
        return DeviceResponse.build(response.status_code, response.headers, bytes(body))

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[StreamedResponse]:
        """Send one request and hand over the answer unread (no retries; only the scheme switch is followed)."""
        step = timeout if timeout is not None else self.timeout
        for leg in range(2):
            where = (self.address.key, method, url, step)
            wire.debug("-> %s %s%s (streamed)", method, self.address.key, url)
            try:
                with self._mapped(*where):
                    request = self._http.build_request(
                        method, url, params=dict(params) if params else None, headers=dict(headers or {}),
                        content=content, timeout=step,
                    )  # fmt: skip
                    response = await self._http.send(request, stream=True)
            except DeviceUnreachable as exc:
                if leg == 0 and self._fall_back(exc):
                    continue
                raise
            finally:
                self._http.cookies.clear()
            if leg == 0 and self._follow_scheme_switch(method, response.status_code, response.headers):
                with mapped_errors(*where):
                    await response.aclose()
                continue
            break
        try:
            yield StreamedResponse(response, where)
        finally:
            with mapped_errors(*where):
                await response.aclose()

    async def websocket(
        self, path: str, *, headers: Mapping[str, str], subprotocols: list[str] | None = None
    ) -> DeviceWebSocket:
        """Open a WebSocket at a raw ``path`` (``ws://`` or ``wss://`` by the camera's scheme).

        Redirects are never followed by the WebSocket library: the camera's switch to the other scheme (HTTPS
        turned on or off: nginx answers 307 to ``https://``) is followed once and remembered, as for requests.
        Raises :class:`WebSocketRefused` when the device answers the handshake with another HTTP status (e.g. 401).
        """
        for leg in range(2):
            try:
                connection = await self._open_websocket(path, headers, subprotocols)
                break
            except InvalidStatus as exc:
                status, answer = exc.response.status_code, exc.response.headers
                if leg == 0 and self._follow_scheme_switch("GET", status, {k.lower(): v for k, v in answer.items()}):
                    continue
                raise WebSocketRefused(status, bytes(exc.response.body or b"")[:4096]) from None
        return DeviceWebSocket(connection, f"{path} on {self.address.key}")

    async def _open_websocket(
        self, path: str, headers: Mapping[str, str], subprotocols: list[str] | None
    ) -> ClientConnection:
        scheme = "wss" if self.address.scheme == "https" else "ws"
        url = f"{scheme}://{self.address.base_url.split('://', 1)[1]}{path}"
        self._pin_failure = None
        try:
            return await _NoRedirects(
                url,
                additional_headers=dict(headers),
                subprotocols=[websockets.Subprotocol(p) for p in subprotocols] if subprotocols else None,
                ssl=self._tls if scheme == "wss" else None,
                open_timeout=self.timeout,
                max_size=4 * 1024 * 1024,
                user_agent_header=_USER_AGENT,
                proxy=None,
            )
        except InvalidStatus:
            raise
        except TimeoutError:
            raise DeviceTimeout(
                f"{self.address.key} did not open the WebSocket {path} within {self.timeout:g} s",
                "check that the camera is on and reachable",
            ) from None
        except (OSError, InvalidHandshake) as exc:
            if self._pin_failure is not None:
                failure, self._pin_failure = self._pin_failure, None
                raise failure from None
            raise DeviceUnreachable(
                f"cannot open the WebSocket {path} on {self.address.key}: {exc.__class__.__name__}: {exc}",
                "check the address and that the camera is up",
            ) from None

    def _follow_scheme_switch(self, method: str, status: int, headers: Mapping[str, str]) -> bool:
        """Follow a redirect to the same host under the other scheme (HTTPS turned on or off): a 307/308 for every
        method, a 301/302/303 for a GET only. Any other redirect is not followed (see the module docstring)."""
        if status not in _KEEP_METHOD_REDIRECTS and not (status in _GET_REDIRECTS and method == "GET"):
            return False
        try:
            location = urlsplit(headers.get("location", ""))
            port = location.port
        except ValueError:
            return False
        scheme = location.scheme.lower()
        if scheme not in ("http", "https") or scheme == self.address.scheme:
            return False
        if not same_host(location.hostname, self.address.host):
            return False
        new = self.address.with_scheme(scheme, port)
        log.warning("%s redirects to %s; switching to %s", self.address.key, scheme.upper(), new.base_url)
        self._switch(new)
        return True

    def _switch(self, new: HostAddress) -> None:
        self.address = new
        self._http.base_url = httpx.URL(new.base_url)


# ---- discovery's lightweight probe --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbeAnswer:
    """What a host answered to ``GET /system/key``: status, body (capped), and where it finally came from."""

    status: int
    body: bytes
    scheme: str
    port: int
    elapsed_ms: float

    @property
    def json(self) -> Any:
        return _json_or_none(self.body)


class KeyProbe:
    """A shared pool for asking many hosts ``GET /system/key`` (no keep-alive, bodies capped at ``max_body``)."""

    def __init__(self, *, timeout_s: float, concurrency: int, max_body: int = 64 * 1024) -> None:
        self.timeout_s = timeout_s
        self.max_body = max_body
        self._http = httpx.AsyncClient(
            verify=False,
            timeout=httpx.Timeout(timeout_s, pool=None),
            limits=httpx.Limits(max_connections=concurrency + 8, max_keepalive_connections=0),
            trust_env=False,
            headers={"User-Agent": _USER_AGENT},
        )

    async def __aenter__(self) -> KeyProbe:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def _get(self, url: str) -> tuple[int, Mapping[str, str], bytes]:
        async with self._http.stream("GET", url) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= self.max_body:
                    break
            return response.status_code, response.headers, bytes(body[: self.max_body])

    async def probe(self, ip: str, port: int) -> ProbeAnswer:
        """Ask ``ip:port`` for its key, following one redirect to ``https://`` on the same host.

        Each GET is bounded by the timeout. Raises :class:`DeviceTimeout` (accepted, but no answer in time) or
        :class:`DeviceUnreachable` (refused, no route): the host gave no HTTP answer. Raises
        :class:`NotAReCamera` when something answered that is not HTTP, or the https leg of a redirect failed.
        Any other answer (a 404, a redirect elsewhere) comes back as it is for the caller to classify."""
        host = f"[{ip}]" if ":" in ip else ip
        started = time.perf_counter()
        try:
            with mapped_errors(ip, "GET", "/system/key", self.timeout_s):
                async with asyncio.timeout(self.timeout_s):
                    status, headers, body = await self._get(f"http://{host}:{port}{CGI_PREFIX}/system/key")
        except TimeoutError as exc:
            if isinstance(exc, DeviceTimeout):
                raise
            raise DeviceTimeout(f"{ip} did not answer /system/key within {self.timeout_s:g} s", "") from None
        except DeviceUnreachable as exc:
            if isinstance(exc.__cause__, httpx.ConnectError):
                raise
            raise NotAReCamera(f"{ip} answered, but not with HTTP", "") from None
        scheme = "http"
        target = urlsplit(headers.get("location", ""))
        if status in (301, 302, 303, 307, 308) and target.scheme == "https" and target.hostname == ip:
            scheme, port = "https", target.port or 443
            try:
                with mapped_errors(ip, "GET", "/system/key", self.timeout_s):
                    async with asyncio.timeout(self.timeout_s):
                        status, headers, body = await self._get(f"https://{host}:{port}{CGI_PREFIX}/system/key")
            except (TimeoutError, DeviceUnreachable):
                raise NotAReCamera(f"{ip} redirected to https, which did not answer", "") from None
        return ProbeAnswer(status, body, scheme, port, round((time.perf_counter() - started) * 1000, 1))
