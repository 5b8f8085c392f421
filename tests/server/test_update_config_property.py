"""Property: update_config on every area changes exactly the fields asked for (lists of objects included), or
nothing at all, and its dry run computes the very body the write sends.

Hypothesis draws random partial changes for each area: scalar fields (values from the strict simulator's own
rules, so most writes are valid and some are not) and, where the area has them, list operations (merge a partial
item into the item it names, add one, remove one; merge, add or remove a region by position; replace the weekday
windows whole). For every case:

- the dry run and the write list the same fields, and the body the write sent equals the dry run's body;
- on success the device's stored object equals the object before with exactly those changes applied (computed here
  independently), so no field is lost, and every field whose value moved is reported (``changes`` or
  ``other_changes``);
- on an error result the stored object is untouched.

Examples are derandomized (the same cases on every run); one MCP session per area serves all of them. Each area's
case count is printed (``pytest -s``).
"""

from __future__ import annotations

import asyncio
import copy
import string
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from recamera_mcp.client import CONFIG_AREAS, ConfigArea
from recamera_mcp.client._lists import related
from recamera_mcp.client._merge import flatten
from recamera_mcp.server import create_server
from recamera_mcp.simulator.schemas import ALL_SPECS
from recamera_mcp.simulator.schemas.base import ConfigSpec, OneOf, Range
from recamera_mcp.simulator.schemas.recording import EMMC_DEV_PATH, EMMC_UUID, SD_DEV_PATH, SD_UUID
from tests.server.conftest import make_options

T = TypeVar("T")
EXAMPLES = 25
"""Cases per area."""
VOLATILE = {"iTimestamp", "iActualFPS", "sStatus"}
"""Fields the device computes on every read."""
REMOVE = "_remove"


