"""``ReCameraClient``: one camera, its request funnel, and its API areas.

    async with ReCameraClient("192.168.1.5", username="admin", password="...") as cam:
        status = await cam.system.status()
        result = await cam.config.update(ConfigArea.LAN, {"dLink": {"sDNS2": "1.1.1.1"}})

Each area is one module with one class bound to the camera, and calls only the funnel (``_funnel.py``); an area
that needs another gets it when it is built here, so the areas form a tree and never import this module.
"""

from __future__ import annotations

from functools import cached_property

from recamera_mcp.client._errors import NotSupported, ReCameraError
from recamera_mcp.client._funnel import DEFAULT_USERNAME, Funnel
from recamera_mcp.client._models import FieldChange, Revert
from recamera_mcp.client.capture import CaptureAPI
from recamera_mcp.client.config import ConfigAPI
from recamera_mcp.client.deploy import DeployAPI
from recamera_mcp.client.firmware import FirmwareAPI
from recamera_mcp.client.image import ImageAPI
from recamera_mcp.client.inference import InferenceAPI
from recamera_mcp.client.models import ModelsAPI
from recamera_mcp.client.network import NetworkAPI
from recamera_mcp.client.notify import NotifyAPI
from recamera_mcp.client.recording import RecordingAPI
from recamera_mcp.client.storage import StorageAPI
from recamera_mcp.client.streams import StreamsAPI
from recamera_mcp.client.system import SystemAPI

__all__ = ["DEFAULT_USERNAME", "ReCameraClient"]


class ReCameraClient(Funnel):
    """An async client for one reCamera; takes the funnel's arguments (host, username, password, timeout, ...).

    Use ``async with ReCameraClient(...) as cam:`` or call :meth:`close`.
    """

    @cached_property
    def config(self) -> ConfigAPI:
        """Config objects: read whole, changed by read-modify-write."""
        return ConfigAPI(self, self.inference.model_facts, self.models.index)

    @cached_property
    def system(self) -> SystemAPI:
        """Device info, load, clock, battery; reboot, factory reset, waiting for a restart; config backups."""
        return SystemAPI(self, self.config, on_restart=self._restarting)

    @cached_property
    def firmware(self) -> FirmwareAPI:
        """Firmware check, upgrade, progress and install."""
        return FirmwareAPI(self, self.system)

    @cached_property
    def network(self) -> NetworkAPI:
        """Wi-Fi: status, scan, connect, forget, radio power."""
        return NetworkAPI(self)

    def _restarting(self) -> None:
        """The camera was asked to restart: forget what it drops (its storage relay)."""
        storage = self.__dict__.get("storage")
        if isinstance(storage, StorageAPI):
            storage.relay.forget()

    @cached_property
    def image(self) -> ImageAPI:
        """ISP tuning and reset."""
        return ImageAPI(self)

    @cached_property
    def storage(self) -> StorageAPI:
        """Storage slots, actions and the relay."""
        return StorageAPI(self)

    @cached_property
    def recording(self) -> RecordingAPI:
        """Recording rules, trigger, status and files."""
        return RecordingAPI(self, self.config, self.storage, self.inference)

    @cached_property
    def models(self) -> ModelsAPI:
        """AI models on the camera."""
        return ModelsAPI(self, lambda: self.inference)

    @cached_property
    def inference(self) -> InferenceAPI:
        """The inference engine."""
        return InferenceAPI(self, self.models)

    @cached_property
    def streams(self) -> StreamsAPI:
        """Live inference results, system log and terminal (WebSockets)."""
        return StreamsAPI(self, self.inference, self.config)

    @cached_property
    def capture(self) -> CaptureAPI:
        """Pictures the camera takes itself into its storage (no RTSP needed)."""
        return CaptureAPI(self, self.storage)

    @cached_property
    def notify(self) -> NotifyAPI:
        """Where inference results are sent, and whether they arrive."""
        return NotifyAPI(self, self.config, self.inference)

    @cached_property
    def deploy(self) -> DeployAPI:
        """The deploy chain: model file to running inference."""
        return DeployAPI(self.models, self.inference)

    async def revert(self, step: Revert) -> list[FieldChange]:
        """Put back what one write changed (its :class:`Revert`), by the same read-before-write path: the device's
        current values are checked against the ones the write left, and a field that moved on since raises
        :class:`Conflict` before anything is written. Returns each field put back, before and after."""
        args = step.args
        if step.op == "config.update":
            result = await self.config.update(
                args["path"],
                args["changes"],
                raw=bool(args.get("raw")),
                write_method=args.get("write_method"),
                expect=step.expect,
            )
            return result.changes
        if step.op == "image.tune":
            tuned = await self.image.tune(args["scene"], expect=step.expect, **args["groups"])
            if not tuned.ok:
                raise ReCameraError(f"{self.address.key}: putting the image values back failed: {tuned.summary()}")
            return tuned.changes
        raise NotSupported(f"cannot revert a {step.op} change", "put the values back by hand")
