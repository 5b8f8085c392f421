"""Where credentials come from, so the agent need never see a password.

Order, first match wins: the tool call's own arguments, the config file's entry for the host, the config file's
``[defaults]``, then the environment (``RECAMERA_USERNAME``, ``RECAMERA_PASSWORD``). The username defaults to
``admin``, the device's only web user.

The defaults (``[defaults]`` and the environment) are scoped: they go only to the hosts the operator lists in
``[defaults] hosts`` (or ``RECAMERA_HOSTS``, comma-separated): addresses, CIDR networks or host names; without a
list, to private, loopback and link-local addresses only. An agent naming any other host gets no password sent
there, and the answer says how to configure one. A per-host entry always applies to its host.

Config file (``~/.config/recamera-mcp/config.toml``, or the path in ``RECAMERA_MCP_CONFIG``)::

    [defaults]
    username = "admin"
    password = "..."
    hosts = ["192.168.1.0/24", "cam-garage.lan"]   # optional; default: private and loopback addresses

    [hosts."192.168.1.50"]
    password = "..."

    [server]
    token_cache = "~/.cache/recamera-mcp/tokens.json"   # optional: reuse live tokens across restarts

    [sensecraft]                                        # the SenseCraft cloud (see recamera_mcp.sensecraft)
    token = "..."                                       # or SENSECRAFT_TOKEN, SENSECRAFT_API_URL, ...
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recamera_mcp.client import is_local_address
from recamera_mcp.sensecraft import SenseCraftSettings

DEFAULT_USERNAME = "admin"
_ENV_KEYS = ("RECAMERA_USERNAME", "RECAMERA_PASSWORD", "RECAMERA_HOSTS", "RECAMERA_MCP_HTTP_TOKEN")
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
            env={k: v for k, v in environ.items() if k in _ENV_KEYS or k.startswith("SENSECRAFT_")},
            sensecraft=dict(data.get("sensecraft", {})) if isinstance(data.get("sensecraft"), dict) else {},
            path=path,
        )

    def default_hosts(self) -> list[str] | None:
        """The operator's list of hosts the default credentials go to (None: private and loopback addresses)."""
        listed = self.defaults.get("hosts")
        if isinstance(listed, str):
            listed = [listed]
        env = self.env.get("RECAMERA_HOSTS")
        items = [str(x) for x in listed] if isinstance(listed, list) else []
        if env:
            items += [part.strip() for part in env.split(",") if part.strip()]
        return items if (isinstance(listed, list | str) or env) else None

    def defaults_apply(self, address: str, names: Iterable[str] = ()) -> bool:
        """Whether the default credentials may go to this host (``address``: its IP; ``names``: as typed)."""
        listed = self.default_hosts()
        if listed is None:
            return is_local_address(address)
        wanted = {n.lower().rstrip(".") for n in names} | {address}
        for item in listed:
            entry = item.strip().lower()
            if entry in wanted:
                return True
            try:
                if ipaddress.ip_address(address) in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False

    def defaults_scope(self) -> str:
        """Where the default credentials go, in words (for the refusal)."""
        listed = self.default_hosts()
        if listed is None:
            return "private, loopback and link-local addresses"
        return f"the hosts listed in [defaults] hosts / RECAMERA_HOSTS ({', '.join(listed) or 'none'})"

    def resolve(
        self,
        host_keys: tuple[str, ...],
        username: str | None,
        password: str | None,
        *,
        defaults_apply: bool = True,
    ) -> Credentials:
        """Credentials for a host known under any of ``host_keys`` (e.g. "10.0.0.5:80" and "10.0.0.5").
        ``defaults_apply=False``: the host is outside the defaults' scope (:meth:`defaults_apply`), so only the
        call's and the host's own entry count."""
        entry: dict[str, Any] = next((self.hosts[k] for k in host_keys if k in self.hosts), {})
        sources = [
            ("call", {"username": username, "password": password}),
            ("config file (host)", entry),
        ]
        if defaults_apply:
            sources += [
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
