"""TLS test servers started by the tests themselves: self-signed certificates, a TLS-terminating proxy in front of
a simulated camera, and a small recording ASGI app served over HTTP or HTTPS (uvicorn in the test's own loop)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass(frozen=True)
class Cert:
    key_path: Path
    cert_path: Path
    sha256: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def make_cert(folder: Path, host: str) -> Cert:
    """A new self-signed EC certificate for ``host`` (as a camera has), in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    stem = folder / f"cert-{cert.serial_number:x}"
    key_path, cert_path = stem.with_suffix(".key"), stem.with_suffix(".crt")
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Cert(key_path, cert_path, hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest())


def bound_socket(host: str, port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


@contextlib.asynccontextmanager
async def tls_proxy(host: str, cert: Cert, upstream: tuple[str, int], port: int = 0) -> AsyncIterator[int]:
    """HTTPS on ``host:port`` in front of a plain-HTTP ``upstream`` (a simulated camera); yields the port."""
    tasks: set[asyncio.Task[None]] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*upstream)
        except OSError:
            writer.close()
            return
        both = [asyncio.create_task(pipe(reader, up_writer)), asyncio.create_task(pipe(up_reader, writer))]
        tasks.update(both)
        await asyncio.gather(*both, return_exceptions=True)

    sock = bound_socket(host, port)
    server = await asyncio.start_server(handle, sock=sock, ssl=cert.server_context())
    try:
        yield sock.getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


@dataclass
class Recorder:
    """What a test server saw, and what it answers: 200 JSON, or a redirect to ``redirect_to`` (+ the path)."""

    seen: list[tuple[str, str, bytes]] = field(default_factory=list)
    redirect_to: str | None = None
    redirect_status: int = 307

    def app(self) -> Any:
        async def any_path(request: Request) -> Response:
            body = await request.body()
            self.seen.append((request.method, request.url.path, body))
            if self.redirect_to is not None:
                return Response(
                    status_code=self.redirect_status, headers={"location": self.redirect_to + request.url.path}
                )
            return JSONResponse({"code": 0, "method": request.method, "body": body.decode("latin-1")})

        from starlette.applications import Starlette

        return Starlette(routes=[Route("/{path:path}", any_path, methods=["GET", "POST", "PUT", "DELETE"])])


@contextlib.asynccontextmanager
async def serve(app: Any, host: str, *, cert: Cert | None = None, port: int = 0) -> AsyncIterator[int]:
    """``app`` on ``host:port`` (HTTPS with ``cert``), in this loop; yields the port."""
    sock = bound_socket(host, port)
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=2,
        ssl_keyfile=str(cert.key_path) if cert else None,
        ssl_certfile=str(cert.cert_path) if cert else None,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await task
        sock.close()
