"""Where downloaded models are written: the one place that turns a folder and a cloud model into a local path.

Names coming from the cloud are never used as paths: the file is ``sensecraft-<id>-<name>.rknn`` with both parts
reduced to ``[A-Za-z0-9._-]``. (When the server gets its one local-files root, this is the function to point at
it.)
"""

from __future__ import annotations

import re
from pathlib import Path

from recamera_mcp.client import ValidationError

__all__ = ["DEFAULT_DIR", "download_target"]

DEFAULT_DIR = Path("~/.cache/recamera-mcp/models")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(text: str, limit: int) -> str:
    return _UNSAFE.sub("_", text).strip("._-")[:limit] or "model"


def download_target(dest_dir: str | Path | None, model_id: str, model_name: str | None) -> Path:
    """The local path for a downloaded cloud model (its folder created). ``dest_dir`` must be absolute (or None:
    the default folder)."""
    folder = Path(dest_dir).expanduser() if dest_dir else DEFAULT_DIR.expanduser()
    if not folder.is_absolute():
        raise ValidationError(
            f"dest_dir must be an absolute path, got {str(dest_dir)!r}", "give e.g. /home/me/models", field="dest_dir"
        )
    folder.mkdir(parents=True, exist_ok=True)
    name = _safe(model_name or "model", 80).removesuffix(".rknn")
    return folder / f"sensecraft-{_safe(model_id, 32)}-{name}.rknn"
