"""Property: update_config on every area changes exactly the fields asked for, or nothing at all.

Hypothesis draws random changes for random fields of each area (values taken from the strict simulator's own
rules, so most writes are valid and some are not); after each update the device object must equal the old object
with those fields changed (on success), or the old object untouched (on an error result).
"""

from __future__ import annotations

import asyncio
import copy
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from recamera_mcp.client import CONFIG_AREAS, ConfigArea
from recamera_mcp.server import create_server
from recamera_mcp.simulator.schemas import ALL_SPECS
from recamera_mcp.simulator.schemas.base import ConfigSpec, OneOf, Range
from tests.server.conftest import make_options

VOLATILE = {"iTimestamp", "iActualFPS", "sStatus"}
"""Fields the device computes on every read."""


def leaves(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for key, value in obj.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            found.extend(leaves(value, dotted))
        elif not isinstance(value, list):
            found.append((dotted, value))
    return found


def value_strategy(spec: ConfigSpec | None, dotted: str, current: Any) -> st.SearchStrategy[Any]:
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


def apply(obj: dict[str, Any], flat: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    for dotted, value in flat.items():
        node = result
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
    return result


def strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in VOLATILE}
    return obj


@pytest.mark.parametrize("area", list(ConfigArea))
def test_update_config_changes_only_the_given_fields(area: ConfigArea, make_camera):
    cam = make_camera()
    state = cam.camera
    area_spec = CONFIG_AREAS[area]
    spec = ALL_SPECS.get(area_spec.path)
    readonly = spec.readonly if spec is not None else frozenset()

    async def read(client: Client) -> dict[str, Any]:
        result = await client.call_tool("get_config", {"host": cam.address, "area": area.value, "reveal_secrets": True})
        assert not result.is_error, result.content
        return dict(result.structured_content["config"])

    async def scenario(flat: dict[str, Any]) -> None:
        async with Client(create_server(make_options(reveal_secrets=True))) as client:
            before = await read(client)
            result = await client.call_tool(
                "update_config", {"host": cam.address, "area": area.value, "changes": nest(flat)}
            )
            after = await read(client)
            if result.is_error:
                assert strip(after) == strip(before), f"a refused update changed the device: {flat}"
                text = " ".join(getattr(c, "text", "") for c in result.content)
                assert "Traceback" not in text
            else:
                expected = apply(before, {k: v for k, v in flat.items() if k not in readonly})
                assert strip(after) == strip(expected), f"changes {flat}"

    initial = asyncio.run(_first_read(cam.address, area))
    fields = [(d, v) for d, v in leaves(initial) if d not in readonly and d.rsplit(".", 1)[-1] not in VOLATILE]
    if not fields:
        pytest.fail(f"area {area} has no writable scalar field to exercise")
    field_strategies = {d: value_strategy(spec, d, v) for d, v in fields}

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.data())
    def check(data: st.DataObject) -> None:
        chosen = data.draw(st.lists(st.sampled_from(sorted(field_strategies)), min_size=1, max_size=3, unique=True))
        flat = {d: data.draw(field_strategies[d], label=d) for d in chosen}
        state.clear_log()
        asyncio.run(scenario(flat))

    check()


async def _first_read(address: str, area: ConfigArea) -> dict[str, Any]:
    async with Client(create_server(make_options(reveal_secrets=True))) as client:
        result = await client.call_tool("get_config", {"host": address, "area": area.value, "reveal_secrets": True})
        assert not result.is_error, result.content
        return dict(result.structured_content["config"])
