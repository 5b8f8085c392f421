"""``key=value`` words of ``recamera-mcp set`` as the ``changes`` object of ``update_config``.

A key is a dotted path in the device's key names (``dIpv4.sV4Method=dhcp``); a list item is named as the tools name
it in their answers, by identity (``lInferenceSet[sID=rule-1].lClassFilter=["person"]``) or by position
(``lRegionFilter[0].lPolygon=...``). A value is read as JSON when it is JSON (``70``, ``true``, ``null``, ``[...]``,
``{...}``, ``"quoted"``), else taken as the string it is (``Europe/Berlin``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from recamera_mcp.client import ValidationError

__all__ = ["assignments", "parse_value"]

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<item>[^\]]*)\])?$")


def parse_value(text: str) -> Any:
    """JSON when ``text`` is JSON, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _item(parent: dict[str, Any], name: str, selector: str) -> dict[str, Any]:
    """The list item ``name[selector]`` of ``parent``, added when it is not there yet."""
    items = parent.setdefault(name, [])
    if not isinstance(items, list):
        raise ValidationError(f"{name} is given both as a list item and as a value", "name it one way", field=name)
    if "=" in selector:
        ident, _, raw = selector.partition("=")
        value = parse_value(raw)
        for existing in items:
            if isinstance(existing, dict) and existing.get(ident) == value:
                return existing
        added: dict[str, Any] = {ident: value}
        items.append(added)
        return added
    if not selector.isdigit():
        raise ValidationError(
            f"bad list item [{selector}] of {name}", "name an item by identity [sID=x] or position [0]", field=name
        )
    index = int(selector)
    while len(items) <= index:
        items.append({})  # {} keeps an item as it is
    if not isinstance(items[index], dict):
        raise ValidationError(f"{name}[{index}] is not an object", "give the whole list as JSON", field=name)
    item: dict[str, Any] = items[index]
    return item


def assignments(words: list[str]) -> dict[str, Any]:
    """The nested ``changes`` object the ``key=value`` words describe."""
    changes: dict[str, Any] = {}
    for word in words:
        key, sep, raw = _split_assignment(word)
        if not sep or not key:
            raise ValidationError(f"{word!r} is not key=value", "write e.g. sTimezone=Europe/Berlin", field="changes")
        node = changes
        segments = _split(key)
        for position, segment in enumerate(segments):
            match = _SEGMENT.match(segment)
            if match is None:
                raise ValidationError(f"bad key {key!r}", "use device key names, e.g. dIpv4.sV4Method", field=key)
            name, item = match["name"], match["item"]
            last = position == len(segments) - 1
            if item is not None:
                target = _item(node, name, item)
                if last:
                    value = parse_value(raw)
                    if not isinstance(value, dict):
                        raise ValidationError(f"{key} names a list item: give it an object", "e.g. {...}", field=key)
                    target.update(value)
                node = target
            elif last:
                node[name] = parse_value(raw)
            else:
                child = node.setdefault(name, {})
                if not isinstance(child, dict):
                    raise ValidationError(f"{name} is given both as a value and as an object", "pick one", field=key)
                node = child
    return changes


def _split_assignment(word: str) -> tuple[str, str, str]:
    """``key=value`` at the first ``=`` outside brackets (``a[sID=x].b=1`` -> ``a[sID=x].b``, ``1``)."""
    depth = 0
    for i, char in enumerate(word):
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif char == "=" and depth == 0:
            return word[:i], "=", word[i + 1 :]
    return word, "", ""


def _split(key: str) -> list[str]:
    """``a.b[sID=x.y].c`` -> ``["a", "b[sID=x.y]", "c"]`` (dots inside brackets belong to the selector)."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, char in enumerate(key):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "." and depth == 0:
            parts.append(key[start:i])
            start = i + 1
    parts.append(key[start:])
    return parts
