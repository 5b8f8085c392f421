"""``recamera-mcp sim``: serve simulated cameras until interrupted."""

from __future__ import annotations

import argparse
import ipaddress
import secrets
import string
import sys
import threading

from recamera_mcp.simulator.fleet import SimFleet
from recamera_mcp.simulator.rtsp import STREAMS, rtsp_available
from recamera_mcp.simulator.settings import SimSettings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address of the first camera (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="HTTP port of every camera (default 8080)")
    parser.add_argument("--devices", type=int, default=1, help="cameras on consecutive addresses (default 1)")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", help="password of every camera (default: generated and printed)")
    parser.add_argument("--factory", action="store_true", help="answer iAuth 2 (must change password) at first")
    parser.add_argument("--rtsp-port", type=int, default=554, help="RTSP port reported and served (default 554)")
    parser.add_argument(
        "--https-port", type=int, default=8443, help="HTTPS port, served once HTTPS is turned on (default 8443)"
    )
    parser.add_argument("--not-cameras", type=int, default=0, help="extra HTTP hosts that are not cameras (404)")
    parser.add_argument("--hangs", type=int, default=0, help="extra hosts that accept and never answer")
    parser.add_argument("--token-ttl", type=float, default=36000.0, help="token lifetime in seconds")
    parser.add_argument("--no-rtsp", action="store_true", help="serve HTTP only, no RTSP feed (no GStreamer needed)")
    parser.add_argument(
        "--firmware",
        choices=("legacy", "2026"),
        default="2026",
        help="firmware generation the cameras speak: legacy (V1.0.x) or 2026 (V1.1.x, default)",
    )


def generated_password() -> str:
    """A password the device's strength rule accepts."""
    alphabet = string.ascii_letters + string.digits
    return "Sim-" + "".join(secrets.choice(alphabet) for _ in range(10)) + "9a"


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Start the fleet, print what it serves, run until Ctrl-C (or ``stop`` is set)."""
    password = args.password or ("" if args.factory else generated_password())
    if args.factory and not args.password:
        password = "Factory#2026"
    start = ipaddress.IPv4Address(args.host)
    rtsp_off = "--no-rtsp given" if args.no_rtsp else rtsp_available()
    if rtsp_off is not None:
        print(f"RTSP off: {rtsp_off}", flush=True)
    fleet = SimFleet().start()
    try:
        for i in range(args.devices):
            settings = SimSettings(
                username=args.username,
                password=password,
                factory=args.factory,
                serial=f"RC2B{i + 1:010d}",
                rtsp_port=args.rtsp_port,
                https_port=args.https_port,
                token_ttl_s=args.token_ttl,
                firmware=args.firmware,
            )
            address = str(start + i)
            try:
                cam = fleet.add_camera(address, args.port, settings, rtsp=rtsp_off is None)
            except RuntimeError as exc:  # the RTSP server did not start (port taken, ...): serve HTTP only
                print(f"RTSP off for {address}: {exc}", flush=True)
                cam = fleet.add_camera(address, args.port, settings)
            print(
                f"camera  {cam.url}  user={args.username}  serial={settings.serial}  firmware={args.firmware}",
                flush=True,
            )
            print(f"        {cam.https_url}  (while POST /system/secure has turned HTTPS on)", flush=True)
            if cam.rtsp is not None:
                print("        " + "  ".join(cam.rtsp.url(stream) for stream in STREAMS), flush=True)
        for j in range(args.not_cameras):
            host = fleet.add_http_host(str(start + args.devices + j), args.port)
            print(f"not-cam {host.url}  (HTTP, 404 on /system/key)", flush=True)
        for k in range(args.hangs):
            hang = fleet.add_hang(str(start + args.devices + args.not_cameras + k), args.port)
            print(f"hang    {hang.url}  (accepts, never answers)", flush=True)
        if args.factory:
            print(f"password: {password}  (factory state: the first login must change it)", flush=True)
        elif args.password:
            print("password: the one given with --password", flush=True)
        else:
            print(f"password: {password}", flush=True)
        print("simulator running; press Ctrl-C to stop", flush=True)
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    finally:
        fleet.stop()
    return 0
