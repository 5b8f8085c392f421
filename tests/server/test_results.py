"""Compact results: the text block of a tool result is compact JSON, never a pretty-printed second copy of the
structured content (measured in cl100k tokens on a get_config of record_triggers and a list_recordings page)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.tokens import tokens
from recamera_mcp.server.results import compact_json_text
from tests.server.conftest import make_options
from tests.server.helpers import call_ok

MAX_RATIO = 1.1


def text_of(result: Any) -> str:
    texts = [c.text for c in result.content if getattr(c, "type", None) == "text"]
    assert len(texts) == 1, result.content
    return str(texts[0])


async def test_text_is_compact_json_of_the_structured_content(connect, camera):
    async with connect() as mcp:
        day = (await call_ok(mcp, "list_recordings", host=camera.address))["entries"][0]["path"]
        calls = {
            "get_config record_triggers": ("get_config", {"host": camera.address, "area": "record_triggers"}),
            "list_recordings page": ("list_recordings", {"host": camera.address, "path": day, "limit": 3}),
        }
        for label, (tool, args) in calls.items():
            result = await mcp.call_tool(tool, args)
            assert not result.is_error and result.structured_content
            text = text_of(result)
            compact = tokens(result.structured_content)
            assert "\n" not in text and json.loads(text) == result.structured_content, label
            assert tokens(text) <= MAX_RATIO * compact, f"{label}: text {tokens(text)} tokens, compact {compact}"


async def test_text_only_results_are_compact_too(connect, camera):
    async with connect(make_options(output_schemas=False)) as mcp:
        result = await mcp.call_tool("get_config", {"host": camera.address, "area": "record_triggers"})
        text = text_of(result)
        assert not result.is_error and result.structured_content is None
        assert "\n" not in text and json.loads(text)["area"] == "record_triggers"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{\n  "a": [\n    1,\n    2\n  ],\n  "b": "x y"\n}', '{"a":[1,2],"b":"x y"}'),
        ('[\n  {"ü": null}\n]', '[{"ü":null}]'),
        ("# markdown\n\n- not JSON", "# markdown\n\n- not JSON"),
        ("{ not json", "{ not json"),
    ],
)
def test_compact_json_text(text: str, expected: str) -> None:
    assert compact_json_text(text) == expected
