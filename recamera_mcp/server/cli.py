"""``recamera-mcp serve``: run the MCP server over stdio (default) or streamable HTTP."""

from __future__ import annotations

import argparse
import logging
import sys

from recamera_mcp.server.credentials import ConfigFileError, CredentialStore
from recamera_mcp.server.state import ServerOptions
from recamera_mcp.server.tools.registry import DEFAULT_TOOLSETS, TOOLSETS


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


def serve_options(args: argparse.Namespace, credentials: CredentialStore | None = None) -> ServerOptions:
    """The server options of ``recamera-mcp serve`` with these arguments (raises ValueError, ConfigFileError)."""
    return ServerOptions(
        read_only=args.read_only,
        toolsets=parse_toolsets(args.toolsets),
        dynamic=args.dynamic_toolsets,
        timeout_s=args.timeout,
        output_schemas=not args.no_output_schemas,
        credentials=credentials if credentials is not None else CredentialStore.load(),
    )


def run(args: argparse.Namespace) -> int:
    # stdout belongs to the MCP protocol in stdio mode: every log line goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        options = serve_options(args)
    except (ValueError, ConfigFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from recamera_mcp.server.app import create_server

    server = create_server(options)
    if args.transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=args.host, port=args.port)
    return 0
