"""AI toolset: ``deploy_model``, the whole chain from a model file (or a SenseCraft model) to running inference."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from recamera_mcp.client import DeployFailed, ReCameraClient, ReCameraError, ResultsCheck
from recamera_mcp.server.models_ai import DeployOutput, InfoArg, InfoParam
from recamera_mcp.server.state import server_state
from recamera_mcp.server.tools.registry import tool
from recamera_mcp.server.tools.sensecraft import cloud_errors, offer_sign_in, sign_in_needed
from recamera_mcp.server.tools.session import Host

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


@tool("ai", "Deploy a model to a camera", read_only=False, destructive=True, idempotent=True)
async def deploy_model(
    host: Host,
    ctx: Context[Any, Any],
    model_path: Annotated[str | None, Field(description="Absolute path of a .onnx or .rknn")] = None,
    sensecraft_model_id: Annotated[str | None, Field(description="Or a converted cloud model")] = None,
    info: InfoParam = None,
    classes: Annotated[list[str] | None, Field(description="Labels (sets info.classes)")] = None,
    enable: bool = True,
) -> DeployOutput:
    """Convert (.onnx) -> upload -> set info -> point inference at it -> enable -> check it runs; a re-run skips
    finished stages."""
    async with cloud_errors(ctx, f"deploy_model to {host}"):
        state = server_state(ctx)
        client = await state.sessions.client(host)
        given = info or InfoArg()
        if classes is not None and given.classes is None:
            given = given.model_copy(update={"classes": classes})
        needs_cloud = sensecraft_model_id is not None or (model_path or "").lower().endswith(".onnx")

        async def progress(percent: float, message: str) -> None:
            await ctx.report_progress(percent, 100.0, message)

        check = first_results_check(client)
        try:
            result = await client.deploy.run(
                model_path,
                cloud_model_id=sensecraft_model_id,
                source=state.cloud.source() if needs_cloud else None,
                info=given.to_client() if given.model_fields_set else None,
                enable=enable,
                progress=progress,
                results=check,
            )
        except DeployFailed as exc:
            auth = sign_in_needed(exc)
            if auth is not None:
                await offer_sign_in(ctx, auth.authorize_url)
            done = ", ".join(f"{s.stage} {s.status}" for s in exc.stages if s.status != "failed") or "nothing"
            raise ToolError(
                f"deploy_model to {client.address.key} failed at the {exc.stage} stage: {exc}. "
                f"Finished before it: {done}. The camera is left so: {exc.camera_state}"
            ) from None
        return DeployOutput(
            host=client.address.key,
            model=result.model,
            stages=result.stages,
            inference=result.inference,
            results_check="checked" if check is not None and enable else "not checked (needs watch_inference)",
        )
