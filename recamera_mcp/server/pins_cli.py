"""``recamera-mcp pins``: the operator's view of the pinned camera identities, and the way to accept a new one.

    recamera-mcp pins list                       every camera with its pinned login key and TLS certificate
    recamera-mcp pins forget 192.168.1.50        accept a re-flashed or reset camera: its next contact pins anew
    recamera-mcp pins forget 192.168.1.50 --kind tls

Accepting a changed identity is deliberately not a tool: an agent (possibly prompt-injected) must not be able to
tell the server to trust whatever now answers at a camera's address.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recamera_mcp.client import LOGIN_KEY, TLS_CERTIFICATE, PinKind, PinStore, ValidationError, parse_host, pin_key_of
from recamera_mcp.server.credentials import ConfigFileError, CredentialStore
from recamera_mcp.server.files import user_data_dir

_KINDS: dict[str, PinKind] = {"key": LOGIN_KEY, "tls": TLS_CERTIFICATE}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["list", "forget"])
    parser.add_argument("host", nargs="?", help="the camera (as given to the tools: ip, ip:port or URL)")
    parser.add_argument("--kind", choices=sorted(_KINDS), help="forget only the login key or the TLS certificate")
    parser.add_argument("--pins", default=None, help="the pin file (default: [server] pins, else the data folder)")


def pin_file(given: str | None) -> Path:
    """The pin file ``serve`` uses: ``--pins``, else the config file's ``[server] pins``, else the data folder."""
    if given:
        return Path(given).expanduser()
    configured = CredentialStore.load().server.get("pins")
    return Path(str(configured)).expanduser() if configured else user_data_dir() / "pins.json"


def run(args: argparse.Namespace) -> int:
    try:
        store = PinStore(pin_file(args.pins))
    except ConfigFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.action == "list":
        entries = store.entries()
        if not entries:
            print(f"no camera pinned in {store.path}")
        for host, pins in sorted(entries.items()):
            for name, digest in sorted(pins.items()):
                print(f"{host}\t{name}\tsha256:{digest}")
        return 0
    if not args.host:
        print("error: pins forget needs the camera's host", file=sys.stderr)
        return 2
    try:
        key = pin_key_of(parse_host(args.host))
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    which: PinKind | None = _KINDS[args.kind] if args.kind else None
    if store.forget(key, which):
        print(f"forgot the {which or 'pins'} of {key}: its next contact pins what it presents then")
        return 0
    print(f"nothing pinned for {key} in {store.path}", file=sys.stderr)
    return 1
