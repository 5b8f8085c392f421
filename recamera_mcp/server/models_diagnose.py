"""Typed results of diagnose and fleet, and the diagnosis shaped into one (shared by the tool, the fleet and the
command line)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from recamera_mcp.client import Diagnosis, Severity
from recamera_mcp.server.advice import ToolCall, call_of
from recamera_mcp.server.models_confirm import ConfirmationRequest


class FindingOut(BaseModel):
    severity: Severity
    check: str
    title: str
    evidence: dict[str, Any] = Field(default_factory=dict, description="Device values the check saw")
    fix: ToolCall | None = Field(default=None, description="The call that fixes it (ask the user first)")


class DiagnoseOutput(BaseModel):
    host: str
    symptom: str
    findings: list[FindingOut] = Field(description="Worst first; empty: nothing wrong found")
    checks: list[str] = Field(description="Checks that ran")
    seconds: float


class FleetRow(BaseModel):
    """One camera's outcome in a fleet action."""

    host: str
    status: Literal["ok", "changed", "unchanged", "rebooted", "failed"] = Field(
        description="ok: read; changed/unchanged: after a write (read back); rebooted: back and logged in; "
        "failed: see reason"
    )
    reason: str | None = None
    data: dict[str, Any] | None = Field(default=None, description="Status row, diagnosis summary or the changes")


class FleetOutput(BaseModel):
    action: str
    hosts: int
    counts: dict[str, int] = Field(description="Cameras per status")
    results: list[FleetRow]
    dry_run: bool = False
    confirmation: ConfirmationRequest | None = None
    seconds: float


def shape_diagnosis(result: Diagnosis) -> DiagnoseOutput:
    """The answer for a client diagnosis: each fix as the tool call that makes it."""
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
