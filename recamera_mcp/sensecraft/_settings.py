"""Where the SenseCraft cloud is and who the user is: from the config file's ``[sensecraft]`` table, then the
environment (the project's order: the file, then the environment).

=====================  ==============  ================================================================
environment            config key      meaning
=====================  ==============  ================================================================
SENSECRAFT_API_URL     api_url         conversion API: ``production`` (default), ``test``, or a URL
                                       (e.g. the simulator's cloud, ``http://127.0.0.1:PORT``)
SENSECRAFT_HMI_URL     hmi_url         the login-token host that resolves ``user_id`` (default: production;
                                       with an ``api_url`` URL of your own, that same URL)
SENSECRAFT_TOKEN       token           the user's SenseCraft token (a secret: never shown or logged)
SENSECRAFT_USER_ID     user_id         optional: skips the resolution
(none)                 poll_s          seconds between status polls (default 2)
(none)                 timeout_s       longest a conversion may take (default 1800)
(none)                 download_dir    where downloaded models go (default ~/.cache/recamera-mcp/models)
=====================  ==============  ================================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

__all__ = ["AUTHORIZE_URL", "HMI_URL", "PRODUCTION_URL", "TEST_URL", "SenseCraftSettings"]

PRODUCTION_URL = "https://sensecraft-train-api.seeed.cc"
TEST_URL = "https://test-sensecraft-train-api.seeed.cc"
HMI_URL = "https://sensecraft-hmi-api.seeed.cc"
AUTHORIZE_URL = "https://sensecraft.seeed.cc/ai/authorize"
_NAMED = {"production": PRODUCTION_URL, "prod": PRODUCTION_URL, "test": TEST_URL}
_ENV = {
    "api_url": "SENSECRAFT_API_URL",
    "hmi_url": "SENSECRAFT_HMI_URL",
    "token": "SENSECRAFT_TOKEN",
    "user_id": "SENSECRAFT_USER_ID",
}


def _number(value: Any, default: float, low: float, high: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return min(max(float(value), low), high)
    return default


@dataclass(frozen=True)
class SenseCraftSettings:
    """The cloud's addresses, the user's credentials and the conversion timings. ``repr`` hides the token."""

    api_url: str = PRODUCTION_URL
    hmi_url: str = HMI_URL
    token: str | None = field(default=None, repr=False)
    user_id: str | None = None
    poll_s: float = 2.0
    timeout_s: float = 1800.0
    request_timeout_s: float = 30.0
    download_dir: str | None = None
    redirect_url: str = "https://sensecraft.seeed.cc/ai/home"

    @classmethod
    def load(cls, env: Mapping[str, str], section: Mapping[str, Any] | None = None) -> SenseCraftSettings:
        """Settings from the config file's ``[sensecraft]`` table (``section``), then the environment."""
        table = dict(section or {})

        def pick(key: str) -> str | None:
            value = table.get(key)
            if value in (None, ""):
                value = env.get(_ENV[key])
            return str(value).strip() if value not in (None, "") else None

        api = pick("api_url") or "production"
        api_url = _NAMED.get(api.lower(), api).rstrip("/")
        hmi = pick("hmi_url")
        hmi_url = hmi.rstrip("/") if hmi else (HMI_URL if api_url in (PRODUCTION_URL, TEST_URL) else api_url)
        return cls(
            api_url=api_url,
            hmi_url=hmi_url,
            token=pick("token"),
            user_id=pick("user_id"),
            poll_s=_number(table.get("poll_s"), 2.0, 0.01, 60.0),
            timeout_s=_number(table.get("timeout_s"), 1800.0, 1.0, 24 * 3600.0),
            download_dir=str(table["download_dir"]) if table.get("download_dir") else None,
        )

    def authorize_url(self) -> str:
        """The page where the user signs in to SenseCraft and gets a token (parameter names spelled as the
        service spells them)."""
        query = {
            "client_id": "seeed_recamera",
            "response_type": "token",
            "scop": "profile",
            "redirec_url": self.redirect_url,
        }
        return f"{AUTHORIZE_URL}?{urlencode(query)}"
