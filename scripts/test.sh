#!/usr/bin/env bash
# Set everything up, lint, type-check and run the whole test suite against the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check recamera_mcp tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest -q "$@"