# ---- one MCP session per area, in a loop of its own ---------------------------------------------------------------
@contextmanager
def mcp_session() -> Iterator[Callable[[Callable[[Client], Coroutine[Any, Any, T]]], T]]:
    """``call(lambda client: coroutine)`` runs on one MCP client, kept open in a background event loop."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    held: dict[str, Any] = {}

    async def hold() -> None:
        held["stop"] = asyncio.Event()
        try:
            async with Client(create_server(make_options(reveal_secrets=True))) as client:
                held["client"] = client
                ready.set()
                await held["stop"].wait()
        finally:
            ready.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(hold(),), daemon=True)
    thread.start()
    assert ready.wait(30) and "client" in held, "the MCP session did not open"

    def call(job: Callable[[Client], Coroutine[Any, Any, T]]) -> T:
        return asyncio.run_coroutine_threadsafe(job(held["client"]), loop).result(60)

    try:
        yield call
    finally:
        loop.call_soon_threadsafe(held["stop"].set)
        thread.join(30)
        loop.close()


# ---- scalar fields ----------------------------------------------------------------------------------------------
def scalar_leaves(obj: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for key, value in obj.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            found.extend(scalar_leaves(value, dotted))
        elif not isinstance(value, list):
            found.append((dotted, value))
    return found


KNOWN_VALUES: dict[str, tuple[Any, ...]] = {
    "iBitRate": (8000, 16000, 24000, 40000, 64000, 128000, 200000),
    "sEncodeType": ("G711A", "G711U", "G726", "MP3", "AAC"),
    "iEnable": (0, 1),
}
"""Device values worth drawing for fields whose rule lives in a cross-field check (random ones always fail it)."""


def value_strategy(spec: ConfigSpec | None, dotted: str, current: Any) -> st.SearchStrategy[Any]:
    if dotted.rsplit(".", 1)[-1] in KNOWN_VALUES:
        return st.sampled_from(KNOWN_VALUES[dotted.rsplit(".", 1)[-1]])
    rule = spec.rules.get(dotted) if spec is not None else None
    if isinstance(rule, OneOf):
        return st.sampled_from(rule.values)
    if isinstance(rule, Range):
        if isinstance(current, int) and not isinstance(current, bool):
            return st.integers(int(rule.lo), int(rule.hi))
        return st.floats(rule.lo, rule.hi, allow_nan=False)
    if isinstance(current, bool):
        return st.booleans()
    if rule is not None:  # patterns and custom checks: keep valid values in play, and sometimes an odd one
        return st.sampled_from([current, current, "x" if isinstance(current, str) else current])
    parents = dotted.split(".")[:-1]
    if spec is not None and any(".".join(parents[:i]) in spec.rules for i in range(1, len(parents) + 1)):
        # a rule on the enclosing object (e.g. a slot's path and UUID must match): random text would always fail it
        return st.sampled_from([current, current, current, "x" if isinstance(current, str) else current])
    if isinstance(current, int):
        return st.integers(0, 2000)
    if isinstance(current, float):
        return st.floats(0, 1, allow_nan=False)
    if isinstance(current, str):
        return st.text(string.ascii_letters + string.digits, min_size=1, max_size=12)
    return st.just(current)


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = out
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def set_at(obj: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        obj = obj[part]
    obj[last] = copy.deepcopy(value)


def get_at(obj: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        obj = obj[part]
    return obj


def deep_merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(a)
    for key, value in b.items():
        out[key] = deep_merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


# ---- lists: the operations drawn, and what they do (the oracle) --------------------------------------------------
UNIT = st.floats(0, 1, allow_nan=False).map(lambda v: round(v, 2))
POLYGON = st.lists(st.tuples(UNIT, UNIT).map(list), min_size=3, max_size=4)
WINDOWS = [("Mon 08:00:00", "Mon 18:00:00"), ("Tue 09:30:00", "Tue 12:00:00"), ("Sat 00:00:00", "Sun 24:00:00"),
           ("Fri 20:00:00", "Fri 08:00:00")]  # fmt: skip
"""Weekday windows; the last ends before it starts (refused)."""


def apply_by_identity(
    items: list[Any], name: str, change: list[dict[str, Any]], merge_item: Callable[..., Any]
) -> list[Any]:
    out = copy.deepcopy(items)
    added = []
    for item in change:
        index = next((i for i, it in enumerate(out) if it is not None and it[name] == item[name]), None)
        if item.get(REMOVE):
            out[index] = None
        elif index is None:
            added.append(copy.deepcopy(item))
        else:
            out[index] = merge_item(out[index], {k: v for k, v in item.items() if k != name})
    return [it for it in out if it is not None] + added


def apply_by_position(items: list[Any], change: list[dict[str, Any]]) -> list[Any]:
    out: list[Any] = copy.deepcopy(items)
    added = []
    for index, item in enumerate(change):
        if item.get(REMOVE):
            out[index] = None
        elif index < len(items):
            out[index] = {**out[index], **copy.deepcopy(item)}
        else:
            added.append(copy.deepcopy(item))
    return [it for it in out if it is not None] + added


def merge_rule(rule: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    merged = {**rule, **{k: copy.deepcopy(v) for k, v in change.items() if k != "lRegionFilter"}}
    if "lRegionFilter" in change:
        merged["lRegionFilter"] = apply_by_position(rule["lRegionFilter"], change["lRegionFilter"])
    return merged


def merge_flat(item: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    return {**item, **copy.deepcopy(change)}


@st.composite
def mask_ops(draw: st.DrawFn, masks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [m["id"] for m in masks]
    ops: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["merge", "add", "remove"] if ids else ["add"]))
        taken = {op["id"] for op in ops}
        if kind == "add":
            new = max([*ids, *taken, 0]) + 1
            fields = ("iPositionX", "iPositionY", "iMaskWidth", "iMaskHeight")
            ops.append({"id": new, **{f: draw(UNIT) for f in fields}})
            continue
        free = [i for i in ids if i not in taken]
        if not free:
            continue
        target = draw(st.sampled_from(free))
        if kind == "remove":
            ops.append({"id": target, REMOVE: True})
        else:
            keys = draw(st.lists(st.sampled_from(["iPositionX", "iPositionY", "iMaskWidth", "iMaskHeight"]),
                                 min_size=1, max_size=2, unique=True))  # fmt: skip
            ops.append({"id": target, **{k: draw(UNIT) for k in keys}})
    return ops


@st.composite
def region_ops(draw: st.DrawFn, regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kind = draw(st.sampled_from(["first", "second", "remove"] if regions else ["first"]))
    if kind == "first":
        return [{"lPolygon": draw(POLYGON)}]
    if kind == "second":
        return [{}, {"lPolygon": draw(POLYGON)}]
    return [{REMOVE: True}]


@st.composite
def rule_ops(draw: st.DrawFn, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [r["sID"] for r in rules]
    ops: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 2))):
        taken = {op["sID"] for op in ops}
        free = [i for i in ids if i not in taken]
        kind = draw(st.sampled_from(["merge", "merge", "add", "remove"] if free else ["add"]))
        if kind == "add":
            model = rules[0] if rules else None
            classes = model["lClassFilter"] if model else [0]
            ops.append({
                "sID": f"p{len(ids) + len(ops) + 1}-{draw(st.integers(0, 999))}",
                "iDebounceTimes": draw(st.integers(0, 20)),
                "lConfidenceFilter": sorted([draw(UNIT), draw(UNIT)]),
                "lClassFilter": copy.deepcopy(classes),
                "lRegionFilter": [{"lPolygon": draw(POLYGON)}],
            })  # fmt: skip
            continue
        target = draw(st.sampled_from(free))
        if kind == "remove":
            ops.append({"sID": target, REMOVE: True})
            continue
        rule = next(r for r in rules if r["sID"] == target)
        keys = draw(st.lists(st.sampled_from(["iDebounceTimes", "lConfidenceFilter", "lRegionFilter"]),
                             min_size=1, max_size=2, unique=True))  # fmt: skip
        change: dict[str, Any] = {"sID": target}
        for key in keys:
            if key == "iDebounceTimes":
                change[key] = draw(st.sampled_from([0, 3, 7, 1000, 1001]))  # 1001 is out of range
            elif key == "lConfidenceFilter":
                change[key] = sorted([draw(UNIT), draw(UNIT)])
            else:
                change[key] = draw(region_ops(rule["lRegionFilter"]))
        ops.append(change)
    return ops


def list_case(area: ConfigArea, before: dict[str, Any], draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(changes, expected object)`` for the area's lists, or ``({}, before)`` when it has none."""
    if area == ConfigArea.OSD:
        ops = draw(mask_ops(before["maskOverlay"]["privacyMask"]))
        expected = copy.deepcopy(before)
        masks = expected["maskOverlay"]["privacyMask"]
        expected["maskOverlay"]["privacyMask"] = apply_by_identity(masks, "id", ops, merge_flat)
        return {"maskOverlay": {"privacyMask": ops}}, expected
    if area == ConfigArea.RECORD_TRIGGERS:
        ops = draw(rule_ops(before["lInferenceSet"]))
        expected = copy.deepcopy(before)
        expected["lInferenceSet"] = apply_by_identity(before["lInferenceSet"], "sID", ops, merge_rule)
        return {"lInferenceSet": ops}, expected
    if area == ConfigArea.RECORD_SCHEDULE:
        chosen = draw(st.lists(st.sampled_from(WINDOWS), min_size=1, max_size=2, unique=True))
        windows = [{"sStart": a, "sEnd": b} for a, b in chosen]
        return {"lActiveWeekdays": windows}, {**copy.deepcopy(before), "lActiveWeekdays": windows}
    if area == ConfigArea.STORAGE:  # the slot's path and UUID go together: pick a slot, a bad pair, or none
        chosen = draw(st.sampled_from([{"sByDevPath": EMMC_DEV_PATH, "sByUUID": EMMC_UUID},
                                       {"sByDevPath": SD_DEV_PATH, "sByUUID": SD_UUID},
                                       {"sByDevPath": SD_DEV_PATH, "sByUUID": EMMC_UUID}, None]))  # fmt: skip
        return {"dSelectSlotToEnable": chosen}, {**copy.deepcopy(before), "dSelectSlotToEnable": chosen}
    return {}, before


