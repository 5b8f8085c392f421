"""``/system/key``, ``/system/login``, ``/system/logout``, ``/system/password``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from recamera_mcp.simulator.auth import public_pem
from recamera_mcp.simulator.errors import Module, SimError
from recamera_mcp.simulator.routes.common import data, device_of, read_object, success

LOGOUT_COOKIE = "token=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"


async def get_key(request: Request) -> Response:
    return data({"sPublicKey": public_pem(device_of(request).auth.key)})


async def login(request: Request) -> Response:
    state = device_of(request)
    body = await read_object(request, Module.DEVICE)
    client = request.client.host if request.client else "unknown"
    result = state.auth.login(client, body.get("sUserName"), body.get("sPassword"))
    response = JSONResponse({"iAuth": result.auth, "iStatus": result.status, "sWaittime": result.wait_s})
    if result.token is not None:
        response.headers["Set-Cookie"] = f"token={result.token}; Path=/; HttpOnly"
    return response


async def logout(request: Request) -> Response:
    device_of(request).auth.revoke_all()
    response = success()
    response.headers["Set-Cookie"] = LOGOUT_COOKIE
    return response


async def change_password(request: Request) -> Response:
    state = device_of(request)
    body = await read_object(request, Module.DEVICE)
    problem = state.auth.change_password(body.get("sUserName"), body.get("sOldPassword"), body.get("sNewPassword"))
    if problem is not None:
        raise SimError(Module.DEVICE + 1, problem, 400)
    response = success("success to set new passwd")
    response.headers["Set-Cookie"] = LOGOUT_COOKIE
    return response


ROUTES: list[BaseRoute] = [
    Route("/system/key", get_key, methods=["GET"]),
    Route("/system/login", login, methods=["POST"]),
    Route("/system/logout", logout, methods=["POST"]),
    Route("/system/password", change_password, methods=["PUT", "POST"]),
]

PUBLIC_PATHS = frozenset({"/system/key", "/system/login"})
"""CGI paths served without a token."""
PASSWORD_CHANGE_PATHS = frozenset({"/system/password", "/system/logout"})
"""CGI paths a must-change-password token may use."""
