"""``create_app(state)``: one simulated camera as an ASGI app (Starlette), strict like the device.

Around the route table sits :class:`DeviceGate`, a plain ASGI middleware that, for every request: enforces the
body size limit, answers nginx's 307 between the HTTP and HTTPS ports (see ``routes/secure.py``), applies the
fault switches, checks the token cookie (401 ``{"code": 401, ...}`` when missing, expired, forged or revoked; only
the ``Cookie`` header counts, a ``?token=`` query never does) and logs method, path, body keys and status in
``state.log``.

``/__sim__/...`` is the simulator's own control surface (faults, request log); it is not part of the device.
``POST /__sim__/faults`` takes a JSON object of: the switches of :class:`~recamera_mcp.simulator.state.Faults`,
``reboot_s``, ``revoke_tokens`` / ``expire_tokens``, and the area faults of the routes modules (``FAULTS`` fired by
a truthy value, ``VALUE_FAULTS`` called with it). The diagnosis states (``cpu_high``, ``clock_skew_s``,
``storage_full``, ``inference_error``, ``record_event_failed``) and how the device API clears each are in
:mod:`recamera_mcp.simulator.routes.diagnosis`. An unknown name answers 400 listing every known one.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recamera_mcp.simulator import routes
from recamera_mcp.simulator.errors import SimError
from recamera_mcp.simulator.routes.auth import PASSWORD_CHANGE_PATHS
from recamera_mcp.simulator.routes.common import CGI_BASE, device_of, error_response, parse_json
from recamera_mcp.simulator.routes.secure import redirect_location
from recamera_mcp.simulator.state import DeviceState, LoggedRequest

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/__sim__"
PROTECTED_RAW_PREFIXES = ("/storage/", "/ws/", "/api/v1/")


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _token_from(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name.lower() == b"cookie":
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except CookieError:
                continue
            if "token" in cookie:
                return cookie["token"].value
    return None


class DeviceGate:
    """Body limit, faults, the token check and the request log, in front of the route table."""

    def __init__(self, app: ASGIApp, state: DeviceState) -> None:
        self.app = app
        self.state = state
        self.public = routes.public_paths()

    def _classify(self, path: str) -> tuple[str, bool]:
        """(path as logged, whether a token is needed)."""
        if path == CGI_BASE or path.startswith(CGI_BASE + "/"):
            rel = path[len(CGI_BASE) :] or "/"
            return rel, rel not in self.public
        return path, path.startswith(PROTECTED_RAW_PREFIXES)

    def _auth_problem(self, rel: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, str] | None:
        check = self.state.auth.verify(_token_from(headers))
        if not check.ok:
            return 401, check.message
        if check.purpose == "passwd" and rel not in PASSWORD_CHANGE_PATHS:
            return 403, "Password change required: change it with PUT /system/password first"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        await self._http(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        rel, needs_token = self._classify(scope["path"])
        location = redirect_location(self.state, scope)
        if location is not None:
            problem: tuple[int, str] | None = (307, "Temporary Redirect")
        else:
            problem = self._auth_problem(rel, scope["headers"]) if needs_token else None
        self._log(scope, rel, None, 101 if problem is None else problem[0])
        if problem is None:
            await self.app(scope, receive, send)
            return
        await receive()  # websocket.connect
        status, message = problem
        if "websocket.http.response" in scope.get("extensions", {}):
            body = _json_bytes({"code": status, "message": message})
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            if location is not None:
                headers.append((b"location", location.encode("latin-1")))
            await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:
            await send({"type": "websocket.close", "code": 4000 + status})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        rel, needs_token = self._classify(scope["path"])
        faults = self.state.faults
        limit = self.state.settings.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            incoming = await receive()
            if incoming["type"] == "http.disconnect":
                return
            chunk = incoming.get("body", b"")
            size += len(chunk)
            if size > limit:
                self._log(scope, rel, None, 413)
                await self._reply(send, 413, {"code": 413, "message": f"Request body too large (limit {limit} bytes)"})
                return
            chunks.append(chunk)
            more = incoming.get("more_body", False)
        body = b"".join(chunks)
        parsed = self._parse(body)
        location = redirect_location(self.state, scope)
        if location is not None:  # nginx: return 307 to the other port, before anything else
            self._log(scope, rel, parsed, 307)
            await self._reply(send, 307, {"code": 307, "message": "Temporary Redirect"}, location)
            return

        if faults.latency_s > 0:
            await asyncio.sleep(faults.latency_s)
        if faults.matches(rel):
            if faults.fail_next > 0:
                faults.fail_next -= 1
                self._log(scope, rel, parsed, faults.fail_status)
                await self._reply(
                    send, faults.fail_status, {"code": faults.fail_status, "message": "Internal Server Error"}
                )
                return
            if faults.drop_next > 0:
                faults.drop_next -= 1
                self._log(scope, rel, parsed, 0)
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4096")]})
                await send({"type": "http.response.body", "body": b'{"code": 0, ', "more_body": True})
                raise ConnectionAbortedError("simulated dropped connection")
            if faults.malformed_next > 0:
                faults.malformed_next -= 1
                self._log(scope, rel, parsed, 200)
                raw = b'{"code": 0, "message": "succ'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(raw)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": raw})
                return

        if needs_token:
            problem = self._auth_problem(rel, scope["headers"])
            if problem is not None:
                status, message = problem
                self._log(scope, rel, parsed, status)
                await self._reply(send, status, {"code": status, "message": message})
                return

        canned = faults.take_answer(scope.get("method", ""), rel)
        if canned is not None:  # the answer_next fault (self-contained: nothing else reads it)
            self._log(scope, rel, parsed, canned["status"])
            await self._reply(send, canned["status"], canned.get("body"))
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            next_message: Message = await receive()
            return next_message

        logged = False

        async def watch(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start" and not logged:
                # Log before the answer leaves, so a client that got its answer always finds the request logged.
                logged = True
                self._log(scope, rel, parsed, message["status"])
            await send(message)

        try:
            await self.app(scope, replay, watch)
        finally:
            if not logged:
                self._log(scope, rel, parsed, 500)

    @staticmethod
    def _parse(body: bytes) -> Any:
        if not body or body[:1] not in (b"{", b"["):
            return None
        try:
            return parse_json(body)
        except (ValueError, UnicodeDecodeError):
            return None

    def _log(self, scope: Scope, rel: str, parsed: Any, status: int) -> None:
        client = scope.get("client") or ("", 0)
        keys = tuple(parsed) if isinstance(parsed, dict) else ()
        self.state.log.append(
            LoggedRequest(
                method=scope.get("method", "WS"),
                path=rel,
                query=scope.get("query_string", b"").decode("latin-1"),
                body_keys=keys,
                body=parsed,
                status=status,
                client=str(client[0]),
                raw_path=scope["path"],
            )
        )

    @staticmethod
    async def _reply(send: Send, status: int, payload: Any, location: str | None = None) -> None:
        body = _json_bytes(payload)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if location is not None:
            headers.append((b"location", location.encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


# ---- the simulator's control surface -------------------------------------------------------------------------
def _count(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _canned(value: Any) -> bool:
    """An ``answer_next`` value: null, or {status: 100-599, body: any JSON, path?: str, method?: str}."""
    if value is None:
        return True
    return (
        isinstance(value, dict)
        and set(value) <= {"status", "body", "path", "method"}
        and _whole(value.get("status"))
        and 100 <= value["status"] <= 599
        and all(isinstance(value.get(k, ""), str) for k in ("path", "method"))
    )


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _seconds(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_FAULT_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "answer_next": (_canned, 'null or {"status": 100-599, "body": <JSON>, "path"?: "...", "method"?: "POST"}'),
    "latency_s": (_count, "a number of seconds >= 0"),
    "fail_next": (_whole, "an integer >= 0"),
    "fail_status": (lambda v: _whole(v) and 400 <= v <= 599, "an HTTP error status 400-599"),
    "drop_next": (_whole, "an integer >= 0"),
    "malformed_next": (_whole, "an integer >= 0"),
    "only_path": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "reboot_s": (_count, "a number of seconds >= 0"),
    # diagnosis states (routes/diagnosis.py)
    "cpu_high": (_flag, "true or false"),
    "clock_skew_s": (_seconds, "a number of seconds (negative: the clock is behind)"),
    "storage_full": (_flag, "true (fill the selected slot) or false (nothing)"),
    "inference_error": (_flag, "true (fail the inference) or false (nothing)"),
    "record_event_failed": (_flag, "true (fail the next rule event) or false (nothing)"),
}
"""Type checks of the faults set over HTTP (a wrong type would break every later request). Area faults without an
entry here fire on any truthy value."""


async def _control_faults(request: Request) -> Response:
    """``POST /__sim__/faults``: set fault switches or fire area faults; ``GET`` reads the switches.

    Everything in the body is checked before anything is applied; an area fault that cannot apply (e.g.
    ``storage_full`` without a selected slot) answers 400 with the device's reason.
    """
    state = device_of(request)
    if request.method == "GET":
        return JSONResponse(state.faults.__dict__)
    try:
        body = parse_json(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JSONResponse({"code": 400, "message": "malformed JSON"}, status_code=400)
    if not isinstance(body, dict):
        return JSONResponse({"code": 400, "message": "a JSON object is expected"}, status_code=400)
    actions: dict[str, Callable[[], None]] = {
        "revoke_tokens": state.revoke_tokens,
        "expire_tokens": state.expire_tokens,
        **{name: functools.partial(fn, state) for name, fn in routes.area_faults().items()},
    }
    valued = routes.value_faults()
    known = {*state.faults.__dict__, *actions, *valued, "reboot_s"}
    for key, value in body.items():  # check everything before applying anything
        if key not in known:
            return JSONResponse(
                {"code": 400, "message": f"unknown fault {key!r}; known: {sorted(known)}"}, status_code=400
            )
        check = _FAULT_CHECKS.get(key)
        if check is None and key not in actions:
            check = (_count, "a number >= 0")
        if check is not None and not check[0](value):
            return JSONResponse({"code": 400, "message": f"fault {key!r} must be {check[1]}"}, status_code=400)
    try:
        for key, value in body.items():
            if key == "reboot_s":
                state.reboot(float(value))
            elif key in valued:
                valued[key](state, value)
            elif key in actions:
                if value:
                    actions[key]()
            else:
                setattr(state.faults, key, value)
    except SimError as exc:
        return JSONResponse({"code": 400, "message": f"fault {key!r}: {exc.message}"}, status_code=400)
    return JSONResponse({"code": 0, "message": "success", "faults": state.faults.__dict__})


async def _control_log(request: Request) -> Response:
    """``GET /__sim__/log``: the request log; ``DELETE`` clears it."""
    state = device_of(request)
    if request.method == "DELETE":
        state.clear_log()
        return JSONResponse({"code": 0, "message": "success"})
    return JSONResponse(
        [
            {"method": e.method, "path": e.path, "query": e.query, "body_keys": list(e.body_keys), "status": e.status}
            for e in state.log
        ]
    )


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "API Not Found", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    return JSONResponse({"code": exc.status_code, "message": message}, status_code=exc.status_code)


def _sim_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SimError)
    return error_response(exc)


def _crash(request: Request, exc: Exception) -> Response:
    log.exception("simulator handler failed on %s %s", request.method, request.url.path)
    return JSONResponse({"code": 500, "message": "Internal Server Error"}, status_code=500)


def create_app(state: DeviceState) -> ASGIApp:
    """The ASGI app of one simulated camera."""
    table = [
        Mount(CGI_BASE, routes=routes.cgi_routes()),
        *routes.raw_routes(),
        Route(f"{CONTROL_PREFIX}/faults", _control_faults, methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/log", _control_log, methods=["GET", "DELETE"]),
    ]
    app = Starlette(
        routes=table,
        exception_handlers={HTTPException: _http_error, SimError: _sim_error, Exception: _crash},
    )
    app.state.device = state
    state.boot_actions = tuple(routes.boot_actions())
    return DeviceGate(app, state)
