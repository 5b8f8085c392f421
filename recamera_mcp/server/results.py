"""Compact tool results: the text block of a result is compact JSON, never the indented copy the SDK makes.

For a tool returning a model, the SDK puts the data in ``structuredContent`` and, for clients that read only
text, the same data again as a text block rendered with ``indent=2`` (``func_metadata._convert_to_content``): a
region polygon spans dozens of lines and an agent pays for every one. :class:`CompactJsonText` re-renders every
JSON text block of a ``tools/call`` result without whitespace, once, here, for every tool (also those that build
their own ``CallToolResult``, and for ``--no-output-schemas`` servers where the text is the only copy).
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext


def compact_json_text(text: str) -> str:
    """``text`` without insignificant whitespace when it is a JSON object or array; otherwise unchanged."""
    if not text.lstrip().startswith(("{", "[")):
        return text
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class CompactJsonText:
    """Server middleware: compact JSON in the text blocks of tool results (see the module docstring)."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method == "tools/call" and isinstance(result, dict) and not result.get("isError"):
            for item in result.get("content") or []:
                if isinstance(item, dict) and item.get("type") == "text" and isinstance(item.get("text"), str):
                    item["text"] = compact_json_text(item["text"])
        return result
