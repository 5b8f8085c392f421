"""Async client for Seeed reCamera (RV1126B) devices: login, token, retry-once, read-before-write. No MCP.

    async with ReCameraClient("192.168.1.5", username="admin", password="...") as cam:
        lan = await cam.config.get(ConfigArea.LAN)
        result = await cam.config.update(ConfigArea.LAN, {"dLink": {"sDNS2": "1.1.1.1"}})

One class per API area, reached from the client: ``cam.config``, ``cam.system``, ``cam.image``, ``cam.storage``,
``cam.recording``, ``cam.models``, ``cam.inference``, ``cam.streams``, ``cam.capture``,
``cam.notify``, and the deploy chain ``cam.deploy``. Everything a caller needs is exported here.
"""

from __future__ import annotations

from recamera_mcp.client._answers import public_key_of
from recamera_mcp.client._auth import LockoutBook, password_problem
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
    IdentityChanged,
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
from recamera_mcp.client._host import CGI_PREFIX, HostAddress, is_local_address, parse_host, resolve_host
from recamera_mcp.client._localfile import SafeFile, safe_file_name
from recamera_mcp.client._model_info import ListedModel, ModelCategory, ModelInfo
from recamera_mcp.client._models import FieldChange, LoginResult, Problem, Revert, WriteResult
from recamera_mcp.client._pins import LOGIN_KEY, TLS_CERTIFICATE, PinKind, PinStore, pin_key_of
from recamera_mcp.client._results import Detection, FrameSize, InferenceSummary, LabelStats, iso_ms
from recamera_mcp.client._secrets import SECRET_MASK, is_secret_field, mask_secrets, mask_value, redact_text
from recamera_mcp.client._slots import Slot, StorageStatus
from recamera_mcp.client._token_cache import TokenCache
from recamera_mcp.client._transport import DeviceResponse, DeviceWebSocket, KeyProbe, ProbeAnswer, StreamedResponse
from recamera_mcp.client._untrusted import cap_text, escape_controls, is_dangerous_char, scrub
from recamera_mcp.client._upload import CHUNK_SIZE, ResumableUpload, UploadProgress, UploadResult, UploadSession
from recamera_mcp.client.capture import CaptureAPI, CapturedStill, CaptureStatus
from recamera_mcp.client.config import ConfigAPI, SecretWouldMove
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
from recamera_mcp.client.notify import NotificationCheck, NotifyAPI, NotifyStatus
from recamera_mcp.client.recording import RecordingAPI, RecordingStatus, RuleInfo, TriggerResult
from recamera_mcp.client.storage import StorageAction, StorageAPI, StoragePlan
from recamera_mcp.client.streams import CommandResult, LogLine, LogsResult, ResultLog, StreamsAPI, inference_problem
from recamera_mcp.client.system import BatteryInfo, DeviceStatus, SystemAPI

__all__ = [
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
    "GROUPS",
    "LOGIN_KEY",
    "SCENES",
    "SECRET_MASK",
    "SYMPTOM_CHECKS",
    "TLS_CERTIFICATE",
    "Adjustment",
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
    "Exposure",
    "FieldChange",
    "Finding",
    "Fix",
    "FrameSize",
    "HostAddress",
    "IdentityChanged",
    "ImageAPI",
    "ImageValues",
    "InferenceAPI",
    "InferenceSummary",
    "KeyProbe",
    "LabelStats",
    "LockedOut",
    "LockoutBook",
    "LogLine",
    "LoginResult",
    "LogsResult",
    "ModelsAPI",
    "MustChangePassword",
    "NightToDay",
    "NotAReCamera",
    "NotSupported",
    "PinKind",
    "PinStore",
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
    "ResultLog",
    "Revert",
    "Severity",
    "ResumableUpload",
    "RuleInfo",
    "SafeFile",
    "SecretWouldMove",
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
    "UploadProgress",
    "UploadResult",
    "UploadSession",
    "ValidationError",
    "VideoAdjustment",
    "WhiteBalance",
    "WriteResult",
    "WrongCredentials",
    "cap_text",
    "inference_problem",
    "iso_ms",
    "diagnose",
    "escape_controls",
    "file_md5",
    "is_dangerous_char",
    "is_local_address",
    "is_secret_field",
    "mask_secrets",
    "mask_value",
    "parse_host",
    "password_problem",
    "pin_key_of",
    "public_key_of",
    "redact_text",
    "resolve_host",
    "safe_file_name",
    "scrub",
]
