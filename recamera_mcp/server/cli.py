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
        default="all",
        help=f"comma-separated toolsets to expose: {','.join(TOOLSETS)} (default all)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="device request timeout in seconds")
    parser.add_argument(
        "--no-output-schemas",
        action="store_true",
        help="results as JSON text only, no outputSchema in tools/list (halves its size)",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def parse_toolsets(text: str) -> frozenset[str] | None:
    """``all`` → None; otherwise the named toolsets (unknown names rejected)."""
    if text.strip().lower() in ("", "all"):
        return None
    names = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = names - set(TOOLSETS)
    if unknown:
        raise ValueError(f"unknown toolsets {sorted(unknown)}; choose from {', '.join(TOOLSETS)}")
    return names


def run(args: argparse.Namespace) -> int:
    # stdout belongs to the MCP protocol in stdio mode: every log line goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        options = ServerOptions(
            read_only=args.read_only,
            toolsets=parse_toolsets(args.toolsets),
            timeout_s=args.timeout,
            output_schemas=not args.no_output_schemas,
            credentials=CredentialStore.load(),
        )
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
