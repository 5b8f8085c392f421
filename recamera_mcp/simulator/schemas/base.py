"""A small declarative schema for the device's config objects, and the strict write rule.

A :class:`ConfigSpec` is the full default object of one endpoint plus its rules. :func:`apply_write` turns a
request body into the new stored object the way the device does: **fields the body omits revert to defaults**,
unknown fields and wrong types are rejected, then ranges and cross-field rules are checked. Nothing is stored
unless everything passes.

Rules are keyed by dotted paths into the object; ``[]`` stands for "every item of this list", e.g.
``"maskOverlay.privacyMask[].iPositionX"``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recamera_mcp.simulator.errors import Module, SimError, invalid

Json = Any
CrossRule = Callable[[dict[str, Json]], str | None]
"""Takes the merged object, returns an error message or None."""


class Rule:
    """Checks one value; returns an error message or None."""

    def check(self, name: str, value: Json) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Range(Rule):
    lo: float
    hi: float

    def check(self, name: str, value: Json) -> str | None:
        if not isinstance(value, int | float) or isinstance(value, bool) or not self.lo <= value <= self.hi:
            lo = int(self.lo) if float(self.lo).is_integer() else self.lo
            hi = int(self.hi) if float(self.hi).is_integer() else self.hi
            return f"{name} must be {lo}~{hi}"
        return None


@dataclass(frozen=True)
class OneOf(Rule):
    values: tuple[Json, ...]

    def check(self, name: str, value: Json) -> str | None:
        if value not in self.values or isinstance(value, bool) != any(isinstance(v, bool) for v in self.values):
            return f"{name} must be one of {', '.join(str(v) for v in self.values)}"
        return None


@dataclass(frozen=True)
class Pattern(Rule):
    regex: str
    hint: str

    def check(self, name: str, value: Json) -> str | None:
        if not isinstance(value, str) or re.fullmatch(self.regex, value) is None:
            return f"{name} must be {self.hint}"
        return None


@dataclass(frozen=True)
class MaxItems(Rule):
    limit: int

    def check(self, name: str, value: Json) -> str | None:
        if isinstance(value, list) and len(value) > self.limit:
            return f"{name} allows at most {self.limit} items, got {len(value)}"
        return None


@dataclass(frozen=True)
class Check(Rule):
    fn: Callable[[Json], bool]
    hint: str

    def check(self, name: str, value: Json) -> str | None:
        return None if self.fn(value) else f"{name} must be {self.hint}"


@dataclass(frozen=True)
class ConfigSpec:
    """One GET + write config endpoint: its full default object and its rules."""

    path: str
    """Path relative to the CGI base (``/network/lan``), or the raw path when ``raw`` is set."""
    write_method: str
    module: Module
    defaults: Mapping[str, Json]
    rules: Mapping[str, Rule] = field(default_factory=dict)
    items: Mapping[str, Json] = field(default_factory=dict)
    """Template of one list item, by dotted list path; lists without a template take any JSON items."""
    cross: Sequence[CrossRule] = ()
    body_rules: Sequence[CrossRule] = ()
    """Checks of the request body itself, before omitted fields are filled in (e.g. a field the firmware requires
    in some mode: "Missing parameter: iTimestamp")."""
    readonly: frozenset[str] = frozenset()
    """Dotted paths the device fills in itself; a value sent for them is ignored."""
    nullable: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Alternative spellings accepted on write (``sEnabel`` -> ``sEnable``), by dotted path of the alias."""
    raw: bool = False

    def default_object(self) -> dict[str, Json]:
        return copy.deepcopy(dict(self.defaults))


def _type_name(value: Json) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _same_type(template: Json, value: Json) -> bool:
    if isinstance(template, bool) or isinstance(value, bool):
        return isinstance(template, bool) and isinstance(value, bool)
    if isinstance(template, float):
        return isinstance(value, int | float)
    if isinstance(template, int):
        return isinstance(value, int)
    return type(template) is type(value)


