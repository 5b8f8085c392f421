"""MCP prompts: one per playbook (playbooks/*.md), with the playbook's arguments (host, subnet, ...)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Prompt, PromptArgument

from recamera_mcp.playbooks import Playbook, load_playbooks, render


def playbook_prompt(book: Playbook) -> Prompt:
    """The MCP prompt of one playbook: its rendered text with the given arguments filled in."""
    names = {arg.name for arg in book.arguments}

    def fn(**values: Any) -> str:
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown arguments {sorted(unknown)}; this playbook takes {sorted(names)}")
        return render(book, {k: str(v) for k, v in values.items() if v is not None})

    intents = "; ".join(book.intents[:3])
    return Prompt(
        name=book.name,
        title=book.title,
        description=f"{book.description} Use for: {intents}.",
        arguments=[PromptArgument(name=a.name, description=a.description, required=a.required) for a in book.arguments],
        fn=fn,
        context_kwarg=None,
    )


def add_prompts(server: MCPServer[Any]) -> None:
    """Register every playbook as a prompt."""
    for book in load_playbooks().values():
        server.add_prompt(playbook_prompt(book))
