"""MCP prompts: one per playbook (playbooks/*.md), with the playbook's arguments (host, subnet, ...)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Prompt, PromptArgument
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from recamera_mcp.playbooks import Playbook, load_playbooks, render


class PlaybookPrompt(Prompt):
    """A prompt whose argument errors reach the client as invalid-params with the names (not an internal error)."""

    async def render(self, arguments: dict[str, Any] | None, context: Any) -> Any:
        given = arguments or {}
        expected = {arg.name for arg in self.arguments or []}
        missing = sorted(arg.name for arg in self.arguments or [] if arg.required and not given.get(arg.name))
        unknown = sorted(set(given) - expected)
        if missing or unknown:
            problem = f"missing required arguments {missing}" if missing else f"unknown arguments {unknown}"
            raise MCPError(INVALID_PARAMS, f"prompt {self.name}: {problem}; it takes {sorted(expected)}")
        return await super().render(arguments, context)


def playbook_prompt(book: Playbook) -> Prompt:
    """The MCP prompt of one playbook: its rendered text with the given arguments filled in."""

    def fn(**values: Any) -> str:
        return render(book, {k: str(v) for k, v in values.items() if v is not None})

    intents = "; ".join(book.intents[:3])
    return PlaybookPrompt(
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
