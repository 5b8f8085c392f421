"""What ``call_api`` may send: an allow-list built from the API reference, refusals by construction.

1. **Canonical form.** The path and every query key and value are percent-decoded until nothing changes (a fixed
   point: ``%2572`` is ``%72`` is ``r``); whatever still holds a ``%``, a backslash, a ``#``, an encoded ``?`` or a
   control/format character after that is refused, as are ``..`` segments. ``.`` and empty segments go, a
   ``/cgi-bin/entry.cgi`` prefix makes the path CGI-relative.
2. **Allow-list.** The canonical request must match an endpoint of the API reference (``recamera_mcp/reference``:
   method, path template with ``{var}`` segments, raw or CGI), case-sensitively. Anything else is refused, so no
   spelling the device might read as another endpoint can pass (``/SYSTEM/REBOOT``, ``/system/reboot;x``).
3. **Refusals.** Endpoints that have (or will have) a dedicated tool with a confirmation are refused here, naming
   that tool (:data:`DEDICATED`: fill in a tool's name when it lands). The destructive ones are refused always; the
   others (:data:`ONCE_THE_TOOL_EXISTS`: Wi-Fi) only once their tool is registered, so call_api keeps reaching them
   until then. The storage control endpoint takes only its harmless actions.
4. **Exactly what was checked is sent.** The request line is built from the canonical form alone: each segment and
   query value encoded once, so a device that decodes once, or twice, reads what was checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from recamera_mcp import reference
from recamera_mcp.client import CGI_PREFIX, is_dangerous_char

__all__ = [
    "DEDICATED",
    "ONCE_THE_TOOL_EXISTS",
    "SAFE_STORAGE_ACTIONS",
    "CallRefused",
    "Checked",
    "Route",
    "check_call",
    "routes",
]

SAFE_STORAGE_ACTIONS = frozenset({"RELAY", "RELAY_STATUS", "UNRELAY", "CONFIG"})
"""The ``sAction`` values of ``POST /record/storage/control`` that call_api sends; the others erase or unmount."""
_MAX_DECODES = 8
_VAR = re.compile(r"\{([a-z_]+)\}")
_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_PLAIN = re.compile(r"[A-Za-z0-9._~-]{1,128}")
_CGI = tuple(CGI_PREFIX.strip("/").split("/"))

# (method, path template) -> (the tool that does it, why call_api does not). The tool named is used in the refusal
# when this server has it; the lead fills in names as the tools land (a name not registered yet reads "planned").
DEDICATED: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/system/login"): ("login", "logging in is done by the login tool"),
    ("POST", "/system/logout"): ("logout", "logging out is done by the logout tool"),
    ("PUT", "/system/password"): ("change_password", "a password change needs a confirmation"),
    ("POST", "/system/reboot"): ("reboot", "a reboot cuts the camera off and needs a confirmation"),
    ("POST", "/system/factory-reset"): ("factory_reset", "a factory reset erases the camera and needs a confirmation"),
    ("POST", "/system/firmware-upgrade"): ("firmware", "a firmware upgrade can brick the camera; needs a confirmation"),
    ("POST", "/config/upload"): ("restore_config", "a config import replaces the whole config; needs a confirmation"),
    ("POST", "/model/upload"): ("upload_model", "model uploads are chunked, checked transfers (or deploy_model)"),
    ("DELETE", "/model/delete"): ("models", "deleting a model needs a confirmation"),
    ("POST", "/network/wifi"): ("wifi", "joining another Wi-Fi may cut the camera off; it needs a confirmation"),
    ("DELETE", "/network/wifi"): ("wifi", "forgetting a Wi-Fi may cut the camera off; it needs a confirmation"),
    ("POST", "/network/wifi-status"): ("wifi", "powering Wi-Fi off may cut the camera off; it needs a confirmation"),
    ("POST", "/image/0"): ("reset_image", "an ISP reset loses every image setting; it needs a confirmation"),
    ("PUT", "/image/0/scene"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("POST", "/image/0/scene-save"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("PUT", "/image/0/video-adjustment"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("PUT", "/image/0/night-to-day"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("PUT", "/image/0/{scene_id}/adjustment"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("PUT", "/image/0/{scene_id}/exposure"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("PUT", "/image/0/{scene_id}/blc"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("PUT", "/image/0/{scene_id}/white-blance"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("PUT", "/image/0/{scene_id}/enhancement"): ("tune_image", "ISP changes must select, edit and always commit"),
    ("WS", "/ws/inference/results"): ("watch_inference", "a WebSocket is not an HTTP call"),
    ("WS", "/ws/system/logs"): ("read_logs", "a WebSocket is not an HTTP call"),
    ("WS", "/ws/system/terminal"): ("run_command", "a root shell needs a confirmation; a WebSocket is not HTTP"),
}  # fmt: skip
ONCE_THE_TOOL_EXISTS = frozenset(
    {("POST", "/network/wifi"), ("DELETE", "/network/wifi"), ("POST", "/network/wifi-status")}
)
"""Refused only when this server has their tool: until then call_api is the way to reach them."""
_STORAGE_CONTROL = ("POST", "/record/storage/control")


class CallRefused(ValueError):
    """call_api will not send this request; the message says why and what to use instead."""


@dataclass(frozen=True)
class Route:
    """One (method, path template) pair of the reference."""

    method: str
    template: str
    """The path without its query, e.g. ``/model/info`` or ``/storage/relay/{uuid}/{path}``."""
    segments: tuple[str, ...]
    raw: bool
    fixed_query: tuple[tuple[str, str], ...]
    """Query parameters the heading fixes (``upload-type=network``); a request must carry them to match."""
    trailing_slash: bool

    def match(self, segments: tuple[str, ...]) -> bool:
        """Whether canonical ``segments`` are an instance of this template (``{var}``: one plain segment;
        ``{path}`` last: one or more segments)."""
        wanted = self.segments
        if wanted and wanted[-1] == "{path}":
            if len(segments) < len(wanted):
                return False
            head, tail = segments[: len(wanted) - 1], segments[len(wanted) - 1 :]
            return _match_fixed(wanted[:-1], head) and all(_path_segment_ok(s) for s in tail)
        return len(segments) == len(wanted) and _match_fixed(wanted, segments)


def _match_fixed(wanted: tuple[str, ...], got: tuple[str, ...]) -> bool:
    for w, g in zip(wanted, got, strict=True):
        if _VAR.fullmatch(w):
            if not _PLAIN.fullmatch(g) or g in (".", ".."):
                return False
        elif w != g:
            return False
    return True


def _path_segment_ok(segment: str) -> bool:
    return bool(segment) and segment not in (".", "..") and len(segment) <= 255


@cache
def routes() -> tuple[Route, ...]:
    """Every (method, path) of the camera's API reference (the cloud section is not the camera's)."""
    found: list[Route] = []
    for name in reference.SECTION_NAMES:
        if name == "cloud":
            continue
        for item in reference.endpoints(name):
            path, _, query = item.path.partition("?")
            fixed = tuple(
                (k, v) for k, _, v in (pair.partition("=") for pair in query.split("&") if pair) if not _VAR.search(v)
            )
            segments = tuple(s for s in path.split("/") if s)
            for method in item.methods:
                found.append(Route(method, path.rstrip("/") or "/", segments, item.raw, fixed, path.endswith("/")))
    return tuple(found)


def _decode(text: str, what: str) -> str:
    """``text`` percent-decoded to a fixed point; :class:`CallRefused` when an escape or a control stays."""
    current = text
    for _ in range(_MAX_DECODES):
        decoded = unquote(current, errors="strict")
        if decoded == current:
            break
        current = decoded
    else:
        raise CallRefused(f"{what} {text!r} is encoded more than {_MAX_DECODES} times over")
    if "%" in current or "\\" in current or "#" in current:
        raise CallRefused(f"{what} {text!r} still holds an escape, a backslash or a '#' after decoding")
    if any(is_dangerous_char(c) for c in current):
        raise CallRefused(f"{what} {text!r} holds control or invisible characters")
    return current


def canonical_segments(path: str, raw: bool) -> tuple[tuple[str, ...], bool]:
    """The path's segments as the device resolves them, and whether it is host-root relative."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise CallRefused(f"path must start with /, got {path!r}")
    decoded = _decode(path, "path")
    if "?" in decoded:
        raise CallRefused(f"path {path!r} holds an encoded '?'")
    segments = tuple(s for s in decoded.split("/") if s not in ("", "."))
    if ".." in segments:
        raise CallRefused(f"path {path!r} has '..' segments")
    if segments[: len(_CGI)] == _CGI:
        return segments[len(_CGI) :], False
    return segments, raw


