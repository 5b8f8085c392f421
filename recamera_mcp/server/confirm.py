"""The server's one confirmation mechanism for destructive tools (and for an agent asking for what an operator switch
guards, ``server/permissions.py``).

A destructive tool computes what it would do (a summary, a details model and the plan's figures: counts, bytes),
then calls :func:`require_confirmation`. The answer is one of:

- :class:`Confirmed`: go ahead (the user accepted an elicitation, or the agent sent back a valid token);
- :class:`Pending`: do nothing and return ``pending.input_required`` as is when set (a 2026 session is
  asking the user through the client), otherwise put ``pending.request`` (summary, details,
  ``confirm_token``, ``expires_in_s``) in the tool's answer so the agent can show it and call again.

How it asks is the operator's confirmation mode (``ServerOptions.confirm_mode``): ``auto`` asks the user when the
client declared elicitation (inline ``ctx.elicit`` on legacy sessions, a body-driven ``InputRequiredResult`` round
on 2026 sessions) and otherwise issues a two-phase token; ``elicit`` only ever asks the user and refuses tokens (an
agent cannot confirm its own request); ``token`` always issues a token. A token is bound to the tool, the host key,
a hash of the canonical arguments (without the token), the caller (principal and MCP session) and the plan; single
use, expiring after ``ServerOptions.confirm_ttl_s``; refused when the plan changed in between (a format announced
for 4 files never erases 11). A declined or cancelled elicitation and any invalid token raise :class:`ToolError`:
nothing happens without one of the two.
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
from recamera_mcp.server.state import ConfirmMode, caller_scope, server_state
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
    """The caller's token store (a field of its lifespan state)."""
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


def _question(tool: str, host: str, summary: str, details: dict[str, Any], plan: Mapping[str, Any]) -> str:
    lines = [f"{tool} on {host}: {summary}"]
    lines += [f"- {k}: {v}" for k, v in {**details, **plan}.items()]
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
    *,
    plan: Mapping[str, Any] | None = None,
    mode: ConfirmMode | None = None,
    refusal: str | None = None,
) -> Confirmed | Pending:
    """Confirmed when the user accepted (elicitation) or ``confirm_token`` is valid for exactly this call;
    Pending otherwise (nothing may happen). ``host`` is the host key, ``args`` every tool argument that shapes
    the action (a ``confirm_token`` entry is ignored). ``plan``: the figures the user confirms (``{"files": 4,
    "bytes": 123}``), recomputed on the confirming call; a token is refused when they changed. ``mode``: overrides
    the server's confirmation mode (``"elicit"``: only the user may allow it); ``refusal``: the error text when
    the user cannot be asked in that mode. Raises :class:`ToolError` for a refused token or a declined
    elicitation."""
    state = server_state(ctx)
    store = state.confirmations
    how: ConfirmMode = mode or state.options.confirm_mode
    scope = caller_scope(ctx)
    digest = args_digest(args)
    figures = dict(plan or {})
    if confirm_token:
        if how == "elicit":
            raise ToolError(
                f"{tool}: confirm_token refused: {'this needs the user' if mode else 'this server asks the user'} "
                "to confirm directly (confirmation mode elicit), never a token. Nothing was done; call again "
                "without confirm_token"
            )
        store.redeem(confirm_token, tool, host, digest, scope=scope, plan=figures)
        log.info("%s on %s confirmed by token", tool, host)
        return Confirmed(via="token")
    shown = _details_dict(details)
    question = _question(tool, host, summary, shown, figures)
    if how != "token" and _can_elicit(ctx):
        if _input_required_session(ctx):
            return _elicit_round(ctx, tool, host, digest, question)
        if ctx.session.can_send_request:
            answer = await ctx.elicit(question, ConfirmForm)
            if isinstance(answer, AcceptedElicitation) and answer.data.confirm:
                log.info("%s on %s confirmed by the user", tool, host)
                return Confirmed(via="elicitation")
            raise _refuse_answer("decline" if isinstance(answer, AcceptedElicitation) else answer.action)
    if how == "elicit":
        raise ToolError(
            refusal
            or f"{tool} on {host}: {summary}. This needs the user's confirmation, and this server only asks the user "
            "(confirmation mode elicit), which this MCP client cannot do. Nothing was done"
        )
    token = store.issue(tool, host, digest, scope=scope, plan=figures)
    return Pending(
        request=ConfirmationRequest(
            summary=summary,
            details={**shown, **figures},
            confirm_token=token,
            expires_in_s=int(store.ttl_s),
            next_step=f"Nothing was done yet. Show this to the user; to go ahead call {tool} again with the same "
            f"arguments and confirm_token within {int(store.ttl_s)} s",
        )
    )


async def ask_user(
    ctx: Context[Any, Any], tool: str, host: str, args: Mapping[str, Any], summary: str, refusal: str
) -> InputRequiredResult | None:
    """Ask the user (elicitation only, never a token) to allow one call. None: the user accepted; an
    ``InputRequiredResult`` for the tool to return as it is (a 2026 session asking). Raises :class:`ToolError`
    with ``refusal`` when the client cannot be asked, or the user's refusal."""
    decision = await require_confirmation(ctx, tool, host, args, None, summary, mode="elicit", refusal=refusal)
    if isinstance(decision, Pending):
        if decision.input_required is None:  # mode "elicit" never issues a token
            raise ToolError(refusal)
        return decision.input_required
    return None


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
