"""The server's one confirmation mechanism for destructive tools.

A destructive tool computes what it would do (a summary and a details model), then calls
:func:`require_confirmation`. The answer is one of:

- :class:`Confirmed`: go ahead (the user accepted an elicitation, or the agent sent back a valid token);
- :class:`Pending`: do nothing and return ``pending.input_required`` as is when set (a 2026 session is
  asking the user through the client), otherwise put ``pending.request`` (summary, details,
  ``confirm_token``, ``expires_in_s``) in the tool's answer so the agent can show it and call again.

Elicitation is used when the client declared it: inline ``ctx.elicit`` on legacy sessions, and a body-driven
``InputRequiredResult`` round on 2026 sessions (the resolver form would need the summary before the tool
body runs). Otherwise the two-phase token: bound to the tool, the host key and a hash of the canonical
arguments (without the token), single use, expiring after ``ServerOptions.confirm_ttl_s``. A declined or
cancelled elicitation and any invalid token raise :class:`ToolError`: nothing happens without one of the two.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.elicitation import AcceptedElicitation, render_elicitation_schema
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ElicitRequest, ElicitRequestFormParams, ElicitResult, InputRequiredResult
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field

from recamera_mcp.server.models_confirm import ConfirmationRequest as ConfirmationRequest  # re-exported
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tokens import ConfirmStore, args_digest

log = logging.getLogger(__name__)

_INPUT_KEY = "recamera_confirm"
_INPUT_REQUIRED_VERSION = "2026-07-28"

ConfirmTokenArg = Annotated[
    str | None,
    Field(description="Omit first; then the confirm_token the first call returned"),
]
"""The ``confirm_token`` parameter of every destructive tool."""


class ConfirmForm(BaseModel):
    """What the user is asked in an elicitation."""

    confirm: bool = Field(description="Tick to go ahead; nothing happens otherwise")


@dataclass(frozen=True)
class Confirmed:
    """The action was confirmed; proceed."""

    via: str
    """``token`` or ``elicitation``."""


@dataclass(frozen=True)
class Pending:
    """Not confirmed yet: return ``input_required`` when set, else show ``request`` to the agent."""

    request: ConfirmationRequest | None = None
    input_required: InputRequiredResult | None = None


def confirm_store(ctx: Context[Any, Any]) -> ConfirmStore:
    """The server's token store (a field of its lifespan state)."""
    return server_state(ctx).confirmations


def _can_elicit(ctx: Context[Any, Any]) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    # A bare ``elicitation: {}`` (before modes existed) means form support; url-only does not.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _input_required_session(ctx: Context[Any, Any]) -> bool:
    version = ctx.protocol_version
    return version is not None and is_version_at_least(version, _INPUT_REQUIRED_VERSION)


def _details_dict(details: BaseModel | Mapping[str, Any] | None) -> dict[str, Any]:
    if details is None:
        return {}
    if isinstance(details, BaseModel):
        return details.model_dump(mode="json", exclude_none=True)
    return dict(details)


def _question(tool: str, host: str, summary: str, details: dict[str, Any]) -> str:
    lines = [f"{tool} on {host}: {summary}"]
    lines += [f"- {k}: {v}" for k, v in details.items()]
    lines.append("Go ahead?")
    return "\n".join(lines)


def _refuse_answer(action: str) -> ToolError:
    word = {"decline": "declined", "cancel": "cancelled"}.get(action, action)
    return ToolError(f"the user {word} the confirmation: nothing was done")


async def require_confirmation(
    ctx: Context[Any, Any],
    tool: str,
    host: str,
    args: Mapping[str, Any],
    confirm_token: str | None,
    summary: str,
    details: BaseModel | Mapping[str, Any] | None = None,
) -> Confirmed | Pending:
    """Confirmed when the user accepted (elicitation) or ``confirm_token`` is valid for exactly this call;
    Pending otherwise (nothing may happen). ``host`` is the host key, ``args`` every tool argument that shapes
    the action (a ``confirm_token`` entry is ignored). Raises :class:`ToolError` for a refused token or a
    declined elicitation."""
    store = confirm_store(ctx)
    digest = args_digest(args)
    if confirm_token:
        store.redeem(confirm_token, tool, host, digest)
        log.info("%s on %s confirmed by token", tool, host)
        return Confirmed(via="token")
    shown = _details_dict(details)
    question = _question(tool, host, summary, shown)
    if _can_elicit(ctx):
        if _input_required_session(ctx):
            return _elicit_round(ctx, tool, host, digest, question)
        if ctx.session.can_send_request:
            answer = await ctx.elicit(question, ConfirmForm)
            if isinstance(answer, AcceptedElicitation) and answer.data.confirm:
                log.info("%s on %s confirmed by the user", tool, host)
                return Confirmed(via="elicitation")
            raise _refuse_answer("decline" if isinstance(answer, AcceptedElicitation) else answer.action)
    token = store.issue(tool, host, digest)
    return Pending(
        request=ConfirmationRequest(
            summary=summary,
            details=shown,
            confirm_token=token,
            expires_in_s=int(store.ttl_s),
            next_step=f"Nothing was done yet. Show this to the user; to go ahead call {tool} again with the same "
            f"arguments and confirm_token within {int(store.ttl_s)} s",
        )
    )


def _elicit_round(ctx: Context[Any, Any], tool: str, host: str, digest: str, question: str) -> Confirmed | Pending:
    """2026 sessions: ask through an ``InputRequiredResult``; on the retry, read the answer to this very question."""
    pinned = hashlib.sha256(f"{tool}\n{host}\n{digest}\n{question}".encode()).hexdigest()
    answer = (ctx.input_responses or {}).get(_INPUT_KEY)
    # request_state is sealed by the SDK boundary, so it can only be a state this server minted.
    if answer is not None and ctx.request_state == pinned:
        if not isinstance(answer, ElicitResult):
            raise ToolError("the confirmation answer was not an elicitation result: nothing was done")
        if answer.action == "accept":
            if (answer.content or {}).get("confirm") is True:
                log.info("%s on %s confirmed by the user", tool, host)
                return Confirmed(via="elicitation")
            raise _refuse_answer("decline")
        raise _refuse_answer(answer.action)
    request = ElicitRequest(
        params=ElicitRequestFormParams(message=question, requested_schema=render_elicitation_schema(ConfirmForm))
    )
    return Pending(input_required=InputRequiredResult(input_requests={_INPUT_KEY: request}, request_state=pinned))


class AskTool:
    """:func:`require_confirmation` as the :data:`~recamera_mcp.server.models_confirm.Confirm` callback of a shared
    flow (``server/system.py``, ``server/firmware.py``), for one call of ``tool``. A 2026 session's elicitation round
    is kept in :attr:`input_required`: the tool returns that as it is instead of the flow's answer."""

    def __init__(self, ctx: Context[Any, Any], tool: str, confirm_token: str | None) -> None:
        self._ctx = ctx
        self._tool = tool
        self._token = confirm_token
        self.input_required: InputRequiredResult | None = None

    async def __call__(
        self, host: str, args: Mapping[str, Any], summary: str, details: Any = None
    ) -> ConfirmationRequest | None:
        decision = await require_confirmation(self._ctx, self._tool, host, args, self._token, summary, details)
        if isinstance(decision, Confirmed):
            return None
        self.input_required = decision.input_required
        return decision.request or ConfirmationRequest(
            summary=summary, confirm_token="", expires_in_s=0, next_step="the user is being asked"
        )
