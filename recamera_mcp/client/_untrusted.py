"""Text that came from a camera: data to show, never an instruction, never a layout.

A hostile (or broken) camera can put anything in a string: file names with newlines and text that reads like an
instruction to the agent, bidirectional overrides that reorder what a user sees, zero-width characters, kilobytes of
padding. :func:`escape_controls` makes such characters visible (``\\n``, ``\\u202e``) and :func:`cap_text` bounds the
length; :func:`scrub` does both over a whole JSON-like value and counts what it changed, so the front end can flag
it. Every function here runs in linear time (no regular expression).
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["MAX_DEVICE_STRING", "cap_text", "escape_controls", "is_dangerous_char", "scrub"]

MAX_DEVICE_STRING = 4000
"""Longest string of a camera answer shown whole; longer ones are cut with a note of their length."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_dangerous_char(char: str) -> bool:
    """Control (C0, C1, DEL), format (bidi overrides, zero-width, BOM) and line/paragraph separator characters."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def escape_controls(text: str) -> str:
    """``text`` with every dangerous character written out as an escape (``\\n``, ``\\u202e``); others kept."""
    if text.isprintable():
        return text
    return "".join((_NAMED.get(c) or f"\\u{ord(c):04x}") if is_dangerous_char(c) else c for c in text)


def cap_text(text: str, limit: int = MAX_DEVICE_STRING) -> str:
    """``text`` cut to ``limit`` characters, with how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters in all)"


def scrub(value: Any, limit: int = MAX_DEVICE_STRING) -> tuple[Any, int]:
    """A copy of a JSON-like value with every string (keys too) escaped and capped; and how many strings changed."""
    changed = 0

    def text(item: str) -> str:
        nonlocal changed
        shown = cap_text(escape_controls(item), limit)
        if shown != item:
            changed += 1
        return shown

    def walk(item: Any, depth: int) -> Any:
        if isinstance(item, str):
            return text(item)
        if depth > 64:
            return item
        if isinstance(item, dict):
            return {text(k) if isinstance(k, str) else k: walk(v, depth + 1) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, depth + 1) for v in item]
        return item

    return walk(value, 0), changed
