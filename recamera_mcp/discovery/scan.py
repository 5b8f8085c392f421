"""Find the reCameras of a subnet: enumerate hosts with the HTTP port open, then verify each by ``/system/key``.

How each target ends up classified (every target is in exactly one of the last three lists):

==========================================================  =================================================
what the host did                                           lists
==========================================================  =================================================
``GET /system/key`` → 200 with JSON ``sPublicKey``          ``reachable_ips`` + ``recamera_ips``
(also after a 30x to ``https://`` on the same host)
answered HTTP otherwise (404, 200 without the key, 401,     ``reachable_ips`` + ``non_recamera_ips``
a redirect elsewhere, garbage that is not HTTP)
accepted TCP but never answered within ``timeout_s``        ``unreachable_or_timeout_ips``
port closed (refused), filtered, no route, host down        ``unreachable_or_timeout_ips``
==========================================================  =================================================

Enumeration: ``tcp`` is an asyncio connect sweep (``concurrency`` workers pulling lazily from the target ranges,
so memory stays flat); each open host is verified right away by the same worker, so a /24 takes about one
``timeout_s``. ``nmap`` runs ``nmap -n -p PORT --open`` as a subprocess (``-Pn`` for loopback, where nmap's host
discovery calls every address up), parses its XML with python-nmap, then verifies the open hosts; cancelling
kills the nmap process. ``auto`` picks nmap when the binary is on PATH, else tcp, and tcp for loopback-only
targets (nmap can tell nothing there that the connect sweep does not, and it is slower). Every verification goes
through the client's :class:`~recamera_mcp.client.KeyProbe` (one shared pool, the client's error mapping, TLS
verification off: the camera's certificate is self-signed) and the client's one test :func:`public_key_of`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from ipaddress import IPv4Address
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from recamera_mcp.client import (
    DeviceTimeout,
    DeviceUnreachable,
    DiscoveryError,
    KeyProbe,
    NotAReCamera,
    public_key_of,
)
from recamera_mcp.discovery.targets import TargetSet, parse_target_set

__all__ = ["Camera", "DiscoveryError", "DiscoveryResult", "Method", "ProgressCallback", "discover"]

Method = Literal["auto", "nmap", "tcp"]
ProgressCallback = Callable[[int, int, str], Awaitable[None]]
_TASKPROGRESS = re.compile(rb'<taskprogress task="([^"]*)"[^>]*percent="([\d.]+)"')


class Camera(BaseModel):
    """A verified reCamera: it answered ``/system/key`` with an ``sPublicKey``."""

    ip: Annotated[str, Field(description="IPv4 address")]
    port: Annotated[int, Field(description="port that answered /system/key (443 after a redirect to https)")]
    scheme: Annotated[Literal["http", "https"], Field(description="scheme of the base URL to use for this camera")]
    response_ms: Annotated[float, Field(description="time to answer /system/key, redirects included, in ms")]

    @property
    def base_url(self) -> str:
        default = 80 if self.scheme == "http" else 443
        return f"{self.scheme}://{self.ip}" + ("" if self.port == default else f":{self.port}")


class DiscoveryResult(BaseModel):
    """What a subnet sweep found. IP lists are sorted numerically."""

    method: Annotated[Literal["nmap", "tcp"], Field(description="host enumeration actually used")]
    targets: Annotated[str, Field(description="the scanned addresses, as merged ranges")]
    port: Annotated[int, Field(description="HTTP port probed")]
    timeout_s: Annotated[float, Field(description="per-host timeout used")]
    hosts_total: Annotated[int, Field(description="number of addresses scanned")]
    duration_s: Annotated[float, Field(description="wall time of the whole discovery")]
    reachable_ips: Annotated[list[str], Field(description="hosts that answered HTTP on the port (any status)")]
    recamera_ips: Annotated[list[str], Field(description="hosts verified as reCamera (200 + sPublicKey)")]
    non_recamera_ips: Annotated[list[str], Field(description="hosts that answered HTTP but are not a reCamera")]
    unreachable_or_timeout_ips: Annotated[
        list[str], Field(description="port closed/filtered, host down, or no HTTP answer within timeout_s")
    ]
    cameras: Annotated[list[Camera], Field(description="details of each reCamera, same order as recamera_ips")]


class _Tracker:
    """Counts settled hosts and reports them to ``callback`` at most ~10 times a second."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total = total
        self.done = 0
        self.message = "starting"
        self.callback = callback

    async def run(self) -> None:
        assert self.callback is not None
        last: tuple[int, str] | None = None
        while True:
            state = (self.done, self.message)
            if state != last:
                last = state
                await self.callback(min(self.done, self.total), self.total, self.message)
            await asyncio.sleep(0.1)


