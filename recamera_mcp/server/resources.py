"""MCP resources: the API reference (index, sections, single endpoints), device state, and the playbooks.

URIs::

    recamera://reference                      index: sections with one-line summaries and sizes
    recamera://reference/{section}            one section (markdown)
    recamera://reference/{section}/{endpoint} one endpoint by its slug: the path lower-cased with every run of
                                              non-alphanumerics as '-' (/network/lan → network-lan)
    recamera://devices                        the server's camera sessions (JSON)
    recamera://device/{host}/status           live status of one camera (JSON; logs in like the tools do)
    recamera://device/{host}/config/{area}    one config object, secrets masked (as get_config)
    recamera://device/{host}/recordings/{+path}  a recordings folder (first page, as list_recordings) or one
                                              file's entry; path as the listing gives it, empty for the root
    recamera://device/{host}/image/{group}{?field}  current values of one tune_image group (or one field)
    recamera://device/{host}/models/{model}   a model's info (classes, category, ...)
    recamera://playbook/{name}                a playbook file (front matter + steps)

Every variable of these templates completes (``server/completions.py``).
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.resources import TextResource

from recamera_mcp import reference
from recamera_mcp.client import ConfigArea, mask_secrets
from recamera_mcp.playbooks import load_playbooks
from recamera_mcp.server.errors import tool_errors
from recamera_mcp.server.state import ServerState
from recamera_mcp.server.tools.config import read_config
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

    add_device_templates(server, state)
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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def add_device_templates(server: MCPServer[Any], state: ServerState) -> None:
    """Templates reading one camera: its config areas, recordings, image groups and models (they log in like the
    tools; failures become resource errors with the tools' advice)."""

    @server.resource(
        "recamera://device/{host}/config/{area}", name="device_config", title="Camera config", mime_type=JSON
    )
    async def device_config(host: str, area: str) -> str:
        """One config object of a camera, secrets masked (as get_config)."""
        try:
            chosen = ConfigArea(area)
        except ValueError:
            raise ResourceError(f"unknown area {area!r}; areas: {', '.join(a.value for a in ConfigArea)}") from None
        try:
            return (await read_config(state, host, chosen)).model_dump_json(exclude_none=True)
        except ToolError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource(
        "recamera://device/{host}/recordings/{+path}", name="device_recordings", title="Recordings", mime_type=JSON
    )
    async def device_recordings(host: str, path: str = "") -> str:
        """A folder of recordings (its first 100 entries, newest first) or one file's entry; path as the listing
        gives it (empty: the root of the day folders)."""
        try:
            with tool_errors(f"recordings {path or '/'} on {host}"):
                client = await state.sessions.client(host)
                if not path or path.endswith("/"):
                    return _json((await client.recording.list(path or "/")).model_dump(mode="json"))
                parent = path.rpartition("/")[0]
                listing = await client.recording.list(parent + "/" if parent else "/", limit=1000)
        except ToolError as exc:
            raise ResourceError(str(exc)) from None
        entry = next((e for e in listing.entries if e.path == path), None)
        if entry is None:
            raise ResourceError(f"no recording {path!r} on {host}: list its folder first")
        return _json(entry.model_dump(mode="json"))

    @server.resource(
        "recamera://device/{host}/image/{group}{?field}", name="device_image", title="Image settings", mime_type=JSON
    )
    async def device_image(host: str, group: str, field: str = "") -> str:
        """Current values of one tune_image group of the profile in use (or of one field of it)."""
        try:
            with tool_errors(f"image {group} on {host}"):
                client = await state.sessions.client(host)
                values = await client.image.read(group)
        except ToolError as exc:
            raise ResourceError(str(exc)) from None
        data = values.model_dump(mode="json")
        if field:
            if field not in values.values:
                raise ResourceError(f"{group} has no field {field!r}; fields: {', '.join(values.values)}")
            data["values"] = {field: values.values[field]}
        return _json(data)

    @server.resource("recamera://device/{host}/models/{model}", name="device_model", title="Model info", mime_type=JSON)
    async def device_model(host: str, model: str) -> str:
        """A model file's info on the camera (category, classes, ...; {} when it has none)."""
        try:
            with tool_errors(f"model {model} on {host}"):
                client = await state.sessions.client(host)
                return _json(mask_secrets(await client.models.info(model), ()))
        except ToolError as exc:
            raise ResourceError(str(exc)) from None
