"""Turn every failure into a tool error that says what happened and what to do, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pydantic
from mcp.server.mcpserver.exceptions import ToolError

from recamera_mcp.client import ReCameraError
from recamera_mcp.client._secrets import redact_text

log = logging.getLogger(__name__)


@contextmanager
def tool_errors(action: str) -> Iterator[None]:
    """Map client errors (and pydantic validation errors) to :class:`ToolError` with their hint.

    ``action`` usually quotes the agent's ``host``: credentials typed into it are masked (:func:`redact_text`)."""
    action = redact_text(action)
    try:
        yield
    except ToolError:
        raise
    except ReCameraError as exc:
        log.info("%s failed: %s", action, type(exc).__name__)
        raise ToolError(redact_text(f"{action} failed: {exc}")) from None
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
            for err in exc.errors(include_input=False)
        )
        raise ToolError(f"{action}: invalid input: {problems}") from None
    except ValueError as exc:
        raise ToolError(redact_text(f"{action}: {exc}")) from None
