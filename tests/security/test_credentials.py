"""Item 2: credentials scoped to hosts; the login key pinned at first use; hosts normalised before any bookkeeping;
a lockout remembered across login calls."""

from __future__ import annotations

import argparse

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from recamera_mcp.client import PinStore
from recamera_mcp.server import ServerOptions
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.server.pins_cli import run as pins_command
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.conftest import make_options
from tests.server.helpers import call_error, call_ok


def options_with_hosts(hosts: str) -> ServerOptions:
    """The default password from the environment, for the hosts in ``RECAMERA_HOSTS`` only."""
    return ServerOptions(credentials=CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD, "RECAMERA_HOSTS": hosts}))


@pytest.mark.parametrize(
    ("address", "names", "applies"),
    [
        ("192.168.1.5", (), True),
        ("10.1.2.3", (), True),
        ("127.0.0.1", (), True),
        ("169.254.10.1", (), True),
        ("fd00::5", (), True),
        ("8.8.8.8", (), False),
        ("8.8.8.8", ("cam.example.com",), False),
        ("2001:4860::8888", (), False),
    ],
)
def test_the_default_password_goes_only_to_private_hosts_by_default(address, names, applies):
    store = CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD})
    assert store.defaults_apply(address, names) is applies
    creds = store.resolve((address,), None, None, defaults_apply=store.defaults_apply(address, names))
    assert (creds.password is not None) is applies


def test_a_listed_scope_replaces_the_private_default():
    store = CredentialStore(defaults={"password": "x", "hosts": ["10.0.0.0/24", "Cam.Lan"]}, env={})
    assert store.defaults_apply("10.0.0.7") and store.defaults_apply("8.8.4.4", ("cam.lan",))
    assert not store.defaults_apply("192.168.1.5")


async def test_a_public_host_gets_no_default_password(connect):
    async with connect() as mcp:
        text = await call_error(mcp, "get_device_status", host="8.8.8.8")
    assert "no credentials are configured for 8.8.8.8" in text and "[defaults] hosts" in text


async def test_a_host_outside_the_operator_list_gets_no_password(connect, make_camera):
    listed = make_camera(host="127.0.28.1")
    other = make_camera(host="127.0.28.2")
    async with connect(options_with_hosts("127.0.28.1")) as mcp:
        assert (await call_ok(mcp, "get_device_status", host=listed.address))["serial"]
        text = await call_error(mcp, "get_device_status", host=other.address)
        assert "no credentials are configured" in text
    assert other.camera.logins() == 0, "the default password was sent to a host the operator did not list"


async def test_a_changed_login_key_is_refused_before_any_password_is_sent(connect, camera, tmp_path):
    pins = tmp_path / "pins.json"
    async with connect(make_options(pins_path=pins)) as mcp:
        first = await call_ok(mcp, "login", host=camera.address)
        assert first["login_key_sha256"] and len(first["login_key_sha256"]) == 64
        camera.camera.auth.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # another device
        camera.camera.revoke_tokens()
        before = camera.camera.logins()
        text = await call_error(mcp, "get_device_status", host=camera.address)
        assert "another login key than the one pinned" in text and "pins forget" in text
        assert camera.camera.logins() == before, "a password was encrypted with the unpinned key and sent"
    # the operator accepts the re-flashed camera; the next contact pins the new key
    args = argparse.Namespace(action="forget", host=camera.address, kind="key", pins=str(pins))
    assert pins_command(args) == 0
    async with connect(make_options(pins_path=pins)) as mcp:
        again = await call_ok(mcp, "login", host=camera.address)
    assert again["logged_in"] and again["login_key_sha256"] != first["login_key_sha256"]
    assert PinStore(pins).entries()[camera.address]["login key"] == again["login_key_sha256"]


async def test_address_aliases_share_one_session(connect, camera):
    port = camera.port
    async with connect() as mcp:
        await call_ok(mcp, "login", host=f"127.0.0.1:{port}")
        status = await call_ok(mcp, "get_device_status", host=f"[::ffff:127.0.0.1]:{port}")
        assert status["serial"]
        sessions = (await call_ok(mcp, "list_sessions"))["sessions"]
        assert [s["host"] for s in sessions] == [f"127.0.0.1:{port}"]
        for alias in (f"0x7f.0.0.1:{port}", f"0177.0.0.1:{port}", f"2130706433:{port}", f"127.1:{port}"):
            text = await call_error(mcp, "get_device_status", host=alias)
            assert "not a valid IPv4 address" in text, alias
    assert camera.camera.logins() == 1


async def test_a_lockout_is_remembered_across_login_calls(connect, make_camera):
    cam = make_camera(lockout_after=2, lockout_s=60)
    async with connect(make_options(password="Wrong#Pass1")) as mcp:
        await call_error(mcp, "login", host=cam.address)
        text = await call_error(mcp, "login", host=cam.address)
        assert "lock" in text.lower()
        sent = cam.camera.logins()
        for _ in range(3):
            text = await call_error(mcp, "login", host=cam.address, password=PASSWORD)
            assert "locked out" in text and "wait" in text
        await call_ok(mcp, "logout", host=cam.address)
        text = await call_error(mcp, "login", host=cam.address, password=PASSWORD)
        assert "locked out" in text
    assert cam.camera.logins() == sent, "a locked-out camera was sent more logins, prolonging the lockout"
