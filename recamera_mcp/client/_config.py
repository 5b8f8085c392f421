"""Config areas on the client side: finding an endpoint's spec, and planning and reporting a read-modify-write."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from recamera_mcp.client._endpoints import CONFIG_AREAS, AreaSpec, ConfigArea, area_for_path
from recamera_mcp.client._errors import ValidationError
from recamera_mcp.client._host import CGI_PREFIX
from recamera_mcp.client._merge import Planned, flatten, plan_changes, value_at
from recamera_mcp.client._models import FieldChange, WriteResult
from recamera_mcp.client._secrets import mask_value

__all__ = ["WritePlan", "area_spec", "resolve_spec"]

_WRITE_METHODS = frozenset({"PUT", "POST"})
_MISSING = object()


def area_spec(area: ConfigArea | str) -> AreaSpec:
    """The table entry of a config area; :class:`ValidationError` (field ``area``) for an unknown one."""
    try:
        return CONFIG_AREAS[ConfigArea(area)]
    except ValueError:
        known = ", ".join(a.value for a in ConfigArea)
        raise ValidationError(f"unknown config area {area!r}", f"use one of: {known}", field="area") from None


def resolve_spec(path_or_area: str | ConfigArea, *, raw: bool = False, write_method: str | None = None) -> AreaSpec:
    """The spec for an area name or a path (``/network/lan``, ``/model/inference?id=0``).

    A path of the table gets the table's methods and secret fields; another path is written with POST unless
    ``write_method`` says otherwise.
    """
    if isinstance(path_or_area, ConfigArea) or path_or_area in ConfigArea._value2member_map_:
        spec = area_spec(path_or_area)
    else:
        if not isinstance(path_or_area, str) or not path_or_area.startswith("/"):
            known = ", ".join(a.value for a in ConfigArea)
            raise ValidationError(
                f"unknown config area {path_or_area!r}",
                f"use one of: {known}; or give an endpoint path starting with /",
                field="area",
            )
        if not path_or_area.strip("/") or "://" in path_or_area or ".." in path_or_area.split("/"):
            raise ValidationError(
                f"{path_or_area!r} is not an endpoint path", "give a path such as /network/lan", field="path"
            )
        path, _, query = path_or_area.partition("?")
        path = "/" + path.lstrip("/")
        if not raw and path.startswith(CGI_PREFIX + "/"):
            path = path[len(CGI_PREFIX) :]
        params = dict(parse_qsl(query)) or None
        area = area_for_path(path, raw=raw)
        if area is not None:
            spec = CONFIG_AREAS[area]
            if params:
                spec = dataclasses.replace(spec, params=params)
        else:
            spec = AreaSpec(path=path.rstrip("/") or "/", write_method="POST", raw=raw, params=params)
    if write_method is not None:
        method = write_method.upper()
        if method not in _WRITE_METHODS:
            raise ValidationError(
                f"write method {write_method!r} is not PUT or POST", "use PUT or POST", field="write_method"
            )
        spec = dataclasses.replace(spec, write_method=method)
    return spec


@dataclass
class WritePlan:
    """A validated read-modify-write: the whole object to send and the leaves asked to change."""

    spec: AreaSpec
    current: dict[str, Any]
    merged: dict[str, Any]
    planned: list[Planned]
    reveal_secrets: bool = False

    @classmethod
    def build(
        cls, spec: AreaSpec, current: dict[str, Any], changes: Mapping[str, Any], *, reveal_secrets: bool = False
    ) -> WritePlan:
        """Validate ``changes`` against ``current``; raises :class:`ValidationError` before any write."""
        merged, planned = plan_changes(current, changes, spec.secret_fields)
        return cls(spec, current, merged, planned, reveal_secrets)

    @property
    def differing(self) -> list[Planned]:
        """The asked leaves whose wanted value differs from the current one."""
        return [p for p in self.planned if p.before != p.wanted or type(p.before) is not type(p.wanted)]

    @property
    def needs_write(self) -> bool:
        return bool(self.differing)

    @property
    def moved_secrets(self) -> list[tuple[str, str]]:
        """``(destination, secret)`` pairs where a destination changes while its secret is kept (not given again):
        the device would send the old secret to the new place (see :attr:`AreaSpec.secret_destinations`)."""
        asked = {p.field for p in self.planned}
        changed = {p.field for p in self.differing}
        moved = []
        for destination, secrets in self.spec.secret_destinations.items():
            if destination not in changed:
                continue
            for secret in sorted(secrets):
                kept = value_at(self.current, secret)
                if secret not in asked and kept not in (None, ""):
                    moved.append((destination, secret))
        return moved

    def _shown(self, field: str, value: Any) -> Any:
        return value if self.reveal_secrets else mask_value(field, value, self.spec.secret_fields)

    def _is_asked(self, name: str) -> bool:
        return any(
            name == p.field or name.startswith(p.field + ".") or p.field.startswith(name + ".") for p in self.planned
        )

    def preview(self, *, dry_run: bool) -> WriteResult:
        """The result without a write: in a dry run what would change, otherwise (nothing to do) every asked field."""
        listed = self.differing if dry_run else self.planned
        untouched = [name for name, _ in flatten(self.current) if not self._is_asked(name)]
        return WriteResult(
            path=self.spec.path,
            dry_run=dry_run,
            written=False,
            changes=[
                FieldChange(
                    field=p.field,
                    before=self._shown(p.field, p.before),
                    after=self._shown(p.field, p.wanted if dry_run else p.before),
                    kept=not dry_run,
                )
                for p in listed
            ],
            unchanged_fields=len(untouched),
        )

    def report(self, after: Any) -> WriteResult:
        """The result of a write, from the object read back after it."""
        before_leaves = dict(flatten(self.current))
        after_leaves = dict(flatten(after))
        changes = []
        for p in self.planned:
            now = value_at(after, p.field)
            changes.append(
                FieldChange(
                    field=p.field,
                    before=self._shown(p.field, p.before),
                    after=self._shown(p.field, now),
                    kept=now == p.wanted and isinstance(now, bool) == isinstance(p.wanted, bool),
                )
            )
        others = [
            name
            for name in before_leaves.keys() | after_leaves.keys()
            if not self._is_asked(name) and name not in self.spec.volatile_fields
        ]
        moved = sorted(name for name in others if before_leaves.get(name, _MISSING) != after_leaves.get(name, _MISSING))
        return WriteResult(
            path=self.spec.path,
            dry_run=False,
            written=True,
            changes=changes,
            unchanged_fields=len(others) - len(moved),
            other_changes=[
                FieldChange(
                    field=name,
                    before=self._shown(name, before_leaves.get(name)),
                    after=self._shown(name, after_leaves.get(name)),
                )
                for name in moved
            ],
        )
