"""Run simulated hosts on real sockets: cameras, non-camera HTTP hosts and hanging hosts, on 127.0.0.x.

A :class:`SimFleet` owns a background thread with its own event loop; each camera is a uvicorn server bound to its
own address. Tests talk to the hosts over real TCP exactly as a client talks to a camera.

A camera's life-cycle: while it is up, its area services run (``SERVICES``: the notify publisher) and, while
HTTPS is on, a second uvicorn server with TLS listens on ``settings.https_port`` (reserved, refusing connections,
while HTTPS is off; see ``routes/secure.py``). A reboot (``state.reboot(seconds)``: POST /system/reboot, a
factory reset, a firmware install, the ``reboot_s`` fault) stops both servers, the services and every background
task (``state.spawn``), stays down for ``seconds`` (connection refused), then calls ``state.booted()`` (sessions
revoked, ``ON_BOOT`` actions) and serves again on the same ports.

    with SimFleet() as fleet:
        cam = fleet.add_camera("127.0.0.1", 0, SimSettings(password="Secret#1"))
        print(cam.url)            # http://127.0.0.1:41234
        cam.state.faults.fail_next = 2
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import uvicorn

from recamera_mcp.simulator import routes
from recamera_mcp.simulator.app import create_app
from recamera_mcp.simulator.cloud import CloudSettings, CloudState, create_cloud_app
from recamera_mcp.simulator.others import HangServer, not_camera_app
from recamera_mcp.simulator.routes.secure import https_enabled, secure_area
from recamera_mcp.simulator.rtsp import RtspFeed
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.state import DeviceState

log = logging.getLogger(__name__)
T = TypeVar("T")


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one)."""
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto is TCP, and
    # without it every keep-alive response stalls ~40 ms on Nagle + delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(512)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that does not listen: the port is taken, connections are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class SimDevice:
    """One simulated host. ``state`` is None for hosts that are not cameras."""

    host: str
    port: int
    kind: str
    state: DeviceState | None = None
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _hang: HangServer | None = field(default=None, repr=False)
    up: threading.Event = field(default_factory=threading.Event, repr=False)
    rtsp: RtspFeed | None = field(default=None, repr=False)
    """The camera's RTSP server process, when started with ``add_camera(..., rtsp=True)``."""
    cloud: CloudState | None = field(default=None, repr=False)
    """The SenseCraft cloud's state, for a host started with :meth:`SimFleet.add_cloud`."""
    _reboot: asyncio.Task[None] | None = field(default=None, repr=False)
    _closed: bool = field(default=False, repr=False)
    """Set once the host is removed or the fleet stops: a reboot must not bring it back."""
    _https_server: uvicorn.Server | None = field(default=None, repr=False)
    _https_task: asyncio.Task[None] | None = field(default=None, repr=False)
    _https_reserved: socket.socket | None = field(default=None, repr=False)
    """The HTTPS port while nothing listens on it (bound, not listening: connection refused)."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def https_url(self) -> str:
        """``https://host:https_port`` of a camera (it listens while HTTPS is on, see ``routes/secure.py``)."""
        return f"https://{self.host}:{self.camera.settings.https_port}"

    @property
    def address(self) -> str:
        """``host:port``, as a user would type it."""
        return f"{self.host}:{self.port}"

    @property
    def camera(self) -> DeviceState:
        """The camera state (raises for hosts that are not cameras)."""
        if self.state is None:
            raise TypeError(f"{self.address} is a {self.kind} host, not a camera")
        return self.state


