"""Configuration backups, the pure part: the readable backup file, and what restoring it onto a camera would change.

A backup file (JSON, :data:`BACKUP_FORMAT`) holds every config area of one camera as the device sends it, with the
camera's serial and firmware and a UTC timestamp; secrets are masked unless the backup was asked to keep them.
Restoring it onto a camera (the same one or another, to clone its settings) goes area by area, read before write,
and sends only the leaves that differ, leaving alone:

- areas that are the camera's own (:data:`DEVICE_SPECIFIC_AREAS`: its address, its storage slot, how it is
  reached), unless the caller names them;
- fields the device sets itself (:data:`READ_ONLY_FIELDS`: the RTSP URL with the camera's address, encoder ids,
  the clock, live status);
- masked secrets (the target keeps its own value) and fields the target's firmware does not have.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from recamera_mcp.client._endpoints import ConfigArea
from recamera_mcp.client._errors import ValidationError
from recamera_mcp.client._merge import flatten
from recamera_mcp.client._models import FieldChange, Revert
from recamera_mcp.client._secrets import SECRET_MASK

__all__ = [
    "BACKUP_FORMAT",
    "DEVICE_SPECIFIC_AREAS",
    "MAX_ARCHIVE_BYTES",
    "MAX_BACKUP_BYTES",
    "READ_ONLY_FIELDS",
    "AreaRestore",
    "ConfigArchive",
    "ConfigBackup",
    "RestorePlan",
    "inspect_config_archive",
    "parse_backup",
    "restore_areas",
    "restore_changes",
]

BACKUP_FORMAT = "recamera-mcp-config-backup/1"
MAX_BACKUP_BYTES = 4 * 1024 * 1024
"""A backup file larger than this is not read (a real one is a few tens of kilobytes)."""
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
"""The largest device config archive handled (a real one is about 8 MB)."""
MANIFEST = "manifest.json"

DEVICE_SPECIFIC_AREAS = frozenset({ConfigArea.LAN, ConfigArea.STORAGE, ConfigArea.HTTPS})
"""The camera's own: its network address, its storage slot, HTTP or HTTPS. Restored only when named."""

READ_ONLY_FIELDS: Mapping[ConfigArea, frozenset[str]] = {
    ConfigArea.TIME: frozenset({"iTimestamp"}),
    ConfigArea.LAN: frozenset({"dLink.sAddress", "dLink.sInterface", "dLink.iPower"}),
    ConfigArea.VIDEO_ENCODE_MAIN: frozenset({"id"}),
    ConfigArea.VIDEO_ENCODE_SUB: frozenset({"id"}),
    ConfigArea.STREAM_MAIN: frozenset({"rtsp.sURL"}),
    ConfigArea.STREAM_SUB: frozenset({"rtsp.sURL"}),
    ConfigArea.INFERENCE: frozenset({"sStatus", "iActualFPS"}),
}
"""Fields each device sets itself (its address in the RTSP URL, the clock, live status): never written."""


class ConfigBackup(BaseModel):
    """A readable backup of every config area of one camera."""

    format: str = BACKUP_FORMAT
    created_utc: str = Field(description="When it was taken, ISO 8601 UTC")
    host: str
    serial: str | None = None
    firmware: str | None = None
    secrets_masked: bool = Field(default=True, description="Secret values are ******** (a restore keeps the target's)")
    areas: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Area name -> the whole object")
    unavailable: dict[str, str] = Field(default_factory=dict, description="Areas the camera did not answer, and why")


class ConfigArchive(BaseModel):
    """A device config export (a tar), checked before it is imported."""

    path: str
    size_bytes: int
    members: int = Field(description="Files in the archive")
    serial: str | None = Field(default=None, description="The camera it came from, when its manifest says")
    firmware: str | None = None


class AreaRestore(BaseModel):
    """What restoring one area does (a preview: what would change)."""

    area: str
    changes: list[FieldChange] = Field(default_factory=list, description="Fields set from the backup")
    skipped: list[str] = Field(default_factory=list, description="Fields left as they are, and why")
    written: bool = False
    error: str | None = Field(default=None, description="Why this area was not (or could not be) restored")
    revert: Revert | None = Field(default=None, exclude=True, repr=False)
    """What puts the area back (held for an undo, never shown: it carries the before-values)."""


class RestorePlan(BaseModel):
    """What restoring a backup onto a camera does, area by area."""

    source: str = Field(description="The backup file")
    kind: str = Field(description="json (this tool's backup) or archive (the device's own export)")
    source_host: str | None = None
    source_serial: str | None = None
    source_firmware: str | None = None
    areas: list[AreaRestore] = Field(default_factory=list)
    left_alone: list[str] = Field(default_factory=list, description="Areas of the camera's own, not restored")
    summary: str = ""


