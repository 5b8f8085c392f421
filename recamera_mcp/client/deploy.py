"""The deploy chain (``cam.deploy``): a model file to running inference in one call.

    result = await cam.deploy.run("/data/yolo.onnx", source=cloud_source, info=ModelInfo(classes=["person"]),
                                  progress=report)

Stages, each named in the progress messages and in the result: ``convert`` (an ``.onnx``, through a
:class:`ModelSource`: the SenseCraft cloud) or ``download`` (a cloud model id), ``upload`` (resumable; skipped when
the camera already holds the same MD5), ``info`` (read-before-write; skipped when nothing changes), ``inference``
(pointed at the model and enabled or left off, waited for ``running``), and ``results`` when a
:data:`ResultsCheck` is given (the first inference results arriving). A re-run after a failure skips what is done.
A failure raises :class:`DeployFailed`: which stage broke, why, and the state the camera is left in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import ReCameraError, ValidationError
from recamera_mcp.client._model_info import ModelInfo
from recamera_mcp.client.inference import InferenceAPI, InferenceResult
from recamera_mcp.client.models import ModelsAPI

__all__ = ["DeployAPI", "DeployFailed", "DeployResult", "DeployStage", "ModelSource", "ResultsCheck", "StageProgress"]

log = logging.getLogger(__name__)

Stage = Literal["convert", "download", "upload", "info", "inference", "results"]
StageProgress = Callable[[float, str], Awaitable[None]]
"""``progress(percent_of_the_stage, message)`` reported by a stage; the chain maps it onto 0..100 overall."""
ResultsCheck = Callable[[], Awaitable[str]]
"""Confirms that inference results arrive (e.g. by watching the results WebSocket); returns a one-line summary and
raises a :class:`ReCameraError` when none come."""
_SPANS: dict[str, tuple[float, float]] = {
    "convert": (0, 40), "download": (0, 40), "upload": (40, 85), "info": (85, 88), "inference": (88, 97),
    "results": (97, 100),
}  # fmt: skip
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ModelSource(Protocol):
    """Where ``.rknn`` files come from when the caller has none: a converter (the SenseCraft cloud)."""

    async def rknn_from_onnx(self, onnx_path: Path, progress: StageProgress) -> tuple[Path, bool]:
        """The converted ``.rknn`` of an ``.onnx`` file, and whether an earlier conversion was reused."""
        ...

    async def rknn_from_cloud(self, model_id: str, progress: StageProgress) -> tuple[Path, str, bool]:
        """A cloud model's ``.rknn``, its name, and whether an earlier download was reused."""
        ...


class DeployStage(BaseModel):
    stage: Stage
    status: Literal["done", "skipped", "failed"]
    detail: str


class DeployResult(BaseModel):
    model: str = Field(description="The model's file name on the camera")
    stages: list[DeployStage]
    inference: InferenceResult | None = None


class DeployFailed(ReCameraError):
    """A stage of the deploy chain failed. ``stage``, ``stages`` (what ran), ``camera_state`` (how it is left)."""

    def __init__(self, message: str, hint: str, *, stage: Stage, stages: list[DeployStage], camera_state: str) -> None:
        super().__init__(message, hint)
        self.stage = stage
        self.stages = stages
        self.camera_state = camera_state


def camera_name(stem: str) -> str:
    """A model file name the camera takes, made from any stem."""
    safe = _UNSAFE.sub("_", stem).strip("._-")[:100] or "model"
    return f"{safe}.rknn" if safe[0].isalnum() else f"m{safe}.rknn"


