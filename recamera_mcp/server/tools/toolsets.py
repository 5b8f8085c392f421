"""Dynamic toolsets: a small default tool list, and the ``toolsets`` tool that loads the rest on request.

``recamera-mcp serve`` starts with the default toolsets (core, image, recording) plus ``toolsets(action="list"|
"enable", name=...)`` (``--toolsets`` picks another start, ``--no-dynamic-toolsets`` leaves it out). Enabling a
toolset registers its tools (those of the registry at that moment, minus the writing ones on a ``--read-only``
server) and tells the client with ``notifications/tools/list_changed``: on a handshake-era session over the
session itself, on a 2026 session through the ``subscriptions/listen`` streams. Loaded toolsets stay loaded for
the server's lifetime (an HTTP server shares them between its sessions). Clients that cannot refresh their tool
list use ``--toolsets all``.

:class:`ToolsetAdvice` turns a call of a tool that is not loaded into a hint saying which toolset holds it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field

from recamera_mcp.server.icons import toolset_icons
from recamera_mcp.server.state import ServerState, server_state
from recamera_mcp.server.tools.compact import compact_tools
from recamera_mcp.server.tools.registry import TOOLS, TOOLSET_SUMMARIES, TOOLSETS, add_tools, selected

NAME = "toolsets"
TITLE = "List or load toolsets"
_LISTEN_VERSION = "2026-07-28"
"""From this protocol version on, list-changed notifications travel only on ``subscriptions/listen`` streams."""


class ToolsetInfo(BaseModel):
    name: str
    loaded: bool
    summary: str
    tools: list[str] = Field(description="Its tools on this server (none yet: empty)")


class ToolsetsOutput(BaseModel):
    loaded: list[str] = Field(description="The toolsets loaded now")
    toolsets: list[ToolsetInfo] = Field(default_factory=list, description="Every toolset (action=list)")
    added: list[str] = Field(default_factory=list, description="Tools this call loaded (action=enable)")
    note: str | None = None


def toolset_tools(name: str, read_only: bool) -> list[str]:
    """The registry's tools of one toolset that a server in this mode would serve."""
    return [t.name for t in selected(frozenset({name}), read_only)]


def describe(state: ServerState) -> str:
    """The ``toolsets`` tool's description: what loading each toolset would add (from the registry)."""
    pending = []
    for name in TOOLSETS:
        tools = toolset_tools(name, state.options.read_only)
        if name not in state.loaded_toolsets and tools:
            pending.append(f"{name} ({', '.join(tools)})")
    waiting = "; ".join(pending) if pending else "none"
    return f"Load more tools into this session. Not loaded yet: {waiting}. action=list shows every toolset."


def _loaded(state: ServerState) -> list[str]:
    return [name for name in TOOLSETS if name in state.loaded_toolsets]


def _overview(state: ServerState) -> list[ToolsetInfo]:
    return [
        ToolsetInfo(
            name=name,
            loaded=name in state.loaded_toolsets,
            summary=TOOLSET_SUMMARIES[name],
            tools=toolset_tools(name, state.options.read_only),
        )
        for name in TOOLSETS
    ]


def load(server: MCPServer[Any], state: ServerState, names: list[str]) -> list[str]:
    """Register the tools of these toolsets that are not listed yet; the names added."""
    opts = state.options
    added = add_tools(server, frozenset(names), opts.read_only, opts.output_schemas)
    state.loaded_toolsets.update(names)
    meta = server._tool_manager.get_tool(NAME)  # the description names what is still to load
    if meta is not None:
        meta.description = describe(state)
    return added


async def notify_tools_changed(ctx: Context[Any, Any]) -> None:
    """Tell the client its tool list changed, the way its protocol version delivers it."""
    if is_version_at_least(ctx.request_context.protocol_version, _LISTEN_VERSION):
        await ctx.notify_tools_changed()  # subscriptions/listen streams that asked for tool changes
    else:
        await ctx.request_context.session.send_tool_list_changed()


async def toolsets(
    ctx: Context[Any, Any],
    action: Literal["list", "enable"] = "list",
    name: Annotated[str | None, Field(description="Toolset to load, or all")] = None,
) -> ToolsetsOutput:
    """Load more tools into this session."""  # replaced by describe() when registered
    state = server_state(ctx)
    if action == "list":
        return ToolsetsOutput(loaded=_loaded(state), toolsets=_overview(state))
    wanted = (name or "").strip().lower()
    if wanted not in (*TOOLSETS, "all"):
        raise ToolError(f"toolsets: name must be one of {', '.join(TOOLSETS)} or all, got {name!r}")
    names = list(TOOLSETS) if wanted == "all" else [wanted]
    added = load(ctx.mcp_server, state, names)
    if added:
        await notify_tools_changed(ctx)
        note = f"loaded {len(added)} tools (a client that does not refresh its tool list needs --toolsets all)"
    elif not any(toolset_tools(n, state.options.read_only) for n in names):
        note = f"{wanted} has no tools in this version" + (" of a read-only server" if state.options.read_only else "")
    else:
        note = f"{wanted} is already loaded"
    return ToolsetsOutput(loaded=_loaded(state), added=added, note=note)


def add_toolsets_tool(server: MCPServer[Any], state: ServerState) -> None:
    """Serve the ``toolsets`` tool (dynamic servers only)."""
    annotations = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
    server.add_tool(
        toolsets,
        name=NAME,
        title=TITLE,
        description=describe(state),
        annotations=annotations,
        icons=toolset_icons("core") if state.options.output_schemas else None,
        structured_output=None if state.options.output_schemas else False,
    )
    compact_tools(server, [NAME])


class ToolsetAdvice:
    """Server middleware: a call of a tool this server does not list says why, and how to get it."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method != "tools/call" or not isinstance(result, dict) or not result.get("isError"):
            return result
        name = (ctx.params or {}).get("name")
        spec = TOOLS.get(name) if isinstance(name, str) else None
        opts = self.state.options
        if spec is None:
            return result
        if opts.read_only and spec.writes:
            why = f"{spec.name} changes the camera and this server runs --read-only"
        elif spec.toolset in self.state.loaded_toolsets:
            return result  # listed: a real failure of the tool
        elif opts.dynamic:
            why = f'{spec.name} is in the {spec.toolset} toolset: call toolsets(action="enable", name="{spec.toolset}")'
        else:
            why = f"{spec.name} is in the {spec.toolset} toolset, which this server was not started with (--toolsets)"
        result["content"] = [{"type": "text", "text": f"Unknown tool: {why}"}]
        return result
