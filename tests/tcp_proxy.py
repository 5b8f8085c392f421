"""A TCP proxy in front of a simulated camera whose connections a test can cut (a dropped WebSocket, a broken
link), running on the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib


class CutProxy:
    """``await CutProxy.start(host, port)`` listens on 127.0.0.1 (``.address``); :meth:`cut` drops every open
    connection (new ones are accepted again); :meth:`close` stops it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.connections = 0
        self.cuts = 0

    @classmethod
    async def start(cls, host: str, port: int) -> CutProxy:
        proxy = cls((host, port))
        proxy.server = await asyncio.start_server(proxy._serve, "127.0.0.1", 0)
        return proxy

    @property
    def address(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}

    def cut(self) -> None:
        """Drop every connection now (as a broken network would)."""
        self.cuts += 1
        for writer in list(self.writers):
            transport = writer.transport
            transport.abort()
        self.writers.clear()

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
