"""The image area (``cam.image``): ISP tuning with typed groups (the device's own keys and ranges), and the
edit-mode sequence done right.

    result = await cam.image.tune("current", adjustment={"iBrightness": 70})

The device's sequence (``recamera-api-fields.md`` §2.4): ``PUT /image/0/scene {"iProfile": N}`` enters edit mode
for profile N (0 general, 1 day, 2 night), the per-profile PUTs replace WHOLE sub-objects, and
``PUT /image/0/scene {"iProfile": -1}`` commits and leaves edit mode (without it the changes are dropped after an
idle timeout). Saving differs by firmware generation (``_dialect.py``): 2026 firmware saves the edited profile
with ``POST /image/0/scene-save`` sent **before** the commit (the web UI's order), legacy firmware with the commit
itself (it answers 404 to scene-save, which is tolerated). ``video-adjustment`` and ``night-to-day`` are not per
profile: they are applied and saved at once.

:meth:`ImageAPI.tune` validates everything before it writes, always sends the commit once it entered edit mode
(also when a step failed) and reports the before/after of every field asked for, and of every field of the written
sections that the device changed on its own (``other_changes``).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, Field

from recamera_mcp.client._dialect import Dialect
from recamera_mcp.client._errors import Conflict, DeviceApiError, NotSupported, ReCameraError, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._isp import (
    BY_NAME,
    GROUPS,
    IMAGE_PATH,
    READ_ONLY,
    SAVE_PATH,
    SCENE_PATH,
    SCENES,
    Adjustment,
    Backlight,
    Enhancement,
    Exposure,
    GroupSpec,
    IspGroup,
    NightToDay,
    VideoAdjustment,
    WhiteBalance,
    check_backlight,
    check_night_to_day,
    parse_groups,
    resolve_profile,
)
from recamera_mcp.client._merge import differs
from recamera_mcp.client._models import FieldChange, Revert

__all__ = [
    "GROUPS",
    "SCENES",
    "Adjustment",
    "Backlight",
    "Enhancement",
    "Exposure",
    "ImageAPI",
    "ImageValues",
    "NightToDay",
    "ResetResult",
    "TuneResult",
    "VideoAdjustment",
    "WhiteBalance",
]

log = logging.getLogger(__name__)


class TuneResult(BaseModel):
    """What :meth:`ImageAPI.tune` did."""

    profile: Annotated[int, Field(description="Profile edited: 0 general, 1 day, 2 night.")]
    profile_name: str
    changes: Annotated[
        list[FieldChange], Field(description="Each field asked for, e.g. profile[2].imageAdjustment.iBrightness")
    ] = []
    other_changes: Annotated[
        list[FieldChange], Field(description="Fields of the written sections the device changed on its own")
    ] = []
    steps: Annotated[list[str], Field(description="Requests sent, in order, e.g. 'PUT /image/0/scene -1'.")] = []
    failed_step: Annotated[str | None, Field(description="The request that failed, if any.")] = None
    error: Annotated[str | None, Field(description="Why it failed.")] = None
    entered_edit_mode: bool = False
    left_edit_mode: Annotated[
        bool, Field(description="True when the commit (iProfile -1) was sent and accepted, so edit mode is over.")
    ] = False
    saved: Annotated[
        bool | None,
        Field(description="The edited profile was saved (survives a reboot); null when no profile was edited."),
    ] = None
    notes: list[str] = []
    revert: Annotated[Revert | None, Field(exclude=True, repr=False)] = None
    """What puts the before-values back (when the tune changed something); never serialized."""

    @property
    def ok(self) -> bool:
        return self.failed_step is None

    def summary(self) -> str:
        """One paragraph for a human or an agent."""
        parts = [f"profile {self.profile} ({self.profile_name})"]
        if self.failed_step:
            parts.append(f"step {self.failed_step!r} failed: {self.error}")
        if self.entered_edit_mode:
            parts.append(
                "edit mode was left (committed with iProfile -1)"
                if self.left_edit_mode
                else "edit mode could NOT be left: the device drops uncommitted changes after its idle timeout; "
                'tune again, or send PUT /image/0/scene {"iProfile": -1}'
            )
        kept = [f"{c.field}: {c.before!r} -> {c.after!r}" for c in self.changes if c.kept and c.before != c.after]
        parts.append("applied: " + ", ".join(kept) if kept else "nothing was changed")
        return "; ".join(parts + self.notes)


class ResetResult(BaseModel):
    """What :meth:`ImageAPI.reset` did."""

    reset: bool
    note: str


def _section(image: Mapping[str, Any], spec: GroupSpec, profile: int) -> dict[str, Any]:
    try:
        section = image["profile"][profile][spec.key] if spec.per_profile else image[spec.key]
    except (KeyError, IndexError, TypeError):
        section = None
    if not isinstance(section, dict):
        raise NotSupported(
            f"GET {IMAGE_PATH} has no {spec.key} for {f'profile {profile}' if spec.per_profile else 'the camera'}",
            "this firmware's image object differs from the documented one; read GET /image/0 raw to see it",
        )
    return section


def _label(spec: GroupSpec, profile: int, key: str) -> str:
    return f"profile[{profile}].{spec.key}.{key}" if spec.per_profile else f"{spec.key}.{key}"


@dataclass
class _Write:
    spec: GroupSpec
    path: str
    before: dict[str, Any]
    body: dict[str, Any]
    asked: dict[str, Any]


def _plan(image: Mapping[str, Any], parsed: Mapping[str, IspGroup], profile: int) -> list[_Write]:
    writes: list[_Write] = []
    for name, model in parsed.items():
        spec = BY_NAME[name]
        current = _section(image, spec, profile)
        asked = model.changes()
        merged = copy.deepcopy(current) | asked
        for key in READ_ONLY.get(spec.key, ()):
            merged.pop(key, None)
        if spec.name == "backlight":
            check_backlight(merged, current, f"{profile} ({list(SCENES)[profile]})")
        if spec.name == "night_to_day":
            check_night_to_day(merged)
        writes.append(_Write(spec, spec.path(profile), copy.deepcopy(current), merged, asked))
    return writes


def _check_expected(image: Mapping[str, Any], expect: Mapping[str, Any], profile: int) -> None:
    """Raise :class:`Conflict` for the first field of ``expect`` (``{group: {key: value}}``) the image no longer
    holds."""
    for name, fields in expect.items():
        spec = BY_NAME[name]
        section = _section(image, spec, profile)
        for key, left in fields.items():
            if differs(section.get(key), left):
                label = _label(spec, profile, key)
                raise Conflict(
                    f"{label} is {section.get(key)!r} now, but the change being undone left {left!r}: it was "
                    "changed since",
                    "tune it directly; putting the older value back would overwrite the newer one",
                    field=label,
                )


async def _tune(
    client: Funnel, scene: str = "current", expect: Mapping[str, Any] | None = None, **groups: Any
) -> TuneResult:
    """Change ISP values of one profile (and the profile-independent groups) with a guaranteed commit (see
    :meth:`ImageAPI.tune`).

    ``groups``: any of adjustment, exposure, backlight, white_balance, enhancement (per profile), video_adjustment,
    night_to_day (camera-wide); each a dict (or model) of device keys. Everything is validated before the first
    write; once edit mode was entered the commit ``{"iProfile": -1}`` is always sent. A failed step is reported in
    the result (``failed_step``), not raised. ``expect`` (``{group: {key: value}}``): values the profile must
    hold now, else :class:`Conflict` before anything is written (an undo uses it).
    """
    parsed = parse_groups(groups)
    if scene not in ("current", *SCENES):
        raise ValidationError(f"unknown scene {scene!r}", "use current, general, day or night", field="scene")
    image = await client.get_json(IMAGE_PATH)
    if not isinstance(image, dict):
        raise NotSupported(f"GET {IMAGE_PATH} did not answer an object", "check the firmware")
    profile = resolve_profile(image, scene)
    writes = _plan(image, parsed, profile)
    if expect:
        _check_expected(image, expect, profile)
    result = TuneResult(profile=profile, profile_name=list(SCENES)[profile])
    if scene == "current":
        result.notes.append(f"scene 'current' is profile {profile} ({result.profile_name}), the one in use")
    needed = [w for w in writes if any(differs(w.before.get(k, None), v) for k, v in w.asked.items())]
    per_profile = [w for w in needed if w.spec.per_profile]
    direct = [w for w in needed if not w.spec.per_profile]
    dialect = await client.dialect() if per_profile else Dialect.CURRENT  # how edited profiles are saved

    async def send(method: str, path: str, body: Any, label: str) -> None:
        result.steps.append(label)
        await client.send_json(method, path, body)

    try:
        if per_profile:
            result.entered_edit_mode = True
            await send("PUT", SCENE_PATH, {"iProfile": profile}, f"PUT {SCENE_PATH} {profile}")
            for w in per_profile:
                await send("PUT", w.path, w.body, f"PUT {w.path}")
        for w in direct:
            await send("PUT", w.path, w.body, f"PUT {w.path}")
    except ReCameraError as exc:
        result.failed_step = result.steps[-1]
        result.error = str(exc)
        log.warning("image tuning on %s: %s failed: %s", client.address.key, result.failed_step, exc)
    finally:
        if result.entered_edit_mode:
            await _commit(client, result, profile, dialect)
    await _read_back(client, result, writes, profile)
    if not needed:
        result.notes.append("the device already had these values: nothing was written")
    return result


async def _commit(client: Funnel, result: TuneResult, profile: int, dialect: Dialect) -> None:
    """Persist, then leave edit mode. 2026 firmware persists the profile with ``POST scene-save`` while it is still
    being edited (the web UI's order; after the commit it would save nothing), legacy firmware with the commit
    itself (its 404 to scene-save is tolerated too, should the version mislead). The commit
    ``PUT scene {"iProfile": -1}`` is always sent; after a failed step nothing is saved."""
    no_save = False
    if dialect == Dialect.CURRENT and result.failed_step is None:
        no_save = await _save(client, result)
    result.steps.append(f"PUT {SCENE_PATH} -1")
    try:
        await client.send_json("PUT", SCENE_PATH, {"iProfile": -1})
        result.left_edit_mode = True
    except ReCameraError as exc:
        if result.failed_step is None:
            result.failed_step, result.error = result.steps[-1], str(exc)
        else:
            result.notes.append(f"the commit failed too: {exc}")
        result.saved = False if result.saved is None else result.saved
        log.error("image tuning on %s: commit of profile %d failed: %s", client.address.key, profile, exc)
        return
    if result.failed_step is not None:
        result.notes.append("nothing was saved after the failed step: the values written are live until a reboot")
    elif dialect == Dialect.LEGACY or no_save:
        result.saved = True  # legacy firmware saves with the commit


async def _save(client: Funnel, result: TuneResult) -> bool:
    """``POST scene-save`` in edit mode; True when the firmware has none (404/501: the commit saves)."""
    result.steps.append(f"POST {SAVE_PATH}")
    try:
        await client.send_json("POST", SAVE_PATH, {})
        result.saved = True
    except (NotSupported, DeviceApiError) as exc:
        if isinstance(exc, NotSupported) or exc.status_code == 404:
            result.notes.append("this firmware has no scene-save: the commit saves the values")
            return True
        result.saved = False
        result.notes.append(f"scene-save failed, so the values are live but not saved (a reboot undoes them): {exc}")
    except ReCameraError as exc:
        result.saved = False
        result.notes.append(f"scene-save failed, so the values are live but not saved (a reboot undoes them): {exc}")
    return False


async def _read_back(client: Funnel, result: TuneResult, writes: list[_Write], profile: int) -> None:
    try:
        after = await client.get_json(IMAGE_PATH)
    except ReCameraError as exc:
        after = None
        result.notes.append(f"could not read the values back: {exc}")
    undo: dict[str, dict[str, Any]] = {}
    expect: dict[str, dict[str, Any]] = {}
    for w in writes:
        section: dict[str, Any] | None = None
        if isinstance(after, dict):
            try:
                section = _section(after, w.spec, profile)
            except NotSupported:
                section = None
        for key, wanted in w.asked.items():
            now = section.get(key) if section is not None else None
            result.changes.append(
                FieldChange(field=_label(w.spec, profile, key), before=w.before.get(key), after=now, kept=now == wanted)
            )
            if section is not None and key in section and differs(w.before.get(key), now):
                undo.setdefault(w.spec.name, {})[key] = w.before.get(key)
                expect.setdefault(w.spec.name, {})[key] = now
        if section is None:
            continue
        for key in sorted(w.before.keys() | section.keys()):
            if key not in w.asked and w.before.get(key) != section.get(key):
                result.other_changes.append(
                    FieldChange(field=_label(w.spec, profile, key), before=w.before.get(key), after=section.get(key))
                )
    if undo:
        name = list(SCENES)[profile]
        result.revert = Revert(
            op="image.tune",
            target=f"image profile {profile} ({name})",
            args={"scene": name, "groups": undo},
            expect=expect,
            fields=[_label(BY_NAME[g], profile, k) for g, keys in undo.items() for k in keys],
        )


async def _reset(client: Funnel) -> ResetResult:
    """``POST /image/0``: every ISP value of every profile back to the factory values (drops an edit session)."""
    await client.send_json("POST", IMAGE_PATH, {})
    return ResetResult(
        reset=True, note="all three profiles, video adjustment and day/night settings are factory values"
    )


class ImageValues(BaseModel):
    """The current values of one tunable group (``ImageAPI.read``)."""

    group: str
    key: str = Field(description="The group's key in GET /image/0")
    profile: int | None = Field(description="Profile read (0 general, 1 day, 2 night); None: camera-wide group")
    values: dict[str, Any]


async def _read(client: Funnel, group: str, scene: str) -> ImageValues:
    spec = BY_NAME.get(group)
    if spec is None:
        raise ValidationError(f"unknown image group {group!r}", f"use: {', '.join(BY_NAME)}", field="group")
    image = await client.get_json(IMAGE_PATH)
    if not isinstance(image, dict):
        raise NotSupported(f"GET {IMAGE_PATH} did not answer an object", "check the firmware")
    profile = resolve_profile(image, scene)
    values = copy.deepcopy(_section(image, spec, profile))
    return ImageValues(group=group, key=spec.key, profile=profile if spec.per_profile else None, values=values)


class ImageAPI:
    """Tune, read and reset the camera's image (ISP)."""

    def __init__(self, funnel: Funnel) -> None:
        self._funnel = funnel

    async def tune(
        self, scene: str = "current", *, expect: Mapping[str, Any] | None = None, **groups: Any
    ) -> TuneResult:
        """Change ISP values of one profile (and the camera-wide groups) with a guaranteed commit.

        ``scene``: current (the profile in use), general, day or night. ``groups``: any of adjustment, exposure,
        backlight, white_balance, enhancement (per profile), video_adjustment, night_to_day (camera-wide); each a
        dict (or model) of device keys. Everything is validated before the first write; once edit mode was
        entered the commit ``{"iProfile": -1}`` is always sent. A failed step is reported in the result
        (``failed_step``), not raised. ``expect``: values the profile must hold first (else :class:`Conflict`).
        The result's ``revert`` puts the before-values back.
        """
        return await _tune(self._funnel, scene, expect, **groups)

    async def read(self, group: str, scene: str = "current") -> ImageValues:
        """The current values of one group (``adjustment``, ``exposure``, ...; see :data:`GROUPS`) of ``scene``'s
        profile (camera-wide groups ignore the scene). Reads ``GET /image/0`` only."""
        return await _read(self._funnel, group, scene)

    async def reset(self) -> ResetResult:
        """``POST /image/0``: every ISP value of every profile back to the factory values (drops an edit session)."""
        return await _reset(self._funnel)
