"""Lists inside config objects: items merge by identity (or position), adding and removing is explicit, scalar and
whole lists are replaced, and every field a write changes inside a list is reported."""

from __future__ import annotations

import pytest

from recamera_mcp.client import ConfigArea, ValidationError
from recamera_mcp.client._lists import ListRules
from recamera_mcp.client._merge import plan_changes

TRIGGERS = "/record/rule/record-rule-config"
RULE = {
    "sID": "door",
    "iDebounceTimes": 5,
    "lConfidenceFilter": [0.7, 1.0],
    "lClassFilter": ["person"],
    "lRegionFilter": [{"lPolygon": [[0, 0], [0.5, 0], [0.5, 0.5]]}],
}


async def seed_rule(camera, make_client):
    cam = make_client(camera)
    await cam.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "rule-1", "_remove": True}, RULE]})
    assert camera.camera.config(TRIGGERS)["lInferenceSet"] == [RULE]
    return cam


async def test_a_partial_rule_keeps_every_field_it_omits(camera, make_client):
    """The issue's report: changing one rule's class filter replaced the whole rule (region, debounce, confidence,
    sID lost). Now the item merges into the rule it names."""
    cam = await seed_rule(camera, make_client)
    result = await cam.config.update(
        ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "door", "lClassFilter": ["car"]}]}
    )
    assert camera.camera.config(TRIGGERS)["lInferenceSet"] == [{**RULE, "lClassFilter": ["car"]}]
    assert [(c.field, c.before, c.after, c.kept) for c in result.changes] == [
        ("lInferenceSet[sID=door].lClassFilter", ["person"], ["car"], True)
    ]
    assert result.other_changes == []


async def test_items_are_added_and_removed_explicitly(camera, make_client):
    cam = await seed_rule(camera, make_client)
    new = {**RULE, "sID": "yard", "lClassFilter": ["dog"]}
    added = await cam.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [new]})
    assert [r["sID"] for r in camera.camera.config(TRIGGERS)["lInferenceSet"]] == ["door", "yard"]
    assert [(c.field, c.before, c.kept) for c in added.changes] == [("lInferenceSet[sID=yard]", None, True)]
    assert added.changes[0].after == new
    removed = await cam.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "door", "_remove": True}]})
    assert camera.camera.config(TRIGGERS)["lInferenceSet"] == [new]
    assert [(c.field, c.before, c.after, c.kept) for c in removed.changes] == [
        ("lInferenceSet[sID=door]", RULE, None, True)
    ]


async def test_regions_merge_by_position(camera, make_client):
    cam = await seed_rule(camera, make_client)
    square = [[0, 0], [1, 0], [1, 1], [0, 1]]
    change = {"lInferenceSet": [{"sID": "door", "lRegionFilter": [{}, {"lPolygon": square}]}]}
    result = await cam.config.update(ConfigArea.RECORD_TRIGGERS, change)
    stored = camera.camera.config(TRIGGERS)["lInferenceSet"][0]["lRegionFilter"]
    assert stored == [*RULE["lRegionFilter"], {"lPolygon": square}], "{} keeps item 0, item 1 is new"
    assert [c.field for c in result.changes] == ["lInferenceSet[sID=door].lRegionFilter[1]"]
    result = await cam.config.update(
        ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "door", "lRegionFilter": [{"_remove": True}]}]}
    )
    assert camera.camera.config(TRIGGERS)["lInferenceSet"][0]["lRegionFilter"] == [{"lPolygon": square}]
    assert [(c.field, c.after, c.kept) for c in result.changes] == [
        ("lInferenceSet[sID=door].lRegionFilter[0]", None, True)
    ]


