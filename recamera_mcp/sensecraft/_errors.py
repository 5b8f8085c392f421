"""The cloud's errors: part of the client's one exception tree (``ReCameraError``), with texts about the cloud.

ReCameraError
└── CloudError                   an answer of the SenseCraft cloud that means failure (.status)
    ├── CloudAuthError           no token, a refused token, an unknown user_id (.authorize_url)
    ├── CloudUnreachable         the cloud could not be reached, or timed out on a request
    ├── ConversionFailed         the task ended ``failed`` (.reason from the cloud, quoted, bounded)
    └── ConversionTimeout(CloudError, TimeoutError)   the task did not finish within the time allowed
"""

from __future__ import annotations

from recamera_mcp.client import ReCameraError

__all__ = ["CloudAuthError", "CloudError", "CloudUnreachable", "ConversionFailed", "ConversionTimeout"]


class CloudError(ReCameraError):
    """The SenseCraft cloud answered with a failure."""

    def __init__(self, message: str, hint: str = "", *, status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class CloudAuthError(CloudError):
    """No usable SenseCraft credentials. ``authorize_url``: where the user signs in."""

    def __init__(self, message: str, hint: str = "", *, status: int | None = None, authorize_url: str = "") -> None:
        super().__init__(message, hint, status=status)
        self.authorize_url = authorize_url


class CloudUnreachable(CloudError):
    """The cloud did not answer (network, DNS, time-out of one request)."""


class ConversionFailed(CloudError):
    """The conversion task ended ``failed``."""

    def __init__(self, message: str, hint: str = "", *, model_id: str, reason: str) -> None:
        super().__init__(message, hint)
        self.model_id = model_id
        self.reason = reason


class ConversionTimeout(CloudError, TimeoutError):
    """The conversion did not finish in time (it may still finish in the cloud)."""

    def __init__(self, message: str, hint: str = "", *, model_id: str) -> None:
        super().__init__(message, hint)
        self.model_id = model_id
