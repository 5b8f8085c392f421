"""Tool schemas are published without pydantic's generated titles and null-unions, and still validate."""

from __future__ import annotations

import json

from recamera_mcp.server.tools.compact import compact_schema
from tests.server.helpers import call_ok


def test_compact_schema_drops_titles_and_null_unions_but_keeps_a_title_property() -> None:
    schema = {
        "title": "fArguments",
        "type": "object",
        "properties": {
            "title": {"title": "Title", "type": "string"},
            "user": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": None,
                "title": "User",
                "description": "d",
            },
        },
    }
    assert compact_schema(schema, collapse_nullable=True) == {
        "type": "object",
        "properties": {"title": {"type": "string"}, "user": {"type": "string", "description": "d"}},
    }
    kept = compact_schema(schema, collapse_nullable=False)["properties"]["user"]
    assert kept["anyOf"] == [{"type": "string"}, {"type": "null"}]


async def test_listed_schemas_are_compact_and_results_still_validate(connect, camera):
    async with connect() as mcp:
        tools = (await mcp.list_tools()).tools
        for tool in tools:
            text = json.dumps(tool.input_schema)
            assert '"title"' not in text and '{"type": "null"}' not in text, tool.name
            assert '"title": "' not in json.dumps(tool.output_schema or {}).replace('"title": {', ""), tool.name
        # the client validates structured results against outputSchema: nullable fields still pass
        sessions = await call_ok(mcp, "list_sessions")
        assert sessions == {"sessions": []}
        await call_ok(mcp, "login", host=camera.address)
        assert (await call_ok(mcp, "list_sessions"))["sessions"][0]["blocked"] is None
