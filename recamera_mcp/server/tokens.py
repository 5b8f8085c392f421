"""Confirmation tokens: single use, expiring, bound to one tool, one camera, one exact set of arguments, the caller
(principal and MCP session) and the plan the user saw (counts, bytes): a token is refused when any of them changed."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

__all__ = ["DEFAULT_TTL_S", "TOKEN_ARG", "ConfirmStore", "args_digest"]

DEFAULT_TTL_S = 300.0
TOKEN_ARG = "confirm_token"


@dataclass
class _Grant:
    tool: str
    host: str
    args_hash: str
    expires_at: float
    scope: str = ""
    plan_hash: str = ""
    plan: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConfirmStore:
    """Outstanding confirmation tokens of one server (held in the lifespan state)."""

    ttl_s: float = DEFAULT_TTL_S
    clock: Callable[[], float] = time.monotonic
    _grants: dict[str, _Grant] = field(default_factory=dict)

    def _purge(self) -> None:
        now = self.clock()
        for token in [t for t, g in self._grants.items() if g.expires_at <= now]:
            del self._grants[token]

    def issue(
        self, tool: str, host: str, args_hash: str, *, scope: str = "", plan: Mapping[str, Any] | None = None
    ) -> str:
        """A new single-use token for exactly this call, by this caller (``scope``), for this ``plan``."""
        self._purge()
        token = secrets.token_urlsafe(12)
        shown = dict(plan or {})
        self._grants[token] = _Grant(tool, host, args_hash, self.clock() + self.ttl_s, scope, args_digest(shown), shown)
        return token

    def redeem(
        self,
        token: str,
        tool: str,
        host: str,
        args_hash: str,
        *,
        scope: str = "",
        plan: Mapping[str, Any] | None = None,
    ) -> None:
        """Use the token up; raises :class:`ToolError` (saying why) unless it was issued for this very call, by this
        caller, and the plan is still the one it was issued for."""
        grant = self._grants.pop(token, None)
        if grant is None or grant.expires_at <= self.clock():
            self._purge()
            raise ToolError(
                "confirm_token refused: unknown, already used or expired (tokens last "
                f"{self.ttl_s:.0f} s and work once). Nothing was done; call {tool} again without confirm_token "
                "to get a new one"
            )
        if grant.tool != tool or grant.host != host:
            raise ToolError(
                f"confirm_token refused: it was issued for {grant.tool} on {grant.host}, not {tool} on {host}. "
                "Nothing was done; call again without confirm_token to get a token for this action"
            )
        if grant.scope != scope:
            raise ToolError(
                "confirm_token refused: it was issued to another MCP session or client. Nothing was done; call "
                f"{tool} again without confirm_token to get a token of your own"
            )
        if grant.args_hash != args_hash:
            raise ToolError(
                "confirm_token refused: it was issued for other arguments (every argument must be the same as "
                "in the call that returned it). Nothing was done; the token is used up, call again without "
                "confirm_token to get a new one"
            )
        now = dict(plan or {})
        if grant.plan_hash != args_digest(now):
            raise ToolError(
                f"confirm_token refused: the plan changed since it was confirmed (then: {_plan_text(grant.plan)}; "
                f"now: {_plan_text(now)}). Nothing was done; call {tool} again without confirm_token to see the "
                "new plan and confirm that one"
            )


def _plan_text(plan: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in plan.items()) or "nothing"


def args_digest(args: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the arguments, without the token."""
    canonical = json.dumps(
        {k: v for k, v in args.items() if k != TOKEN_ARG}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
