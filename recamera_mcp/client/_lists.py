"""Paths into config objects, lists included, the pure part: how a list item is named, found and walked.

A path is a tuple of segments: a key (``str``), :class:`Key` (a list item by its identity, ``sID``/``sName``/``id``
or the field the area declares) or :class:`Pos` (a list item by position, for lists whose items have no
identity). :func:`display` spells a path ``lInferenceSet[sID=rule-1].lRegionFilter[0].lPolygon``; :func:`shape`
spells it ``lInferenceSet[].lRegionFilter[].lPolygon``, the form area rules and secret fields use.

:class:`ListRules` says how each list of an object is treated: matched by identity, by position, or replaced as a
whole (lists of scalars, and the lists an area declares whole, such as weekday windows). :func:`leaves` walks an
object down to its leaves with that rule, so a before/after diff sees into list items.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ABSENT",
    "IDENTITY_FIELDS",
    "REMOVE",
    "Key",
    "ListRules",
    "Path",
    "Pos",
    "display",
    "find",
    "get_path",
    "leaves",
    "nest",
    "related",
    "shape",
]

IDENTITY_FIELDS = ("sID", "sName", "id")
"""Fields that name a list item, tried in this order when the area declares none for a list."""
REMOVE = "_remove"
"""``{"sID": "x", "_remove": true}`` in a list of ``changes`` removes that item."""


class _Absent:
    """A list item that is not there (before an add, after a removal)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Key:
    """A list item by identity: the item whose ``field`` is ``value``."""

    field: str
    value: Any


@dataclass(frozen=True)
class Pos:
    """A list item by position: ``index`` in the list as read; ``after`` where it is once removals are applied."""

    index: int
    after: int | None = None


Segment = str | Key | Pos
Path = tuple[Segment, ...]
Mode = Literal["whole", "key", "pos"]


def display(path: Path) -> str:
    """``lInferenceSet[sID=rule-1].lRegionFilter[0].lPolygon``."""
    out = ""
    for seg in path:
        if isinstance(seg, Key):
            out += f"[{seg.field}={seg.value}]"
        elif isinstance(seg, Pos):
            out += f"[{seg.index}]"
        else:
            out += f".{seg}" if out else seg
    return out


def shape(path: Path) -> str:
    """``lInferenceSet[].lRegionFilter[].lPolygon``: the path with every list item as ``[]``."""
    out = ""
    for seg in path:
        if isinstance(seg, Key | Pos):
            out += "[]"
        else:
            out += f".{seg}" if out else seg
    return out


def related(a: str, b: str) -> bool:
    """True when one displayed path is the other or lies inside it."""
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return long.startswith(short) and long[len(short)] in ".["


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float)


@dataclass(frozen=True)
class ListRules:
    """How the lists of one object are matched. Keys are list shapes (``lInferenceSet``,
    ``lInferenceSet[].lRegionFilter``)."""

    identity: Mapping[str, str] = field(default_factory=dict)
    """The identity field of a list of objects; ``""`` matches by position."""
    whole: frozenset[str] = frozenset()
    """Lists of objects replaced as a whole."""

    def mode(self, list_shape: str, current: list[Any], given: list[Any] | None = None) -> tuple[Mode, str]:
        """How to treat the list at ``list_shape``: ``("whole", "")``, ``("key", field)`` or ``("pos", "")``.

        Lists of scalars (or mixed) and declared whole lists are replaced whole; a declared identity wins; else
        the first of :data:`IDENTITY_FIELDS` that every current item (or, for an empty list, every given item)
        has; else by position."""
        given = given or []
        if list_shape in self.whole or any(not isinstance(item, dict) for item in (*current, *given)):
            return "whole", ""
        declared = self.identity.get(list_shape)
        if declared is not None:
            return ("key", declared) if declared else ("pos", "")
        sample = current or [item for item in given if item.get(REMOVE) is not True]
        for name in IDENTITY_FIELDS:
            if sample and all(_scalar(item.get(name)) for item in sample):
                return "key", name
        return "pos", ""


def find(items: list[Any], key: Key) -> int | None:
    """The index of the item ``key`` names, or None."""
    for index, item in enumerate(items):
        if isinstance(item, dict) and key.field in item and item[key.field] == key.value:
            return index
    return None


def get_path(obj: Any, path: Path, *, after: bool = False) -> Any:
    """The value at ``path``, or :data:`ABSENT`. ``after``: positions count after removals (reading back)."""
    for seg in path:
        if isinstance(seg, Key):
            if not isinstance(obj, list):
                return ABSENT
            index = find(obj, seg)
            if index is None:
                return ABSENT
            obj = obj[index]
        elif isinstance(seg, Pos):
            index = seg.after if after and seg.after is not None else seg.index
            if not isinstance(obj, list) or not 0 <= index < len(obj):
                return ABSENT
            obj = obj[index]
        else:
            if not isinstance(obj, dict) or seg not in obj:
                return ABSENT
            obj = obj[seg]
    return obj


def leaves(obj: Any, rules: ListRules, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every leaf of ``obj`` as ``(path, value)``: objects and lists of objects are walked into; lists of scalars,
    whole lists, empty lists and empty objects are leaves."""
    if isinstance(obj, dict) and (obj or not path):
        for key, value in obj.items():
            yield from leaves(value, rules, (*path, str(key)))
        return
    if isinstance(obj, list) and obj:
        mode, name = rules.mode(shape(path), obj)
        if mode != "whole":
            for index, item in enumerate(obj):
                seg: Segment = Key(name, item.get(name)) if mode == "key" else Pos(index, index)
                yield from leaves(item, rules, (*path, seg))
            return
    yield path, obj


def nest(entries: list[tuple[Path, Any]]) -> dict[str, Any]:
    """A ``changes`` object (the read-modify-write's input) that sets each path to its value.

    A value of :data:`ABSENT` at a list item removes it (``{"sID": "x", "_remove": true}``, by position
    ``{"_remove": true}``); a dict at a list item adds it (or merges into it). Positions before a given one are
    padded with ``{}`` (keep)."""
    root: dict[str, Any] = {}
    for path, value in entries:
        node: Any = root
        for i, seg in enumerate(path):
            last = i == len(path) - 1
            if isinstance(seg, Key | Pos):
                item = _item_in(node, seg)
                if last:
                    item.clear()
                    if value is ABSENT:
                        item.update({seg.field: seg.value, REMOVE: True} if isinstance(seg, Key) else {REMOVE: True})
                    else:
                        item.update(copy.deepcopy(value))
                        if isinstance(seg, Key):
                            item[seg.field] = seg.value
                node = item
                continue
            nxt = path[i + 1] if not last else None
            if last:
                node[seg] = copy.deepcopy(value)
            else:
                node = node.setdefault(seg, [] if isinstance(nxt, Key | Pos) else {})
    return root


def _item_in(items: list[dict[str, Any]], seg: Key | Pos) -> dict[str, Any]:
    if isinstance(seg, Key):
        index = find(items, seg)
        if index is None:
            items.append({seg.field: seg.value})
            index = len(items) - 1
        return items[index]
    position = seg.after if seg.after is not None else seg.index
    while len(items) <= position:
        items.append({})
    return items[position]
