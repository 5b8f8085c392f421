"""SKILL.md, the agent skill that goes with the server (served as ``recamera://skill``; ``recamera-mcp skill``).

The repository's top-level ``SKILL.md`` is the source; wheels carry a copy inside the package
(``recamera_mcp/_skill/SKILL.md``, hatch ``force-include``), which an installed package reads."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SKILL_URI", "skill_path", "skill_text"]

SKILL_URI = "recamera://skill"


def skill_path() -> Path:
    """Where SKILL.md is read from: the packaged copy, else the repository's."""
    packaged = Path(__file__).with_name("_skill") / "SKILL.md"
    return packaged if packaged.is_file() else Path(__file__).resolve().parent.parent / "SKILL.md"


def skill_text() -> str:
    """The text of SKILL.md."""
    return skill_path().read_text(encoding="utf-8")
