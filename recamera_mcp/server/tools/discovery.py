"""discover_devices: find the reCameras of a subnet, with progress, verified by GET /system/key."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import BaseModel, Field

from recamera_mcp.discovery import Camera, TargetError, discover, merge_consecutive, parse_target_set
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.permissions import Switch, ask_switch
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool


class DiscoveryOutput(BaseModel):
    """Every scanned host in exactly one of recamera_ips, non_recamera_ips, unreachable_or_timeout_ips."""

    method: Literal["nmap", "tcp"]
    hosts_total: int
    duration_s: float
    reachable_ips: list[str] = Field(description="Answered HTTP on the port (cameras and others)")
    recamera_ips: list[str] = Field(description="Verified: /system/key answered 200 with sPublicKey")
    non_recamera_ips: list[str] = Field(description="Answered HTTP but are not reCameras")
    unreachable_or_timeout_ips: list[str] = Field(
        description="Closed, down or silent; consecutive addresses merged as 'first-last'"
    )
    cameras: list[Camera]


def host_argument(camera: Camera) -> str:
    """How a tool's ``host`` names this camera: ``ip``, ``ip:port`` or ``https://ip[:port]``."""
    return camera.base_url.removeprefix("http://")


@tool("core", "Find reCameras in a subnet", read_only=True)
async def discover_devices(
    subnet: Annotated[
        str | list[str],
        Field(description="CIDR, range (192.168.1.10-40), IP, or a list"),
    ],
    ctx: Context[Any, Any],
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 1.0,
    port: Annotated[int, Field(ge=1, le=65535)] = 80,
    method: Annotated[
        Literal["auto", "nmap", "tcp"], Field(description="auto: nmap if installed (tcp on loopback), else tcp")
    ] = "auto",
    allow_large: Annotated[bool, Field(description="Ask to allow > /16")] = False,
    allow_public: Annotated[bool, Field(description="Ask to allow public addresses")] = False,
) -> DiscoveryOutput | InputRequiredResult:
    """Find the reCameras of a subnet in about timeout_s: every host is probed at once and verified with
    GET /system/key (an open port alone is not a camera). No login needed."""

    async def progress(done: int, total: int, message: str) -> None:
        await ctx.report_progress(done, total, message)

    with tool_errors(f"discover_devices({subnet})"):
        parse_target_set(subnet, allow_large=True, allow_public=True)  # invalid input fails here, before any asking
        args = {"subnet": subnet, "port": port}
        granted: dict[Switch, bool] = {}
        asks: tuple[tuple[Switch, bool, str], ...] = (
            ("allow_public", allow_public, f"sweep public (internet) addresses: {subnet}"),
            ("allow_large", allow_large, f"sweep more than 65,536 addresses: {subnet}"),
        )
        for switch, asked, what in asks:
            answer = await ask_switch(
                ctx, switch, asked and _needs(subnet, switch), tool="discover_devices", host="", args=args, what=what
            )
            if isinstance(answer, InputRequiredResult):
                return answer
            granted[switch] = answer
        allow_public, allow_large = granted["allow_public"], granted["allow_large"]
        result = await discover(
            subnet,
            timeout_s=timeout_s,
            port=port,
            method=method,
            allow_large=allow_large,
            allow_public=allow_public,
            progress=progress,
        )
        server_state(ctx).discovered_hosts[:] = [host_argument(camera) for camera in result.cameras]
        return DiscoveryOutput(
            method=result.method,
            hosts_total=result.hosts_total,
            duration_s=round(result.duration_s, 3),
            reachable_ips=result.reachable_ips,
            recamera_ips=result.recamera_ips,
            non_recamera_ips=result.non_recamera_ips,
            unreachable_or_timeout_ips=merge_consecutive(result.unreachable_or_timeout_ips),
            cameras=result.cameras,
        )


def _needs(subnet: str | list[str], switch: str) -> bool:
    """Whether ``subnet`` is refused without ``switch`` (the other one granted)."""
    try:
        parse_target_set(subnet, allow_public=switch != "allow_public", allow_large=switch != "allow_large")
    except TargetError:
        return True
    return False
