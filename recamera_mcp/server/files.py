"""The one policy for files this server writes on its own machine: downloads, snapshots, backups, cloud models.

Every tool that writes a local file asks :class:`LocalFiles` (``server_state(ctx).files``) for a
:class:`~recamera_mcp.client.SafeFile` and writes only through it::

    sink = state.files.target(dest_dir, remote_name, suffixes=RECORDING_SUFFIXES, what="recording")
    with sink:
        sink.write_bytes(data)          # or: a download writes sink.open_part(...) and calls sink.commit()

The rules, all enforced here:

- one root folder, set by the operator (``--files-root`` / ``[server] files_root``; default a folder in the user's
  data directory, created 0700); an agent names a folder *under* it (relative, or an absolute path inside it);
  anything resolving elsewhere (``~/.ssh``, ``/etc``, ``../..``) is refused with the root named;
- no link is followed: every folder from the root down is checked not to be a symlink, the real path must stay
  inside the real root, and the file itself is opened ``O_NOFOLLOW`` (``SafeFile``);
- nothing is overwritten unless the caller asks (``overwrite=True``, a tool's own decision, e.g. a backup it
  rotates): a taken name gets a number (``clip (1).mp4``);
- remote names are sanitised (:func:`~recamera_mcp.client.safe_file_name`): last path part only, no dot-files, no
  control characters, one of the expected extensions.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

from recamera_mcp.client import SafeFile, ValidationError, safe_file_name

__all__ = ["IMAGE_SUFFIXES", "RECORDING_SUFFIXES", "LocalFiles", "default_files_root", "user_data_dir"]

RECORDING_SUFFIXES = (".mp4", ".mkv", ".avi", ".ts", ".h264", ".h265", ".jpg", ".jpeg", ".png", ".wav")
IMAGE_SUFFIXES = (".jpg", ".jpeg")


def user_data_dir() -> Path:
    """The user's data folder for this application (XDG on Linux, Application Support on macOS, LOCALAPPDATA)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "recamera-mcp"


def default_files_root() -> Path:
    return user_data_dir() / "files"


class LocalFiles:
    """Where tools may write local files (see the module docstring). ``root``: None for the default folder."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root).expanduser().absolute() if root is not None else default_files_root()

    def _real_root(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return Path(os.path.realpath(self.root))

    def _refuse(self, requested: str, why: str) -> ValidationError:
        return ValidationError(
            f"refusing to write to {requested!r}: {why}",
            f'give a folder under the server\'s files root {self.root} (relative to it, e.g. "clips"); the operator '
            "sets the root with --files-root or [server] files_root",
            field="dest",
        )

    def folder(self, requested: str | None = None) -> Path:
        """The real path of a folder under the root (created as needed, 0700); refused when it would leave the
        root, pass through a link, or is not a folder. ``None``, ``""`` and ``"."`` are the root itself."""
        root = self._real_root()
        text = (requested or "").strip()
        if any(not c.isprintable() for c in text):
            raise self._refuse(text, "it holds control characters")
        if text.startswith("~"):
            raise self._refuse(text, "home-relative paths are not taken")
        relative = self._relative(text, root)
        current = root
        for part in relative:
            current = current / part
            try:
                info = os.lstat(current)
            except FileNotFoundError:
                os.mkdir(current, 0o700)
                continue
            if stat.S_ISLNK(info.st_mode):
                raise self._refuse(text, f"{current} is a link, which is never followed")
            if not stat.S_ISDIR(info.st_mode):
                raise self._refuse(text, f"{current} is not a folder")
        real = Path(os.path.realpath(current))
        if real != root and root not in real.parents:
            raise self._refuse(text, "it resolves outside the files root")
        return real

    def _relative(self, text: str, root: Path) -> tuple[str, ...]:
        pure = PureWindowsPath(text) if sys.platform == "win32" else PurePosixPath(text)
        if pure.is_absolute():
            absolute = Path(os.path.normpath(text))
            for base in (root, self.root):
                if absolute == base or base in absolute.parents:
                    return absolute.relative_to(base).parts
            raise self._refuse(text, "it is outside the files root")
        parts = tuple(p for p in pure.parts if p not in ("", "."))
        if ".." in parts:
            raise self._refuse(text, "'..' is not taken")
        return parts

    def is_folder(self, requested: str) -> bool:
        """Whether ``requested`` names an existing folder under the root (checked as :meth:`folder` would)."""
        try:
            relative = self._relative(requested.strip(), self._real_root())
        except ValidationError:
            return False
        return (self._real_root().joinpath(*relative)).is_dir() if relative else True

    def target(
        self,
        folder: str | None,
        name: str,
        *,
        suffixes: Iterable[str] | None = None,
        overwrite: bool = False,
        what: str = "file",
    ) -> SafeFile:
        """A :class:`SafeFile` for ``name`` (sanitised; one of ``suffixes``) in ``folder`` under the root. Close it
        (``with``) when done. With ``overwrite=False`` a taken name gets a number instead."""
        safe = safe_file_name(name, suffixes, what=what)
        return SafeFile(self.folder(folder), safe, overwrite=overwrite)
