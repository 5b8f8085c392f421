"""Turn every failure into a tool error that says what happened and what to do, never a traceback."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydantic
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver.exceptions import ToolError

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


_INPUT_VALUE = re.compile(r"input_value=.*?, input_type=", re.DOTALL)
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
