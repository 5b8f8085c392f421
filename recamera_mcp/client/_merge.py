"""Read-modify-write, the pure part: validate changes against the current object and deep-merge them.

Rules (the device resets any field a write omits, so the client always sends the whole object):

- every changed key must exist in the current object; unknown keys are refused with the closest known names;
- the new value must have the type of the current value (bool, integer, number, string, array, object); a number
  field (current value a float) also takes an integer. When the current value is null the key's type prefix
  decides (``i`` integer, ``f`` number, ``s`` string, ``b`` boolean, ``l`` array, ``d`` object);
- objects merge key by key, recursively; scalars are replaced; an object field may be set to null (the device uses
  null for "none", e.g. ``dSelectSlotToEnable``);
- lists of objects merge item by item (``_lists.py``): an item is matched by its identity (``sID``, ``sName``,
  ``id`` or the field the area declares) or, when the items have none, by position, and a partial item merges
  into its match so its omitted fields keep their values; an item with a new identity (by position: past the
  end) is added; ``{"sID": "x", "_remove": true}`` (by position ``{"_remove": true}``) removes one; ``[]`` removes
  them all. Lists of scalars (``lConfidenceFilter``, polygons) and the lists an area declares whole (weekday
  windows) are replaced whole. Every added, removed or changed item field is a planned leaf, so it is reported;
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
from recamera_mcp.client._lists import (
    ABSENT,
    REMOVE,
    Key,
    ListRules,
    Path,
    Pos,
    display,
    find,
    get_path,
    leaves,
    shape,
)
from recamera_mcp.client._secrets import SECRET_MASK, is_secret_field, mask_url, mask_value

__all__ = ["Planned", "differs", "flatten", "json_type", "plan_changes", "value_at"]

_PREFIX_TYPES = {"i": "integer", "f": "number", "s": "string", "b": "boolean", "l": "array", "d": "object"}


@dataclass(frozen=True)
class Planned:
    """One leaf the caller asked to change: its displayed path, the value now, the value wanted.

    A list item added has ``before`` :data:`ABSENT`; one removed has ``wanted`` :data:`ABSENT`."""

    field: str
    before: Any
    wanted: Any
    path: Path = ()
    shape: str = ""
    """The path with list items as ``[]`` (``lUsers[].sToken``): the form secret fields are listed in."""


def differs(a: Any, b: Any) -> bool:
    """True when two device values differ (``1`` and ``True`` differ; ``1`` and ``1.0`` do not)."""
    if a is ABSENT or b is ABSENT:
        return a is not b
    if isinstance(a, bool) != isinstance(b, bool):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() != b.keys() or any(differs(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) != len(b) or any(differs(x, y) for x, y in zip(a, b, strict=True))
    return bool(a != b)


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


def _ids(items: list[Any], name: str) -> str:
    shown = [repr(item.get(name)) for item in items if isinstance(item, dict)][:12]
    return ", ".join(shown) or "none"


class _Planner:
    """One planning pass: the merged object grows in place, each asked leaf is appended to ``planned``."""

    def __init__(self, secret_fields: Iterable[str], rules: ListRules, expect: bool) -> None:
        self.secrets = frozenset(secret_fields)
        self.rules = rules
        self.expect = expect
        self.planned: list[Planned] = []

    def plan(self, path: Path, before: Any, wanted: Any) -> None:
        self.planned.append(Planned(display(path), copy.deepcopy(before), copy.deepcopy(wanted), path, shape(path)))

    def merge(self, target: dict[str, Any], wanted: Mapping[str, Any], path: Path) -> None:
        for key, value in wanted.items():
            here: Path = (*path, str(key))
            dotted = display(here)
            if not isinstance(key, str) or key not in target:
                raise ValidationError(
                    f"unknown field {dotted!r}: the device object has no such key", _closest(str(key), target),
                    field=dotted,
                )  # fmt: skip
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
                self.merge(now, value, here)
                continue
            if isinstance(now, list) and isinstance(value, list):
                mode, name = self.rules.mode(shape(here), now, value)
                if mode != "whole":
                    target[key] = self.merge_list(now, value, here, name if mode == "key" else None)
                    continue
            if value == SECRET_MASK and is_secret_field(shape(here), self.secrets):
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
            self.check_type(key, here, now, value)
            self.plan(here, now, value)
            target[key] = copy.deepcopy(value)

    def check_type(self, key: str, here: Path, now: Any, value: Any) -> None:
        expected = _expected_type(key, now)
        nulling = value is None and (now is None or isinstance(now, dict))  # null switches an object off
        if nulling or _type_ok(expected, value):
            return
        dotted, form = display(here), shape(here)
        secret = is_secret_field(form, self.secrets)
        shown = "" if secret else f" ({mask_value(form, value, self.secrets)!r})"
        current = "a secret" if secret else repr(mask_value(form, now, self.secrets))
        raise ValidationError(
            f"field {dotted!r} must be {expected}, got {json_type(value)}{shown}",
            f"the device's current value is {current}; send a value of the same type",
            field=dotted,
        )

    def merge_list(self, now: list[Any], given: list[Any], path: Path, name: str | None) -> list[Any]:
        """The list after merging ``given`` into ``now`` (identity ``name``, or by position when None)."""
        where = display(path)
        items = copy.deepcopy(now)
        if not given:  # [] removes every item
            for index, item in enumerate(items):
                self.plan((*path, Key(name, item.get(name)) if name else Pos(index)), item, ABSENT)
            return []
        for n, item in enumerate(given):
            if not isinstance(item, Mapping):
                raise ValidationError(
                    f"{where}[{n}] must be an object, like the device's items", "give the item's fields as an object",
                    field=where,
                )  # fmt: skip
        removed = self.removals(items, given, path, name)
        kept = [i for i in range(len(items)) if i not in removed]
        added: list[Any] = []
        seen: set[Any] = set()
        for n, item in enumerate(given):
            if name is not None:
                if name not in item:
                    raise ValidationError(
                        f"{where}: item {n} has no {name}, so it names no item of the list",
                        f"give {name} of the item to change (now: {_ids(items, name)}); an item with a new {name} "
                        f"is added, and {{{name!r}: ..., {REMOVE!r}: true}} removes one",
                        field=f"{where}[{n}].{name}",
                    )
                ident = item[name]
                named = isinstance(ident, str | int) and not isinstance(ident, bool)
                if not named or ident in seen:
                    problem = "is used twice in the change" if named else "is not a name (text or number)"
                    raise ValidationError(
                        f"{where}[{n}].{name} {ident!r} {problem}", f"give each item its own {name}, once",
                        field=f"{where}[{n}].{name}",
                    )  # fmt: skip
                seen.add(ident)
                match = find(items, Key(name, ident))
                seg: Key | Pos = Key(name, ident)
                rest = {k: v for k, v in item.items() if k != name}
            else:
                match = n if n < len(items) else None
                seg = Pos(n, kept.index(n) if n in kept else (len(kept) + len(added) if match is None else None))
                rest = dict(item)
            if item.get(REMOVE) is True:
                continue  # planned in removals()
            if match is None:
                self.check_new(item, now, (*path, seg))
                self.plan((*path, seg), ABSENT, item)
                added.append(copy.deepcopy(dict(item)))
            elif rest:
                self.merge(items[match], rest, (*path, seg))
        return [items[i] for i in kept] + added

    def removals(self, items: list[Any], given: list[Any], path: Path, name: str | None) -> set[int]:
        """The indexes of ``items`` that ``given`` removes (each planned), checked first."""
        removed: set[int] = set()
        where = display(path)
        for n, item in enumerate(given):
            if REMOVE not in item:
                continue
            extra = set(item) - {REMOVE, name}
            if item[REMOVE] is not True or extra:
                form = f'{{"{name}": ..., "{REMOVE}": true}}' if name else f'{{"{REMOVE}": true}}'
                raise ValidationError(
                    f"{where}[{n}]: {REMOVE} must be true, beside nothing but the item's {name or 'position'}",
                    f"remove an item with {form}; change one by leaving {REMOVE} out",
                    field=f"{where}[{n}]",
                )
            seg: Key | Pos = Key(name, item.get(name)) if name is not None else Pos(n)
            index = find(items, seg) if isinstance(seg, Key) else (n if n < len(items) else None)
            if index is None:
                if self.expect:
                    continue  # expected gone, and gone
                raise ValidationError(
                    f"{where}: there is no item {display((seg,))} to remove",
                    f"the items now: {_ids(items, name) if name else f'{len(items)} by position'}",
                    field=f"{where}[{n}]",
                )
            removed.add(index)
            self.plan((*path, seg), items[index], ABSENT)
        return removed

    def check_new(self, item: Mapping[str, Any], siblings: list[Any], path: Path) -> None:
        """A new item has the keys and types of the items already there (when there are any)."""
        model = next((s for s in siblings if isinstance(s, dict)), None)
        if model is None:
            return
        for key, value in item.items():
            here: Path = (*path, str(key))
            if key not in model:
                raise ValidationError(
                    f"unknown field {display(here)!r}: the list's items have no such key", _closest(str(key), model),
                    field=display(here),
                )  # fmt: skip
            self.check_type(key, here, model[key], value)


def plan_changes(
    current: Mapping[str, Any],
    changes: Mapping[str, Any],
    secret_fields: Iterable[str] = (),
    rules: ListRules | None = None,
    *,
    expect: bool = False,
) -> tuple[dict[str, Any], list[Planned]]:
    """The whole object to send, and the leaves asked to change. Raises :class:`ValidationError` on bad input.

    ``expect``: ``changes`` are the values the object should hold (a removal of an item already gone is fine)."""
    if not isinstance(changes, Mapping) or not changes:
        raise ValidationError(
            "changes must be a non-empty object in the device's key names",
            'nest it as the device does, e.g. {"dIpv4": {"sV4Method": "dhcp"}}; read the config first',
            field="changes",
        )
    planner = _Planner(secret_fields, rules or ListRules(), expect)
    merged = copy.deepcopy(dict(current))
    planner.merge(merged, changes, ())
    return merged, planner.planned


def value_at(obj: Any, path: Path, *, after: bool = False) -> Any:
    """The value at a path (:data:`ABSENT` when missing); ``after``: list positions as after the write."""
    return get_path(obj, path, after=after)


def flatten(obj: Any, rules: ListRules | None = None) -> Iterator[tuple[str, Any]]:
    """Every leaf of an object as ``(displayed path, value)``, into lists of objects (see ``_lists.leaves``)."""
    for path, value in leaves(obj, rules or ListRules()):
        yield display(path), value
