"""The storage relay: how the device serves a slot's files, below the storage and recording areas.

``POST /record/storage/control {"sAction": "RELAY"}`` opens (or refreshes) a relay for a slot whose state is at least
CONFIGURED and answers its directory (a UUID). Then raw ``GET /storage/relay/<uuid>/<dir>/`` lists a folder as nginx
autoindex JSON and raw ``GET /storage/relay/<uuid>/<file>`` serves a file with ``Range``. A relay expires 300 s after
its last use: an expired one answers 404, so on a 404 :class:`Relay` asks for the relay again, and retries only when
the directory changed (a real 404 stays a 404).

Paths are relative to the slot's data directory (``DCIM``): ``"/"`` is its root, ``"2025-10-16/x.mp4"`` a file.
:func:`normalize_relay_path` refuses ``..``, ``.``, backslashes, NUL and other escapes before any request.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
from typing import Any, Literal
from urllib.parse import quote

from recamera_mcp.client._errors import DeviceApiError, StorageNotReady, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._slots import CONTROL_PATH, STATUS_PATH, parse_status, serve_fix

__all__ = ["RELAY_PREFIX", "THUMB_DIR", "Relay", "entry_kind", "http_time", "normalize_relay_path", "thumb_of"]

log = logging.getLogger(__name__)

RELAY_PREFIX = "/storage/relay"
THUMB_DIR = ".thumb"
VIDEO_EXTS = (".mp4", ".mov", ".mkv", ".avi", ".h264", ".h265")
IMAGE_EXTS = (".jpg", ".jpeg", ".png")
MAX_ENTRIES = 100_000
"""A folder listing longer than this is cut (a hostile device cannot make the client walk forever)."""


def normalize_relay_path(path: str) -> str:
    """The path relative to the data directory (``""`` is the root; a trailing ``/`` is kept).

    Refuses (:class:`ValidationError`) anything that could leave the relay directory: ``..``, ``.``, ``~``,
    backslashes, NUL or control characters, URLs, and ``//`` or drive-letter prefixes.
    """
    if not isinstance(path, str):
        raise ValidationError("the path must be a string", 'e.g. "/" or "2025-10-16/"', field="path")
    bad = (
        any(ord(c) < 32 or c == "\x7f" for c in path)
        or "\\" in path
        or "://" in path
        or path.startswith(("//", "~"))
        or re.match(r"^[A-Za-z]:", path) is not None
    )
    parts = path.split("/")
    if bad or any(part in ("..", ".") for part in parts):
        raise ValidationError(
            f"refused path {path!r}: it must stay inside the recordings folder",
            'give a path relative to the recordings root as the listing shows it, e.g. "2025-10-16/" '
            '(no "..", no absolute device paths, no backslashes)',
            field="path",
        )
    trailing = path.endswith("/") and path.strip("/") != ""
    inner = "/".join(part for part in parts if part)
    return inner + ("/" if trailing else "")


def http_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


class Relay:
    """The relay of one slot (default the selected one), opened lazily and refreshed when it expired."""

    def __init__(self, client: Funnel, slot: str | None = None) -> None:
        self.client = client
        self.wanted = slot
        self.slot = slot
        self.directory: str | None = None
        self.refreshes = 0

    def forget(self) -> None:
        """Drop the relay directory (the camera restarted and dropped it); the next use opens a new one."""
        self.slot = self.wanted
        self.directory = None

    async def open(self) -> str:
        """Check the slot state, then ``RELAY``; raises :class:`StorageNotReady` with the fix when it cannot serve."""
        status = parse_status(self.client.address.key, await self.client.get_json(STATUS_PATH))
        slot = status.slot(self.wanted)
        if not slot.serves_files:
            hint, fix = serve_fix(slot)
            raise StorageNotReady(
                f"the recordings on {slot.dev_path} cannot be reached: the slot is {slot.state} (the relay needs "
                "CONFIGURED or later)",
                hint,
                fix=fix,
            )
        self.slot = slot.dev_path
        self.directory = await self._relay()
        return self.directory

    async def _relay(self) -> str:
        answer = await self.client.send_json("POST", CONTROL_PATH, {"sAction": "RELAY", "sSlotDevPath": self.slot})
        relay = answer.get("dRelayStatus")
        directory = relay.get("sRelayDirectory") if isinstance(relay, dict) else None
        if not isinstance(directory, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", directory):
            raise DeviceApiError(
                f"{self.client.address.key} answered RELAY without a usable sRelayDirectory", "try again",
                status_code=200,
            )  # fmt: skip
        return directory

    async def refresh(self) -> bool:
        """Ask for the relay again; True when the directory changed (the old one had expired)."""
        if self.directory is None:
            await self.open()
            return True
        old = self.directory
        try:
            self.directory = await self._relay()
        except DeviceApiError:
            self.slot = self.wanted  # the slot changed state or selection: look again
            self.directory = None
            await self.open()
        if self.directory != old:
            self.refreshes += 1
            log.info("%s: relay expired, refreshed", self.client.address.key)
            return True
        return False

    def url(self, rel: str) -> str:
        assert self.directory is not None, "open() the relay first"
        return f"{RELAY_PREFIX}/{self.directory}/{quote(rel, safe='/')}"

    async def get(self, rel: str) -> tuple[int, bytes]:
        """GET a small thing (a listing, a thumbnail): (status, body), with the transparent refresh on expiry."""
        if self.directory is None:
            await self.open()
        for attempt in (0, 1):
            response = await self.client.request("GET", self.url(rel), raw=True, check=False)
            if response.status_code == 404 and attempt == 0 and await self.refresh():
                continue
            return response.status_code, response.content
        raise AssertionError("unreachable")  # pragma: no cover

    async def listing(self, rel_dir: str) -> list[dict[str, Any]] | None:
        """The autoindex entries of a folder, or None when it does not exist."""
        folder = rel_dir.strip("/")
        status, body = await self.get(folder + "/" if folder else "")
        if status == 404:
            return None
        if status == 400:
            raise ValidationError(f"the device refused the path {rel_dir!r}", "use a path inside the recordings",
                                  field="path")  # fmt: skip
        if status != 200:
            raise DeviceApiError(f"listing {rel_dir!r} failed with HTTP {status}", "try again", status_code=status)
        try:
            entries = json.loads(body)
        except ValueError:
            entries = None
        if not isinstance(entries, list):
            raise DeviceApiError(f"listing {rel_dir!r} did not answer autoindex JSON", "try again", status_code=status)
        return [e for e in entries[:MAX_ENTRIES] if isinstance(e, dict) and isinstance(e.get("name"), str)]

    async def files_under(self, rel: str, depth: int = 4) -> list[tuple[str, int, float]]:
        """Every file at or below ``rel`` as (path, size, mtime); :class:`ValidationError` when it does not exist."""
        rel = rel.strip("/")
        if rel:
            parent, _, name = rel.rpartition("/")
            entries = await self.listing(parent)
            entry = next((e for e in entries or [] if e["name"] == name), None)
            if entry is None:
                raise ValidationError(
                    f"no such file or folder: {rel}", "list the folder to see what exists", field="paths"
                )
            if entry.get("type") != "directory":
                return [item for item in await self._walk(parent, 0) if item[0] == rel]
        return await self._walk(rel, depth)

    async def _walk(self, folder: str, depth: int) -> list[tuple[str, int, float]]:
        """Files below ``folder``; a video's size includes its thumbnail (deleted with it)."""
        found: list[tuple[str, int, float]] = []
        entries = await self.listing(folder) or []
        thumbs: dict[str, int] = {}
        if any(entry_kind(e) == "video" for e in entries):
            listed = await self.listing(f"{folder}/{THUMB_DIR}" if folder else THUMB_DIR) or []
            thumbs = {e["name"]: int(e.get("size") or 0) for e in listed if e.get("type") == "file"}
        for entry in entries:
            path = f"{folder}/{entry['name']}" if folder else entry["name"]
            if entry.get("type") == "directory":
                if depth > 0:
                    found += await self._walk(path, depth - 1)
            elif entry.get("type") == "file":
                size = int(entry.get("size") or 0) + thumbs.get(f"{entry['name']}.thumb.jpg", 0)
                found.append((path, size, http_time(entry.get("mtime")) or 0.0))
        return found


def entry_kind(entry: dict[str, Any]) -> Literal["directory", "video", "image", "file"]:
    """What an autoindex entry is: a folder, a video, an image or another file."""
    if entry.get("type") == "directory":
        return "directory"
    name = entry["name"].lower()
    if name.endswith(VIDEO_EXTS):
        return "video"
    return "image" if name.endswith(IMAGE_EXTS) else "file"


def thumb_of(rel: str) -> str:
    """Where a video's thumbnail sits: ``{dir}/.thumb/{video}.thumb.jpg``."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/{THUMB_DIR}/{name}.thumb.jpg" if folder else f"{THUMB_DIR}/{name}.thumb.jpg"
