"""What every camera command shares: its common options, the run (credentials, one event loop, errors to exit
codes), the output (``--json`` as the matching tool's structured result, or tables), progress bars on stderr and
the confirmation of destructive commands.

A command is a :class:`Command` (``add_arguments``, ``run``); :func:`camera_command` makes one from an argument
adder and an async body ``body(cli, args)`` that returns an exit code (None: 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import pydantic
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from recamera_mcp.cli._advice import fix_line
from recamera_mcp.cli._exit import OK, USAGE, Refused, UsageError, exit_code
from recamera_mcp.cli._session import CliSessions, can_prompt
from recamera_mcp.client import ReCameraError, redact_text
from recamera_mcp.server.credentials import ConfigFileError, CredentialStore
from recamera_mcp.server.models_confirm import ConfirmationRequest

__all__ = ["Bar", "Cli", "Command", "TerminalConfirm", "camera_command", "json_of"]

Body = Callable[["Cli", argparse.Namespace], Awaitable[int | None]]
BarKind = Literal["bytes", "count", "percent"]


@dataclass(frozen=True)
class Command:
    """A subcommand: adds its arguments to its parser, runs with the parsed arguments, answers the exit code."""

    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def json_of(result: pydantic.BaseModel | Sequence[pydantic.BaseModel]) -> str:
    """A result as JSON, exactly as an MCP tool's ``structuredContent`` carries it (json mode, by alias)."""
    if isinstance(result, pydantic.BaseModel):
        data: Any = result.model_dump(mode="json", by_alias=True)
    else:
        data = [item.model_dump(mode="json", by_alias=True) for item in result]
    return json.dumps(data, indent=2, ensure_ascii=False)


class Bar:
    """One progress bar; ``await bar.update(done, total, message)`` fits the client's progress callbacks."""

    def __init__(self, progress: Progress | None, description: str) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=None) if progress is not None else None

    async def update(self, done: float, total: float | None = None, message: str | None = None) -> None:
        if self._progress is None or self._task is None:
            return
        fields: dict[str, Any] = {"completed": done}
        if total:
            fields["total"] = total
        if message:
            fields["description"] = escape(message[:80])
        self._progress.update(self._task, **fields)


@dataclass
class Cli:
    """One command run: its output consoles, mode and camera sessions."""

    command: str
    json: bool
    yes: bool
    credentials: CredentialStore
    sessions: CliSessions
    out: Console = field(default_factory=lambda: Console(highlight=False, soft_wrap=True))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))
    host: str | None = None
    """The camera the command names (for the fix an error suggests)."""

    def emit(self, result: pydantic.BaseModel | Sequence[pydantic.BaseModel], human: Callable[[], None]) -> None:
        """``--json``: the result as the tool's structured output on stdout; otherwise ``human()`` renders it."""
        if self.json:
            print(json_of(result), flush=True)
        else:
            human()

    def note(self, text: str) -> None:
        """A line for the person at the terminal (stderr; never in the JSON)."""
        if not self.json:
            self.err.print(f"[dim]{escape(text)}[/dim]")

    @asynccontextmanager
    async def bar(self, description: str, kind: BarKind = "percent") -> AsyncIterator[Bar]:
        """A progress bar on stderr while the block runs; none with ``--json`` or when stderr is no terminal."""
        if self.json or not self.err.is_terminal:
            yield Bar(None, description)
            return
        figures: tuple[Any, ...] = {
            "bytes": (DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()),
            "count": (MofNCompleteColumn(), TimeElapsedColumn()),
            "percent": (TaskProgressColumn(), TimeElapsedColumn()),
        }[kind]
        columns = (TextColumn("{task.description}"), BarColumn(bar_width=30), *figures)
        with Progress(*columns, console=self.err, transient=False, refresh_per_second=8) as progress:
            yield Bar(progress, escape(description))

    def confirm(self, summary: str, details: Mapping[str, Any] | None = None) -> None:
        """Go ahead only with ``--yes`` or a "y" typed at the terminal; raises :class:`Refused` otherwise."""
        if self.yes:
            return
        if not can_prompt():
            raise Refused(f"{summary}: this needs confirmation; nothing was done. Run it at a terminal, or add --yes")
        self.err.print(f"[bold]{escape(summary)}[/bold]")
        for key, value in (details or {}).items():
            self.err.print(f"  {escape(str(key))}: {escape(str(value))}")
        answer = self.err.input("Go ahead? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise Refused("not confirmed: nothing was done")

    def pending(self, summary: str, details: Mapping[str, Any] | None = None) -> ConfirmationRequest:
        """What a refused destructive command answers in place of the tool's confirmation (no token here)."""
        return ConfirmationRequest(
            summary=summary, details=dict(details or {}), confirm_token="", expires_in_s=0,
            next_step="nothing was done: run the command again with --yes, or at a terminal and answer y",
        )  # fmt: skip

    def fail(self, exc: BaseException) -> int:
        """Print what went wrong (and the fix) on stderr; the exit code."""
        if isinstance(exc, pydantic.ValidationError):
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors(include_input=False)
            )
            self.err.print(f"recamera-mcp {self.command}: invalid input: {escape(problems)}")
            return USAGE
        self.err.print(f"recamera-mcp {self.command}: {escape(redact_text(str(exc)))}", soft_wrap=True)
        fix = fix_line(exc.fix, self.host) if isinstance(exc, ReCameraError) and exc.fix is not None else None
        if fix:
            self.err.print(f"  fix: {escape(fix)}", soft_wrap=True)
        return exit_code(exc)


