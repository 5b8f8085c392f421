"""Smaller tools/list: pydantic's generated titles dropped, optional-or-null inputs simplified, descriptions on one
line, the annotation title (a copy of the tool title) left out; in input schemas ``additionalProperties: true``
(the default) left out and a ``$defs`` entry used once written in place of its ``$ref``.

An agent pays for every token of tools/list. Pydantic adds a ``title`` to every property and model ("Host",
"loginArguments") and spells an optional argument as ``anyOf: [X, {type: null}], default: null``. Input schemas
lose both (an optional argument is simply not required); output schemas lose only the titles, so every value a
tool really returns, nulls included, still validates against its outputSchema.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

_NULL = {"type": "null"}


def compact_schema(schema: Any, *, collapse_nullable: bool, _in_properties: bool = False) -> Any:
    """A copy of a JSON schema without generated titles (a property named "title" is kept)."""
    if isinstance(schema, list):
        return [compact_schema(item, collapse_nullable=collapse_nullable) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str) and not _in_properties:
            continue
        nested = key == "properties" and not _in_properties
        out[key] = compact_schema(value, collapse_nullable=collapse_nullable, _in_properties=nested)
    any_of = out.get("anyOf")
    if collapse_nullable and not _in_properties and isinstance(any_of, list) and len(any_of) == 2 and _NULL in any_of:
        other = any_of[0] if any_of[1] == _NULL else any_of[1]
        del out["anyOf"]
        if "default" in out and out["default"] is None:
            del out["default"]
        out = {**other, **out}
    if collapse_nullable and not _in_properties and out.get("additionalProperties") is True:
        del out["additionalProperties"]  # the default; input schemas only (collapse_nullable marks them)
    return out


def compact_tools(server: MCPServer[Any], names: list[str]) -> None:
    """Compact the published schemas of these registered tools (validation still uses the pydantic models)."""
    for name in names:
        registered = server._tool_manager.get_tool(name)  # no public setter in the SDK; fields are read live
        if registered is None:
            continue
        registered.parameters = compact_schema(registered.parameters, collapse_nullable=True)
        if registered.description:  # docstring indentation costs tokens
            registered.description = " ".join(registered.description.split())
        if registered.annotations is not None and registered.annotations.title == registered.title:
            registered.annotations = registered.annotations.model_copy(update={"title": None})  # said once
        registered.parameters = inline_single_use_defs(_drop_def_descriptions(registered.parameters))
        meta = registered.fn_metadata
        if meta.output_schema is not None:
            meta.output_schema = _drop_keys(compact_schema(meta.output_schema, collapse_nullable=False), "default")


def _refs(schema: Any, counts: dict[str, int]) -> dict[str, int]:
    if isinstance(schema, list):
        for item in schema:
            _refs(item, counts)
    elif isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            counts[ref] = counts.get(ref, 0) + 1
        for value in schema.values():
            _refs(value, counts)
    return counts


def inline_single_use_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """``{"$ref": "#/$defs/X", ...}`` replaced by X's body where X is used once and refers to nothing itself
    (an enum named once costs its name twice and a pointer)."""
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema
    counts = _refs(schema, {})
    inline = {
        f"#/$defs/{name}": body
        for name, body in defs.items()
        if counts.get(f"#/$defs/{name}") == 1 and not _refs(body, {})
    }

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str) and ref in inline:
            rest = {k: walk(v) for k, v in value.items() if k != "$ref"}
            return {**inline[ref], **rest}
        return {k: walk(v) for k, v in value.items()}

    out = {k: walk(v) for k, v in schema.items() if k != "$defs"}
    kept = {name: body for name, body in defs.items() if f"#/$defs/{name}" not in inline}
    return {**out, "$defs": kept} if kept else out


def _drop_def_descriptions(schema: dict[str, Any]) -> dict[str, Any]:
    """Model-level descriptions of ``$defs``: each use of a model already carries its own description."""
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema
    return {**schema, "$defs": {name: {k: v for k, v in d.items() if k != "description"} for name, d in defs.items()}}


def _drop_keys(schema: Any, key: str, *, names: bool = False) -> Any:
    """A copy without the keyword ``key`` anywhere (``default`` means nothing in an output schema).

    ``names``: ``schema`` is a ``properties``/``$defs`` mapping whose keys are names, not keywords.
    """
    if isinstance(schema, list):
        return [_drop_keys(item, key) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        k: _drop_keys(v, key, names=not names and k in ("properties", "$defs"))
        for k, v in schema.items()
        if names or k != key
    }


def drop_arguments(server: MCPServer[Any], name: str, arguments: tuple[str, ...]) -> None:
    """Leave these arguments out of a registered tool's published input schema (a read-only server's snapshot has
    no ``save_to``); the tool itself still refuses them if a client sends them anyway."""
    registered = server._tool_manager.get_tool(name)
    if registered is None:
        return
    schema = dict(registered.parameters)
    schema["properties"] = {k: v for k, v in schema.get("properties", {}).items() if k not in arguments}
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r not in arguments]
    registered.parameters = schema
