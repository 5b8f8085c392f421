"""The deploy chain as one call for every front end: a model file (or a SenseCraft model) to running inference,
answered as :class:`DeployOutput` (the ``deploy_model`` tool and ``recamera-mcp deploy`` both call :func:`deploy`).
No MCP here; the tool adds the sign-in offer on the MCP session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from recamera_mcp.client import DeployFailed, ReCameraClient, ResultsCheck
from recamera_mcp.server.cloud import CloudAccess
from recamera_mcp.server.models_ai import DeployOutput, InfoArg

__all__ = ["deploy", "deploy_failure", "first_results_check"]


def first_results_check(client: ReCameraClient) -> ResultsCheck | None:
    """The deploy chain's last stage, "the first inference results arrive": None until the live-stream area
    (``watch_inference``) exists; then return a callable that watches the results WebSocket for a few seconds and
    answers a one-line summary (raising when nothing comes)."""
    return None


async def deploy(
    client: ReCameraClient,
    cloud: CloudAccess,
    *,
    model_path: str | None = None,
    sensecraft_model_id: str | None = None,
    info: InfoArg | None = None,
    classes: list[str] | None = None,
    enable: bool = True,
    progress: Callable[[float, str], Awaitable[None]] | None = None,
) -> DeployOutput:
    """Convert (.onnx) -> upload -> info -> inference -> running; ``classes`` sets ``info.classes`` when the info
    does not. Raises :class:`DeployFailed` naming the stage (see :func:`deploy_failure`)."""
    given = info or InfoArg()
    if classes is not None and given.classes is None:
        given = given.model_copy(update={"classes": classes})
    needs_cloud = sensecraft_model_id is not None or (model_path or "").lower().endswith(".onnx")
    check = first_results_check(client)
    result = await client.deploy.run(
        model_path,
        cloud_model_id=sensecraft_model_id,
        source=cloud.source() if needs_cloud else None,
        info=given.to_client() if given.model_fields_set else None,
        enable=enable,
        progress=progress,
        results=check,
    )
    return DeployOutput(
        host=client.address.key,
        model=result.model,
        stages=result.stages,
        inference=result.inference,
        results_check="checked" if check is not None and enable else "not checked (needs watch_inference)",
    )


def deploy_failure(action: str, exc: DeployFailed) -> str:
    """What failed (``action``: "deploy_model to 10.0.0.5"), what had finished before it and how the camera is left,
    in one sentence."""
    done = ", ".join(f"{s.stage} {s.status}" for s in exc.stages if s.status != "failed") or "nothing"
    return (
        f"{action} failed at the {exc.stage} stage: {exc}. Finished before it: {done}. "
        f"The camera is left so: {exc.camera_state}"
    )
