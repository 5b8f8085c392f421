"""Subnet discovery of reCameras (client layer, no MCP): :func:`discover` and :func:`parse_targets`.

result = await discover("192.168.1.0/24", timeout_s=1.0)
result.recamera_ips  # ['192.168.1.23', ...], each verified by GET /system/key → 200 + sPublicKey
"""

from __future__ import annotations

from recamera_mcp.discovery.scan import (
    Camera,
    DiscoveryError,
    DiscoveryResult,
    Method,
    ProgressCallback,
    discover,
    resolve_method,
)
from recamera_mcp.discovery.targets import (
    LARGE_LIMIT,
    TargetError,
    TargetRefusedError,
    TargetSet,
    collapse_ranges,
    merge_consecutive,
    parse_target_set,
    parse_targets,
)

__all__ = [
    "LARGE_LIMIT",
    "Camera",
    "DiscoveryError",
    "DiscoveryResult",
    "Method",
    "ProgressCallback",
    "TargetError",
    "TargetRefusedError",
    "TargetSet",
    "collapse_ranges",
    "discover",
    "merge_consecutive",
    "parse_target_set",
    "parse_targets",
    "resolve_method",
]
