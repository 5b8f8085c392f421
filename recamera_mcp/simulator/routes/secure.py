"""HTTPS (10xxx): ``/system/secure``, a self-signed certificate per camera, and nginx's 307 between the two ports.

- ``GET /system/secure`` answers ``{"sEnable": bool}``; ``POST /system/secure {"sEnable": true|false}`` (the strict
  config write: an omitted ``sEnable`` means false) answers ``{"code": 0, "message": "success"}`` once the HTTPS
  listener is up, so the very next request can use it.
- The HTTPS port is ``settings.https_port`` (the device's is 443; 0, the default, picks a free port when the camera
  is added and stores it back; ``SimDevice.https_url`` names it). It listens from the first ``sEnable: true`` on
  and at every boot while HTTPS is on; while HTTPS is off it refuses connections, except that after
  ``sEnable: false`` it keeps listening until the next reboot and answers **307** back to
  ``http://<host>:<http port><same path and query>``.
- While HTTPS is on, the HTTP port answers **307** to ``https://<host>:<https_port><same path and query>`` for every
  method and path, WebSocket handshakes included (nginx ``return 307 https://$host$request_uri``: ``<host>`` is the
  host of the request's ``Host`` header; a client must re-send a POST body itself). The request log records these
  answers with status 307; nothing else happens (no token check, no fault). ``/__sim__/*`` is never redirected.
  The same API, cookie and WebSockets (``wss://``) are served over HTTPS.
- The certificate: EC P-256, self-signed, CN ``localhost``, SAN ``DNS:localhost`` and ``IP:<camera address>``,
  valid for 10 years. It is kept across reboots; a factory reset or the fault ``rotate_certificate`` makes a new
  one (at once for new connections), so a client's certificate pinning can be tested. Its SHA-256 fingerprint is
  :attr:`Secure.fingerprint` (the SHA-256 of the DER certificate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import shutil
import ssl
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from recamera_mcp.simulator.errors import Module
from recamera_mcp.simulator.routes.common import device_of, read_json, success
from recamera_mcp.simulator.schemas import ALL_SPECS, apply_write
from recamera_mcp.simulator.state import DeviceState

_M = Module.DEVICE
SECURE_PATH = "/system/secure"


def _certificate(host: str) -> tuple[bytes, bytes]:
    """(key PEM, certificate PEM) of a new self-signed certificate for ``localhost`` and ``host``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Seeed reCamera (simulated)"),
        ]
    )
    alt: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt.append(x509.DNSName(host))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class Secure:
    """The camera's certificate (as files for the TLS listener) and the live listener's SSL context."""

    host: str
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="recamera-sim-ssl-")))
    context: ssl.SSLContext | None = None
    """The running HTTPS listener's context (set by the fleet); a rotation reloads it."""

    def __post_init__(self) -> None:
        weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self.rotate()

    @property
    def key_path(self) -> Path:
        return self.folder / "server.key"

    @property
    def cert_path(self) -> Path:
        return self.folder / "server.crt"

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER certificate, lower-case hex."""
        der = ssl.PEM_cert_to_DER_cert(self.cert_path.read_text())
        return hashlib.sha256(der).hexdigest()

    def rotate(self) -> None:
        """A new key and certificate; new TLS connections get them at once."""
        key_pem, cert_pem = _certificate(self.host)
        self.key_path.write_bytes(key_pem)
        self.key_path.chmod(0o600)
        self.cert_path.write_bytes(cert_pem)
        if self.context is not None:
            self.context.load_cert_chain(self.cert_path, self.key_path)


def secure_area(state: DeviceState) -> Secure:
    """The camera's certificate (created on first use, again after a factory reset)."""
    return state.area("secure", lambda: Secure(state.host))


def https_enabled(state: DeviceState) -> bool:
    return bool(state.configs[SECURE_PATH]["sEnable"])


def _host_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            host: str = value.decode("latin-1")
            if host.startswith("["):  # [v6]:port
                return host[: host.find("]") + 1] or host
            return host.rsplit(":", 1)[0]
    server = scope.get("server") or ("localhost", 0)
    return str(server[0])


def redirect_location(state: DeviceState, scope: Scope) -> str | None:
    """Where nginx would send this request (307), or None when it is served here."""
    tls = scope.get("scheme") in ("https", "wss")
    area = state.extras.get("secure")
    listening = isinstance(area, Secure) and area.context is not None
    if https_enabled(state) and not tls and listening:
        scheme, port, default = "https", state.settings.https_port, 443
    elif tls and not https_enabled(state):
        scheme, port, default = "http", state.http_port, 80
    else:
        return None
    target = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    netloc = _host_of(scope) if port == default else f"{_host_of(scope)}:{port}"
    return f"{scheme}://{netloc}{target}" + (f"?{query}" if query else "")


async def write_secure(request: Request) -> Response:
    """``POST /system/secure``: store, then bring the HTTPS listener in line before answering."""
    state = device_of(request)
    body = await read_json(request, _M)
    spec = ALL_SPECS[SECURE_PATH]
    with state.lock:
        state.configs[SECURE_PATH] = apply_write(spec, body, state.configs[SECURE_PATH])
    if state.https_hook is not None:
        await state.https_hook()
    return success()


def _rotate(state: DeviceState) -> None:
    secure_area(state).rotate()


ROUTES: list[BaseRoute] = [Route(SECURE_PATH, write_secure, methods=["POST"])]

FAULTS = {"rotate_certificate": _rotate}
