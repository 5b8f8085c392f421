"""The SenseCraft cloud as the deploy chain's model source (``recamera_mcp.client.ModelSource``).

It remembers, for as long as it lives, which ONNX files (by MD5) it converted and downloaded, and which conversion
tasks it started: a deploy re-run after a failure reuses the ``.rknn`` already downloaded, or waits for the task
already running, instead of converting again.
"""

from __future__ import annotations

from pathlib import Path

from recamera_mcp.client import StageProgress, file_md5
from recamera_mcp.sensecraft.client import SenseCraftClient

__all__ = ["CloudModelSource"]


class CloudModelSource:
    """Converts ``.onnx`` files and fetches cloud models, each at most once per file."""

    def __init__(self, cloud: SenseCraftClient, dest_dir: str | Path | None = None) -> None:
        self.cloud = cloud
        self.dest_dir = dest_dir
        self._done: dict[str, Path] = {}
        """Downloaded ``.rknn`` by the ONNX MD5 (or ``cloud:<model_id>``)."""
        self._tasks: dict[str, str] = {}
        """Conversion tasks started, by the ONNX MD5: a re-run waits for the same task."""

    def _reusable(self, key: str) -> Path | None:
        path = self._done.get(key)
        return path if path is not None and path.is_file() else None

    async def rknn_from_onnx(self, onnx_path: Path, progress: StageProgress) -> tuple[Path, bool]:
        key = file_md5(onnx_path)
        reused = self._reusable(key)
        if reused is not None:
            return reused, True
        model_id = self._tasks.get(key)
        if model_id is None:
            await progress(0, f"uploading {onnx_path.name} to SenseCraft")
            model_id = (await self.cloud.create_task(onnx_path)).model_id
            self._tasks[key] = model_id

        async def polled(done: float, total: float | None, message: str) -> None:
            await progress(90 * done / (total or 100), message)

        await self.cloud.wait(model_id, polled)
        path = await self._download(model_id, 90, progress)
        self._done[key] = path
        self._tasks.pop(key, None)
        return path, False

    async def rknn_from_cloud(self, model_id: str, progress: StageProgress) -> tuple[Path, str, bool]:
        key = f"cloud:{model_id}"
        model = await self.cloud.model(model_id)
        name = model.name or f"sensecraft_{model_id}"
        reused = self._reusable(key)
        if reused is not None:
            return reused, name, True
        await progress(0, f"downloading SenseCraft model {model_id}")
        path = await self._download(model_id, 0, progress)
        self._done[key] = path
        return path, name, False

    async def _download(self, model_id: str, start: float, progress: StageProgress | None = None) -> Path:
        async def fetched(done: float, total: float | None, message: str) -> None:
            if progress is not None:
                await progress(start + (100 - start) * done / total if total else start, message)

        return Path((await self.cloud.download(model_id, self.dest_dir, fetched)).path)
