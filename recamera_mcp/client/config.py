"""The config area (``cam.config``): every config object of the camera, read whole and changed by read-modify-write.

    lan = await cam.config.get(ConfigArea.LAN)
    result = await cam.config.update(ConfigArea.LAN, {"dLink": {"sDNS2": "1.1.1.1"}})

The device resets any field a write omits, so :meth:`ConfigAPI.update` always GETs the whole object, validates and
merges the change (``_merge.py``, ``_validators.py``), sends the whole object back and reads it again. Its result
reports every asked field before and after, and the fields the device changed on its own (``other_changes``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from recamera_mcp.client._config import WritePlan, area_spec, check_expected, resolve_spec
from recamera_mcp.client._dialect import Dialect
from recamera_mcp.client._endpoints import AreaSpec, ConfigArea, area_for_path
from recamera_mcp.client._errors import NotSupported, ValidationError
from recamera_mcp.client._funnel import Funnel
from recamera_mcp.client._models import WriteResult
from recamera_mcp.client._validators import (
    check_merged,
    needs_model_category,
    raise_first,
    trigger_label_problems,
    trigger_region_problems,
)

__all__ = ["ConfigAPI", "SecretWouldMove"]

log = logging.getLogger(__name__)


class SecretWouldMove(ValidationError):
    """A write would send a kept secret to a new destination; ``moves``: ``(destination, secret)`` field pairs."""

    def __init__(self, host: str, moves: list[tuple[str, str]]) -> None:
        pairs = ", ".join(f"{secret} to the new {destination}" for destination, secret in moves)
        super().__init__(
            f"{host}: this change would send the kept {pairs}; nothing was written",
            "give the secret again in the same change (the new destination's own credentials), or confirm that the "
            "secret may go there",
            field=moves[0][0],
        )
        self.moves = moves


ModelFacts = Callable[[], Awaitable[Any]]
"""Reads the model inference uses: an object with ``category`` (``"Detection"``...) and ``labels``."""
ModelIndex = Callable[[str], Awaitable[int | None]]
"""The index of a model file in ``/model/list`` (2026 firmware addresses inference by it), None when absent."""


class ConfigAPI:
    """Read and change the camera's config objects (one per :class:`ConfigArea`, or any endpoint path)."""

    def __init__(self, funnel: Funnel, model_facts: ModelFacts, model_index: ModelIndex) -> None:
        self._funnel = funnel
        self._model_facts = model_facts
        self._model_index = model_index

    @staticmethod
    def spec(area: ConfigArea | str) -> AreaSpec:
        """The table entry of a config area; :class:`ValidationError` for an unknown one."""
        return area_spec(area)

    async def get(self, area: ConfigArea | str) -> dict[str, Any]:
        """The whole config object of an area, as the device sends it (secrets included: mask before showing)."""
        spec = area_spec(area)
        value: dict[str, Any] = await self._funnel.get_object(spec.path, params=spec.params, raw=spec.raw)
        return value

    async def update(
        self,
        path_or_area: str | ConfigArea,
        changes: Mapping[str, Any],
        *,
        write_method: str | None = None,
        raw: bool = False,
        dry_run: bool = False,
        reveal_secrets: bool = False,
        expect: Mapping[str, Any] | None = None,
        allow_secret_move: bool = False,
    ) -> WriteResult:
        """Change some fields of a config object and leave every other field as it was.

        GET the whole object, validate ``changes`` against it (unknown field or wrong type: :class:`ValidationError`
        and nothing is written), deep-merge them, check the area's rules, send the WHOLE object with the endpoint's
        method, GET it again and report each asked field and each side effect. ``dry_run`` sends nothing and
        reports what would change, with the whole body it would send. Secret values are masked in the result unless
        ``reveal_secrets``; a masked value in ``changes`` keeps the device's value. Lists of objects merge item by
        item (``_merge.py``). ``expect`` (nested like ``changes``): values the object must hold now, else
        :class:`Conflict` and nothing is written (an undo uses it). The result's ``revert`` puts the before-values
        back. A change of where a kept secret is sent (the MQTT broker of ``dMqtt.sPassword``) raises
        :class:`SecretWouldMove` unless the secret is given again or ``allow_secret_move`` (the user confirmed it).
        """
        spec = resolve_spec(path_or_area, raw=raw, write_method=write_method)
        funnel = self._funnel
        current = await funnel.get_json(spec.path, params=spec.params, raw=spec.raw)
        if not isinstance(current, dict):
            raise NotSupported(
                f"{funnel.address.key}: {spec.path} does not answer a JSON object, so it cannot be changed by field",
                "send the whole body yourself with send_json()",
            )
        if expect:
            check_expected(funnel.address.key, spec, current, expect)
        plan = WritePlan.build(spec, current, changes, reveal_secrets=reveal_secrets)
        dialect = await funnel.dialect()
        check_merged(spec, plan.current, plan.merged, dialect)  # per-area rules (video, stream, OSD, audio, recording)
        area = area_for_path(spec.path, raw=spec.raw)
        if area is not None and needs_model_category(area, plan.merged):
            facts = await self._model_facts()
            raise_first(area, trigger_region_problems(plan.merged, facts.category))
            raise_first(area, trigger_label_problems(plan.merged, facts.labels, dialect))
        if dry_run or not plan.needs_write:
            return plan.preview(dry_run=dry_run)
        if plan.moved_secrets and not allow_secret_move:
            raise SecretWouldMove(funnel.address.key, plan.moved_secrets)
        params = spec.params
        if area == ConfigArea.INFERENCE and dialect == Dialect.CURRENT:
            params = {**(params or {}), "id": str(await self._inference_id(plan.merged.get("sModel")))}
        await funnel.send_json(spec.write_method, spec.path, plan.merged, params=params, raw=spec.raw)
        result = plan.report(await funnel.get_json(spec.path, params=spec.params, raw=spec.raw))
        for change in result.changes:
            if change.kept is False:
                log.warning("%s did not keep %s on %s", funnel.address.key, change.field, spec.path)
        return result

    async def _inference_id(self, model: Any) -> int:
        """2026 firmware addresses the inference by the model's index in /model/list (legacy: always 0)."""
        index = await self._model_index(model) if isinstance(model, str) else None
        if index is None:
            raise ValidationError(
                f"{self._funnel.address.key} has no model {model!r}",
                "give sModel as one of the model files the camera lists",
                field="sModel",
            )
        return index
