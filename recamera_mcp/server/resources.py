"""MCP resources: the API reference (index, sections, single endpoints), device state, and the playbooks.

URIs::

    recamera://reference                      index: sections with one-line summaries and sizes
    recamera://reference/{section}            one section (markdown)
    recamera://reference/{section}/{endpoint} one endpoint by its slug: the path lower-cased with every run of
                                              non-alphanumerics as '-' (/network/lan → network-lan)
    recamera://devices                        the server's camera sessions (JSON)
    recamera://device/{host}/status           live status of one camera (JSON; logs in like the tools do)
    recamera://playbook/{name}                a playbook file (front matter + steps)
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.resources import TextResource

from recamera_mcp import reference
from recamera_mcp.playbooks import load_playbooks
from recamera_mcp.server.state import ServerState
from recamera_mcp.server.tools.session import session_list
from recamera_mcp.server.tools.system import device_status

MARKDOWN = "text/markdown"
JSON = "application/json"


def add_resources(server: MCPServer[Any], state: ServerState) -> None:
    """Register the reference, device and playbook resources (``state``: the server's, which the SDK does not hand
    to static resources)."""

    @server.resource("recamera://reference", name="reference_index", title="API reference index", mime_type=MARKDOWN)
    def reference_index() -> str:
        """Index of the camera API reference: sections, one-line summaries, sizes. Read one section at a time."""
        return reference.index_markdown()

    @server.resource(
        "recamera://reference/{section}", name="reference_section", title="API reference section", mime_type=MARKDOWN
    )
    def reference_section(section: str) -> str:
        """One section of the camera API reference (every endpoint of one API area)."""
        try:
            return reference.read_section(section)
        except reference.UnknownSectionError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource(
        "recamera://reference/{section}/{endpoint}",
        name="reference_endpoint",
        title="API reference endpoint",
        mime_type=MARKDOWN,
    )
    def reference_endpoint(section: str, endpoint: str) -> str:
        """One endpoint of a section, by slug (the path with non-alphanumerics as '-', e.g. network-lan)."""
        try:
            return reference.endpoint(section, endpoint).text + "\n"
        except (reference.UnknownSectionError, reference.UnknownEndpointError) as exc:
            raise ResourceError(str(exc)) from None

    @server.resource("recamera://devices", name="devices", title="Camera sessions", mime_type=JSON)
    def devices() -> str:
        """The cameras this server holds sessions for, and whether each is logged in."""
        return session_list(state).model_dump_json(exclude_none=True)

    @server.resource("recamera://device/{host}/status", name="device_status", title="Camera status", mime_type=JSON)
    async def device_status_resource(host: str) -> str:
        """Live status of one camera (as get_device_status); host is ip or ip:port."""
        try:
            status = await device_status(state, host)
        except ToolError as exc:
            raise ResourceError(str(exc)) from None
        return status.model_dump_json(exclude_none=True)

    for book in load_playbooks().values():
        server.add_resource(
            TextResource(
                uri=book.uri,
                name=f"playbook_{book.name.replace('-', '_')}",
                title=book.title,
                description=book.description,
                mime_type=MARKDOWN,
                text=book.path.read_text(encoding="utf-8"),
            )
        )
