"""The wire: the only module of the project's client layer that imports httpx (and the WebSocket client).

:class:`HttpTransport` sends one request to one camera and answers the client's own :class:`DeviceResponse` (or
:class:`StreamedResponse`, :class:`DeviceWebSocket`); it knows nothing of logins. It owns:

- error mapping: every transport failure becomes a :class:`DeviceTimeout` or :class:`DeviceUnreachable` (a closed
  client included), in :func:`mapped_errors`, the one place that catches httpx;
- bounded answers: a whole body is read only up to ``max_body_bytes``, and every request ends by a total deadline
  (a camera dripping one byte a second cannot hang a call);
- retries of idempotent requests (the caller says how many) after a connection error or a 5xx;
- the scheme switch: a redirect to the other scheme on the same host and port family (HTTPS turned on or off) is
  followed once and remembered; any other redirect is returned as it is, never followed (the token stays on the
  camera's origin);
- the wire log (``recamera_mcp.wire`` at DEBUG), bodies masked by the secrets policy.

:class:`KeyProbe` is the lightweight pool discovery uses to ask thousands of hosts for ``/system/key``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import logging
import ssl
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
from recamera_mcp.client._errors import DeviceApiError, DeviceTimeout, DeviceUnreachable, NotAReCamera
from recamera_mcp.client._host import CGI_PREFIX, HostAddress
from recamera_mcp.client._secrets import WIRE_LOGGER, preview

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
    try:
        yield
    except httpx.TimeoutException as exc:
        raise DeviceTimeout(
            f"{host} did not answer {method} {url} within {timeout:g} s",
            "check that the camera is on and reachable; for a slow operation give a longer timeout",
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
            "try again; if it persists the device may be rebooting or overloaded",
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
    """One camera's connection pool. ``address`` changes when the camera switches between HTTP and HTTPS."""

    def __init__(
        self,
        address: HostAddress,
        *,
        timeout: float,
        verify_tls: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        retry_backoff_s: float = 0.2,
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.retry_backoff_s = retry_backoff_s
        self.verify_tls = verify_tls
        self._http = httpx.AsyncClient(
            base_url=address.base_url,
            transport=transport,
            timeout=timeout,
            verify=verify_tls,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

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
                if attempt >= attempts:
                    raise
                log.info("%s %s on %s failed (%s); retrying", method, url, self.address.key, exc.message)
            else:
                if wire.isEnabledFor(logging.DEBUG):
                    shown = preview(response.body) if response.body is not None else f"<{len(response.content)} B>"
                    wire.debug("<- %s %s%s %s", response.status_code, self.address.key, url, shown)
                if response.is_redirect and not switched and self._follow_scheme_switch(response):
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
            with mapped_errors(*where):
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
                "the camera answers too slowly; check its load and the network",
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
        """Send one request and hand over the answer unread (no retries, no redirects followed)."""
        step = timeout if timeout is not None else self.timeout
        where = (self.address.key, method, url, step)
        wire.debug("-> %s %s%s (streamed)", method, self.address.key, url)
        try:
            with mapped_errors(*where):
                request = self._http.build_request(
                    method, url, params=dict(params) if params else None, headers=dict(headers or {}),
                    content=content, timeout=step,
                )  # fmt: skip
                response = await self._http.send(request, stream=True)
        finally:
            self._http.cookies.clear()
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
        for attempt in (0, 1):
            try:
                connection = await self._ws_connect(path, headers, subprotocols)
            except InvalidStatus as exc:
                status, location = exc.response.status_code, exc.response.headers.get("Location", "")
                moved = DeviceResponse(status, {"location": location}, b"")
                if attempt == 0 and moved.is_redirect and self._follow_scheme_switch(moved):
                    continue
                raise WebSocketRefused(status, bytes(exc.response.body or b"")[:4096]) from None
            except TimeoutError:
                raise DeviceTimeout(
                    f"{self.address.key} did not open the WebSocket {path} within {self.timeout:g} s",
                    "check that the camera is on and reachable",
                ) from None
            except (OSError, InvalidHandshake) as exc:
                raise DeviceUnreachable(
                    f"cannot open the WebSocket {path} on {self.address.key}: {exc.__class__.__name__}: {exc}",
                    "check the address and that the camera is up",
                ) from None
            return DeviceWebSocket(connection, f"{path} on {self.address.key}")
        raise AssertionError("unreachable")  # pragma: no cover

    async def _ws_connect(
        self, path: str, headers: Mapping[str, str], subprotocols: list[str] | None
    ) -> ClientConnection:
        scheme = "wss" if self.address.scheme == "https" else "ws"
        url = f"{scheme}://{self.address.base_url.split('://', 1)[1]}{path}"
        context: ssl.SSLContext | None = None
        if scheme == "wss":
            context = ssl.create_default_context()
            if not self.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        return await _NoRedirects(
            url,
            additional_headers=dict(headers),
            subprotocols=[websockets.Subprotocol(p) for p in subprotocols] if subprotocols else None,
            ssl=context,
            open_timeout=self.timeout,
            max_size=4 * 1024 * 1024,
            user_agent_header=_USER_AGENT,
            proxy=None,
        )

    def _follow_scheme_switch(self, response: DeviceResponse) -> bool:
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
