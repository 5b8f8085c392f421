"""Turn every failure into a tool error that says what happened and what to do, never a traceback."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydantic
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent

from recamera_mcp.client import ReCameraError, redact_text
from recamera_mcp.server.advice import tool_advice

log = logging.getLogger(__name__)


@contextmanager
def tool_errors(action: str) -> Iterator[None]:
    """Map client errors (and pydantic validation errors) to :class:`ToolError` with their hint and, when the
    client names a fix, the tool call that makes it.

    ``action`` usually quotes the agent's ``host``: credentials typed into it are masked (:func:`redact_text`)."""
    action = redact_text(action)
    try:
        yield
    except ToolError:
        raise
    except ReCameraError as exc:
        log.info("%s failed: %s", action, type(exc).__name__)
        raise ToolError(redact_text(f"{action} failed: {tool_advice(exc)}")) from None
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
            for err in exc.errors(include_input=False)
        )
        raise ToolError(f"{action}: invalid input: {problems}") from None
    except ValueError as exc:
        raise ToolError(redact_text(f"{action}: {exc}")) from None


_INPUT_VALUE = re.compile(r"input_value=[^\n]{0,8192}?, input_type=")
_ERRORS_URL = re.compile(r"\n *For further information visit https://errors\.pydantic\.dev/\S+")


class ArgumentErrorRedaction:
    """Server middleware: the SDK's own argument-validation errors quote the rejected value (``input_value=...``),
    which may be a password typed with the wrong type; keep the field and the reason, hide the value."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method == "tools/call" and isinstance(result, dict) and result.get("isError"):
            for item in result.get("content") or []:
                if isinstance(item, dict) and isinstance(item.get("text"), str):
                    text = _INPUT_VALUE.sub("input_value=<hidden>, input_type=", item["text"])
                    item["text"] = _ERRORS_URL.sub("", text)
        return result


MAX_ARGUMENTS_BYTES = 256 * 1024
"""The largest tool call arguments (as compact JSON) a tool gets to see; files go by path, never inline."""
MAX_ARGUMENT_STRING = 32 * 1024
MAX_ARGUMENT_DEPTH = 32


def _arguments_problem(value: Any) -> str | None:
    try:
        size = len(json.dumps(value, separators=(",", ":"), default=str))
    except (TypeError, ValueError, RecursionError):
        return "they cannot be read as JSON"
    if size > MAX_ARGUMENTS_BYTES:
        return f"{size} bytes of arguments (at most {MAX_ARGUMENTS_BYTES})"
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_ARGUMENT_DEPTH:
            return f"arguments nested deeper than {MAX_ARGUMENT_DEPTH} levels"
        if isinstance(item, str) and len(item) > MAX_ARGUMENT_STRING:
            return f"a string of {len(item)} characters (at most {MAX_ARGUMENT_STRING})"
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
            stack.extend((k, depth + 1) for k in item)
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return None


class InputBounds:
    """Server middleware: a tool call whose arguments are too large, too long or too deep is refused before any
    tool code (or regular expression) sees them."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/call" and isinstance(ctx.params, dict):
            problem = _arguments_problem(ctx.params.get("arguments"))
            if problem is not None:
                name = str(ctx.params.get("name", "the tool"))[:64]
                text = f"{redact_text(name)}: refused: {problem}. Nothing was done; send smaller arguments"
                return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
        return await call_next(ctx)
