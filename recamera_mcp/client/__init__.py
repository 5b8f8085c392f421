"""Async client for Seeed reCamera (RV1126B) devices: login, token, retry-once, read-before-write. No MCP.

async with ReCameraClient("192.168.1.5", username="admin", password="...") as cam:
    lan = await cam.get_config(ConfigArea.LAN)
    result = await cam.read_modify_write(ConfigArea.LAN, {"dLink": {"sDNS2": "1.1.1.1"}})
"""

from __future__ import annotations

from recamera_mcp.client._client import ReCameraClient
from recamera_mcp.client._endpoints import CONFIG_AREAS, AreaSpec, ConfigArea
from recamera_mcp.client._errors import (
    AuthError,
    DeviceApiError,
    DeviceTimeout,
    DeviceUnreachable,
    LockedOut,
    MustChangePassword,
    NotAReCamera,
    NotSupported,
    ReCameraError,
    TokenRejected,
    ValidationError,
    WrongCredentials,
)
from recamera_mcp.client._host import HostAddress, parse_host
from recamera_mcp.client._models import FieldChange, LoginResult, WriteResult
from recamera_mcp.client._secrets import SECRET_MASK, mask_secrets
from recamera_mcp.client._token_cache import TokenCache

__all__ = [
    "CONFIG_AREAS",
    "SECRET_MASK",
    "AreaSpec",
    "AuthError",
    "ConfigArea",
    "DeviceApiError",
    "DeviceTimeout",
    "DeviceUnreachable",
    "FieldChange",
    "HostAddress",
    "LockedOut",
    "LoginResult",
    "MustChangePassword",
    "NotAReCamera",
    "NotSupported",
    "ReCameraClient",
    "ReCameraError",
    "TokenCache",
    "TokenRejected",
    "ValidationError",
    "WriteResult",
    "WrongCredentials",
    "mask_secrets",
    "parse_host",
]
