"""Typed arguments and results of the AI and cloud tools (models, upload, inference, SenseCraft, deploy)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from recamera_mcp.client import (
    DeployStage,
    FieldChange,
    InferenceResult,
    ListedModel,
    ModelDeletePlan,
    ModelInfo,
    ModelUploadResult,
)
from recamera_mcp.sensecraft import CloudModel, Conversion, DownloadedModel
from recamera_mcp.server.confirm import ConfirmationRequest


class InfoArg(BaseModel):
    """The model info fields an agent sets (the file's size and MD5 are filled in by the server). Plain types in
    the schema (it is shown to the model three times); the client's ``ModelInfo`` checks the values."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    classes: list[str] | None = None
    algorithm: str | None = None
    confidence: float | None = None
    iou: float | None = None
    topk: int | None = None
    description: str | None = None

    def to_client(self) -> ModelInfo:
        return ModelInfo.model_validate(self.model_dump(exclude_unset=True))


InfoParam = Annotated[
    InfoArg | None, Field(description="category Detection|Classification|..., classes: labels in output order")
]


class InferenceBrief(BaseModel):
    enabled: bool
    status: str | None = None
    model: str | None = None


class ModelsOutput(BaseModel):
    host: str
    action: str
    done: bool = Field(default=True, description="False: nothing happened yet (see confirmation)")
    models: list[ListedModel] | None = None
    inference: InferenceBrief | None = None
    name: str | None = None
    info: ModelInfo | None = None
    changes: list[FieldChange] | None = None
    algorithms: dict[str, list[str]] | None = None
    plan: ModelDeletePlan | None = None
    confirmation: ConfirmationRequest | None = None


class ModelUploadOutput(ModelUploadResult):
    host: str


class InferenceOutput(InferenceResult):
    host: str


class ConversionOutput(Conversion):
    next_step: str


class CloudModelsOutput(BaseModel):
    action: str
    done: bool = Field(default=True, description="False: nothing happened yet (see confirmation)")
    total: int | None = None
    models: list[CloudModel] | None = None
    model: CloudModel | None = None
    download: DownloadedModel | None = None
    confirmation: ConfirmationRequest | None = None


class DeployOutput(BaseModel):
    host: str
    model: str = Field(description="The model's file name on the camera")
    stages: list[DeployStage]
    inference: InferenceResult | None = None
    results_check: str = Field(description="Whether the first inference results were checked")
