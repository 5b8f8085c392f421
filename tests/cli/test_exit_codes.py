"""What a script sees: exit codes that mean something, destructive commands that refuse without a terminal and
without --yes (exit 5, nothing done), errors on stderr with what to do, and a CLI that starts without loading the
MCP SDK or OpenCV."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from recamera_mcp.simulator.routes.ai_state import ai_state
from recamera_mcp.simulator.routes.storage_state import SlotState, storage_area
from recamera_mcp.simulator.settings import SimSettings
from recamera_mcp.simulator.testing import PASSWORD
from tests.cli.helpers import cli_env, run_cli
from tests.cli.test_json import rknn
from tests.server.helpers import destructive_calls


async def run(tmp: Path, *argv: str, **kwargs: str | None) -> subprocess.CompletedProcess[str]:
    done: subprocess.CompletedProcess[str] = await asyncio.to_thread(run_cli, tmp, *argv, **kwargs)  # type: ignore[arg-type]
    return done


async def test_usage_errors_exit_2(camera, tmp_path):
    assert (await run(tmp_path, "get", camera.address, "nosucharea")).returncode == 2
    bad_key = await run(tmp_path, "set", camera.address, "time", "sBogus=1")
    assert bad_key.returncode == 2 and "sBogus" in bad_key.stderr and "known fields" in bad_key.stderr
    nothing = await run(tmp_path, "set", camera.address, "time")
    assert nothing.returncode == 2 and "nothing to change" in nothing.stderr
    missing = await run(tmp_path, "upload-model", camera.address, str(tmp_path / "none.rknn"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "bad.toml").write_text("[hosts\n", encoding="utf-8")
    config = await run(tmp_path, "status", camera.address, RECAMERA_MCP_CONFIG=str(tmp_path / "bad.toml"))
    assert config.returncode == 2 and "not valid TOML" in config.stderr


async def test_authentication_errors_exit_3_and_say_where_a_password_goes(make_camera, tmp_path):
    camera = make_camera()
    wrong = await run(tmp_path, "status", camera.address, password="Not-the-one#1")
    assert wrong.returncode == 3 and "rejected the user name or password" in wrong.stderr
    assert "Not-the-one" not in wrong.stderr + wrong.stdout
    none = await run(tmp_path, "get", camera.address, "time", password=None)
    assert none.returncode == 3 and "RECAMERA_PASSWORD" in none.stderr and "config file" in none.stderr
    assert [e.path for e in camera.camera.log if e.path == "/system/login"] == ["/system/login"], "one login, once"


async def test_config_file_credentials_are_used(camera, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[hosts."{camera.address}"]\npassword = "{PASSWORD}"\n', encoding="utf-8")
    done = await run(tmp_path, "get", camera.address, "time", "--json", password=None,
                     RECAMERA_MCP_CONFIG=str(config))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["area"] == "time"


async def test_unreachable_exits_4_and_a_device_failure_exits_1(sim_fleet, camera, tmp_path):
    gone = sim_fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD))
    sim_fleet.remove(gone)  # nothing listens there any more
    down = await run(tmp_path, "status", gone.address)
    assert down.returncode == 4 and "cannot connect" in down.stderr
    both = await run(tmp_path, "status", camera.address, gone.address, "--json")
    assert both.returncode == 4 and [s["host"] for s in json.loads(both.stdout)] == [camera.address]
    camera.camera.faults.answer_next = {"status": 200, "body": {"code": 10001, "message": "write failed"},
                                        "path": "/network/lan", "method": "PUT"}  # fmt: skip
    failed = await run(tmp_path, "set", camera.address, "lan", "dLink.sDNS2=1.1.1.1")
    assert failed.returncode == 1 and "write failed" in failed.stderr
    assert camera.camera.faults.answer_next is None, "the write was sent and refused"


async def test_an_error_says_the_command_that_fixes_it(camera, tmp_path):
    storage_area(camera.camera).set_slot(state=SlotState.MOUNTED)
    unselected = await run(tmp_path, "recordings", camera.address)
    assert unselected.returncode == 1 and "MOUNTED" in unselected.stderr
    assert f"fix: recamera-mcp set {camera.address} storage dSelectSlotToEnable.sByDevPath=" in unselected.stderr
    storage_area(camera.camera).set_slot(state=SlotState.NOT_FORMATTED_OR_FORMAT_UNSUPPORTED)
    unformatted = await run(tmp_path, "recordings", camera.address)
    assert f"fix: recamera-mcp storage {camera.address} format --slot /dev/" in unformatted.stderr


async def test_a_destructive_command_without_a_terminal_or_yes_refuses_with_5(camera, tmp_path):
    refused = await run(tmp_path, "storage", camera.address, "format", "--json")
    assert refused.returncode == 5, refused.stderr
    assert "needs confirmation" in refused.stderr and "--yes" in refused.stderr
    pending = json.loads(refused.stdout)
    assert pending["done"] is False and pending["plan"]["action"] == "format"
    assert destructive_calls(camera) == [], "nothing was sent"
    done = await run(tmp_path, "storage", camera.address, "format", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["done"] is True and destructive_calls(camera) == ["FORMAT"]


async def test_upload_model_asks_before_replacing_another_model_of_that_name(camera, tmp_path):
    (tmp_path / "a").mkdir()
    first = rknn(tmp_path / "a")
    assert (await run(tmp_path, "upload-model", camera.address, str(first), "--category", "Detection")).returncode == 0
    (tmp_path / "b").mkdir()
    second = rknn(tmp_path / "b")  # the same name, other bytes
    refused = await run(tmp_path, "upload-model", camera.address, str(second))
    assert refused.returncode == 5 and "replace the model people.rknn" in refused.stderr
    md5 = ai_state(camera.camera).models["people.rknn"]["md5sum"]
    again = await run(tmp_path, "upload-model", camera.address, str(first))
    assert again.returncode == 0, "the same file replaces nothing: no question"
    forced = await run(tmp_path, "upload-model", camera.address, str(second), "-y")
    assert forced.returncode == 0, forced.stderr
    assert ai_state(camera.camera).models["people.rknn"]["md5sum"] != md5


async def test_fleet_exits_1_when_a_camera_failed(sim_fleet, camera, tmp_path):
    gone = sim_fleet.add_camera("127.0.0.1", 0, SimSettings(password=PASSWORD))
    sim_fleet.remove(gone)
    done = await run(tmp_path, "fleet", "status", camera.address, gone.address, "--json")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["counts"] == {"ok": 1, "failed": 1} and [r["host"] for r in out["results"]] == [
        camera.address, gone.address]  # fmt: skip


def _modules_after(tmp: Path, argv: list[str]) -> set[str]:
    """The heavy packages ``recamera-mcp argv`` imported (mcp, cv2, numpy), run in a fresh interpreter."""
    probe = (
        "import sys\nfrom recamera_mcp.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'mcp', 'cv2', 'numpy'}), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=cli_env(tmp),
                          cwd=tmp, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
    return set(json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"')))


def test_the_cli_starts_without_the_mcp_sdk_or_opencv(camera, tmp_path):
    assert _modules_after(tmp_path, ["--help"]) == set()
    for command in ("status", "get", "set", "snapshot", "fleet", "deploy", "doctor", "reboot", "firmware", "watch"):
        assert _modules_after(tmp_path, [command, "--help"]) <= {"numpy"}, command
    assert "mcp" not in _modules_after(tmp_path, ["status", camera.address, "--json"])
    assert "mcp" not in _modules_after(tmp_path, ["fleet", "diagnose", camera.address, "--json"])
    assert "mcp" not in _modules_after(tmp_path, ["firmware", camera.address, "check", "--json"])


async def test_deploying_an_onnx_without_a_sensecraft_token_exits_3_with_the_sign_in_page(camera, tmp_path):
    model = tmp_path / "people.onnx"
    model.write_bytes(b"\x08\x07" + bytes(2000))
    done = await run(tmp_path, "deploy", camera.address, str(model))
    assert done.returncode == 3 and "convert stage" in done.stderr and "sensecraft.seeed.cc/ai/authorize" in done.stderr
