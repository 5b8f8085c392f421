"""The SenseCraft cloud (client layer, no MCP): ONNX -> RKNN conversion for the reCamera, on the camera client's
transport and error tree.

    settings = SenseCraftSettings.load(os.environ, config.get("sensecraft"))
    async with SenseCraftClient(settings) as cloud:
        conversion = await cloud.convert("/data/yolo.onnx")

Everything a caller needs is exported here.
"""

from __future__ import annotations

from recamera_mcp.sensecraft._errors import (
    CloudAuthError,
    CloudError,
    CloudUnreachable,
    ConversionFailed,
    ConversionTimeout,
)
from recamera_mcp.sensecraft._files import download_target
from recamera_mcp.sensecraft._settings import (
    AUTHORIZE_URL,
    HMI_URL,
    PRODUCTION_URL,
    TEST_URL,
    SenseCraftSettings,
)
from recamera_mcp.sensecraft.client import (
    CloudModel,
    CloudModelList,
    CloudProgress,
    Conversion,
    DownloadedModel,
    SenseCraftClient,
)
from recamera_mcp.sensecraft.source import CloudModelSource

__all__ = [
    "AUTHORIZE_URL",
    "HMI_URL",
    "PRODUCTION_URL",
    "TEST_URL",
    "CloudAuthError",
    "CloudError",
    "CloudModel",
    "CloudModelList",
    "CloudModelSource",
    "CloudProgress",
    "CloudUnreachable",
    "Conversion",
    "ConversionFailed",
    "ConversionTimeout",
    "DownloadedModel",
    "SenseCraftClient",
    "SenseCraftSettings",
    "download_target",
]
