"""With a token cache, the login tool still checks a password it is given (a cached token does not vouch for it)."""

from __future__ import annotations

from recamera_mcp.server import ServerOptions
from recamera_mcp.server.credentials import CredentialStore
from recamera_mcp.simulator.testing import PASSWORD
from tests.server.helpers import call_error, call_ok


def cached_options(tmp_path) -> ServerOptions:
    return ServerOptions(credentials=CredentialStore(server={"token_cache": str(tmp_path / "tokens.json")}))


async def test_wrong_password_is_refused_even_with_a_cached_token(connect, camera, tmp_path):
    async with connect(cached_options(tmp_path)) as mcp:
        assert (await call_ok(mcp, "login", host=camera.address, password=PASSWORD))["logged_in"]
    async with connect(cached_options(tmp_path)) as mcp:  # a restarted server
        text = await call_error(mcp, "login", host=camera.address, password="Wrong#" + PASSWORD)
        assert "password" in text.lower()
        assert camera.camera.logins() == 2  # the given password was really sent to the device


async def test_configured_credentials_reuse_the_cached_token_after_a_restart(connect, camera, tmp_path):
    options = ServerOptions(
        credentials=CredentialStore(env={"RECAMERA_PASSWORD": PASSWORD}, server={"token_cache": str(tmp_path / "t")})
    )
    async with connect(options) as mcp:
        await call_ok(mcp, "get_config", host=camera.address, area="time")
    async with connect(options) as mcp:
        assert (await call_ok(mcp, "login", host=camera.address))["reused_token"]
        await call_ok(mcp, "get_config", host=camera.address, area="time")
    assert camera.camera.logins() == 1
