"""A tiny tool registry: each tool declares its toolset and whether it writes, so ``--toolsets`` and
``--read-only`` can pick which tools a server exposes, and every tool carries truthful annotations.

A read-only tool that can also write a local file through some argument (``snapshot(save_to=...)``) names that
argument in ``local_writes``: a normal server announces it as not read-only (it may write here), and a
``--read-only`` server exposes it without those arguments (and the tool refuses them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

from recamera_mcp.server.tools.compact import compact_tools, drop_arguments

F = TypeVar("F", bound=Callable[..., Any])

TOOLSETS = ("core", "image", "recording", "ai", "system", "cloud")


@dataclass(frozen=True)
class ToolDef:
    fn: Callable[..., Any]
    name: str
    title: str
    toolset: str
    annotations: ToolAnnotations
    structured_output: bool | None
    local_writes: tuple[str, ...] = ()

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
) -> Callable[[F], F]:
    """Declare a tool. ``open_world``: it talks to a device (the world outside the server). ``local_writes``: the
    arguments with which a read-only tool writes a local file (see the module docstring)."""
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
        )
        return fn

    return register


def selected(toolsets: frozenset[str] | None, read_only: bool) -> list[ToolDef]:
    """The tools a server started with these options exposes."""
    return [t for t in TOOLS.values() if (toolsets is None or t.toolset in toolsets) and not (read_only and t.writes)]


def add_tools(
    server: MCPServer[Any], toolsets: frozenset[str] | None, read_only: bool, output_schemas: bool = True
) -> None:
    """Register the selected tools. ``output_schemas=False``: results come as JSON text only, and tools/list
    carries no outputSchema (about half its tokens), for hosts that pass whole tool definitions to the model."""
    for t in selected(toolsets, read_only):
        structured = t.structured_output if output_schemas else False
        server.add_tool(
            t.fn, name=t.name, title=t.title, annotations=t.annotations_for(read_only), structured_output=structured
        )
    compact_tools(server, [t.name for t in selected(toolsets, read_only)])
    if read_only:
        for t in selected(toolsets, read_only):
            if t.local_writes:
                drop_arguments(server, t.name, t.local_writes)
