"""The device's resumable upload, one helper for models, firmware and config import.

The protocol, as the device's own web UI speaks it (``/work/shared/recamera-api-2026.md``), on one endpoint
(``/model/upload``, ``/system/firmware-upgrade``, ``/config/upload``):

1. ``POST <endpoint>?upload-type=resumable`` (``Content-Type: text/plain``, ``File-Size: <n>``, an empty body or
   the endpoint's own, e.g. firmware's ``{"iFileSize": n}``) answers the session id in the ``File-Id`` header (or
   ``File-Id``/``fileId``/``id`` in the body);
2. chunks of 512 KiB, ``POST <endpoint>?id=<id>`` with ``Content-Range: bytes <a>-<b inclusive>/<total>``
   (models) or ``bytes <a>-<b>`` (firmware, config: ``range_total=False``); the device answers 308 "Resume
   Incomplete" with ``Range: bytes=0-N`` until the last byte, then 200;
3. ``POST <endpoint>?start=<id>&md5sum=<hex>`` plus the endpoint's parameters (models: ``File-name=<x.rknn>``).

:class:`ResumableUpload` streams the file from disk (one chunk in memory at a time) and computes the MD5 while it
reads. Every request goes through the funnel, so login, the one re-login on a 401 and error mapping are the
client's usual ones. After a dropped connection, a time-out, a 5xx or a camera reboot it asks the device what it
has (an empty ``POST ?id=<id>`` with ``Content-Range: bytes */<total>``, answered 308 + ``Range: bytes=0-N``),
waiting for the camera to come back (``recover_s``), logging in again when the reboot revoked the token, and
resumes from the last byte the device acknowledged; it never re-sends acknowledged bytes. The resume state
(:class:`UploadSession`) is kept on the object, so a caller can hand it to a later upload of the same file after a
failure, and that one continues where this one stopped.

    upload = ResumableUpload(funnel, "/model/upload", "yolo.rknn", final_params={"File-name": "yolo.rknn"},
                             progress=report)
    try:
        result = await upload.run()
    except ReCameraError:
        saved = upload.session          # ResumableUpload(..., session=saved) resumes later
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, Field

from recamera_mcp.client._answers import failure_of
from recamera_mcp.client._errors import (
    DeviceApiError,
    DeviceTimeout,
    DeviceUnreachable,
    ReCameraError,
    ValidationError,
)
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._transport import DeviceResponse

__all__ = ["CHUNK_SIZE", "ResumableUpload", "UploadProgress", "UploadResult", "UploadSession"]

log = logging.getLogger(__name__)

CHUNK_SIZE = 512 * 1024
"""The web UI's chunk size (524288 bytes)."""
UploadProgress = Callable[[int, int, str], Awaitable[None]]
"""``progress(bytes_acknowledged, total, note)``: after every acknowledged chunk (note ``""``), and while waiting
for the camera to come back (the same byte count, the note says why)."""
_TEXT = {"Content-Type": "text/plain"}
_RANGE = re.compile(r"bytes[= ]\s*0-([0-9]{1,18})")
_TRANSIENT = (DeviceUnreachable, DeviceTimeout)


class UploadSession(BaseModel):
    """Where an upload stands: enough to resume it in a later call (same endpoint and unchanged file)."""

    endpoint: str
    file_id: str
    total: int
    file_key: str = Field(description="The file's path, size and modification time when the session began")
    acknowledged: int = Field(default=0, description="Bytes the device has confirmed")


class UploadResult(BaseModel):
    """The outcome of one :meth:`ResumableUpload.run`."""

    file_id: str
    size: int
    md5: str = Field(description="MD5 of the whole file (hex), the one the device checked")
    chunks_sent: int = Field(description="Chunk requests sent by this run (a chunk lost in transit counts again)")
    bytes_sent: int
    resumed_from: int = Field(default=0, description="Byte this run started at (> 0: an earlier session was resumed)")
    recoveries: int = Field(default=0, description="Times the upload waited for the camera and asked what it had")
    restarted: bool = Field(default=False, description="The device had lost the session: the upload began again at 0")
    confirmed: bool = Field(
        default=True,
        description="False when the connection broke during the final step and the device then had no session any "
        "more (it most likely finished): check the result on the device",
    )
    answer: dict[str, Any] = Field(default_factory=dict, description="The device's answer to the final step")


