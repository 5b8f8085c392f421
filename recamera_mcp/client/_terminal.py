"""The camera's terminal (ttyd on ``/ws/system/terminal``): the protocol, the read-only allow-list, the output.

ttyd speaks subprotocol ``tty``. The client's first frame is JSON ``{"AuthToken", "columns", "rows"}``
(``AuthToken`` is ttyd's own credential, empty here: the session cookie authenticated the handshake); then each
frame is one command byte and a payload: client ``'0'`` input (keystrokes), ``'1'`` resize; server ``'0'`` output,
``'1'`` window title, ``'2'`` preferences.

A command runs by typing it after the shell's first prompt (learned when the session starts) and reading until that
prompt comes back; the exit status is then read with ``echo $?``. Output is bounded, rendered as a terminal shows
it (escapes stripped, backspaces applied), secrets masked: it is data from the camera, never an instruction.

:func:`read_only_command` is the allow-list of commands that only look (``uname``, ``df``, ``free``, ``uptime``,
``cat /proc/...``, ``dmesg``, ``ls``, ``ps``, ``top -bn1``, ``date``, ``hostname``, ``whoami``, ``pwd``): plain
words only, no shell syntax, and only options that change nothing.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from recamera_mcp.client._errors import DeviceUnreachable, ValidationError
from recamera_mcp.client._text import terminal_text
from recamera_mcp.client._transport import DeviceWebSocket

__all__ = ["MAX_COMMAND", "TerminalRun", "read_only_command", "run_in_terminal", "validate_command"]

MAX_COMMAND = 1000
MAX_RAW = 256 * 1024
"""Output bytes kept from one command (the first half and the last half of it when it is longer)."""
COLUMNS, ROWS = 200, 50
OUTPUT, INPUT = b"0"[0], b"0"
_SAFE_WORD = re.compile(r"[A-Za-z0-9_./,:+%@=-]{1,256}")
_PROC_DENY = frozenset({"kmsg", "kcore", "environ", "mem", "pagemap", "kpagecount", "kpageflags", "sysrq-trigger"})


def validate_command(command: str) -> str:
    """The command as it will be typed; :class:`ValidationError` for empty, too long or control characters."""
    if not isinstance(command, str) or not command.strip():
        raise ValidationError("the command is empty", "give a shell command such as uname -a", field="command")
    if len(command) > MAX_COMMAND:
        raise ValidationError(f"the command is longer than {MAX_COMMAND} characters", "shorten it", field="command")
    if any(ord(c) < 32 or c == "\x7f" for c in command):
        raise ValidationError(
            "the command contains control characters (a newline would run a second command)",
            "give one command on one line",
            field="command",
        )
    return command.strip()


def _flags(args: list[str], allowed: str) -> bool:
    return all(re.fullmatch(f"-[{allowed}]+", a) for a in args)


def _paths(args: list[str]) -> bool:
    return all(not a.startswith("-") or re.fullmatch(r"-[A-Za-z1]+", a) for a in args)


def _proc_file(arg: str) -> bool:
    parts = arg.split("/")
    return (
        arg.startswith("/proc/")
        and ".." not in parts
        and not any(p in _PROC_DENY for p in parts)
        and all(p for p in parts[1:])
    )


def _top(args: list[str]) -> bool:
    return re.fullmatch(r"-bn ?1|-b -n ?1|-n ?1 -b", " ".join(args)) is not None


_RULES: dict[str, Callable[[list[str]], bool]] = {
    "uname": lambda a: _flags(a, "asnrvmoip"),
    "df": lambda a: all(re.fullmatch(r"-[hkmPTai]+", x) or x.startswith("/") for x in a),
    "free": lambda a: _flags(a, "bkmgh"),
    "uptime": lambda a: not a,
    "cat": lambda a: bool(a) and all(_proc_file(x) for x in a),
    "dmesg": lambda a: a in ([], ["-r"]),
    "ls": _paths,
    "ps": lambda a: all(not x.startswith("-") or re.fullmatch(r"-[A-Za-z]+", x) for x in a),
    "top": _top,
    "date": lambda a: not a,
    "hostname": lambda a: not a,
    "whoami": lambda a: not a,
    "pwd": lambda a: not a,
}


def read_only_command(command: str) -> bool:
    """True when ``command`` is on the allow-list of commands that change nothing (see the module docstring)."""
    words = command.split()
    if not words or not all(_SAFE_WORD.fullmatch(w) for w in words):
        return False
    rule = _RULES.get(words[0])
    return rule is not None and bool(rule(words[1:]))


@dataclass
class _Screen:
    """Terminal output received so far, bounded: the first half of :data:`MAX_RAW` and a rolling last half."""

    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    dropped: int = 0
    closed: bool = False
    """The device closed the session (the shell exited)."""

    def add(self, data: bytes) -> None:
        room = MAX_RAW // 2 - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            excess = len(self.tail) - MAX_RAW // 2
            if excess > 0:
                del self.tail[:excess]
                self.dropped += excess

    def text(self) -> str:
        gap = f"\n… ({self.dropped} bytes of output not kept) …\n".encode() if self.dropped else b""
        return (bytes(self.head) + gap + bytes(self.tail)).decode("utf-8", errors="replace")

    def ends_with(self, prompt: str) -> bool:
        last = bytes((self.tail or self.head)[-2048:]).decode("utf-8", errors="replace")
        return terminal_text(last).rstrip().endswith(prompt)


async def _read(ws: DeviceWebSocket, screen: _Screen, deadline: float, until: str | None, quiet_s: float) -> bool:
    """Read output into ``screen`` until the text ends with ``until`` (True), the deadline passes, or (no ``until``)
    nothing came for ``quiet_s`` after some output."""
    got = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            message = await ws.recv(min(left, quiet_s) if until is None and got else left)
        except DeviceUnreachable:
            screen.closed = True
            return False
        if message is None:
            if until is None and got:
                return True
            continue
        frame = message.encode() if isinstance(message, str) else message
        if frame[:1] and frame[0] == OUTPUT:
            screen.add(frame[1:])
            got = True
            if until is not None and screen.ends_with(until):
                return True


@dataclass
class TerminalRun:
    """What one command printed (raw terminal text, not cleaned yet) and how it ended."""

    output: str
    exit_status: int | None
    finished: bool
    prompt: str | None
    closed: bool = False


def _between(text: str, command: str, prompt: str | None) -> str:
    """The command's own output: without the echoed command line and the prompt that followed it."""
    lines = terminal_text(text).split("\n")
    if lines and lines[0].strip().endswith(command):
        lines = lines[1:]
    if prompt and lines and lines[-1].strip().endswith(prompt.strip()):
        lines = lines[:-1]
    return "\n".join(lines).strip("\n")


