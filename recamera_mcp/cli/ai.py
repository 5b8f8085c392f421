"""Camera commands over AI models: ``upload-model`` and ``deploy`` (``watch`` when the live streams exist)."""

from __future__ import annotations

import argparse
from pathlib import Path

from recamera_mcp.cli._command import Cli, camera_command
from recamera_mcp.cli._exit import UsageError
from recamera_mcp.cli._render import kv_table, shown, table
from recamera_mcp.client import DeployFailed, ReCameraClient, file_md5
from recamera_mcp.server.cloud import CloudAccess
from recamera_mcp.server.deploy import deploy as deploy_chain
from recamera_mcp.server.deploy import deploy_failure
from recamera_mcp.server.models_ai import InfoArg, ModelUploadOutput

__all__ = ["deploy", "upload_model"]


def _model_args(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("host", metavar="HOST", help="camera ip[:port], hostname or URL")
    parser.add_argument("file", metavar="FILE", help=what)
    parser.add_argument("--category", help="Detection, Classification, Segmentation, Pose, ... (sets info.category)")
    parser.add_argument("--classes", help="class labels in the model's output order, comma-separated")
    parser.add_argument(
        "--info", metavar="JSON", help='model info: {"category": "Detection", "classes": [...], "confidence": 0.5}'
    )


def _info(args: argparse.Namespace) -> InfoArg | None:
    """``--info`` (JSON) with ``--category`` and ``--classes`` filled in where the info has none."""
    info = InfoArg.model_validate_json(args.info) if args.info else None
    given: dict[str, object] = {}
    if args.category:
        given["category"] = args.category
    if args.classes:
        given["classes"] = [c.strip() for c in args.classes.split(",") if c.strip()]
    if given:
        info = info or InfoArg()
        missing = {k: v for k, v in given.items() if getattr(info, k) is None}
        info = InfoArg.model_validate({**info.model_dump(exclude_unset=True), **missing})
    return info


def _local(path: str) -> str:
    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise UsageError(f"no such file: {file}")
    return str(file)


# ---- upload-model ---------------------------------------------------------------------------------------------
def _upload_args(parser: argparse.ArgumentParser) -> None:
    _model_args(parser, "the .rknn file")
    parser.add_argument("--name", help="name on the camera (default: the file's)")


async def _confirm_replace(cli: Cli, client: ReCameraClient, file: str, name: str | None) -> None:
    """Ask before an upload replaces a different model of the same name (the same file is skipped anyway)."""
    target = name or Path(file).name
    present = next((m for m in await client.models.models() if m.name == target), None)
    if present is not None and present.md5sum != file_md5(Path(file)):
        size = f"{present.size} bytes" if present.size is not None else "unknown size"
        cli.confirm(f"{client.address.key}: replace the model {target} ({size}) with {file}",
                    {"active": present.active, "category": present.category})  # fmt: skip


async def _upload(cli: Cli, args: argparse.Namespace) -> None:
    file = _local(args.file)
    info = _info(args)
    client = await cli.sessions.client(args.host)
    await _confirm_replace(cli, client, file, args.name)
    async with cli.bar(f"uploading {Path(file).name}", "bytes") as bar:

        async def progress(done: int, total: int, note: str) -> None:
            await bar.update(done, total, f"uploading {Path(file).name}: {note}" if note else None)

        result = await client.models.upload(
            file, args.name, info=info.to_client() if info is not None else None, progress=progress
        )
    out = ModelUploadOutput(host=client.address.key, **result.model_dump())

    def human() -> None:
        how = "already on the camera (same MD5): nothing sent" if out.skipped else f"{out.chunks_sent} chunks sent"
        if out.resumed_from:
            how += f", resumed at byte {out.resumed_from}"
        cli.out.print(kv_table(f"{out.host}: {out.name}", {
            "size": out.size, "md5": out.md5, "upload": how, "listed": out.listed,
            "category": out.info.category if out.info else None, "classes": out.info.classes if out.info else None,
        }))  # fmt: skip

    cli.emit(out, human)


upload_model = camera_command(_upload_args, _upload, destructive=True)


# ---- deploy ---------------------------------------------------------------------------------------------------
def _deploy_args(parser: argparse.ArgumentParser) -> None:
    _model_args(parser, "a .rknn, or an .onnx (converted on SenseCraft first)")
    parser.add_argument("--no-enable", action="store_true", help="point inference at it but leave it off")


async def _deploy(cli: Cli, args: argparse.Namespace) -> None:
    file = _local(args.file)
    info = _info(args)
    client = await cli.sessions.client(args.host)
    cloud = CloudAccess(cli.credentials.sensecraft_settings())
    try:
        async with cli.bar(f"deploying {Path(file).name}", "percent") as bar:

            async def progress(percent: float, message: str) -> None:
                await bar.update(percent, 100.0, message)

            out = await deploy_chain(client, cloud, model_path=file, info=info, enable=not args.no_enable,
                                     progress=progress)  # fmt: skip
    except DeployFailed as exc:
        raise DeployFailed(  # the message names the sign-in page when the cloud needs a token
            deploy_failure(f"deploy to {client.address.key}", exc), "", stage=exc.stage, stages=exc.stages,
            camera_state=exc.camera_state,
        ) from exc  # fmt: skip
    finally:
        await cloud.aclose()

    def human() -> None:
        rows = [(s.stage, s.status, s.detail) for s in out.stages]
        cli.out.print(table(f"{out.host}: {out.model}", ("stage", "status", "detail"), rows))
        if out.inference is not None:
            state = "on" if out.inference.enabled else "off"
            cli.out.print(f"inference {state}, {shown(out.inference.status)}; first results {out.results_check}")

    cli.emit(out, human)


deploy = camera_command(_deploy_args, _deploy)
