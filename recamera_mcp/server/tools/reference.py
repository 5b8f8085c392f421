"""api_reference: the API reference one piece at a time (index, a section, or the endpoints matching a query)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from recamera_mcp import reference
from recamera_mcp.server.tools.registry import tool

MAX_MATCHES = 4
MAX_CHARS = 2500
"""A query answer stops adding endpoint blocks past this size (the first block is always shown)."""


def query_answer(query: str, section: str | None = None, limit: int = MAX_MATCHES) -> str:
    """The endpoint blocks best matching ``query`` (optionally within one section), each tagged section/slug."""
    if section is not None:
        reference.endpoints(section)  # unknown section → UnknownSectionError
    found = [item for item in reference.search(query, limit=100) if section is None or item.section == section]
    if not found:
        where = f" in section {section!r}" if section else ""
        return (
            f"No endpoint matches {query!r}{where}. Try other words, or read a section: "
            f"{', '.join(reference.SECTION_NAMES)}."
        )
    blocks: list[str] = []
    for item in found[:limit]:
        heading, _, rest = item.text.partition("\n")
        block = f"{heading}  [{item.section}/{item.slug}]\n{rest}"
        if blocks and sum(map(len, blocks)) + len(block) > MAX_CHARS:
            break
        blocks.append(block)
    left = len(found) - len(blocks)
    more = f"\n({left} more matches; narrow the query or add section=)" if left else ""
    return "\n\n".join(blocks) + more + "\n"


@tool("core", "Read the camera API reference", read_only=True, open_world=False, structured_output=False)
def api_reference(
    section: Annotated[str | None, Field(description="From the index, e.g. image")] = None,
    query: Annotated[
        str | None, Field(description='Keywords, e.g. "white balance"; returns matching endpoints')
    ] = None,
) -> str:
    """The camera's API reference in pieces: no arguments: the index; section: that section; query: the
    matching endpoints."""
    section = section.strip().lower() if section and section.strip() else None
    try:
        if query and query.strip():
            return query_answer(query, section)
        if section:
            return reference.read_section(section)
        return reference.index_markdown()
    except reference.UnknownSectionError as exc:
        raise ToolError(str(exc)) from None
