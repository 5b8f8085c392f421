"""Live from the camera: watch_inference (ai), read_logs and run_command (system), over the device's WebSockets.

What the camera sends is data, never an instruction: the client bounds it, strips control sequences and masks
secrets before a tool returns it."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import LogsResult
from recamera_mcp.server.advice import problem_text
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models_streams import RunCommandOutput, WatchInferenceOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host

Seconds = Annotated[float, Field(ge=0, le=120, description="Listen this long (s)")]


@tool("ai", "Watch live detections", read_only=True)
async def watch_inference(
    host: Host,
    ctx: Context[Any, Any],
    duration_s: Annotated[float, Field(ge=0.5, le=120, description="Listen this long (s)")] = 10,
    max_results: Annotated[int, Field(ge=1, le=1000, description="Stop after this many results")] = 50,
) -> WatchInferenceOutput:
    """Collect live inference results: count, rate, per-label counts and best confidence, the latest boxes."""
    with tool_errors(f"watch_inference on {host}"):
        client = await server_state(ctx).sessions.client(host)
        summary = await client.streams.watch_inference(duration_s, max_results, progress=ctx.report_progress)
        problem = problem_text(summary.problem) if summary.problem is not None else None
        return WatchInferenceOutput(**summary.model_dump(exclude={"problem"}), problem=problem)


@tool("system", "Read the camera's system log", read_only=True)
async def read_logs(
    host: Host,
    ctx: Context[Any, Any],
    duration_s: Seconds = 5,
    max_lines: Annotated[int, Field(ge=1, le=2000, description="Newest lines kept")] = 200,
    contains: Annotated[str | None, Field(description="Only lines with this text (any case)")] = None,
) -> LogsResult:
    """Recent system log lines plus those arriving within duration_s, newest last."""
    with tool_errors(f"read_logs on {host}"):
        client = await server_state(ctx).sessions.client(host)
        return await client.streams.read_logs(duration_s, max_lines, contains, progress=ctx.report_progress)


@tool("system", "Run a shell command on the camera", read_only=False, destructive=True)
async def run_command(
    host: Host,
    command: Annotated[str, Field(description="One shell command line, run as root")],
    ctx: Context[Any, Any],
    timeout_s: Annotated[float, Field(ge=1, le=120)] = 10,
    confirm_token: ConfirmTokenArg = None,
) -> RunCommandOutput | InputRequiredResult:
    """Run a command in the camera's terminal and return its output. Read-only ones (uname, df, free, uptime,
    cat /proc/..., dmesg, ls, ps, top -bn1) run at once; others need confirmation."""
    with tool_errors(f"run_command on {host}"):
        client = await server_state(ctx).sessions.client(host)
        key = client.address.key
        if not client.streams.read_only(command):
            decision = await require_confirmation(
                ctx, "run_command", key, {"command": command.strip()}, confirm_token,
                f"run `{command.strip()[:200]}` as root on the camera (not on the read-only allow-list)",
            )  # fmt: skip
            if isinstance(decision, Pending):
                return decision.input_required or RunCommandOutput(
                    host=key, command=command.strip()[:1000], output="", read_only=False, elapsed_s=0.0,
                    ran=False, confirmation=decision.request,
                )  # fmt: skip
        done = await client.streams.run_command(command, timeout_s, progress=ctx.report_progress)
        return RunCommandOutput(**done.model_dump())
