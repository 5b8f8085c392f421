"""call_api: the escape hatch for endpoints without a dedicated tool, with the same safety rules.

A write to a config endpoint becomes read-before-write; destructive endpoints are refused (they have, or will
have, their own tools with a confirmation step); secrets in answers are masked.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from recamera_mcp.client import CGI_PREFIX, CONFIG_AREAS, ConfigArea, mask_secrets, redact_text
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models import ApiOutput
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.config import shape_update
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.session import Host

MAX_TEXT = 4000

# (method or "*", path prefix, why refused / what to use instead)
REFUSED: tuple[tuple[str, str, str], ...] = (
    ("*", "/system/login", "use the login tool"),
    ("*", "/system/logout", "use the logout tool"),
    ("*", "/system/password", "use the change_password tool"),
    ("*", "/system/reboot", "rebooting needs a confirmed tool (not exposed yet)"),
    ("*", "/system/factory-reset", "factory reset erases the camera; it needs a confirmed tool (not exposed yet)"),
    ("*", "/system/recovery", "recovery is destructive; not exposed"),
    ("POST", "/system/firmware", "firmware upgrades need a confirmed tool (not exposed yet)"),
    ("*", "/config/upload", "config import replaces the whole config; it needs a confirmed tool (not exposed yet)"),
    ("*", "/model/upload", "use upload_model (resumable, checked) or deploy_model"),
    ("*", "/model/delete", 'use models(action="delete") (confirmed)'),
    ("DELETE", "/", "DELETE requests are destructive; use a dedicated tool"),
    ("POST", "/image/0/", "ISP changes must go through tune_image (select scene, edit, commit)"),
    ("PUT", "/image/0/", "ISP changes must go through tune_image (select scene, edit, commit)"),
)
REFUSED_EXACT: tuple[tuple[str, str, str], ...] = (("POST", "/image/0", "use reset_image (destructive, confirmed)"),)
DESTRUCTIVE_STORAGE_ACTIONS = frozenset({"FORMAT", "FREE_UP", "EJECT", "REMOVE_FILES_OR_DIRECTORIES"})


def canonical_path(path: str, raw: bool) -> tuple[str, bool]:
    """``(path, raw)`` as the device resolves it: percent-decoded, ``.`` and empty segments dropped, and a
    ``/cgi-bin/entry.cgi`` prefix made CGI-relative, so that no spelling of a path slips past :func:`refusal`.
    Raises ValueError for ``..`` segments, fragments and an encoded ``?``."""
    decoded = unquote(path)
    segments = decoded.split("/")
    if not decoded.startswith("/") or ".." in segments or "#" in decoded or "?" in decoded:
        raise ValueError(f"path must start with / and contain no '..' segments, '#' or encoded '?', got {path!r}")
    kept = [s for s in segments if s not in ("", ".")]
    canonical = "/" + "/".join(kept) + ("/" if kept and decoded.endswith("/") else "")
    prefix = CGI_PREFIX + "/"
    if canonical.lower() == CGI_PREFIX or canonical.lower().startswith(prefix):
        return "/" + canonical[len(prefix) :], False
    return canonical, raw


def refusal(method: str, path: str, body: Any) -> str | None:
    """Why ``call_api`` will not send this request, or None (``path`` as :func:`canonical_path` gives it)."""
    path = path.lower()
    for m, exact, why in REFUSED_EXACT:
        if method == m and path == exact:
            return why
    for m, prefix, why in REFUSED:
        if (m in ("*", method)) and path.startswith(prefix):
            return why
    if path.startswith("/record/storage/control") and isinstance(body, dict):
        if str(body.get("sAction", "")).upper() in DESTRUCTIVE_STORAGE_ACTIONS:
            return "destructive storage actions need the storage tool (two-phase confirmation)"
    if path.startswith("/ws/"):
        return (
            "WebSocket paths cannot be called over HTTP: use watch_inference (inference results), read_logs (system "
            "log) or run_command (terminal)"
        )
    return None


def config_area_for(path: str, params: dict[str, str] | None) -> ConfigArea | None:
    for area, spec in CONFIG_AREAS.items():
        if spec.path == path and (not spec.params or all((params or {}).get(k) == v for k, v in spec.params.items())):
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
    """Escape hatch for endpoints without a dedicated tool (see api_reference). Config writes become
    read-before-write; destructive endpoints are refused."""
    path, _, query = path.partition("?")
    try:
        path, raw = canonical_path(path, raw)
    except ValueError as exc:
        raise ToolError(f"call_api: {exc}") from None
    merged_params = dict(params or {})
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        merged_params.setdefault(key, value)
    why = refusal(method, path, body)
    if why is not None:
        raise ToolError(f"call_api refuses {method} {path}: {why}")
    with tool_errors(f"call_api {method} {path} on {host}"):
        client = await server_state(ctx).sessions.client(host)
        area = config_area_for(path, merged_params)
        if area is not None and method in ("POST", "PUT"):
            if not isinstance(body, dict):
                raise ToolError("call_api: a config write needs a JSON object of the fields to change")
            result = await client.config.update(area, body)
            server_state(ctx).changes.record(client.address.key, "call_api", result.revert)
            update = shape_update(client.address.key, area.value, result)
            return ApiOutput(host=client.address.key, method=method, path=path, status=200, body=None, update=update)
        response = await client.request(method, path, params=merged_params or None, json=body, raw=raw)
        content_type = response.content_type
        spec = CONFIG_AREAS[area] if area is not None else None
        shown: Any
        if response.body is not None:
            shown = mask_secrets(response.body, spec.secret_fields if spec is not None else ())
            text = json.dumps(shown)
            if len(text) > MAX_TEXT:
                shown = text[:MAX_TEXT] + f"... ({len(text)} characters in all; narrow the request)"
        elif content_type.startswith("text/"):
            shown = redact_text(response.text[:MAX_TEXT])
        else:
            shown = f"<{len(response.content)} bytes of {content_type or 'binary data'}>"
        return ApiOutput(
            host=client.address.key, method=method, path=path, status=response.status_code, body=shown, update=None
        )
