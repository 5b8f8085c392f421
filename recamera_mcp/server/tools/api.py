"""call_api: the escape hatch for endpoints without a dedicated tool, with the same safety rules.

What it may send is decided by construction in ``api_policy.py``: only the endpoints of the API reference, matched
in their canonical form (percent-decoded to a fixed point), with the request line built from exactly what was
checked; endpoints that have a dedicated tool with a confirmation are refused, naming the tool. A write to a config
endpoint becomes read-before-write; secrets in answers are masked.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from recamera_mcp.client import CONFIG_AREAS, ConfigArea, mask_secrets, redact_text
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models import ApiOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.api_policy import CallRefused, Checked, check_call
from recamera_mcp.server.tools.config import shape_update
from recamera_mcp.server.tools.registry import TOOLS, tool
from recamera_mcp.server.tools.session import Host

MAX_TEXT = 4000


def config_area_for(checked: Checked) -> ConfigArea | None:
    """The config area an endpoint is, when it is one (its writes then go read-before-write)."""
    for area, spec in CONFIG_AREAS.items():
        if spec.path == checked.route.template and spec.raw == checked.route.raw:
            if not spec.params or all(checked.params.get(k) == v for k, v in spec.params.items()):
                return area
    for area, spec in CONFIG_AREAS.items():  # /video/{stream_id}/encode and kin: the area of this instance
        if not spec.raw and checked.path.split("?", 1)[0] == spec.path:
            return area
    return None


@tool("core", "Call any camera API endpoint", read_only=False)
async def call_api(
    host: Host,
    method: Literal["GET", "POST", "PUT", "DELETE"],
    path: Annotated[str, Field(description="After /cgi-bin/entry.cgi, e.g. /network/wifi-list")],
    ctx: Context[Any, Any],
    body: Annotated[Any, Field(description="JSON body; for config endpoints only the fields to change")] = None,
    params: Annotated[
        dict[str, str] | None, Field(description='Query parameters, e.g. {"File-name": "x.rknn"}')
    ] = None,
    raw: Annotated[bool, Field(description="path is from the host root (/api/v1/...)")] = False,
) -> ApiOutput:
    """Escape hatch for the reference's endpoints without a dedicated tool (see api_reference). Config writes
    become read-before-write; endpoints with their own tool are refused."""
    try:
        checked = check_call(method, path, body, params, raw, frozenset(TOOLS))
    except (CallRefused, ValueError) as exc:
        raise ToolError(f"call_api refuses {method} {redact_text(path)[:200]}: {exc}. Nothing was sent") from None
    shown = checked.shown
    with tool_errors(f"call_api {method} {shown} on {host}"):
        client = await server_state(ctx).sessions.client(host)
        area = config_area_for(checked)
        if area is not None and method in ("POST", "PUT"):
            if not isinstance(body, dict):
                raise ToolError("call_api: a config write needs a JSON object of the fields to change")
            result = await client.config.update(area, body)
            server_state(ctx).changes.record(client.address.key, "call_api", result.revert)
            update = shape_update(client.address.key, area.value, result)
            return ApiOutput(host=client.address.key, method=method, path=shown, status=200, body=None, update=update)
        response = await client.request(method, checked.path, json=body, raw=checked.route.raw)
        spec = CONFIG_AREAS[area] if area is not None else None
        answer: Any
        if response.body is not None:
            answer = mask_secrets(response.body, spec.secret_fields if spec is not None else ())
            text = json.dumps(answer)
            if len(text) > MAX_TEXT:
                answer = text[:MAX_TEXT] + f"... ({len(text)} characters in all; narrow the request)"
        elif response.content_type.startswith("text/"):
            answer = redact_text(response.text[:MAX_TEXT])
        else:
            answer = f"<{len(response.content)} bytes of {response.content_type or 'binary data'}>"
        return ApiOutput(
            host=client.address.key, method=method, path=shown, status=response.status_code, body=answer, update=None
        )
