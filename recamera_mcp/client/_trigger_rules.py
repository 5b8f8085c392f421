"""Record triggers against the inference model: its category (regions) and its labels (class filters). Pure.

:func:`trigger_problems` is the one check, used wherever triggers are written (the config area's update) and
wherever the model they refer to changes (the inference area reports what a new model breaks):

- classification model: every ``lRegionFilter`` empty; detection model: at least one polygon (full frame by
  default), as :func:`~recamera_mcp.client._validators.trigger_region_problems` says;
- ``lClassFilter`` against the model's labels: a label name must be one of them, a class id must be below their
  count. Unknown labels (no model info) check nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from recamera_mcp.client._validators import Problem, trigger_region_problems

__all__ = ["class_filter_problems", "trigger_problems"]


def class_filter_problems(triggers: dict[str, Any], labels: list[str] | None) -> list[Problem]:
    """Every ``lInferenceSet[i].lClassFilter`` entry the model's ``labels`` do not have."""
    rules = triggers.get("lInferenceSet")
    if labels is None or not isinstance(rules, list):
        return []
    known = set(labels)
    shown = ", ".join(labels[:12]) + (f" ... ({len(labels)} labels)" if len(labels) > 12 else "")
    problems: list[Problem] = []
    for index, rule in enumerate(rules):
        classes = rule.get("lClassFilter") if isinstance(rule, dict) else None
        if not isinstance(classes, list):
            continue
        where = f"lInferenceSet[{index}].lClassFilter"
        for entry in classes:
            if isinstance(entry, str) and entry not in known:
                problems.append(
                    Problem(where, f"{where}: the model has no label {entry!r} (labels: {shown})", "use its labels")
                )
            elif isinstance(entry, int) and not isinstance(entry, bool) and not 0 <= entry < len(labels):
                problems.append(
                    Problem(
                        where,
                        f"{where}: class id {entry} is outside the model's {len(labels)} labels (0..{len(labels) - 1})",
                        "use an id below the label count, or the label name",
                    )
                )
    return problems


def trigger_problems(
    triggers: dict[str, Any], category: str | None, labels: list[str] | None, *, fill_defaults: bool = True
) -> list[Problem]:
    """Region and class-filter problems of ``triggers`` for a model of ``category`` with ``labels``.
    ``fill_defaults`` gives rules without ``lRegionFilter`` the category's default in place (as a write sends it);
    otherwise ``triggers`` is left untouched."""
    target = triggers if fill_defaults else copy.deepcopy(triggers)
    return trigger_region_problems(target, category) + class_filter_problems(target, labels)
