"""The CLI's pure parts: KEY=VALUE words, fixes as commands, the image protocols, doctor's fallbacks, SKILL.md."""

from __future__ import annotations

import base64
import re

import cv2
import numpy as np
import pytest

from recamera_mcp.cli import doctor
from recamera_mcp.cli._advice import command_of, fix_line, words_of
from recamera_mcp.cli._assign import assignments
from recamera_mcp.cli._preview import preview, protocol
from recamera_mcp.client import Fix, ValidationError
from recamera_mcp.server.advice import ToolCall
from recamera_mcp.skill import skill_path, skill_text


def test_words_become_the_changes_object():
    words = ["sTimezone=Europe/Berlin", "dIpv4.sV4Method=dhcp", "dIpv4.iPort=80", "bOn=true", 'sName="42"',
             "lInferenceSet[sID=rule-1].lClassFilter=[\"person\"]", "lInferenceSet[sID=rule-1].iDebounceTimes=3",
             "lInferenceSet[sID=rule.2]={\"_remove\": true}", "lRegionFilter[1].lPolygon=[[0,0],[1,1]]"]  # fmt: skip
    assert assignments(words) == {
        "sTimezone": "Europe/Berlin",
        "dIpv4": {"sV4Method": "dhcp", "iPort": 80},
        "bOn": True,
        "sName": "42",
        "lInferenceSet": [
            {"sID": "rule-1", "lClassFilter": ["person"], "iDebounceTimes": 3},
            {"sID": "rule.2", "_remove": True},
        ],  # fmt: skip
        "lRegionFilter": [{}, {"lPolygon": [[0, 0], [1, 1]]}],
    }


@pytest.mark.parametrize("word", ["noequals", "=1", "d..x=1", "l[x].=1", "a=1 a.b=2"])
def test_bad_words_are_refused_before_any_io(word):
    with pytest.raises(ValidationError):
        assignments(word.split(" "))


def test_a_fix_is_the_command_that_makes_it():
    changes = {"bRuleEnabled": True, "dTimer": {"iIntervalSeconds": 60}, "sName": "true", "lClassFilter": ["a b"]}
    words = words_of(changes)
    assert assignments(words) == changes, "set reads back what a fix line says"
    line = command_of(ToolCall(tool="update_config", args={"host": "10.0.0.5", "area": "record_global",
                                                           "changes": changes}))  # fmt: skip
    assert line.startswith("recamera-mcp set 10.0.0.5 record_global bRuleEnabled=true dTimer.iIntervalSeconds=60")
    assert "'lClassFilter=[\"a b\"]'" in line, "shell-quoted"
    storage = command_of(ToolCall(tool="storage", args={"host": "10.0.0.5", "action": "free_up", "slot": "/dev/sd"}))
    assert storage == "recamera-mcp storage 10.0.0.5 free-up --slot /dev/sd"
    assert command_of(ToolCall(tool="reboot", args={"host": "10.0.0.5"})) == "recamera-mcp reboot 10.0.0.5"
    assert command_of(ToolCall(tool="discover_devices", args={"subnet": "10.0.0.0/24"})) == (
        "recamera-mcp discover 10.0.0.0/24")  # fmt: skip
    other = command_of(ToolCall(tool="models", args={"host": "10.0.0.5", "action": "set_info"}, needs=["info"]))
    assert other == 'MCP tool models(host="10.0.0.5", action="set_info", info=...)'
    asked = fix_line(Fix(op="change_password"), "10.0.0.5")
    assert asked == 'MCP tool change_password(host="10.0.0.5", new_password=...)'


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TERM": "xterm-kitty"}, "kitty"),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}, "kitty"),
        ({"TERM_PROGRAM": "ghostty"}, "kitty"),
        ({"TERM_PROGRAM": "iTerm.app"}, "iterm"),
        ({"TERM_PROGRAM": "WezTerm"}, "iterm"),
        ({"TERM": "foot"}, "sixel"),
        ({"TERM": "xterm-sixel"}, "sixel"),
        ({"TERM": "xterm-256color"}, None),
        ({"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, None),
        ({"TERM": "screen-256color"}, None),
        ({"TERM": "xterm-256color", "RECAMERA_MCP_IMAGES": "sixel"}, "sixel"),
        ({"TERM": "xterm-kitty", "RECAMERA_MCP_IMAGES": "none"}, None),
    ],
)
def test_the_image_protocol_comes_from_the_environment(env, expected):
    name, why = protocol(env)
    assert name == expected and why