LIST_AREAS = {ConfigArea.OSD, ConfigArea.RECORD_TRIGGERS, ConfigArea.RECORD_SCHEDULE, ConfigArea.STORAGE}
"""Areas with a case of their own beside scalar fields: lists of objects, whole lists, the slot selection."""


# ---- the property ------------------------------------------------------------------------------------------------
def strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


async def read(client: Client, host: str, area: ConfigArea) -> dict[str, Any]:
    result = await client.call_tool("get_config", {"host": host, "area": area.value, "reveal_secrets": True})
    assert not result.is_error, result.content
    return dict(result.structured_content["config"])


async def update(client: Client, host: str, area: ConfigArea, changes: dict[str, Any], dry_run: bool) -> Any:
    args = {"host": host, "area": area.value, "changes": changes, "reveal_secrets": True, "dry_run": dry_run}
    return await client.call_tool("update_config", args)


def error_text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def moved_leaves(before: dict[str, Any], after: dict[str, Any], rules: Any) -> list[str]:
    """Every leaf (into list items) whose value differs between the two objects, or that is only in one."""
    old, new = dict(flatten(strip(before), rules)), dict(flatten(strip(after), rules))
    return sorted(name for name in old.keys() | new.keys() if old.get(name, "<gone>") != new.get(name, "<gone>"))