class SimFleet:
    """Simulated hosts on one background event loop. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(self) -> None:
        self.devices: list[SimDevice] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="recamera-sim", daemon=True)
        self._started = False

    # ---- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> SimFleet:
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def stop(self) -> None:
        if not self._started:
            return
        with contextlib.suppress(Exception):
            self._run(self._shutdown_all(), timeout=15)
        for device in self.devices:
            self._stop_rtsp(device)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()
        self._started = False

    def __enter__(self) -> SimFleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        self.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # ---- adding hosts --------------------------------------------------------------------------------------
    def add_camera(
        self, host: str = "127.0.0.1", port: int = 0, settings: SimSettings | None = None, rtsp: bool = False
    ) -> SimDevice:
        """Start a simulated camera on ``host:port`` (port 0: a free port).

        With ``rtsp=True`` it also serves ``rtsp://host:settings.rtsp_port/main|sub`` (a GStreamer subprocess;
        ``rtsp_port`` 0 picks a free port and is stored back in the settings). Raises RuntimeError when the RTSP
        server cannot run here (see :func:`recamera_mcp.simulator.rtsp.rtsp_available`).
        """
        index = len(self.devices)
        state = DeviceState(settings=settings or SimSettings(serial=f"RC2B{index + 1:010d}"), index=index)
        sock = bind_socket(host, port)
        device = SimDevice(host=host, port=sock.getsockname()[1], kind="camera", state=state)
        state.host, state.http_port = host, device.port
        try:
            device._https_reserved = reserve_port(host, state.settings.https_port)
        except BaseException:
            sock.close()
            raise
        state.settings.https_port = device._https_reserved.getsockname()[1]
        if rtsp:
            try:
                device.rtsp = self._start_rtsp(host, state.settings)
            except BaseException:
                sock.close()
                device._https_reserved.close()
                raise
        state.reboot_hook = lambda seconds: self._schedule(self._begin_reboot(device, seconds))
        state.https_hook = lambda: self._sync_https(device)
        try:
            self._run(self._serve(device, sock))
        except BaseException:
            self._stop_rtsp(device)
            if device._https_reserved is not None:
                device._https_reserved.close()
            raise
        self.devices.append(device)
        return device

    @staticmethod
    def _start_rtsp(host: str, settings: SimSettings) -> RtspFeed:
        feed = RtspFeed(
            settings.rtsp_host or host,
            settings.rtsp_port,
            fps=settings.rtsp_fps,
            stale_frames=settings.rtsp_stale_frames,
        ).start()
        settings.rtsp_port = feed.port
        return feed

    @staticmethod
    def _stop_rtsp(device: SimDevice) -> None:
        if device.rtsp is not None:
            device.rtsp.stop()

    def add_http_host(self, host: str, port: int = 0, kind: str = "404") -> SimDevice:
        """An HTTP host that is not a camera (``kind`` "404" or "no_key", see :func:`not_camera_app`)."""
        sock = bind_socket(host, port)
        device = SimDevice(host=host, port=sock.getsockname()[1], kind=kind)
        self._run(self._serve(device, sock))
        self.devices.append(device)
        return device

    def add_cloud(self, host: str = "127.0.0.1", port: int = 0, settings: CloudSettings | None = None) -> SimDevice:
        """Start a simulated SenseCraft cloud (see :mod:`recamera_mcp.simulator.cloud`); its state is ``.cloud``."""
        sock = bind_socket(host, port)
        cloud = CloudState(settings or CloudSettings())
        device = SimDevice(host=host, port=sock.getsockname()[1], kind="cloud", cloud=cloud)
        self._run(self._serve(device, sock))
        self.devices.append(device)
        return device

    def add_hang(self, host: str, port: int) -> SimDevice:
        """A host that accepts TCP connections on ``host:port`` and never answers."""
        hang = HangServer()
        self._run(hang.start(host, port))
        device = SimDevice(host=host, port=port, kind="hang", _hang=hang)
        device.up.set()
        self.devices.append(device)
        return device

    def remove(self, device: SimDevice) -> None:
        """Stop one host."""
        try:
            self._run(self._shutdown(device))
        finally:
            self._stop_rtsp(device)
        self.devices.remove(device)

    def subnet(
        self,
        prefix: str = "127.0.0.",
        cameras: range = range(10, 13),
        port: int = 0,
        settings: SimSettings | None = None,
        not_cameras: dict[int, str] | None = None,
        hangs: tuple[int, ...] = (),
    ) -> list[SimDevice]:
        """Populate ``prefix + N`` addresses on one port: cameras, non-camera hosts (by last octet) and hangs.

        With ``port=0`` the first camera picks a free port and the others reuse it.
        """
        added: list[SimDevice] = []
        for octet in cameras:
            base = settings or SimSettings()
            device = self.add_camera(
                f"{prefix}{octet}",
                port,
                SimSettings(**{**base.__dict__, "serial": f"RC2B{octet:010d}"}),
            )
            port = device.port
            added.append(device)
        for octet, kind in (not_cameras or {}).items():
            added.append(self.add_http_host(f"{prefix}{octet}", port, kind))
        for octet in hangs:
            added.append(self.add_hang(f"{prefix}{octet}", port))
        return added

    def device(self, host: str) -> SimDevice:
        for device in self.devices:
            if device.host == host or device.address == host:
                return device
        raise KeyError(host)

    @property
    def cameras(self) -> list[SimDevice]:
        return [d for d in self.devices if d.kind == "camera"]

    # ---- loop side -----------------------------------------------------------------------------------------
    def _schedule(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop)

    @staticmethod
    async def _start_server(app: Any, sock: socket.socket, **tls: Any) -> tuple[uvicorn.Server, asyncio.Task[None]]:
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            ws="websockets-sansio",
            timeout_graceful_shutdown=1,
            timeout_keep_alive=30,
            **tls,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if task.done():
            task.result()
        return server, task

    async def _serve(self, device: SimDevice, sock: socket.socket) -> None:
        if device.cloud is not None:
            app = create_cloud_app(device.cloud)
        else:
            app = create_app(device.state) if device.state is not None else not_camera_app(device.kind)
        device._server, device._task = await self._start_server(app, sock)
        if device.state is not None:
            for service in routes.services():
                service.start(device.state)
            await self._sync_https(device)
        device.up.set()

    async def _sync_https(self, device: SimDevice) -> None:
        """Start the camera's HTTPS listener when HTTPS is on and nothing listens yet (see ``routes/secure.py``)."""
        state = device.camera
        if not https_enabled(state) or device._https_server is not None:
            return
        area = secure_area(state)
        sock, device._https_reserved = device._https_reserved, None
        if sock is None:
            sock = reserve_port(device.host, state.settings.https_port)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.listen(512)
        sock.setblocking(False)
        server, task = await self._start_server(
            create_app(state), sock, ssl_certfile=str(area.cert_path), ssl_keyfile=str(area.key_path)
        )
        device._https_server, device._https_task = server, task
        area.context = server.config.ssl

    @staticmethod
    async def _stop_server(server: uvicorn.Server | None, task: asyncio.Task[None] | None) -> None:
        if server is not None and task is not None:
            server.should_exit = True
            server.force_exit = True
            # asyncio.wait, not wait_for: a caller cancelled meanwhile (a reboot being cancelled) must not cancel
            # the server mid-shutdown, so that a later _stop still finds it finishing normally.
            done, _ = await asyncio.wait({task}, timeout=5)
            if not done:
                task.cancel()

    async def _stop(self, device: SimDevice) -> None:
        device.up.clear()
        if device._hang is not None:
            await device._hang.stop()
        await self._stop_server(device._server, device._task)
        state = device.state
        if state is None:
            return
        for service in routes.services():
            with contextlib.suppress(Exception):
                await service.stop(state)
        await state.cancel_tasks()
        if device._https_server is not None:
            area = state.extras.get("secure")
            if area is not None:
                area.context = None
            await self._stop_server(device._https_server, device._https_task)
            device._https_server = device._https_task = None
        if device._closed:
            if device._https_reserved is not None:
                device._https_reserved.close()
                device._https_reserved = None
        elif device._https_reserved is None:
            with contextlib.suppress(OSError):  # keep the port while the camera is down and HTTPS off
                device._https_reserved = reserve_port(device.host, state.settings.https_port)

    async def _shutdown(self, device: SimDevice) -> None:
        """Stop a host for good: a reboot in progress is cancelled first, so it cannot bring the host back."""
        device._closed = True
        reboot = device._reboot
        if reboot is not None and reboot is not asyncio.current_task():
            reboot.cancel()
            with contextlib.suppress(BaseException):
                await reboot
        await self._stop(device)

    async def _shutdown_all(self) -> None:
        await asyncio.gather(*(self._shutdown(d) for d in self.devices), return_exceptions=True)

    async def _begin_reboot(self, device: SimDevice, seconds: float) -> None:
        if device._closed or (device._reboot is not None and not device._reboot.done()):
            return  # removed, or already rebooting
        device._reboot = asyncio.create_task(self._reboot(device, seconds))

    async def _reboot(self, device: SimDevice, seconds: float) -> None:
        """Down for ``seconds`` (HTTP and RTSP: connection refused), then back up."""
        loop = asyncio.get_running_loop()
        await asyncio.sleep(0.1)  # let the answer to POST /system/reboot reach the client
        await self._stop(device)
        feed = device.rtsp
        if feed is not None:
            await loop.run_in_executor(None, feed.stop)
        await asyncio.sleep(seconds)
        if feed is not None:
            starting = loop.run_in_executor(None, feed.start)
            try:
                await asyncio.shield(starting)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await starting  # let it finish, so that the caller's stop() finds the process
                raise
            except RuntimeError as exc:
                log.warning("RTSP of %s did not come back after the reboot: %s", device.address, exc)
        try:
            sock = bind_socket(device.host, device.port)
        except OSError as exc:  # the port was taken while the camera was down: say so, stay down
            log.error("camera %s cannot come back after the reboot: %s", device.address, exc)
            return
        if device.state is not None:
            device.state.booted()
        await self._serve(device, sock)
