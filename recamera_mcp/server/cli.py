"""``recamera-mcp serve``: run the MCP server over stdio (default) or streamable HTTP."""

from __future__ import annotations

import argparse
import logging
import sys

from recamera_mcp.server.credentials import ConfigFileError, CredentialStore
from recamera_mcp.server.state import ServerOptions
from recamera_mcp.server.tools.registry import TOOLSETS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="default stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP listen address (http transport)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP listen port (http transport)")
    parser.add_argument("--read-only", action="store_true", help="hide every tool that changes a camera")
    parser.add_argument(
        "--toolsets",
        default="default",
        help="default: core plus a toolsets tool that loads the others on request (clients refresh their tool "
        "list); all: every toolset from the start (clients that cannot refresh); or a comma-separated list of "
        f"{','.join(TOOLSETS)}: only those (add default to keep loading the rest on request, e.g. default,image)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="device request timeout in seconds")
    parser.add_argument(
        "--no-output-schemas",
        action="store_true",
        help="results as JSON text only, no outputSchema in tools/list (halves its size)",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def parse_toolsets(text: str) -> tuple[frozenset[str] | None, bool]:
    """``--toolsets`` as (toolsets loaded at start or None for all, whether the rest loads on request).

    ``default`` → core, on request; ``all`` → every toolset, fixed; ``core,image`` → only those, fixed;
    ``default,image`` → core and image, the rest on request. Unknown names are rejected."""
    names = frozenset(part.strip().lower() for part in text.split(",") if part.strip()) or frozenset({"default"})
    if "all" in names:
        return None, False
    unknown = names - set(TOOLSETS) - {"default"}
    if unknown:
        raise ValueError(f"unknown toolsets {sorted(unknown)}; choose from {', '.join(TOOLSETS)}, default or all")
    if "default" in names:
        return (names - {"default"}) | {"core"}, True
    return names, False


def serve_options(args: argparse.Namespace, credentials: CredentialStore | None = None) -> ServerOptions:
    """The server options of ``recamera-mcp serve`` with these arguments (raises ValueError, ConfigFileError)."""
    toolsets, dynamic = parse_toolsets(args.toolsets)
    return ServerOptions(
        read_only=args.read_only,
        toolsets=toolsets,
        dynamic=dynamic,
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
