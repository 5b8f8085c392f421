"""``recamera-mcp serve``: run the MCP server over stdio (default) or streamable HTTP.

The operator's switches (``--allow-public``, ``--allow-large``, ``--reveal-secrets``, ``--confirm``, ``--files-root``,
``--pins``) may also be set in the config file's ``[server]`` table; a flag given here wins.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from recamera_mcp.server.credentials import ConfigFileError, CredentialStore
from recamera_mcp.server.files import user_data_dir
from recamera_mcp.server.http import HttpSetupError, http_app, http_tokens, resolve_tokens
from recamera_mcp.server.state import CONFIRM_MODES, ServerOptions
from recamera_mcp.server.tools.registry import DEFAULT_TOOLSETS, TOOLSETS

_SWITCHES = ("allow_public", "allow_large", "reveal_secrets")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="default stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP listen address (http transport)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP listen port (http transport)")
    parser.add_argument("--read-only", action="store_true", help="hide every tool that changes a camera")
    parser.add_argument(
        "--toolsets",
        default="default",
        help=f"toolsets loaded at start: default ({','.join(DEFAULT_TOOLSETS)}), all, or a comma-separated list "
        f"of {','.join(TOOLSETS)} (may include default)",
    )
    parser.add_argument(
        "--dynamic-toolsets",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve a toolsets tool that loads the other toolsets on request (default on); --no-dynamic-toolsets "
        "fixes the list (for clients that cannot refresh their tool list, use --toolsets all)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="device request timeout in seconds")
    parser.add_argument(
        "--no-output-schemas",
        action="store_true",
        help="results as JSON text only; tools/list without outputSchema and tool icons (a third of its size), "
        "for hosts that hand whole tool definitions to the model",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    group = parser.add_argument_group("operator switches (an agent can ask, never flip them)")
    group.add_argument("--allow-public", action="store_true", default=None, help="discovery may sweep public addresses")
    group.add_argument("--allow-large", action="store_true", default=None, help="discovery may sweep more than a /16")
    group.add_argument(
        "--reveal-secrets", action="store_true", default=None, help="config secrets may be shown when asked"
    )
    group.add_argument(
        "--confirm",
        choices=CONFIRM_MODES,
        default=None,
        help="how destructive acts are confirmed: auto (ask the user when the client can, else a token), elicit "
        "(only ask the user; tokens refused), token (always a token)",
    )
    group.add_argument("--files-root", default=None, help="the one folder tools write local files under")
    group.add_argument("--pins", default=None, help="the pin file of camera keys and certificates")
    group.add_argument(
        "--allowed-host", action="append", default=[], help="another Host header value to accept over HTTP"
    )


def parse_toolsets(text: str) -> frozenset[str] | None:
    """``--toolsets``: ``all`` → None (every toolset); ``default`` (also inside a list) → the default toolsets;
    otherwise the named toolsets (unknown names rejected)."""
    names = frozenset(part.strip().lower() for part in text.split(",") if part.strip()) or frozenset({"default"})
    if "all" in names:
        return None
    unknown = names - set(TOOLSETS) - {"default"}
    if unknown:
        raise ValueError(f"unknown toolsets {sorted(unknown)}; choose from {', '.join(TOOLSETS)}, default or all")
    return (names - {"default"}) | (frozenset(DEFAULT_TOOLSETS) if "default" in names else frozenset())


def _bool(server: dict[str, Any], key: str) -> bool:
    value = server.get(key, False)
    if not isinstance(value, bool):
        raise ConfigFileError(f"[server] {key} must be true or false")
    return value


def serve_options(args: argparse.Namespace, credentials: CredentialStore | None = None) -> ServerOptions:
    """The server options of ``recamera-mcp serve`` with these arguments: the flags, then the config file's
    ``[server]`` table, then the defaults (raises ValueError, ConfigFileError)."""
    store = credentials if credentials is not None else CredentialStore.load()
    server = store.server
    switches: dict[str, bool] = {name: getattr(args, name) if getattr(args, name) is not None
                                 else _bool(server, name) for name in _SWITCHES}  # fmt: skip
    confirm = args.confirm or server.get("confirm", "auto")
    if confirm not in CONFIRM_MODES:
        raise ConfigFileError(f"[server] confirm must be one of {', '.join(CONFIRM_MODES)}")
    files_root = args.files_root or server.get("files_root")
    pins = args.pins or server.get("pins") or user_data_dir() / "pins.json"
    return ServerOptions(
        read_only=args.read_only,
        toolsets=parse_toolsets(args.toolsets),
        dynamic=args.dynamic_toolsets,
        timeout_s=args.timeout,
        output_schemas=not args.no_output_schemas,
        credentials=store,
        confirm_mode=confirm,
        files_root=Path(str(files_root)).expanduser() if files_root else None,
        pins_path=Path(str(pins)).expanduser(),
        allow_public=switches["allow_public"],
        allow_large=switches["allow_large"],
        reveal_secrets=switches["reveal_secrets"],
    )


def run(args: argparse.Namespace) -> int:
    # stdout belongs to the MCP protocol in stdio mode: every log line goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        options = serve_options(args)
        tokens: dict[str, str] = {}
        hosts: list[str] = []
        if args.transport == "http":
            tokens = resolve_tokens(args.host, http_tokens(options.credentials.server, os.environ))
            hosts = list(args.allowed_host) + [str(h) for h in options.credentials.server.get("allowed_hosts", [])]
    except (ValueError, ConfigFileError, HttpSetupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from recamera_mcp.server.app import create_server

    server = create_server(options)
    if args.transport == "stdio":
        server.run("stdio")
        return 0
    import uvicorn

    app = http_app(server, bind=args.host, port=args.port, tokens=tokens, extra_hosts=hosts)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level.lower())
    return 0
