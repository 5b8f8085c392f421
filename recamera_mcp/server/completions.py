"""Argument completions (MCP ``completion/complete``) for the prompts and resource templates.

The protocol completes only prompt arguments and resource-template variables (a completion ``ref`` is a
``ref/prompt`` or a ``ref/resource``; tool arguments have no completion request). So the values an agent or a user
types into tools are completed where the same values appear in prompts and templates, by argument name, whatever
the prompt or template (one added later gets them too):

==========  ==============================================================================================
``host``    cameras with a session, cameras the last discovery verified, hosts of the credentials file
``area``    the config areas (``get_config``/``update_config``)
``section`` reference sections; ``endpoint``: the slugs of the section given before it
``path``    recordings: the entries of the folder typed so far, from the relay listing (needs ``host``)
``model``   the models on the camera, ``cam.models.list()`` (needs ``host``)
``group``   the ``tune_image`` groups; ``field``: the device keys of the group given before it
``stream``  main, sub; ``scene``: current, general, day, night; ``username``: admin
==========  ==============================================================================================

Device-backed completions ask only cameras the server already knows (a session, the last discovery, the
credentials file), never a host typed half-way, and give up after :data:`DEVICE_TIMEOUT_S`: a completion is a
keystroke, so an unreachable camera answers nothing rather than an error. The SDK calls the handler without a
request context; it closes over the server's :class:`ServerState`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from recamera_mcp import reference
from recamera_mcp.client import (
    CONFIG_AREAS,
    DEFAULT_USERNAME,
    GROUPS,
    SCENES,
    ReCameraClient,
    ReCameraError,
    parse_host,
)
from recamera_mcp.server.state import ServerState

log = logging.getLogger(__name__)

MAX_VALUES = 100
"""The protocol's cap on values per answer (``total`` and ``hasMore`` tell the rest)."""
DEVICE_TIMEOUT_S = 3.0

Completer = Callable[[ServerState, str, Mapping[str, str]], Awaitable[list[str]]]
"""``(state, partial value, arguments given so far) -> candidates``."""


def known_hosts(state: ServerState) -> list[str]:
    """Cameras with a session, then those of the last discovery, then the credentials file's hosts."""
    hosts = [s.client.address.key for s in state.sessions.all()]
    hosts += state.discovered_hosts
    hosts += list(state.options.credentials.hosts)
    return list(dict.fromkeys(hosts))


def _known_key(state: ServerState, host: str) -> str | None:
    """The session key of ``host`` when it is a camera the server knows, else None."""
    try:
        key = parse_host(host).key
        return key if key in {parse_host(h).key for h in known_hosts(state)} else None
    except ReCameraError:
        return None


async def _device(state: ServerState, given: Mapping[str, str]) -> ReCameraClient | None:
    host = given.get("host", "")
    if _known_key(state, host) is None:
        return None
    return await state.sessions.client(host)


async def _hosts(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    return known_hosts(state)


async def _areas(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    return [str(area.value) for area in CONFIG_AREAS]


async def _sections(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    return list(reference.SECTION_NAMES)


async def _endpoints(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    section = given.get("section", "")
    return [e.slug for e in reference.endpoints(section)] if section in reference.SECTION_NAMES else []


async def _recording_paths(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    client = await _device(state, given)
    if client is None:
        return []
    folder = partial.lstrip("/").rpartition("/")[0]
    listing = await client.recording.list(folder + "/" if folder else "/", limit=MAX_VALUES)
    return [entry.path for entry in listing.entries]


async def _models(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    client = await _device(state, given)
    if client is None:
        return []
    return [str(m["model"]) for m in await client.models.list() if m.get("model")]


async def _groups(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    return [g.name for g in GROUPS]


async def _fields(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    chosen = [g for g in GROUPS if g.name == given.get("group")]
    if chosen:
        return list(chosen[0].model.model_fields)
    return [f"{g.name}.{key}" for g in GROUPS for key in g.model.model_fields]


async def _streams(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    return ["main", "sub"]


async def _scenes(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    return ["current", *SCENES]


async def _usernames(state: ServerState, partial: str, given: Mapping[str, str]) -> list[str]:
    return [DEFAULT_USERNAME]


COMPLETERS: dict[str, Completer] = {
    "host": _hosts,
    "area": _areas,
    "section": _sections,
    "endpoint": _endpoints,
    "path": _recording_paths,
    "model": _models,
    "group": _groups,
    "field": _fields,
    "stream": _streams,
    "scene": _scenes,
    "username": _usernames,
}


def matching(candidates: list[str], partial: str) -> Completion:
    """Candidates starting with ``partial`` first, then those containing it (case-insensitive), at most 100."""
    typed = partial.lower()
    starts = [c for c in candidates if c.lower().startswith(typed)]
    inside = [c for c in candidates if typed and typed in c.lower() and c not in starts]
    found = list(dict.fromkeys(starts + inside))
    return Completion(values=found[:MAX_VALUES], total=len(found), has_more=len(found) > MAX_VALUES)


async def complete(state: ServerState, name: str, partial: str, given: Mapping[str, str]) -> Completion:
    """The completion of argument ``name`` typed so far as ``partial`` (``given``: arguments already chosen)."""
    completer = COMPLETERS.get(name)
    if completer is None:
        return Completion(values=[])
    try:
        candidates = await asyncio.wait_for(completer(state, partial, given), DEVICE_TIMEOUT_S)
    except (ReCameraError, ToolError, TimeoutError, OSError) as exc:  # a keystroke never fails: no values
        log.debug("no completion for %s: %s", name, type(exc).__name__)
        return Completion(values=[])
    return matching(candidates, partial)


def add_completions(server: MCPServer[Any], state: ServerState) -> None:
    """Register the completion handler (one for every prompt and template, by argument name)."""

    async def handle(
        ref: PromptReference | ResourceTemplateReference, argument: CompletionArgument, context: Any
    ) -> Completion:
        given = context.arguments if isinstance(context, CompletionContext) and context.arguments else {}
        return await complete(state, argument.name, argument.value, given)

    register = server.completion()  # type: ignore[no-untyped-call]  # the SDK's decorator is untyped
    register(handle)