def parse_backup(text: str | bytes) -> ConfigBackup:
    """Read a backup file; :class:`ValidationError` for anything that is not one."""
    if len(text) > MAX_BACKUP_BYTES:
        raise ValidationError(
            f"the backup is over {MAX_BACKUP_BYTES} bytes", "give a backup file this client wrote", field="src_path"
        )
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"the backup is not JSON ({exc})", "give a backup file this client wrote", field="src_path"
        ) from None
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
        raise ValidationError(
            f"the file is not a {BACKUP_FORMAT} backup",
            "give a .json backup this client wrote, or the device's own config .tar",
            field="src_path",
        )
    try:
        return ConfigBackup.model_validate(data)
    except ValueError as exc:
        raise ValidationError(f"the backup is damaged: {exc}", "take a new backup", field="src_path") from None


def restore_areas(backup: ConfigBackup, names: Iterable[str] | None) -> tuple[list[ConfigArea], list[str]]:
    """The areas to restore (in table order) and those left alone because they are the camera's own.

    ``names`` None: every area of the backup except :data:`DEVICE_SPECIFIC_AREAS`; otherwise exactly those
    (each must be a known area present in the backup)."""
    present = [a for a in ConfigArea if a.value in backup.areas]
    if names is None:
        chosen = [a for a in present if a not in DEVICE_SPECIFIC_AREAS]
        return chosen, [a.value for a in present if a in DEVICE_SPECIFIC_AREAS]
    wanted: list[ConfigArea] = []
    for name in names:
        try:
            area = ConfigArea(name)
        except ValueError:
            known = ", ".join(a.value for a in present)
            raise ValidationError(f"unknown config area {name!r}", f"use some of: {known}", field="areas") from None
        if area.value not in backup.areas:
            raise ValidationError(
                f"the backup has no area {name!r}", "leave it out, or take a backup that has it", field="areas"
            )
        if area not in wanted:
            wanted.append(area)
    return [a for a in ConfigArea if a in wanted], []


def _set_at(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = target
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _masked(value: Any) -> bool:
    return SECRET_MASK in (value if isinstance(value, str) else json.dumps(value, default=str))


def restore_changes(
    area: ConfigArea, wanted: Mapping[str, Any], current: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The changes (nested, device keys) that make ``current`` like ``wanted``, and the fields skipped with why.

    Only differing leaves are changed; read-only fields, masked secrets and fields ``current`` lacks are skipped.
    """
    now = dict(flatten(dict(current)))
    read_only = READ_ONLY_FIELDS.get(area, frozenset())
    changes: dict[str, Any] = {}
    skipped: list[str] = []
    for dotted, value in flatten(dict(wanted)):
        if not dotted or now.get(dotted, object()) == value and type(now.get(dotted)) is type(value):
            continue
        if dotted in read_only:
            skipped.append(f"{dotted}: set by the camera itself")
        elif _masked(value):
            skipped.append(f"{dotted}: masked in the backup, the camera keeps its own")
        elif dotted not in now:
            skipped.append(f"{dotted}: this camera's firmware does not have it")
        else:
            _set_at(changes, dotted, value)
    return changes, skipped


def inspect_config_archive(path: Path) -> ConfigArchive:
    """Check that ``path`` is a config archive as the device exports it (a tar, not too big, safe member names)
    and read its manifest when it has one; :class:`ValidationError` otherwise."""
    size = path.stat().st_size
    if size == 0 or size > MAX_ARCHIVE_BYTES:
        raise ValidationError(
            f"{path.name} is {size} bytes: no config archive", "give the device's export", field="src_path"
        )
    try:
        with tarfile.open(path, mode="r:*") as tar:
            members = tar.getmembers()
            unsafe = [m.name for m in members if m.name.startswith("/") or ".." in m.name.split("/")]
            if unsafe:
                raise ValidationError(f"{path.name} holds unsafe paths ({unsafe[0]!r})", "use the device's own export",
                                      field="src_path")  # fmt: skip
            manifest: Any = None
            named = next((m for m in members if m.name.removeprefix("./") == MANIFEST and m.isfile()), None)
            handle = tar.extractfile(named) if named is not None and named.size <= 64 * 1024 else None
            if handle is not None:
                try:
                    manifest = json.loads(handle.read())
                except ValueError:
                    manifest = None
    except tarfile.TarError:
        raise ValidationError(
            f"{path.name} is neither a backup .json nor a tar archive", "give a backup file or the device's export",
            field="src_path",
        ) from None  # fmt: skip
    info = manifest if isinstance(manifest, dict) else {}
    serial, firmware = info.get("sSerialNumber"), info.get("sFirmwareVersion")
    return ConfigArchive(
        path=str(path), size_bytes=size, members=sum(1 for m in members if m.isfile()),
        serial=serial[:64] if isinstance(serial, str) else None,
        firmware=firmware[:64] if isinstance(firmware, str) else None,
    )  # fmt: skip
