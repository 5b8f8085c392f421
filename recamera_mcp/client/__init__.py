"""Async client for Seeed reCamera (RV1126B) devices: login, token, retry-once, read-before-write. No MCP.

    async with ReCameraClient("192.168.1.5", username="admin", password="...") as cam:
        lan = await cam.config.get(ConfigArea.LAN)
        result = await cam.config.update(ConfigArea.LAN, {"dLink": {"sDNS2": "1.1.1.1"}})

One class per API area, reached from the client: ``cam.config``, ``cam.system``, ``cam.firmware``, ``cam.network``,
``cam.image``, ``cam.storage``, ``cam.recording``, ``cam.models``, ``cam.inference``, ``cam.streams``,
``cam.capture``, ``cam.notify``, and the deploy chain ``cam.deploy``. Everything a caller needs is exported here.
"""

from __future__ import annotations

from recamera_mcp.client._answers import public_key_of
from recamera_mcp.client._backup import (
    BACKUP_FORMAT,
    DEVICE_SPECIFIC_AREAS,
    MAX_ARCHIVE_BYTES,
    MAX_BACKUP_BYTES,
    AreaRestore,
    ConfigArchive,
    ConfigBackup,
    RestorePlan,
    inspect_config_archive,
    parse_backup,
)
from recamera_mcp.client._client import DEFAULT_USERNAME, ReCameraClient
from recamera_mcp.client._endpoints import CONFIG_AREAS, AreaSpec, ConfigArea
from recamera_mcp.client._errors import (
    AuthError,
    Conflict,
    DeviceApiError,
    DeviceTimeout,
    DeviceUnreachable,
    DiscoveryError,
    Fix,
    LockedOut,
    MustChangePassword,
    NotAReCamera,
    NotSupported,
    ReCameraError,
    StorageNotReady,
    TokenRejected,
    ValidationError,
    WrongCredentials,
)
from recamera_mcp.client._files import DownloadResult, RecordingEntry, RecordingList, Thumbnail
from recamera_mcp.client._findings import Finding, Severity
from recamera_mcp.client._host import CGI_PREFIX, HostAddress, parse_host
from recamera_mcp.client._model_info import ListedModel, ModelCategory, ModelInfo
from recamera_mcp.client._models import FieldChange, LoginResult, Problem, Revert, WriteResult
from recamera_mcp.client._restart import RestartResult, WaitPolicy
from recamera_mcp.client._results import Detection, FrameSize, InferenceSummary, LabelStats, iso_ms
from recamera_mcp.client._secrets import SECRET_MASK, is_secret_field, mask_secrets, mask_value, redact_text
from recamera_mcp.client._slots import Slot, StorageStatus
from recamera_mcp.client._token_cache import TokenCache
from recamera_mcp.client._transport import DeviceResponse, DeviceWebSocket, KeyProbe, ProbeAnswer, StreamedResponse
from recamera_mcp.client._upload import CHUNK_SIZE, ResumableUpload, UploadProgress, UploadResult, UploadSession
from recamera_mcp.client.capture import CaptureAPI, CapturedStill, CaptureStatus
from recamera_mcp.client.config import ConfigAPI
from recamera_mcp.client.deploy import (
    DeployAPI,
    DeployFailed,
    DeployResult,
    DeployStage,
    ModelSource,
    ResultsCheck,
    StageProgress,
)
from recamera_mcp.client.diagnosis import SYMPTOM_CHECKS, Diagnosis, Symptom, diagnose
from recamera_mcp.client.firmware import (
    FileUpload,
    FirmwareAPI,
    FirmwareCheck,
    FirmwareFile,
    FirmwareProgress,
    FirmwareWait,
    UpgradeJob,
    UpgradeResult,
    check_release_url,
    inspect_firmware_file,
)
from recamera_mcp.client.image import (
    GROUPS,
    SCENES,
    Adjustment,
    Backlight,
    Enhancement,
    Exposure,
    ImageAPI,
    ImageValues,
    NightToDay,
    ResetResult,
    TuneResult,
    VideoAdjustment,
    WhiteBalance,
)
from recamera_mcp.client.inference import InferenceAPI, InferenceResult
from recamera_mcp.client.models import (
    CameraDownloadResult,
    InfoWriteResult,
    ModelDeletePlan,
    ModelsAPI,
    ModelUploadResult,
    file_md5,
)
from recamera_mcp.client.network import NetworkAPI, WifiNetwork, WifiStatus, link_of
from recamera_mcp.client.notify import NotificationCheck, NotifyAPI, NotifyStatus
from recamera_mcp.client.recording import RecordingAPI, RecordingStatus, RuleInfo, TriggerResult
from recamera_mcp.client.storage import StorageAction, StorageAPI, StoragePlan
from recamera_mcp.client.streams import CommandResult, LogLine, LogsResult, ResultLog, StreamsAPI, inference_problem
from recamera_mcp.client.system import BatteryInfo, DeviceStatus, ExportedArchive, SystemAPI

