#!/usr/bin/env bash
# Set up a virtualenv with the project and its test extras, lint, type-check and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/ruff check recamera_mcp tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest -q "$@"
