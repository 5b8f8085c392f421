"""Camera commands over pictures and recordings: ``snapshot``, ``recordings``, ``download`` and ``storage``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from recamera_mcp.cli._command import Cli, camera_command
from recamera_mcp.cli._exit import Refused
from recamera_mcp.cli._render import shown, table
from recamera_mcp.client import StorageAction, parse_host
from recamera_mcp.server.models_image import snapshot_output
from recamera_mcp.server.models_recording import DownloadOutput, RecordingListOutput, StorageOutput

__all__ = ["download", "recordings", "snapshot", "storage"]


def _host(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", metavar="HOST", help="camera ip[:port], hostname or URL")


def _size(size: int | None) -> str | None:
    if size is None:
        return None
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1000  # type: ignore[assignment]
    return None


# ---- snapshot -------------------------------------------------------------------------------------------------
def _snapshot_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="JPEG file or folder (default: snapshot-HOST-TIME.jpg here)"
    )
    parser.add_argument("--stream", choices=("main", "sub"), default="main", help="RTSP stream (default main)")
    parser.add_argument("--source", choices=("auto", "rtsp", "capture"), default="auto",
                        help="auto: RTSP, else the camera's own capture (default auto)")  # fmt: skip
    parser.add_argument("--overlay", action="store_true", help="draw the current detections (boxes, labels)")
    parser.add_argument("--discard-frames", type=int, default=None, help="stale RTSP frames to skip (default 120)")
    parser.add_argument("--show", action="store_true", help="draw a small preview in terminals that show images")


def _default_file(host: str) -> Path:
    safe = parse_host(host).key.replace(":", "-").replace("/", "-")
    return Path.cwd() / f"snapshot-{safe}-{time.strftime('%Y%m%d-%H%M%S')}.jpg"


async def _snapshot(cli: Cli, args: argparse.Namespace) -> None:
    from recamera_mcp.snapshot_sources import take_snapshot  # OpenCV: only for this command

    client = await cli.sessions.client(args.host)
    target = Path(args.output).expanduser().resolve() if args.output else _default_file(args.host)
    options = {} if args.discard_frames is None else {"discard_frames": args.discard_frames}
    shot = await take_snapshot(
        client, args.source, args.stream, overlay=args.overlay, save_to=str(target), **options
    )  # fmt: skip
    out = snapshot_output(client.address.key, args.stream, shot)

    def human() -> None:
        cli.out.print(shown(out.saved_path, 1000))
        how = f"{out.frames_discarded} stale frames skipped" if out.source == "rtsp" else "the camera's capture"
        drawn = f", {len(out.overlay)} detections drawn" if out.overlay else ""
        cli.note(f"{out.source_width}x{out.source_height}, {how}{drawn}, {out.elapsed_s:.1f} s"
                 + (f"; {out.warning}" if out.warning else ""))  # fmt: skip
        if args.show:
            _show(cli, shot.jpeg)

    cli.emit(out, human)


def _show(cli: Cli, jpeg: bytes) -> None:
    from recamera_mcp.cli._preview import preview, protocol

    name, why = protocol()
    if not sys.stdout.isatty():
        cli.note("no preview: stdout is not a terminal")
    elif name is None:
        cli.note(f"no preview: {why}")
    else:
        sys.stdout.write(preview(jpeg, name))
        sys.stdout.flush()


snapshot = camera_command(_snapshot_args, _snapshot)


# ---- recordings -----------------------------------------------------------------------------------------------
def _recordings_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    parser.add_argument("path", nargs="?", default="/", metavar="PATH", help='folder ("/": the day folders)')
    parser.add_argument("--limit", type=int, default=100, help="entries per page, 1-1000 (default 100)")
    parser.add_argument("--offset", type=int, default=0, help="skip this many entries (see next_offset)")


async def _recordings(cli: Cli, args: argparse.Namespace) -> None:
    client = await cli.sessions.client(args.host)
    listing = await client.recording.list(args.path, args.limit, args.offset)
    out = RecordingListOutput(host=client.address.key, **listing.model_dump())

    def human() -> None:
        rows = [(e.path, e.kind, _size(e.size), e.time, "yes" if e.thumbnail else None) for e in out.entries]
        title = f"{out.host} {out.slot}: {out.path} ({out.total} entries, newest first)"
        cli.out.print(table(title, ("path", "kind", "size", "time (UTC)", "thumbnail"), rows))
        if out.next_offset is not None:
            cli.out.print(f"more: --offset {out.next_offset}")

    cli.emit(out, human)


recordings = camera_command(_recordings_args, _recordings)


# ---- download -------------------------------------------------------------------------------------------------
def _download_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    parser.add_argument("path", metavar="PATH", help="a file as recordings lists it")
    parser.add_argument("-d", "--dest-dir", default=".", help="folder to save into (default: here; created)")


async def _download(cli: Cli, args: argparse.Namespace) -> None:
    client = await cli.sessions.client(args.host)
    dest = Path(args.dest_dir).expanduser().resolve()
    async with cli.bar(f"downloading {args.path}", "bytes") as bar:

        async def progress(done: int, total: int | None) -> None:
            await bar.update(done, total)

        result = await client.recording.download(args.path, dest, progress=progress)
    out = DownloadOutput(host=client.address.key, **result.model_dump())

    def human() -> None:
        resumed = f", resumed {out.resumes}x" if out.resumes else ""
        cli.out.print(shown(out.file, 1000))
        cli.note(f"{_size(out.size)} in {out.seconds:.1f} s{resumed}")

    cli.emit(out, human)


download = camera_command(_download_args, _download)


# ---- storage --------------------------------------------------------------------------------------------------
def _storage_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    actions = [a.value.replace("_", "-") for a in StorageAction]
    parser.add_argument("action", nargs="?", default="status", choices=actions, help="default status")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="for remove: files or folders as recordings lists")
    parser.add_argument("--slot", help="device path of the slot (default: the one selected)")


def _slots_table(cli: Cli, out: StorageOutput) -> None:
    rows = [(s.dev_path, s.label, s.state, _size(s.size_bytes), _size(s.free_bytes), s.selected) for s in out.slots]
    cli.out.print(table(f"{out.host} storage", ("slot", "label", "state", "size", "free", "selected"), rows))


async def _storage(cli: Cli, args: argparse.Namespace) -> None:
    client = await cli.sessions.client(args.host)
    key, action = client.address.key, StorageAction(args.action.replace("-", "_"))
    if action == StorageAction.STATUS:
        status = await client.storage.status()
        out = StorageOutput(host=key, action=action.value, done=True, slots=status.slots)
        cli.emit(out, lambda: _slots_table(cli, out))
        return
    plan = await client.storage.plan(action, args.paths or None, args.slot)
    try:
        cli.confirm(f"{key}: {plan.summary}", plan.model_dump(mode="json", exclude={"summary", "action"}))
    except Refused:
        request = cli.pending(plan.summary, plan.model_dump(mode="json", exclude={"summary", "action"}))
        pending = StorageOutput(host=key, action=action.value, done=False, plan=plan, confirmation=request)
        cli.emit(pending, lambda: None)
        raise
    async with cli.bar(f"storage {action.value}", "percent") as bar:

        async def progress(percent: int, state: str) -> None:
            await bar.update(percent, 100, f"storage {action.value}: {state}")

        after = await client.storage.run(plan, progress=progress)
    out = StorageOutput(host=key, action=action.value, done=True, plan=plan, slots=after.slots)
    cli.emit(out, lambda: _slots_table(cli, out))


storage = camera_command(_storage_args, _storage, destructive=True)
