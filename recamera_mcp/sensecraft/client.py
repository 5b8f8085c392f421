"""The SenseCraft cloud client: ONNX -> RKNN conversion tasks, their status, download and deletion.

    async with SenseCraftClient(SenseCraftSettings.load(os.environ)) as cloud:
        done = await cloud.convert("/data/yolo.onnx", progress=report)     # create, poll every 2 s, download
        print(done.path, done.md5)

Not a camera, so its own small client, but on the camera client's wire: :class:`HttpTransport` (bounded answers,
deadlines, error mapping); the cloud's texts replace the camera's. Every answer is ``{"code", "msg", "data"}``;
``code`` other than 0 (or an HTTP error) becomes a :class:`CloudError`. The user token goes only to the cloud's own
hosts (``Authorization: <token>``), never into a result, a log line or an error; the ``user_id`` comes from the
login-token endpoint (or the settings). A model is downloaded only when its task is ``done``: v1 streams the bytes
and names their MD5 in ``x-model-md5``; when that fails or disagrees, v2's ``download_url`` (fetched without the
token) and its ``md5``. Files are written through :func:`download_target`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from recamera_mcp.client import DeviceApiError, DeviceTimeout, DeviceUnreachable, ValidationError, parse_host
from recamera_mcp.client._transport import DeviceResponse, HttpTransport, HttpxTransport
from recamera_mcp.sensecraft._errors import (
    CloudAuthError,
    CloudError,
    CloudUnreachable,
    ConversionFailed,
    ConversionTimeout,
)
from recamera_mcp.sensecraft._files import download_target
from recamera_mcp.sensecraft._settings import SenseCraftSettings

__all__ = ["CloudModel", "CloudModelList", "CloudProgress", "Conversion", "DownloadedModel", "SenseCraftClient"]

log = logging.getLogger(__name__)

FRAMEWORK_RKNN = "9"
DEVICE_RECAMERA = "40"
MAX_MODEL_BYTES = 1024 * 1024 * 1024
CloudProgress = Callable[[float, float | None, str], Awaitable[None]]
"""``progress(done, total, message)``: percent of a conversion (total 100) or bytes of a transfer."""
_TERMINAL = {"done", "failed", "error"}


def _text(value: Any, limit: int = 200) -> str:
    """A cloud string made safe to show: bounded, one line."""
    return " ".join(str(value).split())[:limit]


class CloudModel(BaseModel):
    """One conversion task / cloud model."""

    model_id: str
    name: str | None = None
    status: str = Field(description="queued, converting, done or failed")
    progress: int | None = Field(default=None, description="Percent")
    error: str | None = Field(default=None, description="Why it failed (the cloud's words)")
    file_size: int | None = Field(default=None, description="Size of the uploaded ONNX, bytes")


class CloudModelList(BaseModel):
    total: int
    page: int
    models: list[CloudModel]


class DownloadedModel(BaseModel):
    model_id: str
    path: str
    size: int
    md5: str
    md5_checked: bool = Field(description="The cloud named an MD5 and the file matches it")


class Conversion(BaseModel):
    """An ONNX converted to RKNN (and, when waited for, downloaded)."""

    model_id: str
    status: str
    waited_s: float = 0.0
    download: DownloadedModel | None = None


def _model(raw: Any) -> CloudModel | None:
    if not isinstance(raw, dict) or raw.get("model_id") in (None, ""):
        return None
    progress = raw.get("progress")
    size = raw.get("file_size")
    return CloudModel(
        model_id=_text(raw["model_id"], 40),
        name=_text(raw["model_name"], 80) if raw.get("model_name") else None,
        status=_text(raw.get("status", "unknown"), 20).lower(),
        progress=progress if isinstance(progress, int) and not isinstance(progress, bool) else None,
        error=_text(raw["error"]) if raw.get("error") else None,
        file_size=size if isinstance(size, int) and not isinstance(size, bool) else None,
    )


def _whole(status: int, content: bytes) -> DeviceResponse:
    try:
        body = json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = None
    return DeviceResponse(status_code=status, headers={}, content=content, body=body)


class SenseCraftClient:
    """One user's access to the SenseCraft cloud (see the module docstring). ``transport`` (httpx) for tests."""

    def __init__(self, settings: SenseCraftSettings, *, transport: HttpxTransport | None = None) -> None:
        self.settings = settings
        timeout = settings.request_timeout_s
        self._api = HttpTransport(parse_host(settings.api_url), timeout=timeout, verify_tls=True, transport=transport)
        same = settings.hmi_url == settings.api_url
        self._hmi = self._api if same else HttpTransport(
            parse_host(settings.hmi_url), timeout=timeout, verify_tls=True, transport=transport
        )  # fmt: skip
        self._user_id = settings.user_id
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> SenseCraftClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._api.aclose()
        if self._hmi is not self._api:
            await self._hmi.aclose()

    # ---- the wire ----------------------------------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        return {"Authorization": self.settings.token} if self.settings.token else {}

    def _no_token(self) -> CloudAuthError:
        return CloudAuthError(
            "no SenseCraft token is configured",
            f"sign in at {self.settings.authorize_url()} and put the token you get in SENSECRAFT_TOKEN (or token "
            "in the config file's [sensecraft] table), then try again",
            authorize_url=self.settings.authorize_url(),
        )

    @contextlib.contextmanager
    def _mapped(self, what: str) -> Any:
        try:
            yield
        except DeviceTimeout as exc:
            raise CloudUnreachable(f"SenseCraft did not answer {what} in time", "try again later") from exc
        except DeviceApiError as exc:  # an answer too large to be the cloud's JSON
            raise CloudError(f"SenseCraft answered {what} unexpectedly: {exc.message}", "try again", status=0) from exc
        except DeviceUnreachable as exc:
            raise CloudUnreachable(
                f"cannot reach SenseCraft for {what} ({exc.message.split(': ', 1)[-1][:120]})",
                "check the network and SENSECRAFT_API_URL, then try again",
            ) from exc

    def _failure(self, what: str, response: DeviceResponse) -> CloudError | None:
        body = response.body
        code = body.get("code") if isinstance(body, dict) else None
        if response.status_code < 400 and code in (0, 200, None) and isinstance(body, dict):
            return None
        msg = _text(body.get("msg") or body.get("message") or "") if isinstance(body, dict) else ""
        status = response.status_code if response.status_code >= 400 else (code if isinstance(code, int) else 0)
        detail = f"SenseCraft refused {what}: HTTP {status}" + (f": {msg}" if msg else "")
        if status == 401:
            return CloudAuthError(
                detail, f"the token is invalid or expired: sign in again at {self.settings.authorize_url()} and "
                "update SENSECRAFT_TOKEN", status=status, authorize_url=self.settings.authorize_url(),
            )  # fmt: skip
        if status == 403:
            return CloudAuthError(
                detail, "the user_id is not this token's user: remove SENSECRAFT_USER_ID to resolve it again",
                status=status, authorize_url=self.settings.authorize_url(),
            )  # fmt: skip
        if status >= 500:
            return CloudError(detail, "the cloud failed for now; try again in a minute", status=status)
        if not isinstance(body, dict) and response.status_code < 400:
            return CloudError(f"SenseCraft answered {what} with something that is not JSON", "try again", status=0)
        return CloudError(detail, "check the model id and the file", status=status)

    async def _call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, hmi: bool = False, **extra: Any
    ) -> Any:
        what = f"{method} {path}"
        wire = self._hmi if hmi else self._api
        with self._mapped(what):
            response = await wire.send(
                method, path, params=params, headers=self._auth(), attempts=3 if method == "GET" else 1, **extra
            )
        failure = self._failure(what, response)
        if failure is not None:
            raise failure
        return response.body.get("data")

    async def user_id(self) -> str:
        """The user's id: from the settings, else resolved once through the login-token endpoint."""
        async with self._lock:
            if self._user_id is None:
                if not self.settings.token:
                    raise self._no_token()
                data = await self._call("POST", "/api/v1/user/login_token", hmi=True)
                user = data.get("user_id") if isinstance(data, dict) else None
                if user in (None, ""):
                    raise CloudError("SenseCraft resolved no user_id for the token", "sign in again", status=0)
                self._user_id = _text(user, 40)
            return self._user_id

    # ---- tasks -------------------------------------------------------------------------------------------------
    async def create_task(self, onnx_path: str | Path, dataset_zip: str | Path | None = None) -> CloudModel:
        """Start a conversion of an ``.onnx`` file (streamed from disk), optionally with a calibration dataset zip."""
        onnx = Path(onnx_path).expanduser()
        if onnx.suffix.lower() != ".onnx" or not onnx.is_file():
            raise ValidationError(f"{onnx} is not an .onnx file", "give the path of an ONNX model", field="onnx_path")
        form = {"user_id": await self.user_id(), "framework_type": FRAMEWORK_RKNN, "device_type": DEVICE_RECAMERA}
        size = onnx.stat().st_size
        with contextlib.ExitStack() as stack:
            files: dict[str, Any] = {
                "file": (onnx.name, stack.enter_context(onnx.open("rb")), "application/octet-stream")
            }
            if dataset_zip is not None:
                zipped = Path(dataset_zip).expanduser()
                if zipped.suffix.lower() != ".zip" or not zipped.is_file():
                    raise ValidationError(f"{zipped} is not a .zip file", "give a zip of images", field="dataset")
                files["dataset"] = (zipped.name, stack.enter_context(zipped.open("rb")), "application/zip")
                size += zipped.stat().st_size
            timeout = max(self.settings.request_timeout_s, 30 + size / (256 * 1024))
            data = await self._call("POST", "/v1/api/create_task", files=files, data=form, timeout=timeout)
        model = _model({**data, "model_name": onnx.stem} if isinstance(data, dict) else None)
        if model is None:
            raise CloudError("SenseCraft started no task (no model_id in its answer)", "try again", status=0)
        log.info("SenseCraft task %s created for %s", model.model_id, onnx.name)
        return model

    async def records(self, page: int = 1, size: int = 20) -> CloudModelList:
        """The user's conversion tasks / models, newest first."""
        params = {"user_id": await self.user_id(), "framework_type": FRAMEWORK_RKNN, "device_type": DEVICE_RECAMERA,
                  "page": str(page), "size": str(size)}  # fmt: skip
        data = await self._call("GET", "/v1/api/get_training_records", params=params)
        rows = data.get("list") if isinstance(data, dict) else None
        models = [m for m in (_model(r) for r in (rows if isinstance(rows, list) else [])[:100]) if m is not None]
        total = data.get("total") if isinstance(data, dict) else None
        return CloudModelList(total=total if isinstance(total, int) else len(models), page=page, models=models)

    async def status(self, model_id: str) -> CloudModel:
        """``train_status`` of one task."""
        data = await self._call("GET", "/v1/api/train_status", params=await self._ids(model_id))
        model = _model(data)
        if model is None:
            raise CloudError(f"SenseCraft gave no status for model {model_id}", "try again", status=0)
        return model

    async def model(self, model_id: str) -> CloudModel:
        """A task's status with its name (``train_status`` has no name: the records are searched, 5 pages)."""
        model = await self.status(model_id)
        for page in range(1, 6):
            listed = await self.records(page, 100)
            found = next((m for m in listed.models if m.model_id == model.model_id), None)
            if found is not None:
                return model.model_copy(update={"name": found.name, "file_size": found.file_size})
            if page * 100 >= listed.total:
                break
        return model

    async def wait(self, model_id: str, progress: CloudProgress | None = None) -> tuple[CloudModel, float]:
        """Poll ``train_status`` every ``poll_s`` until ``done`` (returned with the seconds waited), ``failed``
        (:class:`ConversionFailed`) or ``timeout_s`` (:class:`ConversionTimeout`). A poll that fails for a moment
        (5xx, network) is retried at the next tick, up to 5 times in a row."""
        started = time.monotonic()
        misses = 0
        while True:
            try:
                model = await self.status(model_id)
                misses = 0
            except (CloudUnreachable, CloudError) as exc:
                transient = isinstance(exc, CloudUnreachable) or (exc.status or 0) >= 500
                if isinstance(exc, CloudAuthError) or not transient:
                    raise
                misses += 1
                if misses > 5:
                    raise
                model = None
            waited = time.monotonic() - started
            if model is not None and model.status in _TERMINAL:
                if model.status != "done":
                    reason = model.error or "no reason given"
                    raise ConversionFailed(
                        f"the SenseCraft conversion of model {model_id} failed: {reason}",
                        "check that the file is a valid ONNX export the RKNN toolkit supports (opset, input shape), "
                        "then convert again",
                        model_id=model_id,
                        reason=reason,
                    )
                return model, waited
            if waited >= self.settings.timeout_s:
                raise ConversionTimeout(
                    f"the SenseCraft conversion of model {model_id} did not finish within "
                    f"{self.settings.timeout_s:g} s",
                    f"it may still finish: ask for its status later (model_id {model_id})",
                    model_id=model_id,
                )
            if progress is not None:
                shown = model.status if model is not None else "status unavailable, retrying"
                percent = float(model.progress or 0) if model is not None else 0.0
                await progress(percent, 100.0, f"SenseCraft conversion {model_id}: {shown} ({percent:.0f} %)")
            await asyncio.sleep(min(self.settings.poll_s, max(0.0, self.settings.timeout_s - waited)))

    async def delete(self, model_id: str) -> None:
        """Delete a cloud model (the API does it with a GET)."""
        await self._call("GET", "/v1/api/del_model", params=await self._ids(model_id))

    async def _ids(self, model_id: str) -> dict[str, str]:
        text = str(model_id).strip()
        if not text or not text.isalnum() or len(text) > 40:
            raise ValidationError(
                f"invalid model_id {model_id!r}", "give the model_id SenseCraft answered", field="model_id"
            )
        return {"user_id": await self.user_id(), "model_id": text}

    # ---- download ------------------------------------------------------------------------------------------
    async def download(
        self, model_id: str, dest_dir: str | Path | None = None, progress: CloudProgress | None = None
    ) -> DownloadedModel:
        """Download a converted model (only when its task is ``done``) to ``dest_dir``, MD5-checked."""
        model = await self.model(model_id)
        if model.status != "done":
            raise CloudError(
                f"model {model_id} is not converted yet (status {model.status})",
                "wait until its status is done, then download",
                status=409,
            )
        target = download_target(dest_dir or self.settings.download_dir, model.model_id, model.name)
        params = await self._ids(model_id)
        try:
            size, md5, named = await self._fetch(self._api, "/v1/api/get_model", params, self._auth(), target, progress)
            if named is not None and named != md5:
                raise CloudError(f"the v1 download of {model_id} has MD5 {md5}, the cloud named {named}", status=0)
        except CloudError as exc:
            if isinstance(exc, CloudAuthError):
                raise
            log.info("v1 download of %s failed (%s); trying v2", model_id, exc.message)
            size, md5, named = await self._download_v2(params, target, progress)
        return DownloadedModel(model_id=model.model_id, path=str(target), size=size, md5=md5, md5_checked=named == md5)

    async def _download_v2(
        self, params: dict[str, str], target: Path, progress: CloudProgress | None
    ) -> tuple[int, str, str | None]:
        data = await self._call("GET", "/v2/api/get_model", params=params)
        url = data.get("download_url") if isinstance(data, dict) else None
        if not isinstance(url, str) or urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).hostname:
            raise CloudError("SenseCraft gave no usable download_url", "try again later", status=0)
        named = data.get("md5") if isinstance(data.get("md5"), str) else None
        size, md5, _ = await self._fetch(self._api, url, None, {}, target, progress)  # no token to another origin
        if named is not None and named.lower() != md5:
            target.unlink(missing_ok=True)
            raise CloudError(
                f"the downloaded model's MD5 {md5} differs from the one SenseCraft names ({_text(named, 40)})",
                "the file was corrupted on the way; download it again",
                status=0,
            )
        return size, md5, named.lower() if named else None

    async def _fetch(
        self, wire: HttpTransport, url: str, params: dict[str, str] | None, headers: dict[str, str], target: Path,
        progress: CloudProgress | None,
    ) -> tuple[int, str, str | None]:  # fmt: skip
        """Stream ``url`` into ``target`` (through a ``.part`` file); (size, md5, the md5 the answer names)."""
        part = target.with_name(target.name + ".part")
        digest = hashlib.md5()
        size = 0
        with self._mapped(f"the download of {target.name}"):
            async with wire.stream("GET", url, params=params, headers=headers, timeout=60.0) as answer:
                if answer.status_code != 200 or "json" in answer.headers.get("content-type", ""):
                    body = await answer.read()
                    failure = self._failure(f"GET {urlsplit(url).path}", _whole(answer.status_code, body))
                    raise failure or CloudError("SenseCraft answered JSON instead of the model", status=0)
                total = answer.headers.get("content-length")
                expected = int(total) if total and total.isdigit() else None
                try:
                    with part.open("wb") as handle:
                        async for chunk in answer.iter_bytes():
                            size += len(chunk)
                            if size > MAX_MODEL_BYTES:
                                raise CloudError("the model download is larger than 1 GiB; stopped", status=0)
                            digest.update(chunk)
                            handle.write(chunk)
                            if progress is not None:
                                await progress(
                                    float(size), float(expected) if expected else None, f"downloading {target.name}"
                                )
                except BaseException:
                    part.unlink(missing_ok=True)
                    raise
                named = answer.headers.get("x-model-md5")
        os.replace(part, target)
        return size, digest.hexdigest(), named.strip().lower() if named else None

    # ---- the whole chain ---------------------------------------------------------------------------------------
    async def convert(
        self,
        onnx_path: str | Path,
        *,
        wait: bool = True,
        dest_dir: str | Path | None = None,
        dataset_zip: str | Path | None = None,
        progress: CloudProgress | None = None,
    ) -> Conversion:
        """Create a conversion task; with ``wait``, poll it to ``done`` and download the ``.rknn``."""
        task = await self.create_task(onnx_path, dataset_zip)
        if not wait:
            return Conversion(model_id=task.model_id, status=task.status)
        done, waited = await self.wait(task.model_id, progress)
        downloaded = await self.download(task.model_id, dest_dir, progress)
        return Conversion(model_id=task.model_id, status=done.status, waited_s=round(waited, 1), download=downloaded)
