"""Where credentials come from, so the agent need never see a password.

Order, first match wins: the tool call's own arguments, the config file's entry for the host, the config file's
``[defaults]``, then the environment (``RECAMERA_USERNAME``, ``RECAMERA_PASSWORD``). The username defaults to
``admin``, the device's only web user.

Config file (``~/.config/recamera-mcp/config.toml``, or the path in ``RECAMERA_MCP_CONFIG``)::

    [defaults]
    username = "admin"
    password = "..."

    [hosts."192.168.1.50"]
    password = "..."

    [server]
    token_cache = "~/.cache/recamera-mcp/tokens.json"   # optional: reuse live tokens across restarts

    [sensecraft]                                        # the SenseCraft cloud (see recamera_mcp.sensecraft)
    token = "..."                                       # or SENSECRAFT_TOKEN, SENSECRAFT_API_URL, ...
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recamera_mcp.sensecraft import SenseCraftSettings

DEFAULT_USERNAME = "admin"
DEFAULT_CONFIG = Path("~/.config/recamera-mcp/config.toml")


@dataclass(frozen=True)
class Credentials:
    """A username and password; ``repr`` never shows the password."""

    username: str
    password: str | None = field(repr=False)
    source: str = "call"


class ConfigFileError(ValueError):
    """The config file exists but cannot be used."""


@dataclass
class CredentialStore:
    """Credentials from the config file and the environment, looked up per host."""

    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    sensecraft: dict[str, Any] = field(default_factory=dict)
    """The config file's ``[sensecraft]`` table (the ``SENSECRAFT_*`` variables are in ``env``)."""
    path: Path | None = None

    @classmethod
    def load(cls, path: Path | None = None, env: dict[str, str] | None = None) -> CredentialStore:
        """Read the config file (missing is fine) and the environment."""
        environ = dict(os.environ if env is None else env)
        if path is None:
            path = Path(environ.get("RECAMERA_MCP_CONFIG", str(DEFAULT_CONFIG))).expanduser()
        data: dict[str, Any] = {}
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigFileError(f"{path} is not valid TOML: {exc}") from exc
        hosts = data.get("hosts", {})
        if not isinstance(hosts, dict):
            raise ConfigFileError(f"{path}: [hosts] must be a table of per-host tables")
        return cls(
            hosts={str(k): dict(v) for k, v in hosts.items() if isinstance(v, dict)},
            defaults=dict(data.get("defaults", {})),
            server=dict(data.get("server", {})),
            env={
                k: v
                for k, v in environ.items()
                if k in ("RECAMERA_USERNAME", "RECAMERA_PASSWORD") or k.startswith("SENSECRAFT_")
            },
            sensecraft=dict(data.get("sensecraft", {})) if isinstance(data.get("sensecraft"), dict) else {},
            path=path,
        )

    def resolve(self, host_keys: tuple[str, ...], username: str | None, password: str | None) -> Credentials:
        """Credentials for a host known under any of ``host_keys`` (e.g. "10.0.0.5:80" and "10.0.0.5")."""
        entry: dict[str, Any] = next((self.hosts[k] for k in host_keys if k in self.hosts), {})
        sources = [
            ("call", {"username": username, "password": password}),
            ("config file (host)", entry),
            ("config file (defaults)", self.defaults),
            (
                "environment",
                {"username": self.env.get("RECAMERA_USERNAME"), "password": self.env.get("RECAMERA_PASSWORD")},
            ),
        ]
        user = next((str(s["username"]) for _, s in sources if s.get("username")), DEFAULT_USERNAME)
        for name, src in sources:
            if src.get("password"):
                return Credentials(user, str(src["password"]), name)
        return Credentials(user, None, "none")

    def sensecraft_settings(self) -> SenseCraftSettings:
        """The SenseCraft cloud's settings: the config file's ``[sensecraft]`` table, then ``SENSECRAFT_*``."""
        return SenseCraftSettings.load(self.env, self.sensecraft)

    def token_cache_path(self) -> Path | None:
        value = self.server.get("token_cache")
        return Path(str(value)).expanduser() if value else None