class _Verifier:
    """``GET /system/key`` on live hosts through one shared probe; keeps only the hosts that answered."""

    def __init__(self, probe: KeyProbe, port: int) -> None:
        self.probe = probe
        self.port = port
        self.cameras: dict[int, Camera] = {}
        self.others: set[int] = set()
        self.silent: list[IPv4Address] = []  # hosts that gave no HTTP answer in time

    async def verify(self, ip: IPv4Address) -> None:
        try:
            answer = await self.probe.probe(str(ip), self.port)
        except (DeviceTimeout, DeviceUnreachable):
            self.silent.append(ip)  # no HTTP answer: unreachable_or_timeout (unless a re-check answers)
            return
        except NotAReCamera:
            self.others.add(int(ip))  # something answered, but not HTTP (or its https leg failed)
            return
        if public_key_of(answer.status, answer.json) is not None:
            scheme: Literal["http", "https"] = "https" if answer.scheme == "https" else "http"
            self.cameras[int(ip)] = Camera(ip=str(ip), port=answer.port, scheme=scheme, response_ms=answer.elapsed_ms)
        else:
            self.others.add(int(ip))


async def _tcp_open(ip: IPv4Address, port: int, timeout_s: float) -> bool:
    """True when a TCP connect to ``ip:port`` succeeds within ``timeout_s``."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        async with asyncio.timeout(timeout_s):
            await loop.sock_connect(sock, (str(ip), port))
        return True
    except (OSError, TimeoutError):
        return False
    finally:
        sock.close()


async def _pool(items: Iterable[IPv4Address], size: int, work: Callable[[IPv4Address], Awaitable[None]]) -> None:
    """Run ``work`` on every item with at most ``size`` at a time, pulling items lazily."""
    iterator = iter(items)

    async def worker() -> None:
        for item in iterator:  # next() is synchronous: workers never resume the iterator concurrently
            await work(item)

    async with asyncio.TaskGroup() as group:
        for _ in range(size):
            group.create_task(worker())


async def _tcp_sweep(
    targets: TargetSet, port: int, timeout_s: float, concurrency: int, verifier: _Verifier, tracker: _Tracker
) -> None:
    async def probe(ip: IPv4Address) -> None:
        if await _tcp_open(ip, port, timeout_s):
            await verifier.verify(ip)
        tracker.done += 1
        tracker.message = f"probed {tracker.done}/{tracker.total}, {len(verifier.cameras)} reCamera(s)"

    lag = _LagMonitor()
    async with lag.running():
        await _pool(targets, min(concurrency, max(len(targets), 1)), probe)
    # A big sweep keeps the event loop busy with connects; on a slow machine that lag can eat a live host's
    # timeout. So when the loop lagged by more than a tenth of timeout_s, hosts that accepted TCP but stayed silent
    # get one more try on the now idle loop (costs at most one more timeout_s; an idle /24 never pays it).
    if verifier.silent and lag.max_lag > 0.1 * timeout_s:
        retry, verifier.silent = verifier.silent, []
        tracker.message = f"re-checking {len(retry)} silent host(s) (event loop lagged {lag.max_lag:.2f} s)"
        await _pool(retry, min(concurrency, len(retry)), verifier.verify)


class _LagMonitor:
    """Measures how late the event loop wakes a 20 ms sleeper: the worst delay any callback saw."""

    def __init__(self) -> None:
        self.max_lag = 0.0

    async def _watch(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.02)
            self.max_lag = max(self.max_lag, time.monotonic() - before - 0.02)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self._watch())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def nmap_arguments(targets: TargetSet, port: int, timeout_s: float) -> list[str]:
    """The nmap arguments for a one-port sweep (targets come on stdin via ``-iL -``)."""
    rtt_ms = max(100, int(timeout_s * 1000))
    args = ["-n", "-T4", "-p", str(port), "--open", "--max-retries", "1", "--max-rtt-timeout", f"{rtt_ms}ms"]
    args += ["--host-timeout", f"{int(rtt_ms * 4 + 1000)}ms", "--stats-every", "1s", "-oX", "-", "-iL", "-"]
    if targets.all_loopback:
        args.insert(0, "-Pn")  # on loopback nmap's host discovery calls every address up: use the port state
    return args


async def _nmap_open_hosts(targets: TargetSet, port: int, timeout_s: float, tracker: _Tracker) -> list[IPv4Address]:
    """Run nmap as a subprocess (killed on cancellation) and return the hosts with ``port`` open."""
    import nmap  # python-nmap

    binary = shutil.which("nmap")
    if binary is None:
        raise DiscoveryError("method='nmap' needs the nmap binary (Debian package nmap); use method='tcp'")
    proc = await asyncio.create_subprocess_exec(
        binary,
        *nmap_arguments(targets, port, timeout_s),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        stderr_task = asyncio.create_task(proc.stderr.read())
        proc.stdin.write("\n".join(str(n) for n in targets.networks()).encode() + b"\n")
        await proc.stdin.drain()
        proc.stdin.close()
        xml = bytearray()
        async for line in proc.stdout:
            xml += line
            match = _TASKPROGRESS.search(line)
            if match:
                tracker.message = f"nmap {match.group(1).decode()}: {float(match.group(2)):.0f}%"
        stderr = await stderr_task
        code = await proc.wait()
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.shield(proc.wait())
    if code != 0:
        raise DiscoveryError(f"nmap failed (exit {code}): {stderr.decode(errors='replace').strip()[:500]}")
    scanner = await asyncio.to_thread(nmap.PortScanner)  # finds the binary (runs nmap -V): keep it off the loop
    scanner.analyse_nmap_xml_scan(xml.decode(errors="replace"), nmap_err=stderr.decode(errors="replace"))
    found = []
    for host in scanner.all_hosts():
        ports = scanner[host].get("tcp", {})
        if ports.get(port, {}).get("state") == "open" and host in targets:
            found.append(IPv4Address(host))
    return sorted(found)


def resolve_method(method: str, targets: TargetSet | None = None) -> Literal["nmap", "tcp"]:
    """``auto`` → ``nmap`` when the binary is on PATH, else ``tcp``; and ``tcp`` for loopback-only targets, where
    nmap's host discovery calls every address up without a probe and only adds a slower port scan."""
    if method == "auto":
        if targets is not None and targets.all_loopback:
            return "tcp"
        return "nmap" if shutil.which("nmap") else "tcp"
    if method in ("nmap", "tcp"):
        return "nmap" if method == "nmap" else "tcp"
    raise DiscoveryError(f"method must be 'auto', 'nmap' or 'tcp', not {method!r}")


