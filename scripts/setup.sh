#!/usr/bin/env bash
# Create .venv with the project and its dev extras, plus the Debian packages the tests use.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
# An independent MCP client for the interop tests (the official MCP Inspector CLI), when npm is available.
if command -v npm >/dev/null && [ ! -x .ci/node/node_modules/.bin/inspector ]; then
  npm install --prefix .ci/node @modelcontextprotocol/inspector@2.12.0 --no-audit --no-fund --loglevel=error >/dev/null \
    || echo "note: could not install the MCP Inspector; its interop tests will be skipped" >&2
fi