@dataclass(frozen=True)
class Checked:
    """A request call_api may send: the route it matched and the exact path (with query) to send."""

    route: Route
    path: str
    """What goes on the request line after the CGI prefix (or the host, when raw), encoded once."""
    params: dict[str, str]
    """The decoded query, as checked."""

    @property
    def shown(self) -> str:
        return self.route.template


def _query(query: str, params: dict[str, str] | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        merged[_decode(key, "query key")] = _decode(value, "query value")
    for key, value in (params or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise CallRefused("params must map names to strings")
        key, value = _decode(key, "query key"), _decode(value, "query value")
        if merged.get(key, value) != value:
            raise CallRefused(f"query parameter {key!r} is given twice with different values")
        merged[key] = value
    for key in merged:
        if not _KEY.fullmatch(key):
            raise CallRefused(f"query parameter name {key!r} is not a plain name")
    return merged


def _tool_text(tool: str, known_tools: frozenset[str]) -> str:
    if tool in known_tools:
        return f"use the {tool} tool"
    return f"a dedicated tool ({tool}) is planned; it is not on this server"


def check_call(
    method: str, path: str, body: Any, params: dict[str, str] | None, raw: bool, known_tools: frozenset[str]
) -> Checked:
    """The checked request, or :class:`CallRefused` saying why not and what to use (see the module docstring)."""
    text, _, query = path.partition("?")
    segments, raw = canonical_segments(text, raw)
    merged = _query(query, params)
    shown = "/" + "/".join(segments)
    if segments[:1] == ("ws",):
        tool, why = DEDICATED.get(("WS", shown), ("", "a WebSocket is not an HTTP call"))
        every = ", ".join(f"{t} ({p.rsplit('/', 1)[-1]})" for (m, p), (t, _) in DEDICATED.items() if m == "WS")
        raise CallRefused(
            f"{shown} is a WebSocket: {why}" + (f"; {_tool_text(tool, known_tools)}" if tool else "")
            + f" (the WebSocket tools: {every})"
        )  # fmt: skip
    if body is not None and method in ("GET", "DELETE"):
        raise CallRefused(f"a {method} takes no body")
    candidates = [r for r in routes() if r.raw == raw and r.match(segments)]
    if not candidates:
        other = [r for r in routes() if r.raw != raw and r.match(segments)]
        if other:
            hint = f"; it is a {'host-root' if other[0].raw else 'CGI'} path: call again with raw={other[0].raw}"
        else:
            hint = "; call_api only sends the endpoints of the API reference (find them with api_reference(query=...))"
        raise CallRefused(f"{shown} is not an endpoint of the API reference{hint}")
    matching = [r for r in candidates if r.method == method]
    if not matching:
        methods = "|".join(sorted({r.method for r in candidates}))
        raise CallRefused(f"{shown} takes {methods}, not {method}")
    route = max(matching, key=lambda r: sum(merged.get(k) == v for k, v in r.fixed_query))
    dedicated = DEDICATED.get((method, route.template))
    if dedicated is not None:
        tool, why = dedicated
        if (method, route.template) not in ONCE_THE_TOOL_EXISTS or tool in known_tools:
            raise CallRefused(f"{why}; {_tool_text(tool, known_tools)}")
    if (method, route.template) == _STORAGE_CONTROL:
        action = body.get("sAction") if isinstance(body, dict) else None
        if action not in SAFE_STORAGE_ACTIONS:
            raise CallRefused(
                f"storage control with sAction {action!r} is not sent here (only "
                f"{', '.join(sorted(SAFE_STORAGE_ACTIONS))}); format, free-up, eject and remove: "
                f"{_tool_text('storage', known_tools)} (two-phase confirmation)"
            )  # fmt: skip
    sent = "/" + "/".join(quote(s, safe="-._~") for s in segments)
    if route.trailing_slash:
        sent += "/"
    if merged:
        sent += "?" + "&".join(f"{quote(k, safe='-._~')}={quote(v, safe='-._~')}" for k, v in merged.items())
    return Checked(route=route, path=sent, params=merged)