async def discover(
    subnet: str | Sequence[str],
    *,
    timeout_s: float = 1.0,
    port: int = 80,
    method: Method = "auto",
    allow_large: bool = False,
    allow_public: bool = False,
    progress: ProgressCallback | None = None,
    concurrency: int = 512,
) -> DiscoveryResult:
    """Find every reCamera in ``subnet`` (see :func:`parse_targets` for the accepted forms and refusals).

    ``progress(done, total, message)`` is awaited as hosts are settled, at most ~10 times a second, and once at
    the end with ``done == total``. Cancelling the calling task stops the sweep (and kills nmap) promptly.
    """
    if not 0 < timeout_s <= 60:
        raise DiscoveryError(f"timeout_s must be in (0, 60], not {timeout_s}")
    if not 0 < port < 65536:
        raise DiscoveryError(f"port must be 1-65535, not {port}")
    if concurrency < 1:
        raise DiscoveryError(f"concurrency must be ≥ 1, not {concurrency}")
    targets = parse_target_set(subnet, allow_large=allow_large, allow_public=allow_public)
    used = resolve_method(method, targets)
    started = time.perf_counter()
    tracker = _Tracker(len(targets), progress)
    reporter = asyncio.create_task(tracker.run()) if progress is not None else None
    try:
        async with KeyProbe(timeout_s=timeout_s, concurrency=concurrency) as probe:
            verifier = _Verifier(probe, port)
            if used == "tcp":
                await _tcp_sweep(targets, port, timeout_s, concurrency, verifier, tracker)
            else:
                tracker.message = "nmap scanning"
                live = await _nmap_open_hosts(targets, port, timeout_s, tracker)
                tracker.done = tracker.total - len(live)

                async def check(ip: IPv4Address) -> None:
                    await verifier.verify(ip)
                    tracker.done += 1
                    tracker.message = f"verified {tracker.done}/{tracker.total}, {len(verifier.cameras)} reCamera(s)"

                tracker.message = f"nmap found {len(live)} open; verifying"
                await _pool(live, min(concurrency, max(len(live), 1)), check)
    finally:
        if reporter is not None:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
    answered = verifier.cameras.keys() | verifier.others
    cameras = [verifier.cameras[k] for k in sorted(verifier.cameras)]
    result = DiscoveryResult(
        method=used,
        targets=targets.describe(),
        port=port,
        timeout_s=timeout_s,
        hosts_total=len(targets),
        duration_s=round(time.perf_counter() - started, 3),
        reachable_ips=[str(IPv4Address(k)) for k in sorted(answered)],
        recamera_ips=[c.ip for c in cameras],
        non_recamera_ips=[str(IPv4Address(k)) for k in sorted(verifier.others)],
        unreachable_or_timeout_ips=[str(ip) for ip in targets if int(ip) not in answered],
        cameras=cameras,
    )
    if progress is not None:
        await progress(len(targets), len(targets), f"done: {len(cameras)} reCamera(s) in {result.duration_s:.2f} s")
    return result
