"""The deploy chain as one call for every front end: a model file (or a SenseCraft model) to running inference,
answered as :class:`DeployOutput` (the ``deploy_model`` tool and ``recamera-mcp deploy`` both call :func:`deploy`).
No MCP here; the tool adds the sign-in offer on the MCP session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from recamera_mcp.client import DeployFailed, ReCameraClient, ReCameraError, ResultsCheck
from recamera_mcp.server.cloud import CloudAccess
from recamera_mcp.server.models_ai import DeployOutput, InfoArg

__all__ = ["RESULTS_WATCH_S", "deploy", "deploy_failure", "first_results_check"]

RESULTS_WATCH_S = 5.0


def first_results_check(client: ReCameraClient) -> ResultsCheck | None:
    """The deploy chain's last stage, "the first inference results arrive": watch the results WebSocket (the client's
    ``streams.watch_inference``, as the ``watch_inference`` tool does) for a few seconds; a one-line summary, or a
    :class:`ReCameraError` when nothing comes."""

    async def check() -> str:
        summary = await client.streams.watch_inference(duration_s=RESULTS_WATCH_S, max_results=3)
        if summary.results == 0:
            why = summary.problem.message if summary.problem is not None else "no result arrived"
            raise ReCameraError(
                f"{client.address.key}: {why}", "watch_inference and read_logs show what the camera does"
            )
        labels = ", ".join(f"{s.label} {s.best:.2f}" for s in summary.labels[:3]) or "no objects"
        rate = f" at {summary.rate_hz:g}/s" if summary.rate_hz else ""
        return f"{summary.results} results arrived{rate}: {labels}"

    return check


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
