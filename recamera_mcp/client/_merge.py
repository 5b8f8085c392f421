"""Read-modify-write, the pure part: validate changes against the current object and deep-merge them.

Rules (the device resets any field a write omits, so the client always sends the whole object):

- every changed key must exist in the current object; unknown keys are refused with the closest known names;
- the new value must have the type of the current value (bool, integer, number, string, array, object); a number
  field (current value a float) also takes an integer. When the current value is null the key's type prefix
  decides (``i`` integer, ``f`` number, ``s`` string, ``b`` boolean, ``l`` array, ``d`` object);
- objects merge key by key, recursively; arrays and scalars are replaced whole; an object field may be set to
  null (the device uses null for "none", e.g. ``dSelectSlotToEnable``);
- :data:`SECRET_MASK` given for a secret field means "keep the device's value", and so does a URL sent back exactly
  as it was shown (its password or stream key masked); a URL that holds the mask but differs otherwise (a new host
  with the old password) is refused: the secret would follow a new destination, and the mask is no password.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from recamera_mcp.client._errors import ValidationError
from recamera_mcp.client._secrets import SECRET_MASK, is_secret_field, mask_url, mask_value

__all__ = ["Planned", "flatten", "json_type", "plan_changes", "value_at"]

_PREFIX_TYPES = {"i": "integer", "f": "number", "s": "string", "b": "boolean", "l": "array", "d": "object"}


@dataclass(frozen=True)
class Planned:
    """One leaf the caller asked to change: its dotted path, the value now, the value wanted."""

    field: str
    before: Any
    wanted: Any


def json_type(value: Any) -> str:
    """The JSON type name of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _expected_type(key: str, current: Any) -> str | None:
    if current is not None:
        return json_type(current)
    if len(key) > 1 and key[0] in _PREFIX_TYPES and key[1].isupper():
        return _PREFIX_TYPES[key[0]]
    return None  # null value and no type prefix: anything goes


def _type_ok(expected: str | None, value: Any) -> bool:
    if expected is None:
        return True
    actual = json_type(value)
    return actual == expected or (expected == "number" and actual == "integer")


def _closest(key: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.6)
    if close:
        return f"did you mean {', '.join(close)}? Known fields here: {', '.join(names)}"
    return f"known fields here: {', '.join(names)}" if names else "this object has no fields"


def plan_changes(
    current: Mapping[str, Any], changes: Mapping[str, Any], secret_fields: Iterable[str] = ()
) -> tuple[dict[str, Any], list[Planned]]:
    """The whole object to send, and the leaves asked to change. Raises :class:`ValidationError` on bad input."""
    if not isinstance(changes, Mapping) or not changes:
        raise ValidationError(
            "changes must be a non-empty object in the device's key names",
            'nest it as the device does, e.g. {"dIpv4": {"sV4Method": "dhcp"}}; read the config first',
            field="changes",
        )
    secrets = frozenset(secret_fields)
    merged = copy.deepcopy(dict(current))
    planned: list[Planned] = []

    def merge(target: dict[str, Any], wanted: Mapping[str, Any], prefix: str) -> None:
        for key, value in wanted.items():
            dotted = f"{prefix}.{key}" if prefix else str(key)
            if not isinstance(key, str) or key not in target:
                raise ValidationError(
                    f"unknown field {dotted!r}: the device object has no such key",
                    _closest(str(key), target),
                    field=dotted,
                )
            now = target[key]
            if isinstance(now, dict) and value is not None:
                if not isinstance(value, Mapping):
                    raise ValidationError(
                        f"field {dotted!r} is an object, got {json_type(value)}",
                        f"give the fields to change inside it, e.g. {{{key!r}: {{...}}}}",
                        field=dotted,
                    )
                if not value:
                    raise ValidationError(
                        f"field {dotted!r}: empty object given", "name at least one field inside it", field=dotted
                    )
                merge(now, value, dotted)
                continue
            if value == SECRET_MASK and is_secret_field(dotted, secrets):
                continue  # a masked secret sent back: keep the device's value
            if isinstance(value, str) and isinstance(now, str) and SECRET_MASK in value and mask_url(now) == value:
                continue  # a URL sent back as it was shown (password or stream key masked): keep the device's
            if isinstance(value, str) and "://" in value and SECRET_MASK in value:
                raise ValidationError(
                    f"field {dotted!r}: the URL holds {SECRET_MASK} in place of a password or stream key, but is not "
                    "the URL as it was shown",
                    "give the secret itself in the new URL, or send the URL back unchanged to keep it",
                    field=dotted,
                )
            expected = _expected_type(key, now)
            nulling = value is None and (now is None or isinstance(now, dict))  # null switches an object off
            if not nulling and not _type_ok(expected, value):
                secret = is_secret_field(dotted, secrets)
                shown = "" if secret else f" ({mask_value(dotted, value, secrets)!r})"
                current = "a secret" if secret else repr(mask_value(dotted, now, secrets))
                raise ValidationError(
                    f"field {dotted!r} must be {expected}, got {json_type(value)}{shown}",
                    f"the device's current value is {current}; send a value of the same type",
                    field=dotted,
                )
            planned.append(Planned(dotted, copy.deepcopy(now), copy.deepcopy(value)))
            target[key] = copy.deepcopy(value)

    merge(merged, changes, "")
    return merged, planned


def value_at(obj: Any, dotted: str) -> Any:
    """The value at a dotted path, or None when it is missing."""
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def flatten(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of an object as ``(dotted path, value)``; arrays count as one leaf."""
    if isinstance(obj, dict) and (obj or not prefix):
        for key, value in obj.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, obj
