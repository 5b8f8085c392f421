"""diagnose: why a camera misbehaves, from a symptom; ranked findings with the device values seen and the fix."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from recamera_mcp.client import Diagnosis, Symptom
from recamera_mcp.client import diagnose as run_diagnosis
from recamera_mcp.server.advice import call_of
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models_diagnose import DiagnoseOutput, FindingOut
from recamera_mcp.server.state import ServerState, server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host


def shape_diagnosis(result: Diagnosis) -> DiagnoseOutput:
    """The tool answer for a client diagnosis: each fix as the tool call that makes it."""
    return DiagnoseOutput(
        host=result.host,
        symptom=result.symptom,
        findings=[
            FindingOut(
                severity=f.severity, check=f.check, title=f.title, evidence=f.evidence, fix=call_of(f.fix, result.host)
            )
            for f in result.findings
        ],
        checks=result.checks,
        seconds=result.seconds,
    )


async def diagnose_host(state: ServerState, host: str, symptom: Symptom) -> DiagnoseOutput:
    """Diagnose ``host`` (shared by the tool and the fleet); works when the camera is down or refuses the login."""
    with tool_errors(f"diagnose {symptom} on {host}"):
        client = await state.sessions.unauthenticated(host)
        return shape_diagnosis(await run_diagnosis(client, symptom))


@tool("core", "Diagnose a camera problem", read_only=True)
async def diagnose(
    host: Host,
    ctx: Context[Any, Any],
    symptom: Annotated[
        Symptom,
        Field(
            description="What is wrong: general, no_recording, no_detections, no_snapshot, no_notifications, "
            "offline, slow"
        ),
    ] = "general",  # fmt: skip
) -> DiagnoseOutput:
    """Find why a camera misbehaves: runs the checks the symptom needs, ranks findings (critical first) with the
    device values seen and the tool call that fixes each."""
    return await diagnose_host(server_state(ctx), host, symptom)
