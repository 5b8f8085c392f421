"""The wifi tool (system toolset): status, scan, connect, forget and radio power of the camera's Wi-Fi; an action
that may cut the link the server reaches the camera through asks for confirmation first."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import DeviceTimeout, DeviceUnreachable, ValidationError, WifiStatus
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models_network import WifiOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host


class WifiAction(StrEnum):
    STATUS = "status"
    SCAN = "scan"
    CONNECT = "connect"
    FORGET = "forget"
    POWER_ON = "power_on"
    POWER_OFF = "power_off"


def _note(action: WifiAction, status: WifiStatus, ssid: str | None) -> str | None:
    if action == WifiAction.CONNECT:
        return f"joined {status.ssid!r}; Wi-Fi address {status.ipv4 or 'not assigned yet'}"
    if action == WifiAction.FORGET:
        return f"{ssid!r} forgotten"
    return None


@tool("system", "Camera Wi-Fi", read_only=False, destructive=True)
async def wifi(
    host: Host,
    action: Annotated[WifiAction, Field(description="What to do")],
    ctx: Context[Any, Any],
    ssid: Annotated[str | None, Field(description="Network name (connect, forget)")] = None,
    password: Annotated[str | None, Field(description="For connect; never shown")] = None,
    confirm_token: ConfirmTokenArg = None,
) -> WifiOutput | InputRequiredResult:
    """The camera's Wi-Fi. connect succeeds only when the camera says so. An action that may cut the server's link
    to the camera asks for confirmation first."""
    with tool_errors(f"wifi {action} on {host}"):
        client = await server_state(ctx).sessions.client(host)
        key = client.address.key
        action = WifiAction(action)
        if action in (WifiAction.CONNECT, WifiAction.FORGET) and not ssid:
            raise ValidationError(f"{action.value} needs ssid", "give the network name (see action=scan)", field="ssid")
        if action == WifiAction.SCAN:
            return WifiOutput(host=key, action=action.value, done=True, networks=await client.network.scan())
        status = await client.network.wifi_status()
        if action == WifiAction.STATUS:
            return WifiOutput(host=key, action=action.value, done=True, status=status)
        reason = client.network.may_cut_link(action.value, status, ssid)
        if reason is not None:
            args = {"action": action.value, "ssid": ssid, "password": password}  # hashed into the token, not kept
            summary = f"{action.value}{f' {ssid!r}' if ssid else ''}: this may cut the server off the camera"
            decision = await require_confirmation(ctx, "wifi", key, args, confirm_token, summary, {"why": reason})
            if isinstance(decision, Pending):
                return decision.input_required or WifiOutput(
                    host=key, action=action.value, done=False, status=status, confirmation=decision.request
                )
        try:
            if action == WifiAction.CONNECT:
                assert ssid is not None
                after = await client.network.connect(ssid, password)
            elif action == WifiAction.FORGET:
                assert ssid is not None
                after = await client.network.forget(ssid)
            else:
                after = await client.network.power(action == WifiAction.POWER_ON)
        except (DeviceUnreachable, DeviceTimeout):
            if reason is None:
                raise
            return WifiOutput(
                host=key, action=action.value, done=False,
                note=f"the server lost its link to the camera, as warned: {reason}. Whether the camera did it is not "
                f"known; reach it on its wired address ({status.lan_ipv4 or 'unknown'}) or find it with "
                "discover_devices(subnet)",
            )  # fmt: skip
        return WifiOutput(host=key, action=action.value, done=True, status=after, note=_note(action, after, ssid))
