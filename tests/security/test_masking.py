"""Item 3: one masking rule everywhere, recursive; a kept secret never follows a new destination unseen."""

from __future__ import annotations

import json

from recamera_mcp.client import SECRET_MASK
from tests.security.helpers import accept, answering
from tests.server.helpers import call_error, call_ok

NOTIFY = "/notify/cfg"
MQTT_PASSWORD = "Mq77Secret"
HOOK_TOKEN = "Hk88Secret"


def plant(camera) -> None:
    notify = camera.camera.configs[NOTIFY]
    notify["dMqtt"].update(sURL="mqtt://broker.lan", sUsername="bob", sPassword=MQTT_PASSWORD)
    notify["dHttp"].update(sUrl="https://hook.lan/in", sToken=HOOK_TOKEN)


async def test_a_dry_run_that_nulls_an_object_shows_its_secrets_masked(connect, camera):
    plant(camera)
    async with connect() as mcp:
        result = await mcp.call_tool(
            "update_config", {"host": camera.address, "area": "notify", "changes": {"dHttp": None}, "dry_run": True}
        )
    text = json.dumps(result.structured_content) + " ".join(getattr(c, "text", "") for c in result.content)
    assert HOOK_TOKEN not in text and MQTT_PASSWORD not in text
    assert camera.camera.config(NOTIFY)["dHttp"]["sToken"] == HOOK_TOKEN


async def test_a_new_broker_does_not_get_the_kept_password(connect, camera):
    plant(camera)
    async with connect() as mcp:
        text = await call_error(
            mcp, "update_config", host=camera.address, area="notify",
            changes={"dMqtt": {"sURL": "mqtt://attacker.example"}},
        )  # fmt: skip
        assert "dMqtt.sPassword" in text and "nothing was written" in text
        for changes in (
            {"dHttp": {"sUrl": "https://attacker.example/in"}},
            {"dMqtt": {"iPort": 8883}},
            {"dMqtt": {"sURL": "mqtt://bob:" + SECRET_MASK + "@attacker.example"}},
        ):
            await call_error(mcp, "update_config", host=camera.address, area="notify", changes=changes)
    stored = camera.camera.config(NOTIFY)
    assert stored["dMqtt"]["sURL"] == "mqtt://broker.lan" and stored["dHttp"]["sUrl"] == "https://hook.lan/in"
    assert stored["dMqtt"]["iPort"] == 1883


async def test_the_secret_given_again_moves_with_its_destination(connect, camera):
    plant(camera)
    async with connect() as mcp:
        out = await call_ok(
            mcp, "update_config", host=camera.address, area="notify",
            changes={"dMqtt": {"sURL": "mqtt://new-broker.lan", "sPassword": "New#Broker1"}},
        )  # fmt: skip
    assert out["written"]
    assert SECRET_MASK in json.dumps(out["changes"]) and "New#Broker1" not in json.dumps(out)
    assert camera.camera.config(NOTIFY)["dMqtt"]["sPassword"] == "New#Broker1"


async def test_the_user_may_confirm_a_move(connect, camera):
    plant(camera)
    asked: list[str] = []
    async with connect(elicitation_callback=accept(asked)) as mcp:
        out = await call_ok(
            mcp, "update_config", host=camera.address, area="notify", changes={"dMqtt": {"sURL": "mqtt://b2.lan"}}
        )
    assert out["written"] and len(asked) == 1 and "dMqtt.sPassword" in asked[0]
    stored = camera.camera.config(NOTIFY)["dMqtt"]
    assert stored["sURL"] == "mqtt://b2.lan" and stored["sPassword"] == MQTT_PASSWORD


async def test_a_declined_move_writes_nothing(connect, camera):
    plant(camera)
    asked: list[str] = []
    async with connect(elicitation_callback=answering("decline", None, asked)) as mcp:
        text = await call_error(
            mcp, "update_config", host=camera.address, area="notify", changes={"dMqtt": {"sURL": "mqtt://b3.lan"}}
        )
    assert "declined" in text and camera.camera.config(NOTIFY)["dMqtt"]["sURL"] == "mqtt://broker.lan"


async def test_userinfo_and_stream_keys_are_masked_in_every_answer(connect, camera):
    camera.camera.configs[NOTIFY]["dMqtt"]["sURL"] = "mqtt://bob:Ui99Secret@broker.lan"
    camera.camera.configs["/video/0/stream"]["rtmp"]["sURL"] = "rtmp://live.lan/app/Sk99Secret"
    async with connect() as mcp:
        texts = []
        for tool, args in (
            ("get_config", {"area": "notify"}),
            ("get_config", {"area": "stream_main"}),
            ("call_api", {"method": "GET", "path": "/notify/cfg"}),
            ("call_api", {"method": "GET", "path": "/video/0/stream"}),
        ):
            result = await mcp.call_tool(tool, {"host": camera.address, **args})
            texts.append(json.dumps(result.structured_content) + str(result.content))
    assert not any("Ui99Secret" in t or "Sk99Secret" in t for t in texts)