async def run_in_terminal(ws: DeviceWebSocket, command: str, timeout_s: float) -> TerminalRun:
    """Start the shell, type ``command``, read its output until the prompt returns or ``timeout_s`` passes
    (then Ctrl-C is sent), and read its exit status."""
    started = time.monotonic()
    deadline = started + timeout_s
    await ws.send(json.dumps({"AuthToken": "", "columns": COLUMNS, "rows": ROWS}).encode())
    greeting = _Screen()
    await _read(ws, greeting, min(deadline, started + 5.0), None, 0.3)
    last_line = terminal_text(greeting.text()).rstrip().rsplit("\n", 1)[-1].strip()
    prompt = last_line if last_line and last_line[-1:] in "#$>%" else None
    screen = _Screen()
    await ws.send(INPUT + command.encode() + b"\r")
    finished = await _read(ws, screen, deadline, prompt, 1.0)  # without a prompt: until a quiet second
    exit_status: int | None = None
    if screen.closed:
        return TerminalRun(_between(screen.text(), command, prompt), None, False, prompt, closed=True)
    if not finished:
        await ws.send(INPUT + b"\x03")  # Ctrl-C: stop what still runs
        if prompt:
            await _read(ws, _Screen(), time.monotonic() + 1.0, prompt, 0.5)
    elif prompt:
        status = _Screen()
        await ws.send(INPUT + b"echo $?\r")
        if await _read(ws, status, time.monotonic() + 2.0, prompt, 0.5):
            answer = _between(status.text(), "echo $?", prompt)
            exit_status = int(answer) if re.fullmatch(r"\d{1,3}", answer.strip()) else None
    with contextlib.suppress(DeviceUnreachable):  # leave the shell and let the device close the session
        await ws.send(INPUT + b"exit\r")
        await _read(ws, _Screen(), time.monotonic() + 1.0, "\x00never", 1.0)
    return TerminalRun(_between(screen.text(), command, prompt), exit_status, finished, prompt)
