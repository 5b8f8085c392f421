"""Settings of one simulated camera: credentials and the timings that tests shorten."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass
class SimSettings:
    """Everything a test may want to change about one simulated camera.

    Durations are seconds. The defaults are the device's (or the fact sheet's best guess).
    """

    username: str = "admin"
    password: str = "Recamera#2026"
    factory: bool = False
    """When true, a login with the right password answers ``iAuth: 2`` until the password is changed."""
    serial: str = "RC2B0000000001"
    token_ttl_s: float = 36000.0
    lockout_after: int = 5
    lockout_s: float = 60.0
    isp_edit_timeout_s: float = 300.0
    relay_timeout_s: float = 300.0
    factory_reset_token_ttl_s: float = 300.0
    firmware_token_ttl_s: float = 300.0
    reboot_s: float = 3.0
    rtsp_port: int = 554
    rtsp_host: str | None = None
    """Host put in ``rtsp.sURL``; defaults to the HTTP host the client used."""
    rtsp_fps: int = 30
    """Frame rate of the simulated RTSP stream (tests raise it so 120 frames take about a second)."""
    rtsp_stale_frames: int = 120
    """Stale (buffered) frames every new RTSP session gets first, as fast as possible, before live ones."""
    max_body_bytes: int = 16 * 1024 * 1024
    inference_rate_hz: float = 5.0
    log_rate_hz: float = 2.0
    sample_recordings: bool = True
    record_clip_s: float = 60.0
    """How long a triggered recording event stays WRITING (the device's clip length); tests shorten it."""
    upload_progress_s: float = 3.0
    """How long a started firmware upgrade takes to go from 0 to 100 %."""
    max_upload_bytes: int = 512 * 1024 * 1024
    """Largest file a resumable upload (model, firmware, config) may announce ("Insufficient disk space")."""
    wifi_ipv4: str = "192.168.50.123"
    """The camera's Wi-Fi address once it joined a network (a test sets it to the camera's own loopback address to
    play a client that reaches the camera over its Wi-Fi)."""
    config_export_ttl_s: float = 60.0
    """How long ``/download/config.tar`` stays after ``GET /config/export`` (the device deletes it after 60 s)."""

    # ---- live streams and life-cycle (sim-lifecycle)
    capture_s: float = 0.8
    """How long a JPG or RAW ``/record/capture`` takes from start to COMPLETED (an MP4 takes its length)."""
    install_s: float = 30.0
    """How long the camera stays down installing a firmware once its download (or upload) reached ``success``."""
    firmware_success_s: float = 2.0
    """How long the progress shows ``success`` before the camera goes down to install (one web-UI poll)."""
    https_port: int = 0
    """HTTPS port (the device's is 443); 0 picks a free port when the camera is added and stores it back."""
    notify_retry_s: float = 2.0
    """How long the notify service waits before it retries an MQTT broker or HTTP endpoint that failed."""
    notify_timeout_s: float = 3.0
    """Connect and request timeout of one MQTT connection or HTTP POST of the notify service."""

    # ---- firmware dialects and diagnosis states (sim-dialects)
    firmware: Literal["legacy", "2026"] = "2026"
    """Which firmware generation the camera speaks (see :mod:`recamera_mcp.simulator.dialects`); each refuses the
    other's dialect."""
    storage_task_s: float = 5.0
    """How long an asynchronous storage task (2026 ``ASYNC_SUBMIT`` of FORMAT / FREE_UP) runs to COMPLETED."""
    cloud_url: str | None = None
    """The SenseCraft cloud the camera downloads models from itself (``POST /model/get_model``): the simulated
    cloud's URL; None: the camera cannot reach it (the download fails)."""
    inference_start_s: float = 1.0
    """How long inference stays ``starting`` (and ``stopping``) before ``running`` (``stopped``); 0 is instant."""

    def __post_init__(self) -> None:
        if self.firmware not in ("legacy", "2026"):
            raise ValueError(f"firmware must be 'legacy' or '2026', not {self.firmware!r}")
