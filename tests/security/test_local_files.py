"""Item 4: local files go under one root, never through a link, never over an existing file; remote names are
sanitised; a read-only server exposes nothing that writes locally, and annotations say so."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recamera_mcp.client import SafeFile, ValidationError
from recamera_mcp.server.files import LocalFiles
from recamera_mcp.simulator.routes.storage_state import storage_area
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok


def recording(camera, size: int = 200_000) -> tuple[str, str]:
    rel = storage_area(camera.camera).add_recording(size)
    return rel, rel.rsplit("/", 1)[-1]


@pytest.mark.parametrize("dest", ["~/.ssh", "/etc", "../outside", "sub/../../outside", "{outside}"])
async def test_downloads_outside_the_root_are_refused(connect, camera, tmp_path, dest):
    root, outside = tmp_path / "root", tmp_path / "outside"
    outside.mkdir()
    rel, _ = recording(camera)
    async with connect(make_options(files_root=root)) as mcp:
        text = await call_error(
            mcp, "download_recording", host=camera.address, path=rel, dest_dir=dest.format(outside=outside)
        )
    assert "files root" in text
    assert list(outside.iterdir()) == []
    assert not [e for e in camera.camera.log if e.path.startswith("/storage/relay/") and e.method == "GET"]


async def test_a_planted_part_link_is_not_followed(connect, camera, tmp_path):
    root, victim = tmp_path / "root", tmp_path / "victim.txt"
    victim.write_text("precious")
    rel, name = recording(camera)
    root.mkdir()
    (root / (name + ".part")).symlink_to(victim)
    async with connect(make_options(files_root=root)) as mcp:
        text = await call_error(mcp, "download_recording", host=camera.address, path=rel)
    assert "refusing to continue" in text or "link" in text
    assert victim.read_text() == "precious"


async def test_a_linked_folder_inside_the_root_is_not_followed(connect, camera, tmp_path):
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "clips").symlink_to(elsewhere, target_is_directory=True)
    rel, _ = recording(camera)
    async with connect(make_options(files_root=root)) as mcp:
        text = await call_error(mcp, "download_recording", host=camera.address, path=rel, dest_dir="clips")
    assert "link" in text and list(elsewhere.iterdir()) == []


async def test_an_existing_file_is_never_overwritten(connect, camera, tmp_path):
    rel, name = recording(camera)
    (tmp_path / name).write_bytes(b"mine")
    async with connect(make_options(files_root=tmp_path)) as mcp:
        first = await call_ok(mcp, "download_recording", host=camera.address, path=rel)
        second = await call_ok(mcp, "download_recording", host=camera.address, path=rel)
    assert (tmp_path / name).read_bytes() == b"mine"
    assert Path(first["file"]).name != name and Path(second["file"]).name not in (name, Path(first["file"]).name)
    assert Path(first["file"]).stat().st_size == 200_000


async def test_remote_names_are_sanitised(connect, camera, tmp_path):
    rel, _ = recording(camera)
    day = storage_area(camera.camera).data_dir() / rel.rsplit("/", 1)[0]
    (day / ".profile.mp4").write_bytes(b"x" * 1000)
    (day / "notes.sh").write_bytes(b"rm -rf ~")
    folder = rel.rsplit("/", 1)[0]
    async with connect(make_options(files_root=tmp_path)) as mcp:
        saved = await call_ok(mcp, "download_recording", host=camera.address, path=f"{folder}/.profile.mp4")
        text = await call_error(mcp, "download_recording", host=camera.address, path=f"{folder}/notes.sh")
    assert Path(saved["file"]).name == "profile.mp4" and not list(tmp_path.glob(".*"))
    assert "expected extension" in text and not list(tmp_path.glob("*.sh"))


async def test_snapshot_is_announced_as_writing_and_read_only_servers_drop_save_to(connect, tmp_path):
    async with connect(make_options(files_root=tmp_path)) as mcp:
        tool = next(t for t in (await mcp.list_tools()).tools if t.name == "snapshot")
    assert tool.annotations.read_only_hint is False and "save_to" in tool.input_schema["properties"]
    async with connect(make_options(files_root=tmp_path, read_only=True)) as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        assert "download_recording" not in tools
        assert tools["snapshot"].annotations.read_only_hint is True
        assert "save_to" not in tools["snapshot"].input_schema["properties"]
        text = await call_error(mcp, "snapshot", host="127.0.0.1:9", save_to="x.jpg")
    assert "read-only" in text and list(tmp_path.iterdir()) == []


def test_the_policy_api(tmp_path):
    files = LocalFiles(tmp_path / "root")
    with files.target("day1", "../../evil name.MP4", suffixes=(".mp4",)) as sink:
        assert sink.name == "evil name.MP4"
        path = sink.write_bytes(b"data")
    assert path == (tmp_path / "root" / "day1" / "evil name.MP4").resolve()
    with files.target("day1", "evil name.MP4", suffixes=(".mp4",)) as again:
        assert again.name == "evil name (1).MP4"
    with files.target(None, "x.json", suffixes=(".json",), overwrite=True) as sink:
        sink.write_bytes(b"1")
    with files.target(None, "x.json", suffixes=(".json",), overwrite=True) as sink:
        sink.write_bytes(b"2")
    assert (tmp_path / "root" / "x.json").read_bytes() == b"2"
    for bad in ("/etc", "..", "a/../../b", "~/x", "a\x00b"):
        with pytest.raises(ValidationError):
            files.folder(bad)
    assert oct((tmp_path / "root").stat().st_mode & 0o777) == "0o700"


def test_safe_file_never_writes_through_a_link(tmp_path):
    target = tmp_path / "target"
    target.write_text("keep")
    (tmp_path / "a.jpg").symlink_to(target)
    with SafeFile(tmp_path, "a.jpg", overwrite=False) as sink:
        assert sink.name == "a (1).jpg"  # the link's name is taken: never written through
    os.link(target, tmp_path / "b.jpg.part")  # a hard link planted as a resumable part
    with SafeFile(tmp_path, "b.jpg") as sink, pytest.raises(ValidationError):
        sink.part_size()
    assert target.read_text() == "keep"
