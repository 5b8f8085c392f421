"""A tiny tool registry: each tool declares its toolset and whether it writes, so ``--toolsets``, ``--read-only``
and the ``toolsets`` tool can pick which tools a server exposes, and every tool carries truthful annotations.

The registry decides what a toolset holds: a tool added to a toolset with ``@tool(...)`` anywhere in
``server/tools/`` is listed and loaded with its toolset without any other list to update.

A read-only tool that can also write a local file through some argument (``snapshot(save_to=...)``) names that
argument in ``local_writes``: a normal server announces it as not read-only (it may write here), and a
``--read-only`` server exposes it without those arguments (and the tool refuses them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.types import Icon, ToolAnnotations

from recamera_mcp.server.icons import toolset_icons
from recamera_mcp.server.tools.compact import compact_tools, drop_arguments

F = TypeVar("F", bound=Callable[..., Any])

TOOLSETS = ("core", "image", "recording", "ai", "system", "cloud")
DEFAULT_TOOLSETS = ("core", "image", "recording")
"""What ``recamera-mcp serve`` loads at start: the camera's everyday work. The others (models and inference,
firmware and maintenance, the cloud) load on request through the ``toolsets`` tool."""
TOOLSET_SUMMARIES: dict[str, str] = {
    "core": "find cameras, log in, status, config, any API endpoint, the API reference",
    "image": "ISP tuning and reset, snapshots",
    "recording": "recording rules and trigger, storage, browse, download and preview recordings",
    "ai": "AI models and inference",
    "system": "firmware, reboot, factory reset, Wi-Fi, backups, logs, diagnostics, fleets",
    "cloud": "SenseCraft cloud models and conversion",
}
"""One line per toolset, for the ``toolsets`` tool's answer."""


@dataclass(frozen=True)
class ToolDef:
    fn: Callable[..., Any]
    name: str
    title: str
    toolset: str
    annotations: ToolAnnotations
    structured_output: bool | None
    local_writes: tuple[str, ...] = ()
    icons: tuple[Icon, ...] = ()
    """Shown by hosts next to the tool; empty: the toolset's icon."""

    @property
    def writes(self) -> bool:
        """Changes a camera (hidden by ``--read-only``)."""
        return not bool(self.annotations.read_only_hint)

    def annotations_for(self, read_only_server: bool) -> ToolAnnotations:
        """The truthful annotations on a server in this mode (see the module docstring)."""
        if not self.local_writes or read_only_server:
            return self.annotations
        return self.annotations.model_copy(update={"read_only_hint": False, "idempotent_hint": False})


TOOLS: dict[str, ToolDef] = {}


def tool(
    toolset: str,
    title: str,
    *,
    read_only: bool,
    destructive: bool = False,
    idempotent: bool = False,
    open_world: bool = True,
    structured_output: bool | None = None,
    local_writes: tuple[str, ...] = (),
    icons: list[Icon] | None = None,
) -> Callable[[F], F]:
    """Declare a tool. ``open_world``: it talks to a device (the world outside the server). ``local_writes``: the
    arguments with which a read-only tool writes a local file (see the module docstring). ``icons``: shown by
    hosts instead of the toolset's icon."""
    if toolset not in TOOLSETS:
        raise ValueError(f"unknown toolset {toolset!r}")

    def register(fn: F) -> F:
        TOOLS[fn.__name__] = ToolDef(
            fn=fn,
            name=fn.__name__,
            title=title,
            toolset=toolset,
            annotations=ToolAnnotations(
                title=title,
                read_only_hint=read_only,
                destructive_hint=False if read_only else destructive,
                idempotent_hint=True if read_only else idempotent,
                open_world_hint=open_world,
            ),
            structured_output=structured_output,
            local_writes=local_writes,
            icons=tuple(icons or ()),
        )
        return fn

    return register


def selected(toolsets: frozenset[str] | None, read_only: bool) -> list[ToolDef]:
    """The tools a server started with these options exposes."""
    return [t for t in TOOLS.values() if (toolsets is None or t.toolset in toolsets) and not (read_only and t.writes)]


def registered(server: MCPServer[Any], name: str) -> bool:
    """Whether the server lists a tool of this name now."""
    return server._tool_manager.get_tool(name) is not None  # no public lookup in the SDK


def add_tools(
    server: MCPServer[Any], toolsets: frozenset[str] | None, read_only: bool, output_schemas: bool = True
) -> list[str]:
    """Register the selected tools the server does not list yet; the names added (in registry order).

    ``output_schemas=False``: results come as JSON text only, and tools/list carries no outputSchema (about half
    its tokens) and no icons (about 100 tokens a tool), for hosts that pass whole tool definitions to the model.
    Safe to call again at run time: the ``toolsets`` tool does, to load a toolset."""
    added: list[str] = []
    for t in selected(toolsets, read_only):
        if registered(server, t.name):
            continue
        structured = t.structured_output if output_schemas else False
        server.add_tool(
            t.fn,
            name=t.name,
            title=t.title,
            annotations=t.annotations_for(read_only),
            icons=(list(t.icons) or toolset_icons(t.toolset)) if output_schemas else None,
            structured_output=structured,
        )
        added.append(t.name)
    compact_tools(server, added)
    if read_only:
        for name in added:
            if TOOLS[name].local_writes:
                drop_arguments(server, name, TOOLS[name].local_writes)
    return added
