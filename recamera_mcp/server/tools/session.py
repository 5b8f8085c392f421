"""Session tools: login, logout, list_sessions, change_password."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import InputRequiredResult
from pydantic import Field

from recamera_mcp.client import ValidationError, password_problem
from recamera_mcp.server.confirm import ConfirmTokenArg, Pending, require_confirmation
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.models import LoginOutput, LogoutOutput, PasswordOutput, SessionInfo, SessionList
from recamera_mcp.server.state import ServerState, server_state
from recamera_mcp.server.tools.registry import tool

Host = Annotated[str, Field(description="Camera ip[:port], hostname or URL")]


@tool("core", "Log in to a camera", read_only=False, idempotent=True)
async def login(
    host: Host,
    ctx: Context[Any, Any],
    username: Annotated[str | None, Field(description="Default: configured, else admin")] = None,
    password: Annotated[str | None, Field(description="Default: configured")] = None,
) -> LoginOutput:
    """Log in and keep the token. Other tools log in by themselves with the configured credentials: use this
    only for other credentials or to check them."""
    with tool_errors(f"login to {host}"):
        sessions = server_state(ctx).sessions
        session = await sessions.open(host, username, password)
        result = await session.client.login(force=password is not None)  # a cached token does not check a password
        return LoginOutput(
            host=session.client.address.key,
            logged_in=result.logged_in,
            must_change_password=result.must_change_password,
            reused_token=result.reused_token,
            username=result.username,
            credential_source=session.credential_source,
            login_key_sha256=session.client.login_key_fingerprint,
            tls_sha256=session.client.tls_fingerprint,
        )


@tool("core", "Log out of a camera", read_only=False, idempotent=True)
async def logout(host: Host, ctx: Context[Any, Any]) -> LogoutOutput:
    """Log out (the device revokes the token) and forget the session."""
    with tool_errors(f"logout from {host}"):
        had = await server_state(ctx).sessions.close(host)
        return LogoutOutput(host=host, had_session=had)


def session_list(state: ServerState) -> SessionList:
    """The sessions the server holds (``list_sessions`` and the ``recamera://devices`` resource)."""
    return SessionList(
        sessions=[
            SessionInfo(
                host=s.client.address.key,
                base_url=s.client.address.base_url,
                username=s.client.username,
                logged_in=s.client.logged_in,
                must_change_password=s.client.must_change_password,
                credential_source=s.credential_source,
                blocked=s.blocked,
                login_key_sha256=s.client.login_key_fingerprint,
                tls_sha256=s.client.tls_fingerprint,
            )
            for s in state.sessions.all()
        ]
    )


@tool("core", "List camera sessions", read_only=True, open_world=False)
async def list_sessions(ctx: Context[Any, Any]) -> SessionList:
    """The cameras this server holds sessions for, and whether each is logged in."""
    return session_list(server_state(ctx))


@tool("core", "Change the camera password", read_only=False, destructive=True)
async def change_password(
    host: Host,
    new_password: Annotated[str, Field(description="At least 6 characters with 3 of: upper, lower, digit, special")],
    ctx: Context[Any, Any],
    old_password: Annotated[
        str | None, Field(description="The current password; may be left out only when login says must_change")
    ] = None,
    confirm_token: ConfirmTokenArg = None,
) -> PasswordOutput | InputRequiredResult:
    """Change the device password (required first when login says must_change_password). Asks for confirmation."""
    with tool_errors(f"change_password on {host}"):
        sessions = server_state(ctx).sessions
        session = await sessions.find(host)
        if session is None:
            session = await sessions.open(host)
        client = session.client
        key = client.address.key
        if old_password is None and not client.must_change_password:
            raise ToolError(
                f"change_password on {key}: give old_password, the camera's current password (it may be left out "
                "only when the camera demands a new one: login answers must_change_password). Nothing was done"
            )
        problem = password_problem(new_password)
        if problem is not None:
            raise ValidationError(problem, "choose a stronger password", field="new_password")
        decision = await require_confirmation(
            ctx, "change_password", key, {"host": key, "new_password": new_password, "old_password": old_password},
            confirm_token, f"change the password of {client.username or 'admin'} on {key}",
            {"note": "every other client of this camera must log in again with the new password"},
        )  # fmt: skip
        if isinstance(decision, Pending):
            return decision.input_required or PasswordOutput(
                host=key, changed=False, logged_in=client.logged_in, confirmation=decision.request
            )
        await client.change_password(new_password, old_password)
        session.blocked = None
        return PasswordOutput(host=key, changed=True, logged_in=client.logged_in)
