"""Playbooks: step-by-step recipes for common camera tasks, served as MCP prompts and resources.

One markdown file per playbook with a front matter block between ``---`` lines. Every front matter value is one
line of JSON (so the block is also valid YAML); ``steps`` is a list of one JSON object per ``  - `` line::

    ---
    name: snapshot
    title: Take a snapshot
    description: One line for prompt lists.
    intents: ["show me the camera", "take a picture"]
    arguments: [{"name": "host", "description": "Camera address", "required": true}]
    tools: ["snapshot"]
    steps:
      - {"tool": "snapshot", "args": {"host": "{host}"}}
    ---
    Markdown body for the agent; {host} is replaced by the prompt argument.

A step's ``args`` values may be placeholders ``{name}``: a prompt argument, or a value a previous step saved with
``"save": {"name": "dotted.path.in.its.result"}``. An argument whose placeholder has no value is left out.

Where the files live: the repository's top-level ``playbooks/`` directory is the source. Wheels carry a copy
inside the package (``recamera_mcp/_playbooks``, hatch ``force-include``); an editable install or a checkout
reads the repository directory. ``RECAMERA_PLAYBOOKS_DIR`` overrides both.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "Playbook",
    "PlaybookArgument",
    "PlaybookError",
    "Step",
    "load_playbooks",
    "lookup",
    "playbook_dir",
    "render",
    "resolve_args",
    "substitute",
]

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_FIELDS = ("name", "title", "description", "intents", "arguments", "tools", "steps")


class PlaybookError(ValueError):
    """A malformed playbook file, or an unknown playbook name."""


@dataclass(frozen=True)
class PlaybookArgument:
    name: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class Step:
    """One tool call of a playbook, with placeholders still in its arguments."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    save: dict[str, str] = field(default_factory=dict)
    """Variable name → dotted path into the step's structured result (``cameras.0.ip``)."""


@dataclass(frozen=True)
class Playbook:
    name: str
    title: str
    description: str
    intents: tuple[str, ...]
    arguments: tuple[PlaybookArgument, ...]
    tools: tuple[str, ...]
    steps: tuple[Step, ...]
    body: str
    path: Path

    @property
    def uri(self) -> str:
        return f"recamera://playbook/{self.name}"


def playbook_dir() -> Path:
    """The directory the playbooks are read from (see the module docstring)."""
    override = os.environ.get("RECAMERA_PLAYBOOKS_DIR")
    if override:
        return Path(override)
    packaged = Path(__file__).with_name("_playbooks")
    if packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parent.parent / "playbooks"
    if repo.is_dir():
        return repo
    raise PlaybookError(f"no playbooks found (looked in {packaged} and {repo}); set RECAMERA_PLAYBOOKS_DIR")


def _parse_value(key: str, raw: str, path: Path) -> Any:
    raw = raw.strip()
    if raw[:1] in ("[", "{", '"'):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise PlaybookError(f"{path.name}: {key}: invalid JSON ({exc})") from None
    return raw


def parse(text: str, path: Path) -> Playbook:
    """Parse one playbook file."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in [line.strip() for line in lines[1:]]:
        raise PlaybookError(f"{path.name}: must start with a front matter block between '---' lines")
    end = 1 + [line.strip() for line in lines[1:]].index("---")
    meta: dict[str, Any] = {}
    steps: list[Step] = []
    in_steps = False
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if in_steps and line.lstrip().startswith("- "):
            item = _parse_value("steps", line.lstrip()[2:], path)
            if not isinstance(item, dict) or not isinstance(item.get("tool"), str):
                raise PlaybookError(f"{path.name}: each step must be a JSON object with a 'tool'")
            unknown = set(item) - {"tool", "args", "save"}
            if unknown:
                raise PlaybookError(f"{path.name}: step keys {sorted(unknown)} unknown (tool, args, save)")
            steps.append(Step(item["tool"], dict(item.get("args", {})), dict(item.get("save", {}))))
            continue
        key, sep, value = line.partition(":")
        if not sep or line[:1].isspace():
            raise PlaybookError(f"{path.name}: cannot read front matter line {line!r}")
        in_steps = key == "steps"
        if not in_steps:
            meta[key.strip()] = _parse_value(key, value, path)
    missing = [key for key in _FIELDS if key not in meta and key != "steps"]
    if missing:
        raise PlaybookError(f"{path.name}: front matter lacks {', '.join(missing)}")
    arguments = tuple(
        PlaybookArgument(a["name"], a.get("description", ""), bool(a.get("required", False))) for a in meta["arguments"]
    )
    return Playbook(
        name=str(meta["name"]),
        title=str(meta["title"]),
        description=str(meta["description"]),
        intents=tuple(meta["intents"]),
        arguments=arguments,
        tools=tuple(meta["tools"]),
        steps=tuple(steps),
        body="\n".join(lines[end + 1 :]).strip() + "\n",
        path=path,
    )


@cache
def _load(directory: Path) -> dict[str, Playbook]:
    found: dict[str, Playbook] = {}
    for path in sorted(directory.glob("*.md")):
        if path.name.upper() == "README.MD":
            continue
        book = parse(path.read_text(encoding="utf-8"), path)
        if book.name != path.stem:
            raise PlaybookError(f"{path.name}: name {book.name!r} must match the file name")
        found[book.name] = book
    return found


def load_playbooks() -> dict[str, Playbook]:
    """Every playbook by name, in file-name order."""
    return dict(_load(playbook_dir()))


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders that have a value; leave the others as they are."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def render(book: Playbook, values: dict[str, str]) -> str:
    """The prompt text: title, the body with the arguments filled in, and the tool calls in order."""
    given = {k: v for k, v in values.items() if v not in (None, "")}
    typed = {k: _maybe_json(v) for k, v in given.items()}
    calls = "\n".join(
        f"{n}. {step.tool}({json.dumps(resolve_args(step.args, typed), ensure_ascii=False)})"
        for n, step in enumerate(book.steps, 1)
    )
    return f"# {book.title}\n\n{substitute(book.body, given)}\nTool calls, in order:\n{calls}\n"


_MISSING = object()


def _maybe_json(text: str) -> Any:
    """A prompt argument as the tool wants it: JSON numbers, objects and lists decoded, anything else a string."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text
    return value if isinstance(value, int | float | dict | list) and not isinstance(value, bool) else text


def _resolve(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return values.get(whole.group(1), value if whole.group(1) in values else _MISSING)
        return substitute(value, {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()})
    if isinstance(value, dict):
        out = {k: _resolve(v, values) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _MISSING}
    if isinstance(value, list):
        return [item for item in (_resolve(v, values) for v in value) if item is not _MISSING]
    return value


def resolve_args(args: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A step's arguments with placeholders replaced: ``"{x}"`` alone takes the value with its type; a
    placeholder without a value drops its key (the tool's default applies)."""
    resolved = _resolve(args, values)
    assert isinstance(resolved, dict)
    return resolved


def lookup(result: Any, dotted: str) -> Any:
    """The value at a dotted path (``cameras.0.ip``) of a structured result; KeyError when absent."""
    current = result
    for part in dotted.split("."):
        if isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise KeyError(f"{dotted!r}: no {part!r} in the result")
    return current
