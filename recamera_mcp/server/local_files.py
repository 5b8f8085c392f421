"""Where the server reads and writes files on its own machine (backups, firmware files): the one place that turns
a path an agent gave into a local path, so that a policy (a root folder all local files must stay under) has one
place to live."""

from __future__ import annotations

import os
from pathlib import Path

from recamera_mcp.client import ValidationError

__all__ = ["local_dir", "local_file", "write_local_file"]


def _absolute(raw: str, field: str) -> Path:
    if not isinstance(raw, str) or not raw.strip() or "\x00" in raw:
        raise ValidationError(f"{field} must be a path", "give an absolute path on the server's machine", field=field)
    path = Path(raw.strip()).expanduser()
    if not path.is_absolute():
        raise ValidationError(
            f"{field} {raw!r} is not an absolute path", "give an absolute path on the server's machine", field=field
        )
    return path


def local_dir(raw: str, field: str = "dest_dir") -> Path:
    """The local folder ``raw`` names, created when missing."""
    path = _absolute(raw, field)
    if path.exists() and not path.is_dir():
        raise ValidationError(f"{path} is not a folder", "give a folder to write into", field=field)
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_file(raw: str, field: str = "src_path") -> Path:
    """The existing local file ``raw`` names."""
    path = _absolute(raw, field)
    if not path.is_file():
        raise ValidationError(f"no file at {path}", "give the path of an existing file", field=field)
    return path


def write_local_file(path: Path, data: bytes, *, private: bool = False) -> Path:
    """Write ``data`` to ``path`` at once (through a temporary file), readable only by this user when ``private``."""
    part = path.with_name(path.name + ".part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(part, flags, 0o600 if private else 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return path