def seed(area: ConfigArea, state: Any) -> None:
    """Give the list areas several items to work on (stored directly, as a camera could hold them)."""
    path = CONFIG_AREAS[area].path
    with state.lock:
        obj = state.configs.get(path)
        if obj is None:
            return
        if area == ConfigArea.OSD:
            obj["maskOverlay"]["privacyMask"] = [
                {"id": 1, "iPositionX": 0.1, "iPositionY": 0.1, "iMaskWidth": 0.2, "iMaskHeight": 0.2},
                {"id": 4, "iPositionX": 0.6, "iPositionY": 0.5, "iMaskWidth": 0.1, "iMaskHeight": 0.3},
            ]
        elif area == ConfigArea.RECORD_TRIGGERS:
            first = obj["lInferenceSet"][0]
            second = {**copy.deepcopy(first), "sID": "door", "iDebounceTimes": 5, "lConfidenceFilter": [0.7, 1.0],
                      "lRegionFilter": [{"lPolygon": [[0, 0], [0.5, 0], [0.5, 0.5]]},
                                        {"lPolygon": [[0.5, 0.5], [1, 0.5], [1, 1]]}]}  # fmt: skip
            obj["lInferenceSet"] = [first, second]


@pytest.mark.parametrize("area", list(ConfigArea))
def test_update_config_changes_exactly_the_given_fields(area: ConfigArea, make_camera):
    cam = make_camera()
    state = cam.camera
    area_spec = CONFIG_AREAS[area]
    spec = ALL_SPECS.get(area_spec.path)
    readonly = spec.readonly if spec is not None else frozenset()
    seed(area, state)
    seeded = copy.deepcopy(state.configs.get(area_spec.path))
    counts = {"cases": 0, "written": 0, "refused": 0, "unchanged": 0, "list_cases": 0, "lost": 0}

    with mcp_session() as call:
        initial = call(lambda c: read(c, cam.address, area))
        fields = [
            (d, v) for d, v in scalar_leaves(initial) if d not in readonly and d.rsplit(".", 1)[-1] not in VOLATILE
        ]
        if not fields and area not in LIST_AREAS:
            pytest.fail(f"area {area} has no writable field to exercise")
        strategies = {d: value_strategy(spec, d, v) for d, v in fields}

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
        @given(st.data())
        def check(data: st.DataObject) -> None:
            if seeded is not None:  # every case starts from the same object, so hypothesis can replay and shrink
                with state.lock:
                    state.configs[area_spec.path] = copy.deepcopy(seeded)
            before = call(lambda c: read(c, cam.address, area))
            with_lists = area in LIST_AREAS and (not strategies or data.draw(st.booleans(), label="lists"))
            lists, expected = list_case(area, before, data.draw) if with_lists else ({}, before)
            free = sorted(d for d in strategies if d.split(".")[0] not in lists)  # not under the case's own keys
            chosen = (
                data.draw(st.lists(st.sampled_from(free), min_size=0 if lists else 1, max_size=3, unique=True),
                          label="fields")
                if free
                else []
            )  # fmt: skip
            flat = {d: data.draw(strategies[d], label=d) for d in chosen}
            changes = deep_merge(nest(flat), lists)
            expected = copy.deepcopy(expected)
            for dotted, value in flat.items():
                if dotted not in readonly:
                    set_at(expected, dotted, value)
            counts["cases"] += 1
            counts["list_cases"] += bool(lists)

            dry = call(lambda c: update(c, cam.address, area, changes, dry_run=True))
            state.clear_log()
            result = call(lambda c: update(c, cam.address, area, changes, dry_run=False))
            after = call(lambda c: read(c, cam.address, area))
            sent = [e.body for e in list(state.log) if e.method in ("PUT", "POST") and e.path == area_spec.path]

            if result.is_error:
                counts["refused"] += 1
                assert "Traceback" not in error_text(result)
                assert strip(after) == strip(before), f"a refused update changed the device: {changes}"
                return
            assert not dry.is_error, f"the dry run refused what the write accepted: {error_text(dry)}"
            out, preview = result.structured_content, dry.structured_content
            assert [c["field"] for c in preview["changes"]] == [c["field"] for c in out["changes"]], changes
            if out["written"]:
                counts["written"] += 1
                assert len(sent) == 1 and strip(sent[0]) == strip(preview["body"]), "the dry run's body was not sent"
            else:
                counts["unchanged"] += 1
                assert sent == [] and strip(preview["body"]) == strip(before)
            assert strip(after) == strip(expected), f"changes {changes}"
            reported = [c["field"] for c in out["changes"] + out["other_changes"]]
            lost = [n for n in moved_leaves(before, after, area_spec.lists) if not any(related(n, r) for r in reported)]
            counts["lost"] += len(lost)
            assert lost == [], f"fields that moved without the result saying so: {lost}"

        check()
    print(f"\n{area.value}: {counts}")
    assert counts["cases"] > 0
    assert counts["written"] > 0, f"{area.value}: no case was written: the property only checked refusals"