__all__ = [
    "BACKUP_FORMAT",
    "CameraDownloadResult",
    "StageProgress",
    "ResultsCheck",
    "ModelSource",
    "DeployStage",
    "DeployResult",
    "DeployFailed",
    "DeployAPI",
    "InferenceResult",
    "ModelInfo",
    "ModelCategory",
    "ListedModel",
    "ModelUploadResult",
    "ModelDeletePlan",
    "InfoWriteResult",
    "CGI_PREFIX",
    "CHUNK_SIZE",
    "CONFIG_AREAS",
    "DEFAULT_USERNAME",
    "DEVICE_SPECIFIC_AREAS",
    "MAX_ARCHIVE_BYTES",
    "MAX_BACKUP_BYTES",
    "GROUPS",
    "SCENES",
    "SECRET_MASK",
    "SYMPTOM_CHECKS",
    "Adjustment",
    "AreaRestore",
    "AreaSpec",
    "AuthError",
    "Backlight",
    "BatteryInfo",
    "CaptureAPI",
    "CaptureStatus",
    "CapturedStill",
    "CommandResult",
    "ConfigAPI",
    "ConfigArea",
    "ConfigArchive",
    "ConfigBackup",
    "Detection",
    "Conflict",
    "DeviceApiError",
    "DeviceResponse",
    "DeviceStatus",
    "DeviceTimeout",
    "DeviceUnreachable",
    "DeviceWebSocket",
    "Diagnosis",
    "DiscoveryError",
    "DownloadResult",
    "Enhancement",
    "ExportedArchive",
    "Exposure",
    "FieldChange",
    "FileUpload",
    "FirmwareAPI",
    "FirmwareCheck",
    "FirmwareFile",
    "FirmwareProgress",
    "FirmwareWait",
    "Finding",
    "Fix",
    "FrameSize",
    "HostAddress",
    "ImageAPI",
    "ImageValues",
    "InferenceAPI",
    "InferenceSummary",
    "KeyProbe",
    "LabelStats",
    "LockedOut",
    "LogLine",
    "LoginResult",
    "LogsResult",
    "ModelsAPI",
    "MustChangePassword",
    "NetworkAPI",
    "NightToDay",
    "NotAReCamera",
    "NotSupported",
    "NotificationCheck",
    "NotifyAPI",
    "NotifyStatus",
    "ProbeAnswer",
    "Problem",
    "ReCameraClient",
    "ReCameraError",
    "RecordingAPI",
    "RecordingEntry",
    "RecordingList",
    "RecordingStatus",
    "ResetResult",
    "RestartResult",
    "RestorePlan",
    "ResultLog",
    "Revert",
    "Severity",
    "ResumableUpload",
    "RuleInfo",
    "Slot",
    "StorageAPI",
    "StorageAction",
    "StorageNotReady",
    "StoragePlan",
    "StorageStatus",
    "StreamedResponse",
    "StreamsAPI",
    "Symptom",
    "SystemAPI",
    "Thumbnail",
    "TokenCache",
    "TokenRejected",
    "TriggerResult",
    "TuneResult",
    "UpgradeJob",
    "UpgradeResult",
    "UploadProgress",
    "UploadResult",
    "UploadSession",
    "ValidationError",
    "VideoAdjustment",
    "WaitPolicy",
    "WhiteBalance",
    "WifiNetwork",
    "WifiStatus",
    "WriteResult",
    "WrongCredentials",
    "check_release_url",
    "inspect_firmware_file",
    "inference_problem",
    "iso_ms",
    "diagnose",
    "file_md5",
    "is_secret_field",
    "link_of",
    "mask_secrets",
    "mask_value",
    "inspect_config_archive",
    "parse_backup",
    "parse_host",
    "public_key_of",
    "redact_text",
]
