"""Tables for the terminal: plain rich tables over the result models (what ``--json`` prints, made readable).

Every value shown comes from a camera or a file name: it is escaped for rich markup and cut to a length, so a
hostile camera cannot style, hide or flood the output."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table

from recamera_mcp.client import FieldChange

__all__ = ["changes_table", "flatten", "kv_table", "shown", "table"]

MAX_CELL = 160


def shown(value: Any, limit: int = MAX_CELL) -> str:
    """One value as a safe, bounded table cell."""
    if value is None:
        text = "-"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return escape(text if len(text) <= limit else text[: limit - 3] + "...")


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A table of already shaped rows (cells made safe with :func:`shown`)."""
    out = Table(title=escape(title) if title else None, title_justify="left")
    for column in columns:
        out.add_column(column, overflow="fold")
    for row in rows:
        out.add_row(*(shown(cell) for cell in row))
    return out


def kv_table(title: str | None, values: dict[str, Any]) -> Table:
    """A two-column table: name, value."""
    return table(title, ("field", "value"), values.items())


def flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys (the keys ``recamera-mcp set`` takes); lists stay whole."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            flat.update(flatten(item, f"{path}."))
        else:
            flat[path] = item
    return flat


def changes_table(title: str, changes: Sequence[FieldChange], *, dry_run: bool = False) -> Table:
    """Each field before and after a write (or, in a dry run, what would be sent)."""
    columns = ("field", "before", "would be" if dry_run else "after", "kept")
    rows = [(c.field, c.before, c.after, "-" if dry_run or c.kept is None else c.kept) for c in changes]
    return table(title, columns, rows)
