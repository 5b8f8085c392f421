#!/usr/bin/env bash
# Set everything up, then run the demo: a simulated camera driven through the MCP server by a real MCP client.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/recamera-mcp demo "$@"