def _merge(spec: ConfigSpec, template: Json, body: Json, path: str) -> Json:
    """Type-check ``body`` against ``template`` and fill every omitted field from the template."""
    if isinstance(template, dict):
        if not isinstance(body, dict):
            raise invalid(spec.module, f"Invalid parameter type: {path or 'payload'} must be an object")
        result: dict[str, Json] = {}
        known = set(template)
        for key, value in body.items():
            dotted = f"{path}.{key}" if path else key
            target = spec.aliases.get(dotted)
            if target is not None:
                key = target.rsplit(".", 1)[-1]
                dotted = target
            if key not in known:
                raise invalid(spec.module, f"Unknown parameter: {dotted}")
            if dotted in spec.readonly:
                continue
            result[key] = _merge(spec, template[key], value, dotted)
        for key, default in template.items():
            if key not in result:
                result[key] = copy.deepcopy(default)
        return result
    if body is None:
        if path in spec.nullable:
            return None
        raise invalid(spec.module, f"Empty parameter: {path}")
    if template is None:
        if path in spec.nullable:
            return copy.deepcopy(body)
        raise invalid(spec.module, f"Invalid parameter type: {path}")
    if isinstance(template, list):
        if not isinstance(body, list):
            raise invalid(spec.module, f"Invalid parameter type: {path} must be an array")
        item = spec.items.get(path)
        if item is None:
            return copy.deepcopy(body)
        return [_merge(spec, item, value, f"{path}[]") for value in body]
    if not _same_type(template, body):
        raise invalid(
            spec.module, f"Invalid parameter type: {path} must be {_type_name(template)}, got {_type_name(body)}"
        )
    return body


def _values_at(obj: Json, parts: list[str], prefix: str) -> list[tuple[str, Json]]:
    if not parts:
        return [(prefix, obj)]
    head, rest = parts[0], parts[1:]
    is_list = head.endswith("[]")
    key = head[:-2] if is_list else head
    if not isinstance(obj, dict) or key not in obj:
        return []
    child = obj[key]
    name = f"{prefix}.{key}" if prefix else key
    if not is_list:
        return _values_at(child, rest, name)
    if not isinstance(child, list):
        return []
    found: list[tuple[str, Json]] = []
    for index, item in enumerate(child):
        found.extend(_values_at(item, rest, f"{name}[{index}]"))
    return found


def check_rules(spec: ConfigSpec, obj: dict[str, Json]) -> None:
    """Apply the field rules, then the cross-field rules, to a merged object."""
    for dotted, rule in spec.rules.items():
        for name, value in _values_at(obj, dotted.split("."), ""):
            if value is None and dotted in spec.nullable:
                continue
            message = rule.check(name, value)
            if message is not None:
                raise invalid(spec.module, message)
    for cross in spec.cross:
        message = cross(obj)
        if message is not None:
            raise invalid(spec.module, message)


def apply_write(spec: ConfigSpec, body: Json, current: Mapping[str, Json] | None = None) -> dict[str, Json]:
    """The object the device stores after a write of ``body``: omitted fields revert to the defaults.

    ``current`` only supplies the read-only fields the device keeps (they are never taken from the body).
    Raises :class:`SimError` with a code in the spec's module range when the body is not acceptable.
    """
    if not isinstance(body, dict):
        raise invalid(spec.module, "payload must be object")
    for rule in spec.body_rules:
        message = rule(body)
        if message is not None:
            raise invalid(spec.module, message)
    merged: dict[str, Json] = _merge(spec, spec.default_object(), body, "")
    if current is not None:
        for dotted in spec.readonly:
            parts = dotted.split(".")
            src: Json = current
            dst: Json = merged
            for part in parts[:-1]:
                src = src.get(part) if isinstance(src, dict) else None
                dst = dst.get(part) if isinstance(dst, dict) else None
            if isinstance(src, dict) and isinstance(dst, dict) and parts[-1] in src:
                dst[parts[-1]] = copy.deepcopy(src[parts[-1]])
    check_rules(spec, merged)
    return merged


def require(condition: bool, module: Module, message: str) -> None:
    """Raise the module's invalid-parameter error unless ``condition`` holds."""
    if not condition:
        raise invalid(module, message)


__all__ = [
    "Check",
    "ConfigSpec",
    "CrossRule",
    "MaxItems",
    "OneOf",
    "Pattern",
    "Range",
    "Rule",
    "SimError",
    "apply_write",
    "check_rules",
    "require",
]
