"""The shared confirmation of destructive tools, through the MCP client: token path and elicitation path."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver import Context
from mcp.types import ElicitRequestParams, ElicitResult, InputRequiredResult
from pydantic import BaseModel

from recamera_mcp.server import create_server
from recamera_mcp.server.confirm import ConfirmationRequest, ConfirmTokenArg, Pending, require_confirmation
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok


class WipeOutput(BaseModel):
    done: bool
    confirmation: ConfirmationRequest | None = None


def make_client(mode: str, done: list[tuple[str, str]], ttl_s: float = 300.0, **client_kwargs: Any) -> Client:
    """A server with two fake destructive tools that record what they did in ``done``."""
    server = create_server(make_options(confirm_ttl_s=ttl_s, toolsets=frozenset({"core"})))

    async def run(tool: str, ctx: Context[Any, Any], host: str, what: str, token: str | None) -> Any:
        decision = await require_confirmation(
            ctx, tool, host, {"host": host, "what": what}, token, f"wipe {what}", {"files": 3}
        )
        if isinstance(decision, Pending):
            return decision.input_required or WipeOutput(done=False, confirmation=decision.request)
        done.append((tool, what))
        return WipeOutput(done=True)

    async def wipe(
        host: str, what: str, ctx: Context[Any, Any], confirm_token: ConfirmTokenArg = None
    ) -> WipeOutput | InputRequiredResult:
        return await run("wipe", ctx, host, what, confirm_token)  # type: ignore[no-any-return]

    async def burn(
        host: str, what: str, ctx: Context[Any, Any], confirm_token: ConfirmTokenArg = None
    ) -> WipeOutput | InputRequiredResult:
        return await run("burn", ctx, host, what, confirm_token)  # type: ignore[no-any-return]

    server.add_tool(wipe)
    server.add_tool(burn)
    return Client(server, mode=mode, **client_kwargs)


async def first_call(client: Client, tool: str = "wipe", host: str = "10.0.0.1", what: str = "sd") -> str:
    out = await call_ok(client, tool, host=host, what=what)
    assert out["done"] is False
    conf = out["confirmation"]
    assert conf["summary"] == f"wipe {what}" and conf["details"] == {"files": 3} and conf["expires_in_s"] == 300
    assert "confirm_token" in conf["next_step"]
    return str(conf["confirm_token"])


async def test_no_token_does_nothing_and_the_token_works_once(mcp_mode: str) -> None:
    done: list[tuple[str, str]] = []
    async with make_client(mcp_mode, done) as client:
        token = await first_call(client)
        assert done == []
        out = await call_ok(client, "wipe", host="10.0.0.1", what="sd", confirm_token=token)
        assert out == {"done": True, "confirmation": None} and done == [("wipe", "sd")]
        err = await call_error(client, "wipe", host="10.0.0.1", what="sd", confirm_token=token)
        assert "already used or expired" in err and done == [("wipe", "sd")]


@pytest.mark.parametrize(
    ("tool", "host", "what", "reason"),
    [
        ("wipe", "10.0.0.1", "emmc", "other arguments"),
        ("wipe", "10.0.0.2", "sd", "issued for wipe on 10.0.0.1"),
        ("burn", "10.0.0.1", "sd", "issued for wipe on 10.0.0.1"),
    ],
)
async def test_a_token_for_another_call_is_refused(mcp_mode: str, tool: str, host: str, what: str, reason: str) -> None:
    done: list[tuple[str, str]] = []
    async with make_client(mcp_mode, done) as client:
        token = await first_call(client)
        err = await call_error(client, tool, host=host, what=what, confirm_token=token)
        assert reason in err and "Nothing was done" in err and done == []
        # used up by the wrong attempt
        err = await call_error(client, "wipe", host="10.0.0.1", what="sd", confirm_token=token)
        assert "already used or expired" in err and done == []


async def test_unknown_and_expired_tokens_are_refused(mcp_mode: str) -> None:
    done: list[tuple[str, str]] = []
    async with make_client(mcp_mode, done, ttl_s=0) as client:
        err = await call_error(client, "wipe", host="10.0.0.1", what="sd", confirm_token="made-up")
        assert "refused" in err
        out = await call_ok(client, "wipe", host="10.0.0.1", what="sd")
        token = out["confirmation"]["confirm_token"]
        err = await call_error(client, "wipe", host="10.0.0.1", what="sd", confirm_token=token)
        assert "expired" in err and done == []


def answering(action: str, content: dict[str, Any] | None, asked: list[str]) -> Any:
    async def callback(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content=content)  # type: ignore[arg-type]

    return callback


async def test_elicitation_accepted_proceeds_without_a_token(mcp_mode: str) -> None:
    done: list[tuple[str, str]] = []
    asked: list[str] = []
    callback = answering("accept", {"confirm": True}, asked)
    async with make_client(mcp_mode, done, elicitation_callback=callback) as client:
        out = await call_ok(client, "wipe", host="10.0.0.1", what="sd")
        assert out == {"done": True, "confirmation": None} and done == [("wipe", "sd")]
        assert len(asked) == 1 and "wipe on 10.0.0.1: wipe sd" in asked[0] and "files: 3" in asked[0]
        await call_ok(client, "wipe", host="10.0.0.1", what="sd")
        assert len(asked) == 2 and len(done) == 2, "every call asks again"


@pytest.mark.parametrize(
    ("action", "content", "word"),
    [("decline", None, "declined"), ("cancel", None, "cancelled"), ("accept", {"confirm": False}, "declined")],
)
async def test_elicitation_declined_does_nothing(
    mcp_mode: str, action: str, content: dict[str, Any] | None, word: str
) -> None:
    done: list[tuple[str, str]] = []
    asked: list[str] = []
    async with make_client(mcp_mode, done, elicitation_callback=answering(action, content, asked)) as client:
        err = await call_error(client, "wipe", host="10.0.0.1", what="sd")
        assert f"user {word}" in err and "nothing was done" in err
        assert done == [] and len(asked) == 1


async def test_a_token_still_works_when_the_client_elicits(mcp_mode: str) -> None:
    """An explicit token is a deliberate act of its own; an invalid one is refused without asking."""
    done: list[tuple[str, str]] = []
    asked: list[str] = []
    callback = answering("accept", {"confirm": True}, asked)
    async with make_client(mcp_mode, done, elicitation_callback=callback) as client:
        err = await call_error(client, "wipe", host="10.0.0.1", what="sd", confirm_token="nope")
        assert "refused" in err and done == [] and asked == []
