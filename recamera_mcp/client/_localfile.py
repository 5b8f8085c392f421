"""Writing a local file safely: never through a link, never over an existing file unless asked.

:class:`SafeFile` is one file to be written in one directory. Data goes to ``<name>.part`` first, opened relative to
the directory's descriptor with ``O_NOFOLLOW`` (a planted symlink is refused, not followed) and created with
``O_EXCL`` (or continued only when it is a plain file with a single link, for a resumed download); :meth:`commit`
then gives it its name with a hard link, which fails when the name exists (no overwrite), or replaces it when
``overwrite``. :func:`safe_file_name` turns a name a camera sent into one that is safe to create here.

Where such files may go (a root directory, which names) is the caller's policy; the MCP server's is
``recamera_mcp.server.files``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from recamera_mcp.client._errors import ValidationError

__all__ = ["PART_SUFFIX", "SafeFile", "safe_file_name"]

PART_SUFFIX = ".part"
MAX_NAME_CHARS = 120
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
_DIR_FD = os.open in os.supports_dir_fd and os.link in os.supports_dir_fd
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+() ")


def safe_file_name(remote: str, suffixes: Iterable[str] | None = None, *, what: str = "file") -> str:
    """A local file name for a name the camera (or an agent) gave: its last path part, control and format
    characters removed, anything but letters, digits and ``._-+() `` made ``_``, no leading dots (no dot-files),
    at most 120 characters. ``suffixes`` (``.mp4``, ``.jpg`` ...): the extensions accepted, case-insensitively;
    another raises :class:`ValidationError`."""
    base = str(remote).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    kept = "".join(c for c in unicodedata.normalize("NFKC", base) if unicodedata.category(c)[0] != "C")
    name = "".join(c if c in _NAME_CHARS else "_" for c in kept).strip(" ").lstrip(".").strip(" ")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME_CHARS - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:MAX_NAME_CHARS]
    if not name or name.endswith(PART_SUFFIX):
        raise ValidationError(f"the {what} name {remote!r} cannot be used for a local file", "give another name",
                              field="name")  # fmt: skip
    if suffixes is not None:
        allowed = tuple(s.lower() for s in suffixes)
        if not name.lower().endswith(allowed):
            raise ValidationError(
                f"the {what} {remote!r} does not have an expected extension ({', '.join(allowed)})",
                "only files of these kinds are saved",
                field="name",
            )
    return name


def _numbered(name: str, n: int) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"


class SafeFile:
    """One file to write in ``directory`` (which must exist): through ``<name>.part``, then :meth:`commit`.

    ``overwrite=False`` (the default): an existing file of that name is never replaced; with ``unique`` the first
    free name ``name (1).ext``, ``name (2).ext`` ... is used instead, else :meth:`commit` raises
    :class:`ValidationError`. Use as a context manager (or call :meth:`close`) to release the directory.
    """

    def __init__(self, directory: Path | str, name: str, *, overwrite: bool = False, unique: bool = True) -> None:
        if name != safe_file_name(name) or name in (".", ".."):
            raise ValidationError(f"unsafe local file name {name!r}", "give a plain file name", field="name")
        self.directory = Path(directory)
        self.overwrite = overwrite
        self._dir_fd: int | None = None
        if _DIR_FD:
            try:
                self._dir_fd = os.open(self.directory, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW)
            except OSError as exc:
                raise ValidationError(
                    f"cannot use the folder {self.directory}: {exc.strerror}", "give an existing folder (no link)",
                    field="dest",
                ) from None  # fmt: skip
        self.name = name
        if unique and not overwrite:
            n = 0
            while self._exists(self.name):
                n += 1
                self.name = _numbered(name, n)

    # ---- paths relative to the directory descriptor -----------------------------------------------------------
    @property
    def path(self) -> Path:
        """Where the file is (or will be) once committed."""
        return self.directory / self.name

    @property
    def part_name(self) -> str:
        return self.name + PART_SUFFIX

    def _lstat(self, name: str) -> os.stat_result | None:
        try:
            if self._dir_fd is not None:
                return os.stat(name, dir_fd=self._dir_fd, follow_symlinks=False)
            return os.lstat(self.directory / name)
        except FileNotFoundError:
            return None

    def _exists(self, name: str) -> bool:
        return self._lstat(name) is not None

    def _open(self, name: str, flags: int) -> int:
        flags |= _O_NOFOLLOW | _O_BINARY
        try:
            if self._dir_fd is not None:
                return os.open(name, flags, 0o600, dir_fd=self._dir_fd)
            return os.open(self.directory / name, flags, 0o600)
        except OSError as exc:
            raise ValidationError(
                f"refusing to write {self.directory / name}: {exc.strerror} (a link, or not a plain file)",
                "remove it, or choose another folder",
                field="dest",
            ) from None

    # ---- the part file ---------------------------------------------------------------------------------------
    def part_size(self) -> int:
        """Bytes already in ``<name>.part`` (a resumable download), 0 when there is none. A part that is a link or
        not a plain file of its own raises :class:`ValidationError`."""
        found = self._lstat(self.part_name)
        if found is None:
            return 0
        if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1:
            raise ValidationError(
                f"refusing to continue {self.directory / self.part_name}: it is not a plain file of its own",
                "remove it and try again",
                field="dest",
            )
        return found.st_size

    def open_part(self, *, append: bool) -> BinaryIO:
        """The part file for writing: continued at its end (``append``) or created anew (an old one removed)."""
        if append:
            fd = self._open(self.part_name, os.O_WRONLY | os.O_APPEND)
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                os.close(fd)
                raise ValidationError(f"refusing to continue {self.directory / self.part_name}",
                                      "remove it and try again", field="dest")  # fmt: skip
        else:
            self.discard()
            fd = self._open(self.part_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        return os.fdopen(fd, "ab" if append else "wb")

    def discard(self) -> None:
        """Remove the part file (never what a link points to)."""
        with contextlib.suppress(FileNotFoundError):
            if self._dir_fd is not None:
                os.unlink(self.part_name, dir_fd=self._dir_fd)
            else:
                os.unlink(self.directory / self.part_name)

    def commit(self) -> Path:
        """Give the part file its name: refused when the name exists (unless ``overwrite``). Returns the path."""
        try:
            if self._dir_fd is not None:
                if self.overwrite:
                    os.replace(self.part_name, self.name, src_dir_fd=self._dir_fd, dst_dir_fd=self._dir_fd)
                else:
                    os.link(self.part_name, self.name, src_dir_fd=self._dir_fd, dst_dir_fd=self._dir_fd,
                            follow_symlinks=False)  # fmt: skip
                    os.unlink(self.part_name, dir_fd=self._dir_fd)
            elif self.overwrite:
                os.replace(self.directory / self.part_name, self.path)
            else:
                os.link(self.directory / self.part_name, self.path, follow_symlinks=False)
                os.unlink(self.directory / self.part_name)
        except FileExistsError:
            raise ValidationError(f"{self.path} exists already; it was not overwritten", "choose another name",
                                  field="dest") from None  # fmt: skip
        return self.path

    def write_bytes(self, data: bytes) -> Path:
        """Write a whole file at once (through the part file) and commit it."""
        with self.open_part(append=False) as out:
            out.write(data)
        return self.commit()

    def close(self) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None

    def __enter__(self) -> SafeFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