class DeployAPI:
    """Runs the deploy chain on one camera."""

    def __init__(self, models: ModelsAPI, inference: InferenceAPI) -> None:
        self._models = models
        self._inference = inference

    async def run(
        self,
        model_path: str | Path | None = None,
        *,
        cloud_model_id: str | None = None,
        source: ModelSource | None = None,
        info: ModelInfo | None = None,
        enable: bool = True,
        progress: Callable[[float, str], Awaitable[None]] | None = None,
        results: ResultsCheck | None = None,
        wait_s: float = 30.0,
    ) -> DeployResult:
        """Convert or download when needed, upload, set the info, point inference at the model (enabled or not),
        and confirm it runs; see the module docstring. ``progress(percent, message)`` names the stage."""
        if (model_path is None) == (cloud_model_id is None):
            raise ValidationError(
                "give either a model file or a SenseCraft model id", "model_path=... or the cloud model id",
                field="model_path",
            )  # fmt: skip
        stages: list[DeployStage] = []
        current: list[Stage] = ["upload"]

        async def report(stage: Stage, percent: float, message: str) -> None:
            current[0] = stage
            low, high = _SPANS[stage]
            if progress is not None:
                await progress(low + (high - low) * max(0.0, min(percent, 100.0)) / 100, f"{stage}: {message}")

        def stage_progress(stage: Stage) -> StageProgress:
            async def inner(percent: float, message: str) -> None:
                await report(stage, percent, message)

            return inner

        try:
            path, name = await self._source(model_path, cloud_model_id, source, stages, stage_progress, report)
            await report("upload", 0, f"{path.name} to the camera as {name}")

            async def uploaded(done: int, total: int, note: str) -> None:
                shown = note or f"{done / 1e6:.1f} of {total / 1e6:.1f} MB"
                await report("upload", 100 * done / max(total, 1), shown)

            up = await self._models.upload(path, name, progress=uploaded, skip_if_present=True)
            stages.append(DeployStage(
                stage="upload", status="skipped" if up.skipped else "done",
                detail="the camera already holds this file (same MD5)" if up.skipped else
                f"{up.size} bytes" + (f", resumed at byte {up.resumed_from}" if up.resumed_from else ""),
            ))  # fmt: skip
            await report("info", 0, f"model info of {name}")
            stages.append(await self._info(name, info, up.size, up.md5))
            await report("inference", 0, "enabling" if enable else "pointing inference at the model")

            async def waiting(waited: float, status: str) -> None:
                await report("inference", min(90.0, waited * 100 / max(wait_s, 1)), f"{status} ({waited:.0f} s)")

            state = await self._inference.configure(enable, model=name, wait_s=wait_s, progress=waiting)
            if not state.reached:
                raise ValidationError(state.problem or f"inference is {state.status}", "check the model")
            stages.append(DeployStage(
                stage="inference", status="done",
                detail=f"{state.status} with {name}" + (f" ({state.id_rule})" if state.written else ""),
            ))  # fmt: skip
            if results is not None and enable:
                await report("results", 0, "waiting for the first inference results")
                stages.append(DeployStage(stage="results", status="done", detail=await results()))
            await report("results", 100, f"{name} deployed")
            return DeployResult(model=name, stages=stages, inference=state)
        except DeployFailed:
            raise
        except ReCameraError as exc:
            stage = current[0]
            stages.append(DeployStage(stage=stage, status="failed", detail=str(exc)[:300]))
            raise DeployFailed(
                f"deploy failed at the {stage} stage: {exc.message}",
                (f"{exc.hint}; then " if exc.hint else "fix the cause, then ")
                + "run the deploy again: finished stages are skipped",
                stage=stage,
                stages=stages,
                camera_state=await self._camera_state(),
            ) from exc

    async def _source(
        self,
        model_path: str | Path | None,
        cloud_model_id: str | None,
        source: ModelSource | None,
        stages: list[DeployStage],
        stage_progress: Callable[[Stage], StageProgress],
        report: Callable[[Stage, float, str], Awaitable[None]],
    ) -> tuple[Path, str]:
        """The local ``.rknn`` to upload and its name on the camera (converting or downloading first)."""
        if cloud_model_id is not None:
            if source is None:
                raise ValidationError("a cloud model needs the SenseCraft cloud", "configure SenseCraft first")
            await report("download", 0, f"SenseCraft model {cloud_model_id}")
            path, cloud_name, reused = await source.rknn_from_cloud(cloud_model_id, stage_progress("download"))
            stages.append(DeployStage(stage="download", status="skipped" if reused else "done", detail=str(path)))
            return path, camera_name(Path(cloud_name).stem)
        path = Path(str(model_path)).expanduser()
        if not path.is_file():
            raise ValidationError(f"no file at {path}", "give the absolute path of an .onnx or .rknn file",
                                  field="model_path")  # fmt: skip
        if path.suffix.lower() == ".onnx":
            if source is None:
                raise ValidationError(f"{path.name} is ONNX and no converter is configured", "configure SenseCraft")
            await report("convert", 0, f"{path.name} on SenseCraft")
            rknn, reused = await source.rknn_from_onnx(path, stage_progress("convert"))
            detail = f"{rknn.name}" + (" (converted earlier, reused)" if reused else "")
            stages.append(DeployStage(stage="convert", status="skipped" if reused else "done", detail=detail))
            return rknn, camera_name(path.stem)
        return path, camera_name(path.stem)

    async def _info(self, name: str, info: ModelInfo | None, size: int, md5: str) -> DeployStage:
        given = info.model_dump(exclude_unset=True) if info is not None else {}
        present = await self._models.typed_info(name)
        assumed = ""
        if "category" not in given and (present is None or present.category is None):
            given["category"] = "Detection"
            assumed = " (category not given: Detection assumed)"
        given.setdefault("name", Path(name).stem)
        change = ModelInfo.model_validate({**given, "size": size, "md5sum": md5})
        written = await self._models.set_info(name, change)
        labels = len(written.info.classes or []) if written.info is not None else 0
        return DeployStage(
            stage="info", status="done" if written.written else "skipped",
            detail=(f"{len(written.changes)} field(s) set" if written.written else "already as asked")
            + f", {labels} class label(s){assumed}",
        )  # fmt: skip

    async def _camera_state(self) -> str:
        """One line on how the camera is left (best effort: the camera may be unreachable)."""
        try:
            state = await self._inference.state()
            names = [m.name for m in await self._models.models()]
        except ReCameraError as exc:
            return f"unknown: the camera did not answer ({exc.message[:80]})"
        status = state.get("sStatus", "unknown")
        return f"inference {status} with {state.get('sModel')}; models on the camera: {', '.join(names) or 'none'}"
