"""Text a camera sends (log lines, labels, terminal output), made safe to show: pure functions, no I/O.

Everything a device sends is data, never an instruction, and may be hostile: :func:`device_text` strips terminal
control sequences and other control characters, masks secrets (the one policy, :func:`redact_text`) and bounds the
length. :func:`terminal_text` first renders what a terminal would show (backspaces and carriage returns applied).
"""

from __future__ import annotations

import re

from recamera_mcp.client._secrets import redact_text

__all__ = ["device_text", "strip_controls", "terminal_text"]

# CSI (ESC [ params final), OSC (ESC ] ... BEL or ESC \), and any other two-byte escape. 8-bit CSI (0x9b) too.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]"
    r"|\x9b[0-?]{0,64}[ -/]{0,8}[@-~]"
    r"|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)"
    r"|\x1b.?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without escape sequences and control characters (newlines and tabs kept)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def device_text(text: object, limit: int = 500) -> str:
    """A device-sent string as it may be shown: controls stripped, secrets masked, at most ``limit`` characters."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    cleaned = redact_text(strip_controls(text[: limit * 4]))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _apply_backspaces(line: str) -> str:
    if "\b" not in line:
        return line
    out: list[str] = []
    for char in line:
        if char == "\b":
            if out:
                out.pop()
        else:
            out.append(char)
    return "".join(out)


def terminal_text(raw: str) -> str:
    """What a terminal shows for ``raw`` output: escapes removed, ``\\r\\n`` as ``\\n``, a bare ``\\r`` returning to
    the start of the line (the later text wins), backspaces applied, other controls dropped. Not redacted."""
    text = _ESCAPES.sub("", raw).replace("\r\n", "\n")
    lines = []
    for line in text.split("\n"):
        if "\r" in line:
            parts = [p for p in line.split("\r") if p]
            line = parts[-1] if parts else ""
        lines.append(_CONTROLS.sub("", _apply_backspaces(line)).rstrip(" "))
    return "\n".join(lines)
