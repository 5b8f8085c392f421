"""Camera commands over the live streams: ``logs`` (``--follow``) and ``watch`` (live detections, a table that
updates in place). Both run the client's streams area as the ``read_logs`` and ``watch_inference`` tools do.

What the camera sends is data: the client already strips control sequences and masks secrets, and every line is
printed without markup, so a camera cannot style or move the terminal."""

from __future__ import annotations

import argparse
import json
import time

from rich.console import Group
from rich.live import Live
from rich.text import Text

from recamera_mcp.cli._command import Cli, camera_command
from recamera_mcp.cli._render import shown, table
from recamera_mcp.client import LiveResults, LogLine
from recamera_mcp.server.models_streams import WatchInferenceOutput, watch_output

__all__ = ["logs", "watch"]

LEVEL_STYLE = {"ERROR": "bold red", "WARN": "yellow", "WARNING": "yellow", "DEBUG": "dim"}
MAX_S = 120.0
"""The longest the client listens in one go; ``logs --follow`` reads again after it."""


def _host(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", metavar="HOST", help="camera ip[:port], hostname or URL")


# ---- logs -----------------------------------------------------------------------------------------------------
def _logs_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until Ctrl-C")
    parser.add_argument("--contains", help="only lines with this text, or of this level (any case)")
    parser.add_argument("-n", "--lines", type=int, default=200, help="newest lines kept, 1-2000 (default 200)")
    parser.add_argument("--duration", type=float, default=0.0,
                        help="also wait this long for new lines, 0-120 s (default 0: the history only)")  # fmt: skip


def _line(line: LogLine) -> Text:
    text = Text(f"{line.time or '-':25} {line.level:5} ", style=LEVEL_STYLE.get(line.level, ""))
    text.append(line.text)
    return text


async def _logs(cli: Cli, args: argparse.Namespace) -> None:
    client = await cli.sessions.client(args.host)
    if not args.follow:
        out = await client.streams.read_logs(args.duration, args.lines, args.contains)

        def human() -> None:
            for line in out.lines:
                cli.out.print(_line(line), markup=False, highlight=False)
            cli.note(f"{out.matched} of {out.seen} lines matched; {len(out.lines)} shown")

        cli.emit(out, human)
        return
    seen: set[tuple[str | None, str, str]] = set()

    def show(line: LogLine) -> None:
        if cli.json:  # one JSON object a line while following
            print(json.dumps(line.model_dump(mode="json"), ensure_ascii=False), flush=True)
        else:
            cli.out.print(_line(line), markup=False, highlight=False)

    async def remember(line: LogLine) -> None:
        seen.add((line.time, line.level, line.text))

    async def follow(line: LogLine) -> None:
        key = (line.time, line.level, line.text)
        if key not in seen:  # each read starts with the history again: only what is new is printed
            seen.add(key)
            show(line)

    history = await client.streams.read_logs(0, args.lines, args.contains, on_line=remember)
    for line in history.lines:  # like tail -n N -f: the newest N first
        show(line)
    cli.note("following the camera's log; Ctrl-C stops")
    while True:  # each read is bounded by the client; the next one starts where it ended
        await client.streams.read_logs(MAX_S, args.lines, args.contains, on_line=follow)
        if len(seen) > 100_000:
            seen.clear()


logs = camera_command(_logs_args, _logs)


# ---- watch ----------------------------------------------------------------------------------------------------
def _watch_args(parser: argparse.ArgumentParser) -> None:
    _host(parser)
    parser.add_argument("--duration", type=float, default=30.0, help="watch this long, 0.5-120 s (default 30)")
    parser.add_argument("--max-results", type=int, default=1000, help="stop after this many results (default 1000)")


def _live_view(host: str, live: LiveResults | None, duration: float) -> Group:
    if live is None:
        return Group(Text(f"{host}: waiting for the first result (up to {duration:g} s)..."))
    rate = f", {live.rate_hz:g}/s" if live.rate_hz else ""
    head = Text(f"{host}: {live.results} results in {live.elapsed_s:.1f} s{rate}  (Ctrl-C stops)")
    labels = table("per label", ("label", "count", "best"), [(s.label, s.count, f"{s.best:.2f}") for s in live.labels])
    latest = table("latest result", ("label", "score", "box (0-1)"),
                   [(d.label, f"{d.score:.2f}", d.box) for d in live.top[:10]])  # fmt: skip
    return Group(head, labels, latest)


def _summary(cli: Cli, out: WatchInferenceOutput, tables: bool) -> None:
    rate = f", {out.rate_hz:g}/s" if out.rate_hz else ""
    cli.out.print(f"{shown(out.host)}: {out.results} results in {out.elapsed_s:.1f} s{rate}, model "
                  f"{shown(out.model)} (stopped by {out.stopped_by})", markup=False)  # fmt: skip
    if out.labels and tables:
        rows = [(s.label, s.count, f"{s.best:.2f}") for s in out.labels]
        cli.out.print(table(None, ("label", "count", "best"), rows))
    if out.problem:
        cli.out.print(f"problem: {out.problem}", markup=False)


async def _watch(cli: Cli, args: argparse.Namespace) -> None:
    client = await cli.sessions.client(args.host)
    key = client.address.key
    live_view = not cli.json and cli.out.is_terminal
    if not live_view:
        summary = await client.streams.watch_inference(args.duration, args.max_results)
    else:
        with Live(_live_view(key, None, args.duration), console=cli.out, refresh_per_second=4) as view:
            shown_at, latest = 0.0, None

            async def update(live: LiveResults) -> None:
                nonlocal shown_at, latest
                latest, now = live, time.monotonic()
                if now - shown_at >= 0.2:
                    shown_at = now
                    view.update(_live_view(key, live, args.duration))

            summary = await client.streams.watch_inference(args.duration, args.max_results, on_result=update)
            if latest is not None:
                view.update(_live_view(key, latest, args.duration))  # the last result too
    out = watch_output(summary)
    cli.emit(out, lambda: _summary(cli, out, tables=not live_view))  # the live view's last tables stay on screen


watch = camera_command(_watch_args, _watch)
