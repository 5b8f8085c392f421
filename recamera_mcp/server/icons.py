"""Icons for the server and its toolsets, as small SVG ``data:`` URIs (no network fetch, no file to ship).

Hosts show them next to the server and next to each tool (a tool carries its toolset's icon); they are not part
of what a model reads. Each is one stroked 24x24 drawing in a mid grey that reads on light and dark themes, kept
to about 200 characters because every listed tool repeats its toolset's icon (about 100 tokens of tools/list
each, none of them model-facing; ``--no-output-schemas`` leaves the tool icons out).
"""

from __future__ import annotations

from urllib.parse import quote

from mcp.types import Icon

_HEAD = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='#789' stroke-width='2'>"

_DRAWINGS: dict[str, str] = {
    # a camera body with its lens: the server, and the core toolset (find, log in, configure)
    "server": "<path d='M3 8h4l2-3h6l2 3h4v11H3z'/><circle cx='12' cy='13' r='3.5'/>",
    "core": "<path d='M3 8h4l2-3h6l2 3h4v11H3z'/><circle cx='12' cy='13' r='3.5'/>",
    # sun over a horizon: image tuning and snapshots
    "image": "<circle cx='12' cy='10' r='4'/><path d='M3 20h18M12 2v2M4 10H2M22 10h-2M6 4l1 1M18 4l-1 1'/>",
    # a record dot in a frame: recordings and storage
    "recording": "<rect x='3' y='5' width='18' height='14' rx='2'/><circle cx='12' cy='12' r='3'/>",
    # a chip: models and inference on the NPU
    "ai": "<rect x='7' y='7' width='10' height='10'/><path d='M10 3v4M14 3v4M10 17v4M14 17v4M3 10h4M17 14h4'/>",
    # a wrench: firmware, reboot, backups, diagnostics
    "system": "<path d='M14 6a4 4 0 0 0 5 5l-8 8a2 2 0 0 1-3-3l8-8a4 4 0 0 0-2-2z'/>",
    # a cloud: SenseCraft
    "cloud": "<path d='M7 18h10a4 4 0 0 0 0-8 6 6 0 0 0-11 1 3.5 3.5 0 0 0 1 7z'/>",
}


def _icon(drawing: str) -> Icon:
    svg = _HEAD + drawing + "</svg>"
    return Icon(src="data:image/svg+xml," + quote(svg, safe=" /='.:-,"))  # the URI names the type; any size


SERVER_ICONS: list[Icon] = [_icon(_DRAWINGS["server"])]
"""The server's icon (``serverInfo.icons``)."""


def toolset_icons(toolset: str) -> list[Icon]:
    """The icon every tool of ``toolset`` carries (a plain camera for a toolset without its own drawing)."""
    return [_icon(_DRAWINGS.get(toolset, _DRAWINGS["core"]))]
