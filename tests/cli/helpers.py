"""Run ``recamera-mcp`` as a person or a script does: a subprocess with its own environment, no terminal."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mcp import Client

from recamera_mcp.server import ServerOptions, create_server
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.simulator.testing import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def cli_env(tmp: Path, password: str | None = PASSWORD, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: no RECAMERA_* of the caller's, a config file that does not exist."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAMERA_", "SENSECRAFT_"))}
    env.update(RECAMERA_MCP_CONFIG=str(tmp / "no-config.toml"), COLUMNS="200", PYTHONPATH=str(ROOT))
    if password is not None:
        env["RECAMERA_PASSWORD"] = password
    env.update(extra)
    return env


def run_cli(tmp: Path, *argv: str, password: str | None = PASSWORD, timeout: float = 120, **extra: str) -> Any:
    """``recamera-mcp argv...`` in ``tmp``; the finished process (stdout, stderr, returncode)."""
    return subprocess.run(
        [sys.executable, "-m", "recamera_mcp", *argv],
        cwd=tmp, env=cli_env(tmp, password, **extra), capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


async def cli_json(tmp: Path, *argv: str, code: int = 0, **extra: str) -> Any:
    """The JSON a ``--json`` run prints (the run must end with ``code``)."""
    done = await asyncio.to_thread(run_cli, tmp, *argv, "--json", **extra)
    assert done.returncode == code, f"exit {done.returncode}: {done.stderr[-2000:]}"
    return json.loads(done.stdout)


def mcp_client(files_root: Path | None = None) -> Client:
    """An MCP client on a fresh server with every toolset, credentials as for the CLI runs; the operator allows
    revealed secrets (at the terminal a person is the operator: ``--reveal-secrets`` is theirs to give)."""
    credentials = CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD})
    options = ServerOptions(credentials=credentials, reveal_secrets=True, files_root=files_root)
    return Client(create_server(options))


def without(value: Any, *keys: str) -> Any:
    """``value`` with these keys dropped at every depth (what differs from one run to the next)."""
    if isinstance(value, dict):
        return {k: without(v, *keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without(v, *keys) for v in value]
    return value


def same_but_host(value: Any, host: str, other: str) -> Any:
    """``value`` with one camera's address written as another's (results of the same act on two cameras)."""
    return json.loads(json.dumps(value).replace(other, host))