def _file_key(path: Path) -> str:
    stat = path.stat()
    return f"{path}|{stat.st_size}|{stat.st_mtime_ns}"


def _acknowledged(response: DeviceResponse, fallback: int) -> int:
    """Bytes the device says it holds: its ``Range: bytes=0-N`` header (N + 1), else ``iReceived``, else
    ``fallback`` (no Range on a 308 means nothing yet)."""
    match = _RANGE.search(response.headers.get("range", ""))
    if match is not None:
        return int(match[1]) + 1
    body = response.body
    received = body.get("iReceived") if isinstance(body, dict) else None
    if isinstance(received, int) and not isinstance(received, bool) and received >= 0:
        return received
    return 0 if response.status_code == 308 else fallback


def _file_id_of(response: DeviceResponse) -> str | None:
    header = response.headers.get("file-id")
    if header and header.strip():
        return header.strip()[:64]
    body = response.body
    if isinstance(body, dict):
        for key in ("File-Id", "fileId", "id"):
            value = body.get(key)
            if isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()[:64]
    return None


class _SessionLost(Exception):
    """The device no longer knows the upload session (404): only a new session can continue."""


class ResumableUpload:
    """One file to one resumable endpoint; see the module docstring.

    ``final_params``: extra query of the final step (models: ``{"File-name": "x.rknn"}``). ``range_total``:
    ``Content-Range`` with ``/<total>`` (models) or without (firmware, config). ``init_body``: the body of the first
    step (firmware: ``b'{"iFileSize": n}'``). ``session``: resume state from an earlier run (ignored when it does
    not fit this endpoint and file). ``recover_s``: how long to wait for the camera to answer again after a
    failure (a reboot takes about a minute). ``max_recoveries``: failures in a row without progress before giving
    up.
    """

    def __init__(
        self,
        funnel: Funnel,
        endpoint: str,
        file_path: str | os.PathLike[str],
        *,
        final_params: Mapping[str, str] | None = None,
        range_total: bool = True,
        init_body: bytes | None = None,
        chunk_size: int = CHUNK_SIZE,
        progress: UploadProgress | None = None,
        session: UploadSession | None = None,
        recover_s: float = 120.0,
        max_recoveries: int = 8,
        retry_pause_s: float = 0.25,
    ) -> None:
        if chunk_size < 1:
            raise ValidationError("chunk_size must be >= 1", "use the default 512 KiB", field="chunk_size")
        self._funnel = funnel
        self.endpoint = endpoint
        self.path = Path(file_path)
        self.final_params = dict(final_params or {})
        self.range_total = range_total
        self.init_body = init_body or b""
        self.chunk_size = chunk_size
        self.progress = progress
        self.session = session
        """The resume state: set once the device opened a session, None when there is nothing to resume."""
        self.recover_s = recover_s
        self.max_recoveries = max_recoveries
        self.retry_pause_s = retry_pause_s
        self._where = f"{funnel.address.key}: upload of {self.path.name} to {endpoint}"
        self._recoveries = 0
        self._recoveries_in_a_row = 0

    # ---- the run ---------------------------------------------------------------------------------------------
    async def run(self) -> UploadResult:
        """Upload the whole file (resuming ``session`` when it fits), finalize, and say how it went."""
        key, total = self._check_file()
        resumed_from, restarted = 0, False
        held = 0
        if self.session is not None and self.session.endpoint == self.endpoint and self.session.file_key == key:
            try:
                held = await self._ask()
            except _SessionLost:
                self.session = None
            except _Transient5xx as exc:
                raise exc.error from None
            else:
                resumed_from = held
                log.info("%s: resuming session %s at byte %d", self._where, self.session.file_id, held)
        else:
            self.session = None
        if self.session is None:
            await self._begin(key, total)
        chunks = sent = 0
        with self.path.open("rb") as handle:
            digest = _Digest(handle)
            digest.advance_to(held)
            while True:
                try:
                    chunks, sent = await self._send_all(handle, digest, total, chunks, sent)
                    answer, confirmed = await self._finish(digest.hexdigest())
                    break
                except _SessionLost:
                    if restarted:
                        raise DeviceApiError(
                            f"{self._where}: the device lost the upload session twice",
                            "the camera may be short of space or restarting repeatedly; check it, then try again",
                            status_code=404,
                        ) from None
                    log.warning("%s: the device lost the session; starting again at byte 0", self._where)
                    restarted = True
                    self.session = None
                    await self._begin(key, total)
                    digest.advance_to(0)
        if _file_key(self.path) != key:
            raise ValidationError(
                f"{self._where}: the file changed while it was uploaded", "upload it again once it is complete",
                field="file_path",
            )  # fmt: skip
        file_id = self.session.file_id if self.session is not None else ""
        self.session = None  # done: nothing left to resume
        return UploadResult(
            file_id=file_id,
            size=total,
            md5=digest.hexdigest(),
            chunks_sent=chunks,
            bytes_sent=sent,
            resumed_from=resumed_from,
            recoveries=self._recoveries,
            restarted=restarted,
            confirmed=confirmed,
            answer=answer,
        )

    def _check_file(self) -> tuple[str, int]:
        if not self.path.is_file():
            raise ValidationError(f"no file at {self.path}", "give the path of an existing file", field="file_path")
        total = self.path.stat().st_size
        if total == 0:
            raise ValidationError(f"{self.path} is empty", "give a non-empty file", field="file_path")
        return _file_key(self.path), total

    async def _begin(self, key: str, total: int) -> None:
        """Step 1: open a session on the device (a failure here is the device's answer, raised as is)."""
        headers = {**_TEXT, "File-Size": str(total)}
        response = await self._funnel.request(
            "POST", self.endpoint, params={"upload-type": "resumable"}, content=self.init_body, headers=headers
        )
        file_id = _file_id_of(response)
        if file_id is None:
            raise DeviceApiError(
                f"{self._where}: the device opened no upload session (no File-Id in its answer)",
                "check that this firmware supports resumable uploads on this endpoint",
                status_code=response.status_code,
            )
        self.session = UploadSession(endpoint=self.endpoint, file_id=file_id, total=total, file_key=key)

    async def _send_all(self, handle: BinaryIO, digest: _Digest, total: int, chunks: int, sent: int) -> tuple[int, int]:
        """Step 2: every chunk from the acknowledged byte on, recovering from interruptions."""
        session = self._session()
        while digest.position < total:
            start = digest.position
            chunk = handle.read(min(self.chunk_size, total - start))
            end = start + len(chunk) - 1
            header = f"bytes {start}-{end}" + (f"/{total}" if self.range_total else "")
            chunks, sent = chunks + 1, sent + len(chunk)
            try:
                response = await self._funnel.request(
                    "POST", self.endpoint, params={"id": session.file_id}, content=chunk,
                    headers={**_TEXT, "Content-Range": header}, check=False,
                )  # fmt: skip
                held = self._read_chunk_answer(response, end + 1)
            except _TRANSIENT as exc:
                held = await self._recover(exc, start, total)
            except _Transient5xx as exc:
                held = await self._recover(exc.error, start, total)
            if held == end + 1:
                digest.take(chunk)
                self._recoveries_in_a_row = 0
            else:
                digest.advance_to(held)  # the device holds less (or more) than this chunk's end: follow it
            session.acknowledged = digest.position
            if self.progress is not None:
                await self.progress(digest.position, total, "")
        return chunks, sent

    def _read_chunk_answer(self, response: DeviceResponse, end: int) -> int:
        status = response.status_code
        if status in (200, 201, 204, 308, 416):
            held = _acknowledged(response, end)
            if held > self._session().total:
                raise DeviceApiError(
                    f"{self._where}: the device claims {held} bytes of {self._session().total}",
                    "the device answered nonsense; try again",
                    status_code=status,
                )
            return held
        if status == 404:
            raise _SessionLost()
        if status >= 500:
            raise _Transient5xx(self._failure(response))
        raise self._failure(response)

    async def _finish(self, md5: str) -> tuple[dict[str, Any], bool]:
        """Step 3: finalize with the MD5; after an interruption, finalize again only if the session still exists."""
        session = self._session()
        params = {"start": session.file_id, "md5sum": md5, **self.final_params}
        while True:
            try:
                response = await self._funnel.request(
                    "POST", self.endpoint, params=params, content=b"", headers=_TEXT, check=False
                )
                if response.status_code >= 500:
                    raise _Transient5xx(self._failure(response))
            except (*_TRANSIENT, _Transient5xx) as exc:
                error = exc.error if isinstance(exc, _Transient5xx) else exc
                try:
                    held = await self._recover(error, session.total, session.total)
                except _SessionLost:
                    log.warning("%s: the session was gone after the final step broke off", self._where)
                    return {}, False
                if held < session.total:
                    raise _SessionLost() from None  # the device lost bytes: the caller starts again
                continue
            failure = failure_of(self._where, response.status_code, response.body)
            if failure is not None:
                self.session = None  # the device closes the session on a failed final step
                if "md5" in (failure.message or "").lower():
                    failure.hint = "the bytes the device received differ from the file: upload it again"
                raise failure
            body = response.body
            return (dict(body) if isinstance(body, dict) else {}), True

    # ---- recovery --------------------------------------------------------------------------------------------
    async def _ask(self) -> int:
        """The status query: how many bytes the device holds. Raises :class:`_SessionLost`, or the failure."""
        session = self._session()
        header = f"bytes */{session.total}" if self.range_total else "bytes */*"
        response = await self._funnel.request(
            "POST", self.endpoint, params={"id": session.file_id}, content=b"",
            headers={**_TEXT, "Content-Range": header}, check=False,
        )  # fmt: skip
        if response.status_code == 404:
            raise _SessionLost()
        if response.status_code >= 500:
            raise _Transient5xx(self._failure(response))
        if response.status_code not in (200, 308):
            raise self._failure(response)
        held = _acknowledged(response, session.total)
        session.acknowledged = held
        return held

    async def _recover(self, error: ReCameraError, at: int, total: int) -> int:
        """Wait for the camera to answer the status query again (re-login through the funnel), then say how many
        bytes it holds. Gives up after ``recover_s`` or ``max_recoveries`` failures in a row without progress."""
        self._recoveries += 1
        self._recoveries_in_a_row += 1
        if self._recoveries_in_a_row > self.max_recoveries:
            raise self._given_up(error, at, total, f"{self.max_recoveries} failures in a row")
        log.info("%s interrupted at byte %d (%s); asking the device what it has", self._where, at, error.message)
        deadline = time.monotonic() + self.recover_s
        pause = self.retry_pause_s
        while True:
            try:
                return await self._ask()
            except _Transient5xx as exc:
                error = exc.error
            except _TRANSIENT as exc:
                error = exc
            if time.monotonic() + pause > deadline:
                raise self._given_up(error, at, total, f"the camera did not answer within {self.recover_s:g} s")
            if self.progress is not None:
                await self.progress(at, total, "connection lost; waiting for the camera to answer again")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    def _given_up(self, error: ReCameraError, at: int, total: int, why: str) -> ReCameraError:
        kind = type(error) if isinstance(error, DeviceUnreachable | DeviceTimeout) else DeviceUnreachable
        return kind(
            f"{self._where} stopped at byte {at} of {total}: {why} (last error: {error.message})",
            "check the camera, then upload again: the same file resumes from the last byte the device acknowledged",
        )

    def _failure(self, response: DeviceResponse) -> ReCameraError:
        return failure_of(self._where, response.status_code, response.body) or DeviceApiError(
            f"{self._where}: unexpected HTTP {response.status_code}", "try again", status_code=response.status_code
        )

    def _session(self) -> UploadSession:
        assert self.session is not None, "no upload session"
        return self.session


class _Transient5xx(Exception):
    """A 5xx answer: the device failed for now, worth a status query and a retry."""

    def __init__(self, error: ReCameraError) -> None:
        super().__init__(error.message)
        self.error = error


class _Digest:
    """The MD5 of the file's first ``position`` bytes, and the file positioned there."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.position = 0
        self._md5 = hashlib.md5()

    def take(self, chunk: bytes) -> None:
        """The device acknowledged ``chunk`` (just read at ``position``)."""
        self._md5.update(chunk)
        self.position += len(chunk)

    def advance_to(self, position: int) -> None:
        """Hash (without sending) up to ``position``, from the start again when it lies behind; then seek there."""
        if position < self.position:
            self._md5, self.position = hashlib.md5(), 0
        self.handle.seek(self.position)
        while self.position < position:
            block = self.handle.read(min(1 << 20, position - self.position))
            if not block:
                raise ValidationError("the file is shorter than the device's upload", "upload it again")
            self._md5.update(block)
            self.position += len(block)
        self.handle.seek(self.position)

    def hexdigest(self) -> str:
        return self._md5.hexdigest()
