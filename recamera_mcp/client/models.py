"""The models area (``cam.models``): the AI models on the camera, their info JSON, upload and delete.

    listed = await cam.models.models()                  # [ListedModel(name, has_info, category, active, ...)]
    await cam.models.set_info("yolo.rknn", ModelInfo(category="Detection", classes=["person"]))
    result = await cam.models.upload("/data/yolo.rknn", info=ModelInfo(category="Detection"), progress=report)
    plan = await cam.models.plan_delete("old.rknn"); await cam.models.delete(plan)

An upload goes through the one resumable upload helper (``_upload.py``); a broken upload's session is kept on this
object, so uploading the same file under the same name again resumes it. Whether a model is in use comes from the
inference area, reached through a callable so the two areas stay a tree.
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from recamera_mcp.client._errors import DeviceApiError, DeviceTimeout, Fix, NotSupported, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._model_info import (
    ALGORITHM_PATH,
    DELETE_PATH,
    INFO_PATH,
    LIST_PATH,
    UPLOAD_PATH,
    ListedModel,
    ModelInfo,
    check_model_name,
    info_from_device,
    listed_models,
    merged_info,
)
from recamera_mcp.client._models import FieldChange
from recamera_mcp.client._upload import CHUNK_SIZE, ResumableUpload, UploadProgress, UploadSession

__all__ = ["CameraDownloadResult", "InfoWriteResult", "ModelDeletePlan", "ModelUploadResult", "ModelsAPI"]

log = logging.getLogger(__name__)


class _Engine(Protocol):
    """What the models area needs of the inference area."""

    async def state(self) -> dict[str, Any]: ...

    async def configure(self, enabled: bool, model: str | None = None, fps: int | None = None) -> Any: ...


class InfoWriteResult(BaseModel):
    """A model info write: every field asked for, before and after."""

    name: str
    written: bool = Field(description="False when nothing needed to change")
    changes: list[FieldChange]
    info: ModelInfo | None = Field(description="The info as the device holds it now")


class ModelDeletePlan(BaseModel):
    """What deleting a model does."""

    name: str
    inference_model: bool = Field(description="Inference is set to this model")
    stops_inference: bool = Field(description="Inference runs with it and is stopped first (force)")
    summary: str


class CameraDownloadResult(BaseModel):
    """A SenseCraft model the camera downloaded itself."""

    task_id: str
    name: str = Field(description="The model's file name on the camera")
    status: str = Field(description="completed, failed or error (the device's words)")
    waited_s: float
    listed: bool


class ModelUploadResult(BaseModel):
    """A model put on the camera."""

    name: str
    size: int
    md5: str
    skipped: bool = Field(default=False, description="The camera already held this file (same MD5): nothing sent")
    bytes_sent: int = 0
    chunks_sent: int = 0
    resumed_from: int = Field(default=0, description="> 0: an earlier broken upload was resumed at this byte")
    recoveries: int = Field(default=0, description="Interruptions waited out and resumed")
    restarted: bool = Field(default=False, description="The camera had lost the session: sent again from 0")
    listed: bool = Field(description="The camera lists the model afterwards")
    info: ModelInfo | None = Field(default=None, description="Its info on the camera afterwards")


def _flat(info: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in info.items() if k != "metrics"}
    metrics = info.get("metrics")
    if isinstance(metrics, dict):
        flat.update({f"metrics.{k}": v for k, v in metrics.items()})
    return flat


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a local file (``hashlib`` algorithm name), read in 1 MiB blocks."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_md5(path: Path) -> str:
    """MD5 of a file (what the camera checks uploads with)."""
    return file_digest(path, "md5")


class ModelsAPI:
    """The camera's AI models. ``engine`` gives the inference area (for which model is in use)."""

    def __init__(self, funnel: Funnel, engine: Callable[[], _Engine]) -> None:
        self._funnel = funnel
        self._engine = engine
        self._pending: dict[tuple[str, str], UploadSession] = {}
        """Sessions of broken uploads by (file, model name): the next upload of the same file resumes them."""
        self._uploaded: dict[str, str] = {}
        """MD5 of each model this client uploaded, by name (a model without info does not tell its MD5)."""

    # ---- reading ---------------------------------------------------------------------------------------------
    async def list(self) -> builtins.list[dict[str, Any]]:
        """``GET /model/list`` as the device answers it: each model file with its info (``{}`` when none)."""
        listed = await self._funnel.get_json(LIST_PATH)
        return [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []

    async def index(self, name: str) -> int | None:
        """The position of ``name`` in ``/model/list`` (2026 firmware addresses inference by it), None if absent."""
        names = [m.get("model") for m in await self.list()]
        return names.index(name) if name in names else None

    async def models(self) -> builtins.list[ListedModel]:
        """The models, typed, each marked ``active`` when inference is set to it."""
        listed = listed_models(await self.list())
        try:
            current = (await self._engine().state()).get("sModel")
        except DeviceApiError:
            current = None
        for model in listed:
            model.active = model.name == current
        return listed

    async def find(self, name: str) -> ListedModel:
        """One listed model; :class:`ValidationError` naming the models there are when it is missing."""
        listed = await self.models()
        for model in listed:
            if model.name == name:
                return model
        names = ", ".join(m.name for m in listed) or "none"
        raise ValidationError(
            f"{self._funnel.address.key} has no model {name!r} (models: {names})",
            "give one of the listed names, or upload the model first",
            field="name",
        )

    async def info(self, name: str) -> dict[str, Any]:
        """``GET /model/info?File-name=<name>``: the model's info JSON as the device holds it."""
        info: dict[str, Any] = await self._funnel.get_object(INFO_PATH, params={"File-name": name})
        return info

    async def typed_info(self, name: str) -> ModelInfo | None:
        """The model's info, typed; None when it has none."""
        try:
            return info_from_device(await self.info(name))
        except DeviceApiError as exc:
            if "not found" in (exc.device_message or "").lower() or exc.status_code == 404:
                return None
            raise

    async def algorithms(self) -> dict[str, builtins.list[str]]:
        """``GET /model/algorithm``: the algorithms the camera runs, by category list (``lDetection`` ...)."""
        raw = await self._funnel.get_object(ALGORITHM_PATH)
        return {
            str(k)[:32]: [str(a)[:64] for a in v[:100] if isinstance(a, str)]
            for k, v in list(raw.items())[:16]
            if isinstance(v, list)
        }

    # ---- info ------------------------------------------------------------------------------------------------
    async def set_info(self, name: str, info: ModelInfo) -> InfoWriteResult:
        """Read-before-write of the model's info: the fields given change, every other one stays. A model without
        info needs at least a ``category``."""
        name = check_model_name(name)
        await self.find(name)
        try:
            current: dict[str, Any] = await self.info(name)
        except DeviceApiError as exc:
            if "not found" not in (exc.device_message or "").lower() and exc.status_code != 404:
                raise
            current = {}
        merged = merged_info(current, info)
        if not merged.get("category"):
            raise ValidationError(
                f"{name} has no info yet, so it needs a category",
                "give info with category (Detection, Classification, ...) and the class labels",
                field="info.category",
            )
        before, wanted = _flat(current), _flat(info.to_device())
        if merged == current:
            changes = [FieldChange(field=k, before=before.get(k), after=before.get(k), kept=True) for k in wanted]
            return InfoWriteResult(name=name, written=False, changes=changes, info=info_from_device(current))
        await self._funnel.send_json("POST", INFO_PATH, merged, params={"File-name": name})
        after_raw = await self.info(name)
        after = _flat(after_raw)
        changes = [
            FieldChange(field=k, before=before.get(k), after=after.get(k), kept=after.get(k) == v)
            for k, v in wanted.items()
        ]
        return InfoWriteResult(name=name, written=True, changes=changes, info=info_from_device(after_raw))

    # ---- delete ----------------------------------------------------------------------------------------------
    async def plan_delete(self, name: str, *, force: bool = False) -> ModelDeletePlan:
        """What deleting ``name`` would do. The model inference runs with is refused unless ``force`` (then
        inference is stopped first)."""
        await self.find(name)
        state = await self._engine().state()
        uses = state.get("sModel") == name
        running = uses and bool(state.get("iEnable"))
        if running and not force:
            raise ValidationError(
                f"inference on {self._funnel.address.key} is running with {name}; it is not deleted",
                "stop inference first (or switch it to another model), then delete",
                field="name",
                fix=Fix(op="inference.configure", args={"enabled": False}),
            )
        summary = f"delete the model {name} from {self._funnel.address.key}"
        if running:
            summary += " (inference runs with it and is stopped first)"
        elif uses:
            summary += " (inference is set to it, though off: pick another model before enabling inference)"
        return ModelDeletePlan(name=name, inference_model=uses, stops_inference=running, summary=summary)

    async def delete(self, plan: ModelDeletePlan) -> builtins.list[ListedModel]:
        """Carry out a delete plan; the models left."""
        if plan.stops_inference:
            await self._engine().configure(False)
        await self._funnel.request("DELETE", DELETE_PATH, params={"File-name": plan.name})
        left = await self.models()
        if any(m.name == plan.name for m in left):
            raise DeviceApiError(
                f"{self._funnel.address.key} still lists {plan.name} after deleting it", "try again", status_code=200
            )
        return left

    # ---- the camera's own download from SenseCraft ------------------------------------------------------------
    async def fetch_from_cloud(
        self,
        user_id: str,
        model_id: str,
        model_name: str,
        file_name: str | None = None,
        *,
        poll_s: float = 2.0,
        timeout_s: float = 600.0,
        progress: Callable[[int, str], Awaitable[None]] | None = None,
    ) -> CameraDownloadResult:
        """Have the camera download a SenseCraft model itself (``POST /model/get_model``), polling
        ``/model/download_status`` every ``poll_s`` until ``completed``, ``failed`` or ``error`` (or
        ``timeout_s``); then check it is listed. ``progress(percent, status)``."""
        name = check_model_name(file_name or f"{model_name}.rknn", "file_name")
        body = {"user_id": user_id, "model_id": model_id, "model_name": model_name, "file_name": name}
        answer = await self._funnel.send_json("POST", "/model/get_model", body)
        task_id = answer.get("task_id")
        if not isinstance(task_id, str | int) or isinstance(task_id, bool) or not str(task_id):
            raise DeviceApiError(
                f"{self._funnel.address.key} started no download (no task_id)", "check the firmware", status_code=200
            )
        started = time.monotonic()
        while True:
            state = await self._funnel.get_object("/model/download_status", params={"task_id": str(task_id)})
            status = str(state.get("status", "unknown"))[:32].lower()
            percent = state.get("progress") if isinstance(state.get("progress"), int) else 0
            waited = time.monotonic() - started
            if status in ("completed", "failed", "error"):
                break
            if waited >= timeout_s:
                raise DeviceTimeout(
                    f"{self._funnel.address.key} did not finish downloading {name} within {timeout_s:g} s",
                    f"it may still finish: ask /model/download_status?task_id={task_id}",
                )
            if progress is not None:
                await progress(int(percent), status)
            await asyncio.sleep(poll_s)
        if status != "completed":
            reason = str(state.get("error") or state.get("message") or "no reason given")[:200]
            raise DeviceApiError(
                f"{self._funnel.address.key} could not download SenseCraft model {model_id}: {status} ({reason})",
                "check that the camera reaches the internet and that the model is converted (status done)",
                status_code=200,
            )
        listed = any(m.name == name for m in await self.models())
        return CameraDownloadResult(
            task_id=str(task_id), name=name, status=status, waited_s=round(waited, 1), listed=listed
        )

    # ---- upload ----------------------------------------------------------------------------------------------
    async def upload(
        self,
        file_path: str | Path,
        name: str | None = None,
        *,
        info: ModelInfo | None = None,
        progress: UploadProgress | None = None,
        skip_if_present: bool = False,
        chunk_size: int = CHUNK_SIZE,
        recover_s: float = 120.0,
    ) -> ModelUploadResult:
        """Put an ``.rknn`` model on the camera (resumable upload), check that it is listed, and write its info
        (``info``, plus the file's size and MD5; an existing info JSON gets the new size and MD5). A broken
        upload resumes when the same file is uploaded under the same name again. ``skip_if_present``: nothing is
        sent when the camera's info for ``name`` already has this file's MD5. ``recover_s``: how long to wait
        for the camera after an interruption (a reboot takes about a minute)."""
        path = Path(file_path).expanduser()
        suffix = path.suffix.lower()
        if suffix == ".onnx":
            raise ValidationError(
                f"{path.name} is an ONNX model; the camera runs RKNN (.rknn) models only",
                "convert it to .rknn with the SenseCraft cloud first, then upload the result",
                field="file_path",
                fix=Fix(op="sensecraft.convert", args={"onnx_path": str(path)}),
            )
        if suffix != ".rknn":
            raise ValidationError(
                f"{path.name} is not an .rknn model", "give the path of a .rknn file", field="file_path"
            )
        if not path.is_file():
            raise ValidationError(f"no file at {path}", "give the absolute path of the model file", field="file_path")
        name = check_model_name(name or path.name)
        md5 = file_md5(path)
        size = path.stat().st_size
        if skip_if_present:
            present = next((m for m in await self.models() if m.name == name), None)
            if present is not None and md5 in (present.md5sum, self._uploaded.get(name)):
                return ModelUploadResult(
                    name=name, size=size, md5=md5, skipped=True, listed=True, info=await self.typed_info(name)
                )
        key = (str(path.resolve()), name)
        upload = ResumableUpload(
            self._funnel, UPLOAD_PATH, path, final_params={"File-name": name}, chunk_size=chunk_size,
            progress=progress, session=self._pending.pop(key, None), recover_s=recover_s,
        )  # fmt: skip
        try:
            result = await upload.run()
        except BaseException:
            if upload.session is not None:
                self._pending[key] = upload.session
            raise
        if result.md5 != md5:
            raise ValidationError(f"{path.name} changed while it was uploaded", "upload it again", field="file_path")
        listed = next((m for m in await self.models() if m.name == name), None)
        if listed is None:
            raise NotSupported(
                f"{self._funnel.address.key} accepted {name} but does not list it",
                "check the camera's free space and its model list",
            )
        self._uploaded[name] = md5
        stamp = ModelInfo(size=size, md5sum=md5)
        if info is not None:
            stamp = ModelInfo.model_validate({**info.model_dump(exclude_unset=True), "size": size, "md5sum": md5})
        written = None
        if info is not None or listed.has_info:
            written = (await self.set_info(name, stamp)).info
        return ModelUploadResult(
            name=name,
            size=size,
            md5=md5,
            bytes_sent=result.bytes_sent,
            chunks_sent=result.chunks_sent,
            resumed_from=result.resumed_from,
            recoveries=result.recoveries,
            restarted=result.restarted,
            listed=True,
            info=written,
        )
