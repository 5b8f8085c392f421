"""get_config / update_config: every GET+write config endpoint of the camera, read-before-write always."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import ConfigArea, SecretWouldMove
from recamera_mcp.server.confirm import ask_user
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models import ConfigOutput, UpdateOutput, config_output, shape_update
from recamera_mcp.server.permissions import ask_switch
from recamera_mcp.server.state import ServerState, server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host

__all__ = ["get_config", "read_config", "shape_update", "update_config"]  # shape_update: call_api's too

Area = Annotated[ConfigArea, Field(description="Which config object (its endpoint: api_reference(query=area))")]
Reveal = Annotated[bool, Field(description="Ask to show secrets unmasked")]


async def read_config(state: ServerState, host: str, area: ConfigArea, reveal_secrets: bool = False) -> ConfigOutput:
    """One config object of ``host`` (secrets masked unless revealed); the tool's and the config resource's.
    ``reveal_secrets``: the caller already checked that it may (the operator's switch or the user's answer)."""
    with tool_errors(f"get_config({area}) on {host}"):
        client = await state.sessions.client(host)
        return config_output(client.address.key, area, await client.config.get(area), reveal_secrets)


@tool("core", "Read a camera config", read_only=True)
async def get_config(
    host: Host, area: Area, ctx: Context[Any, Any], reveal_secrets: Reveal = False
) -> ConfigOutput | InputRequiredResult:
    """Read one whole config object of the camera (device key names, e.g. dIpv4.sV4Method)."""
    with tool_errors(f"get_config({area}) on {host}"):
        reveal = await _reveal(ctx, "get_config", host, area, reveal_secrets)
    if isinstance(reveal, InputRequiredResult):
        return reveal
    return await read_config(server_state(ctx), host, area, reveal)


@tool("core", "Change a camera config", read_only=False, idempotent=True)
async def update_config(
    host: Host,
    area: Area,
    changes: Annotated[
        dict[str, Any],
        Field(
            description='Only the fields to change, nested as on the device, e.g. {"dIpv4": {"sV4Method": "dhcp"}}; '
            'list items by sID/id merge ({"sID": x, "_remove": true} removes); ******** keeps a secret'
        ),
    ],
    ctx: Context[Any, Any],
    dry_run: Annotated[bool, Field(description="Preview only, no write")] = False,
    reveal_secrets: Reveal = False,
) -> UpdateOutput | InputRequiredResult:
    """Change only the given fields: reads the whole object, merges and writes it back whole (a partial write
    would reset the rest); reports before/after."""
    with tool_errors(f"update_config({area}) on {host}"):
        client = await server_state(ctx).sessions.client(host)
        key = client.address.key
        reveal = await _reveal(ctx, "update_config", key, area, reveal_secrets)
        if isinstance(reveal, InputRequiredResult):
            return reveal
        try:
            result = await client.config.update(area, changes, dry_run=dry_run, reveal_secrets=reveal)
        except SecretWouldMove as exc:
            moves = ", ".join(f"{secret} -> new {destination}" for destination, secret in exc.moves)
            asking = await ask_user(
                ctx, "update_config:secret_move", key, {"area": area.value, "changes": changes},
                f"send the kept secret(s) {moves} of the {area.value} config to the new destination",
                f"update_config({area}) on {key}: {exc}",
            )  # fmt: skip
            if asking is not None:
                return asking
            result = await client.config.update(area, changes, reveal_secrets=reveal, allow_secret_move=True)
        server_state(ctx).changes.record(key, "update_config", result.revert)
        return shape_update(key, area.value, result)


async def _reveal(
    ctx: Context[Any, Any], tool_name: str, key: str, area: ConfigArea, asked: bool
) -> bool | InputRequiredResult:
    return await ask_switch(
        ctx, "reveal_secrets", asked, tool=tool_name, host=key, args={"area": area.value},
        what=f"see the secrets (passwords, keys) of the {area.value} config unmasked",
    )  # fmt: skip