class TerminalConfirm:
    """The shared flows' :data:`~recamera_mcp.server.models_confirm.Confirm` for the command line: asks at the
    terminal (or goes ahead with ``--yes``); a refusal is answered as the flow's pending result and kept in
    :attr:`refused`, so the command prints what would have happened and exits 5."""

    def __init__(self, cli: Cli) -> None:
        self._cli = cli
        self.refused: Refused | None = None

    async def __call__(
        self, host: str, args: Mapping[str, Any], summary: str, details: Any = None
    ) -> ConfirmationRequest | None:
        shown = details.model_dump(mode="json", exclude_none=True) if isinstance(details, pydantic.BaseModel) else (
            dict(details) if isinstance(details, Mapping) else {})  # fmt: skip
        try:
            self._cli.confirm(f"{host}: {summary}", shown)
        except Refused as exc:
            self.refused = exc
            return self._cli.pending(summary, shown)
        return None

    def check(self) -> None:
        """Raise the refusal (exit 5) once the pending result is printed."""
        if self.refused is not None:
            raise self.refused


def add_common(parser: argparse.ArgumentParser, *, destructive: bool = False) -> None:
    """The options every camera command takes."""
    parser.add_argument("--json", action="store_true", help="print the result as JSON (as the MCP tool's result)")
    parser.add_argument("--timeout", type=float, default=10.0, help="device request timeout in seconds (default 10)")
    parser.add_argument("-u", "--username", help="camera user (default: configured, else admin)")
    if destructive:
        parser.add_argument("-y", "--yes", action="store_true", help="do it without asking (for scripts)")


def camera_command(add: Callable[[argparse.ArgumentParser], None], body: Body, *, destructive: bool = False) -> Command:
    """A command over the cameras: ``add`` its own arguments, ``body(cli, args)`` does the work."""

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        add(parser)
        add_common(parser, destructive=destructive)

    def run(args: argparse.Namespace) -> int:
        return run_body(args, body)

    return Command(add_arguments, run)


def run_body(args: argparse.Namespace, body: Body) -> int:
    """Load the credentials, run ``body`` in one event loop, map what it raised to an exit code."""
    err = Console(stderr=True, highlight=False)
    try:
        credentials = CredentialStore.load()
    except ConfigFileError as exc:
        err.print(f"recamera-mcp {args.command}: {escape(str(exc))}")
        return USAGE
    if args.timeout is not None and not args.timeout > 0:
        err.print(f"recamera-mcp {args.command}: --timeout must be > 0")
        return USAGE
    cli = Cli(
        command=args.command,
        json=bool(getattr(args, "json", False)),
        yes=bool(getattr(args, "yes", False)),
        credentials=credentials,
        sessions=CliSessions.for_terminal(credentials, args.username, args.timeout),
        err=err,
        host=getattr(args, "host", None),
    )
    try:
        return asyncio.run(_run(cli, args, body))
    except KeyboardInterrupt:
        err.print(f"recamera-mcp {args.command}: interrupted")
        return exit_code(KeyboardInterrupt())


async def _run(cli: Cli, args: argparse.Namespace, body: Body) -> int:
    try:
        code = await body(cli, args)
        return OK if code is None else code
    except (ReCameraError, Refused, UsageError, pydantic.ValidationError, OSError) as exc:
        return cli.fail(exc)
    finally:
        await cli.sessions.close()
        sys.stdout.flush()
