"""The public API of recamera_mcp.client does not drift, and the error tree is as drawn."""

from __future__ import annotations

import types

import recamera_mcp.client as client
from recamera_mcp.client import (
    AuthError,
    DeviceApiError,
    DeviceTimeout,
    LockedOut,
    MustChangePassword,
    ReCameraError,
    TokenRejected,
    ValidationError,
    WrongCredentials,
)

EXPECTED = {
    "Adjustment", "AreaSpec", "AuthError", "Backlight", "BatteryInfo", "CGI_PREFIX", "CHUNK_SIZE", "CONFIG_AREAS",
    "CameraDownloadResult", "ConfigAPI", "ConfigArea", "Conflict", "DEFAULT_USERNAME", "DeployAPI", "DeployFailed",
    "DeployResult", "DeployStage", "DeviceApiError", "DeviceResponse", "DeviceStatus", "DeviceTimeout",
    "DeviceUnreachable", "DeviceWebSocket", "Diagnosis", "DiscoveryError", "DownloadResult", "Enhancement",
    "Exposure", "FieldChange", "Finding", "Fix", "GROUPS", "HostAddress", "ImageAPI", "ImageValues", "InferenceAPI",
    "InferenceResult", "InfoWriteResult", "KeyProbe", "ListedModel", "LockedOut", "LoginResult", "ModelCategory",
    "ModelDeletePlan", "ModelInfo", "ModelSource", "ModelUploadResult", "ModelsAPI", "MustChangePassword",
    "NightToDay", "NotAReCamera", "NotSupported", "ProbeAnswer", "Problem", "ReCameraClient", "ReCameraError",
    "RecordingAPI", "RecordingEntry", "RecordingList", "RecordingStatus", "ResetResult", "ResultsCheck",
    "ResumableUpload", "Revert", "RuleInfo", "SCENES", "SECRET_MASK", "SYMPTOM_CHECKS", "Severity", "Slot",
    "StageProgress", "StorageAPI", "StorageAction", "StorageNotReady", "StoragePlan", "StorageStatus",
    "StreamedResponse", "Symptom", "SystemAPI", "Thumbnail", "TokenCache", "TokenRejected", "TriggerResult",
    "TuneResult", "UploadProgress", "UploadResult", "UploadSession", "ValidationError", "VideoAdjustment",
    "WhiteBalance", "WriteResult", "WrongCredentials", "diagnose", "file_digest", "file_md5", "is_secret_field",
    "mask_secrets", "mask_value", "parse_host", "public_key_of", "redact_text",
    "CaptureAPI", "CapturedStill", "CaptureStatus", "CommandResult", "Detection", "FrameSize", "InferenceSummary",
    "LabelStats", "LogLine", "LogsResult", "ResultLog", "StreamsAPI", "NotificationCheck", "NotifyAPI", "NotifyStatus",
    "inference_problem", "iso_ms", "LiveResults",
    # life-cycle (issue 15): restarts, firmware, Wi-Fi, backups
    "AreaRestore", "BACKUP_FORMAT", "ConfigBackup", "DEVICE_SPECIFIC_AREAS", "ExportedArchive", "FirmwareAPI",
    "FirmwareCheck", "FirmwareFile", "FirmwareProgress", "FirmwareWait", "NetworkAPI", "RestartResult",
    "RestorePlan", "UpgradeJob", "UpgradeResult", "WaitPolicy", "WifiNetwork", "WifiStatus", "check_release_url",
    "inspect_firmware_file", "link_of", "parse_backup", "MAX_BACKUP_BYTES", "FileUpload",
    "ConfigArchive", "MAX_ARCHIVE_BYTES", "inspect_config_archive",

    # trust boundaries (issue 18): pins, lockouts, safe local files, host normalisation, untrusted text
    "IdentityChanged", "LOGIN_KEY", "LockoutBook", "PinKind", "PinStore", "SafeFile", "SecretWouldMove",
    "TLS_CERTIFICATE", "cap_text", "escape_controls", "is_dangerous_char", "is_local_address", "pin_key_of",
    "password_problem", "resolve_host", "safe_file_name", "scrub",
}  # fmt: skip


def test_exports_are_exactly_the_public_api():
    assert set(client.__all__) == EXPECTED
    for name in client.__all__:
        assert getattr(client, name) is not None
    # area modules (client.config, client.image, ...) are attributes once imported; they are not exports
    public = {
        n
        for n in dir(client)
        if not n.startswith("_") and n != "annotations" and not isinstance(getattr(client, n), types.ModuleType)
    }
    assert public == EXPECTED, f"exported but not in __all__: {public - EXPECTED}"


def test_error_tree():
    for cls in (WrongCredentials, LockedOut, MustChangePassword, TokenRejected):
        assert issubclass(cls, AuthError)
    assert issubclass(DeviceTimeout, TimeoutError) and issubclass(DeviceTimeout, ReCameraError)
    assert issubclass(ValidationError, ValueError)
    err = DeviceApiError("boom", "do this", status_code=400, device_code=20022, device_message="bad")
    assert err.module == "video" and str(err) == "boom. do this"
    assert DeviceApiError("x", status_code=400, device_code=400).module is None
    assert LockedOut("locked", wait_s=7).wait_s == 7