async def test_privacy_masks_by_id_and_schedule_windows_whole(camera, make_client):
    cam = make_client(camera)
    masks = [{"id": 1, "iPositionX": 0.1, "iPositionY": 0.1, "iMaskWidth": 0.2, "iMaskHeight": 0.2},
             {"id": 2, "iPositionX": 0.5, "iPositionY": 0.5, "iMaskWidth": 0.1, "iMaskHeight": 0.1}]  # fmt: skip
    await cam.config.update(ConfigArea.OSD, {"maskOverlay": {"privacyMask": masks}})
    result = await cam.config.update(ConfigArea.OSD, {"maskOverlay": {"privacyMask": [{"id": 2, "iMaskWidth": 0.3}]}})
    stored = camera.camera.config("/osd/cfg")["maskOverlay"]["privacyMask"]
    assert stored == [masks[0], {**masks[1], "iMaskWidth": 0.3}]
    assert [c.field for c in result.changes] == ["maskOverlay.privacyMask[id=2].iMaskWidth"]
    cleared = await cam.config.update(ConfigArea.OSD, {"maskOverlay": {"privacyMask": []}})
    assert camera.camera.config("/osd/cfg")["maskOverlay"]["privacyMask"] == []
    assert [c.field for c in cleared.changes] == ["maskOverlay.privacyMask[id=1]", "maskOverlay.privacyMask[id=2]"]
    window = [{"sStart": "Tue 09:00:00", "sEnd": "Tue 17:00:00"}]
    week = await cam.config.update(ConfigArea.RECORD_SCHEDULE, {"lActiveWeekdays": window})
    assert camera.camera.config("/record/rule/schedule-rule-config")["lActiveWeekdays"] == window
    assert [c.field for c in week.changes] == ["lActiveWeekdays"], "weekday windows are replaced whole"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"lInferenceSet": [{"lClassFilter": [2]}]}, "lInferenceSet[0].sID", "names no item"),
        ({"lInferenceSet": [{"sID": "nope", "_remove": True}]}, "lInferenceSet[0]", "no item [sID=nope]"),
        ({"lInferenceSet": [{"sID": "door", "_remove": True, "iDebounceTimes": 1}]}, "lInferenceSet[0]", "_remove"),
        ({"lInferenceSet": [{"sID": "door", "iDebounce": 1}]}, "lInferenceSet[sID=door].iDebounce", "iDebounceTimes"),
        (
            {"lInferenceSet": [{"sID": "door", "iDebounceTimes": "5"}]},
            "lInferenceSet[sID=door].iDebounceTimes",
            "integer",
        ),
        ({"lInferenceSet": [{"sID": "new", "bogus": 1}]}, "lInferenceSet[sID=new].bogus", "no such key"),
        ({"lInferenceSet": ["door"]}, "lInferenceSet[0]", "must be an object"),
    ],
)
async def test_bad_list_changes_write_nothing(camera, make_client, changes, field, words):
    cam = await seed_rule(camera, make_client)
    before = camera.camera.config(TRIGGERS)
    with pytest.raises(ValidationError) as caught:
        await cam.config.update(ConfigArea.RECORD_TRIGGERS, changes)
    assert caught.value.field == field and words in str(caught.value), str(caught.value)
    assert camera.camera.config(TRIGGERS) == before


def test_scalar_lists_are_replaced_and_the_rule_is_declared_or_found():
    current = {"lUsers": [{"sName": "a", "iLevel": 1}], "lTags": ["x", "y"], "lPairs": [{"k": 1}]}
    merged, planned = plan_changes(current, {"lUsers": [{"sName": "a", "iLevel": 2}], "lTags": ["z"]})
    assert merged == {"lUsers": [{"sName": "a", "iLevel": 2}], "lTags": ["z"], "lPairs": [{"k": 1}]}
    assert [p.field for p in planned] == ["lUsers[sName=a].iLevel", "lTags"]
    merged, planned = plan_changes(current, {"lPairs": [{"k": 2}]}, rules=ListRules(identity={"lPairs": "k"}))
    assert merged["lPairs"] == [{"k": 1}, {"k": 2}] and [p.field for p in planned] == ["lPairs[k=2]"]
    merged, _ = plan_changes(current, {"lPairs": [{"k": 2}]})
    assert merged["lPairs"] == [{"k": 2}], "no identity field: by position"


async def test_revert_puts_list_items_back(camera, make_client):
    cam = await seed_rule(camera, make_client)
    original = camera.camera.config(TRIGGERS)
    square = [[0, 0], [1, 0], [1, 1], [0, 1]]
    change = {
        "lInferenceSet": [
            {"sID": "door", "iDebounceTimes": 8, "lRegionFilter": [{"lPolygon": square}, {"lPolygon": square}]}
        ]
    }
    result = await cam.config.update(ConfigArea.RECORD_TRIGGERS, change)
    assert result.revert is not None and "lInferenceSet[sID=door].lRegionFilter[1]" in result.revert.fields
    await cam.revert(result.revert)
    assert camera.camera.config(TRIGGERS) == original, "a merged region back, the added one gone, the rule as before"
    two = [{}, {"lPolygon": square}]
    await cam.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "door", "lRegionFilter": two}]})
    removed = await cam.config.update(
        ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "door", "lRegionFilter": [{"_remove": True}]}]}
    )
    assert camera.camera.config(TRIGGERS)["lInferenceSet"][0]["lRegionFilter"] == [{"lPolygon": square}]
    await cam.config.update(ConfigArea.RECORD_TRIGGERS, {"lInferenceSet": [{"sID": "door", "iDebounceTimes": 1}]})
    assert removed.revert is not None
    await cam.revert(removed.revert)  # another field moved on meanwhile: only the region is checked and restored
    rule = camera.camera.config(TRIGGERS)["lInferenceSet"][0]
    assert rule["lRegionFilter"] == [{"lPolygon": square}, *RULE["lRegionFilter"]], "back, at the end of the list"
    assert rule["iDebounceTimes"] == 1
    assert "revert" not in result.model_dump() and "revert=" not in repr(result), "before-values stay out of dumps"


def test_an_identity_that_is_no_name_is_refused():
    current = {"lInferenceSet": [{"sID": "a", "iDebounceTimes": 1}]}
    for ident in (["a"], True, None):
        with pytest.raises(ValidationError, match="not a name"):
            plan_changes(current, {"lInferenceSet": [{"sID": ident, "iDebounceTimes": 2}]})
