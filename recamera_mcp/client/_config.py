"""Config areas on the client side: finding an endpoint's spec, and planning and reporting a read-modify-write."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from recamera_mcp.client._endpoints import CONFIG_AREAS, AreaSpec, ConfigArea, area_for_path
from recamera_mcp.client._errors import Conflict, ValidationError
from recamera_mcp.client._host import CGI_PREFIX
from recamera_mcp.client._lists import ABSENT, Key, Path, Pos, display, leaves, nest, related, shape
from recamera_mcp.client._merge import Planned, differs, plan_changes, value_at
from recamera_mcp.client._models import FieldChange, Revert, WriteResult
from recamera_mcp.client._secrets import mask_secrets, mask_value

__all__ = ["WritePlan", "area_spec", "check_expected", "resolve_spec"]

_WRITE_METHODS = frozenset({"PUT", "POST"})


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


def check_expected(host: str, spec: AreaSpec, current: dict[str, Any], expect: Mapping[str, Any]) -> None:
    """Raise :class:`Conflict` for the first field of ``expect`` (nested like a change) that ``current`` no longer
    holds: the device moved on since the change that left those values."""
    _, planned = plan_changes(current, expect, spec.secret_fields, spec.lists, expect=True)
    for p in planned:
        if differs(p.before, p.wanted):
            now, left = (mask_value(p.shape, v, spec.secret_fields) for v in (p.before, p.wanted))
            state = "is gone" if p.before is ABSENT else "is back" if p.wanted is ABSENT else f"is {now!r} now"
            left_text = "removed it" if p.wanted is ABSENT else f"left {left!r}"
            raise Conflict(
                f"{host}: {spec.path} {p.field} {state}, but the change being undone {left_text}: it was changed since",
                "read the object and change it directly; putting the older value back would overwrite the newer one",
                field=p.field,
            )


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
        merged, planned = plan_changes(current, changes, spec.secret_fields, spec.lists)
        return cls(spec, current, merged, planned, reveal_secrets)

    @property
    def differing(self) -> list[Planned]:
        """The asked leaves whose wanted value differs from the current one."""
        return [p for p in self.planned if differs(p.before, p.wanted)]

    @property
    def needs_write(self) -> bool:
        return bool(self.differing)

    @property
    def moved_secrets(self) -> list[tuple[str, str]]:
        """``(destination, secret)`` pairs where a destination changes while its secret is kept (not given again)
        and the secret already went somewhere (a URL was set): the device would send the old secret to the new
        place (see :attr:`AreaSpec.secret_destinations`). A first destination for a secret that went nowhere is no
        move."""
        asked = {p.field for p in self.planned}
        changed = {p.field for p in self.differing}
        moved = []
        for destination, secrets in self.spec.secret_destinations.items():
            if destination not in changed:
                continue
            for secret in sorted(secrets):
                kept = value_at(self.current, tuple(secret.split(".")))
                went = any(
                    isinstance(value_at(self.current, tuple(d.split("."))), str)
                    and value_at(self.current, tuple(d.split("."))) != ""
                    for d, ss in self.spec.secret_destinations.items()
                    if secret in ss
                )
                if secret not in asked and kept not in (None, "") and went:
                    moved.append((destination, secret))
        return moved

    def _shown(self, planned_shape: str, value: Any) -> Any:
        if value is ABSENT:
            return None
        return value if self.reveal_secrets else mask_value(planned_shape, value, self.spec.secret_fields)

    def _is_asked(self, name: str) -> bool:
        return any(related(name, p.field) for p in self.planned)

    def _leaves(self, obj: Any) -> dict[str, tuple[str, Any]]:
        """Displayed path -> (shape, value) of every leaf."""
        return {display(path): (shape(path), value) for path, value in leaves(obj, self.spec.lists)}

    def preview(self, *, dry_run: bool) -> WriteResult:
        """The result without a write: every asked field with the value it would get (dry run), or keeps."""
        untouched = [name for name in self._leaves(self.current) if not self._is_asked(name)]
        return WriteResult(
            path=self.spec.path,
            dry_run=dry_run,
            written=False,
            changes=[
                FieldChange(
                    field=p.field,
                    before=self._shown(p.shape, p.before),
                    after=self._shown(p.shape, p.wanted if dry_run else p.before),
                    kept=not dry_run,
                )
                for p in self.planned
            ],
            unchanged_fields=len(untouched),
            body=(self.merged if self.reveal_secrets else mask_secrets(self.merged, self.spec.secret_fields))
            if dry_run
            else None,
        )

    def report(self, after: Any) -> WriteResult:
        """The result of a write, from the object read back after it."""
        before_leaves = self._leaves(self.current)
        after_leaves = self._leaves(after)
        changes = []
        for p in self.planned:
            now = self._now(after, p)
            changes.append(
                FieldChange(
                    field=p.field,
                    before=self._shown(p.shape, p.before),
                    after=self._shown(p.shape, now),
                    kept=_kept(now, p.wanted),
                )
            )
        others = [
            name
            for name in before_leaves.keys() | after_leaves.keys()
            if not self._is_asked(name) and name not in self.spec.volatile_fields
        ]
        gone = ("", ABSENT)

        def side_effect(name: str) -> FieldChange:
            (before_shape, old), (after_shape, new) = before_leaves.get(name, gone), after_leaves.get(name, gone)
            return FieldChange(
                field=name,
                before=self._shown(before_shape or after_shape, old),
                after=self._shown(before_shape or after_shape, new),
            )

        moved = sorted(
            name for name in others if differs(before_leaves.get(name, gone)[1], after_leaves.get(name, gone)[1])
        )
        return WriteResult(
            path=self.spec.path,
            dry_run=False,
            written=True,
            changes=changes,
            unchanged_fields=len(others) - len(moved),
            other_changes=[side_effect(name) for name in moved],
            revert=self.revert(after),
        )

    def _now(self, after: Any, p: Planned) -> Any:
        """The value of a planned leaf in the object read back (a removed item by position: ABSENT when its list
        has the length the write sent)."""
        last = p.path[-1] if p.path else None
        if p.wanted is ABSENT and isinstance(last, Pos):
            items, sent = value_at(after, p.path[:-1], after=True), value_at(self.merged, p.path[:-1], after=True)
            if isinstance(items, list) and isinstance(sent, list) and len(items) == len(sent):
                return ABSENT
        return value_at(after, p.path, after=True)

    def revert(self, after: Any) -> Revert | None:
        """What puts back every asked field the write changed, checked against the values it left; None when the
        write changed none."""
        undo: list[tuple[Path, Any]] = []
        expect: list[tuple[Path, Any]] = []
        fields: list[str] = []
        appended: dict[Path, int] = {}
        for p in self.planned:
            now = self._now(after, p)
            if not differs(p.before, now):
                continue
            fields.append(p.field)
            path, last = p.path, p.path[-1]
            if isinstance(last, Pos) and now is ABSENT:
                # a removed item by position comes back at the end (nothing to check: positions moved up)
                items = value_at(after, path[:-1], after=True)
                appended[path[:-1]] = appended.get(path[:-1], len(items) if isinstance(items, list) else 0) + 1
                undo.append(((*path[:-1], Pos(last.index, appended[path[:-1]] - 1)), p.before))
                continue
            undo.append((path, p.before))
            if now is not ABSENT or isinstance(last, Key):
                expect.append((path, now))
        if not undo:
            return None
        area = area_for_path(self.spec.path, raw=self.spec.raw)
        target = area.value if area is not None else _with_params(self.spec.path, self.spec.params)
        args = {"path": target, "changes": nest(undo), "raw": self.spec.raw, "write_method": self.spec.write_method}
        return Revert(op="config.update", target=target, args=args, expect=nest(expect), fields=fields)


def _kept(now: Any, wanted: Any) -> bool:
    """The device holds what was asked: the value, an added item's given fields, or a removed item's absence."""
    if isinstance(wanted, dict) and isinstance(now, dict):
        return all(k in now and not differs(now[k], v) for k, v in wanted.items())
    return not differs(now, wanted)


def _with_params(path: str, params: Mapping[str, str] | None) -> str:
    return path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
