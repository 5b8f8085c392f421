"""The server's one SenseCraft client (built on first use from the configured settings) and its model source."""

from __future__ import annotations

from dataclasses import dataclass, field

from recamera_mcp.sensecraft import CloudModelSource, SenseCraftClient, SenseCraftSettings


@dataclass
class CloudAccess:
    """SenseCraft for the whole server: settings, a client and the deploy chain's model source, made lazily."""

    settings: SenseCraftSettings = field(default_factory=SenseCraftSettings)
    _client: SenseCraftClient | None = None
    _source: CloudModelSource | None = None

    def client(self) -> SenseCraftClient:
        if self._client is None:
            self._client = SenseCraftClient(self.settings)
        return self._client

    def source(self) -> CloudModelSource:
        """The model source that converts and downloads at most once per file (kept for the server's life)."""
        if self._source is None:
            self._source = CloudModelSource(self.client(), self.settings.download_dir)
        return self._source

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
