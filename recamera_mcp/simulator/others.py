"""Hosts of a simulated subnet that are not cameras: plain HTTP hosts and hosts that never answer."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp


def not_camera_app(kind: str) -> ASGIApp:
    """An HTTP host that is not a reCamera.

    ``kind="404"``: a web page at ``/`` and 404 everywhere else (a router, a printer).
    ``kind="no_key"``: ``/system/key`` answers 200 JSON **without** ``sPublicKey`` (a look-alike).
    """

    async def index(request: Request) -> Response:
        return HTMLResponse("<html><body><h1>Router admin</h1></body></html>")

    async def key(request: Request) -> Response:
        if kind == "no_key":
            return JSONResponse({"status": "ok", "message": "hello"})
        return HTMLResponse("<h1>404 Not Found</h1>", status_code=404)

    return Starlette(routes=[Route("/", index), Route("/cgi-bin/entry.cgi/system/key", key)])


class HangServer:
    """Accepts TCP connections and never answers: what a firewalled or wedged host looks like to a prober."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int) -> None:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.add(writer)
            try:
                while await reader.read(65536):
                    pass
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                self._writers.discard(writer)
                writer.close()

        self._server = await asyncio.start_server(hold, host, port, reuse_address=True)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