@pytest.fixture
def jpeg() -> bytes:
    frame = np.zeros((360, 640, 3), dtype=np.uint8)
    frame[:, :320] = (0, 0, 255)  # red left half (BGR)
    frame[180:, 320:] = (255, 0, 0)  # blue bottom right
    ok, data = cv2.imencode(".jpg", frame)
    assert ok
    return data.tobytes()


def test_kitty_and_iterm_carry_the_image_and_nothing_else(jpeg):
    kitty = preview(jpeg, "kitty")
    chunks = re.findall(r"\x1b_G([^;]*);([A-Za-z0-9+/=]*)\x1b\\", kitty)
    assert chunks and "".join(f"\x1b_G{a};{b}\x1b\\" for a, b in chunks) + "\n" == kitty
    assert chunks[0][0].startswith("f=100,a=T") and chunks[-1][0].endswith("m=0")
    png = base64.b64decode("".join(b for _, b in chunks))
    assert cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR).shape == (270, 480, 3)
    iterm = preview(jpeg, "iterm")
    match = re.fullmatch(r"\x1b\]1337;File=inline=1;size=(\d+);width=48;preserveAspectRatio=1:([A-Za-z0-9+/=]+)\x07\n",
                         iterm)  # fmt: skip
    assert match and len(base64.b64decode(match[2])) == int(match[1])


def _decode_sixel(text: str) -> dict[tuple[int, int], int]:
    """A minimal sixel reader: pixel -> colour register."""
    body = text[text.index("q") + 1 : text.index("\x1b\\")]
    pixels: dict[tuple[int, int], int] = {}
    x = band = color = 0
    for token in re.finditer(r'"[\d;]+|#(\d+)(;2;\d+;\d+;\d+)?|!(\d+)(.)|([?-~])|(\$)|(-)', body):
        if token[1] is not None and token[2] is None:
            color, x = int(token[1]), x
        elif token[3] is not None or token[5] is not None:
            count, char = (int(token[3]), token[4]) if token[3] else (1, token[5])
            for _ in range(count):
                bits = ord(char) - 63
                for row in range(6):
                    if bits >> row & 1:
                        pixels[(x, band * 6 + row)] = color
                x += 1
        elif token[6]:
            x = 0
        elif token[7]:
            x, band = 0, band + 1
    return pixels


def test_sixel_draws_the_picture_in_its_colours(jpeg):
    text = preview(jpeg, "sixel")
    assert text.startswith('\x1bPq"1;1;320;180') and text.endswith("\x1b\\\n")
    assert set(text[1:-3]) <= set('Pq"#;!$-0123456789' + "".join(chr(c) for c in range(63, 127)))
    pixels = _decode_sixel(text)
    assert len(pixels) == 320 * 180, "every pixel drawn once"
    red, blue = 5 * 36, 5  # the colour cube's registers for pure red and pure blue
    assert pixels[(10, 10)] == pixels[(150, 170)] == red and pixels[(300, 170)] == blue and pixels[(300, 10)] == 0


def test_doctor_says_what_falls_back_when_something_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "_binary", lambda name: None)
    report = doctor.check_all()
    missing = {c.name: c for c in report.checks if not c.ok}
    assert {"nmap", "MQTT broker (mosquitto)"} <= set(missing)
    assert "TCP connects" in missing["nmap"].fallback and "apt-get install nmap" in missing["nmap"].install
    assert "mosquitto" in missing["MQTT broker (mosquitto)"].install
    gst = next(c for c in report.checks if c.name == "GStreamer RTSP server")
    assert "gir1.2-gst-rtsp-server-1.0" in gst.install and "--no-rtsp" in gst.fallback
    assert doctor.doctor.run(type("A", (), {"json": False})()) == 0
    assert "optional part(s) missing" in capsys.readouterr().out


def test_skill_md_is_found_and_printed(capsys):
    assert skill_path().name == "SKILL.md" and skill_text().startswith("---\nname: recamera-mcp")
    assert doctor.skill.run(object()) == 0  # type: ignore[arg-type]
    assert capsys.readouterr().out == skill_text()
