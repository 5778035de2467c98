"""Model versions on disk: one folder per version (artefact + metadata) and a current pointer.

Layout under ``SKILLPATH_MODEL_DIR``::

    CURRENT                      the active version id (replaced atomically)
    <version>/model.npz          the arrays
    <version>/metadata.json      what it was trained on, how, and how well it did
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.recommend.model import HybridModel, ModelFileError

POINTER = "CURRENT"
METADATA = "metadata.json"
_VERSION = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{6,}$")


class UnknownModelVersion(LookupError):
    """No model version with this id exists."""

    def __init__(self, version: str) -> None:
        super().__init__(f"model version {version!r} does not exist")
        self.version = version


@dataclass(frozen=True)
class ModelMetadata:
    """What a model version was trained on, with which parameters, and how it scored."""

    version: str
    trained_at: str
    trained_to_position: int
    data_hash: str
    parameters: dict[str, Any]
    parameters_hash: str
    artefact_sha256: str
    metrics: dict[str, float]
    consent_snapshot: dict[str, Any]
    subjects_excluded: int
    users: int
    items: int
    interactions: int
    trigger: str = "manual"
    erasures_since_previous: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelMetadata:
        return cls(**json.loads(text))


class ModelRegistry:
    """The versions in one model directory, and which one is current."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _folder(self, version: str) -> Path:
        if not _VERSION.match(version):
            raise UnknownModelVersion(version)
        return self.root / version

    def versions(self) -> list[ModelMetadata]:
        """Every readable version, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.iterdir()):
            meta = folder / METADATA
            if folder.is_dir() and meta.is_file():
                try:
                    found.append(ModelMetadata.from_json(meta.read_text()))
                except (ValueError, TypeError):
                    continue
        return sorted(found, key=lambda m: (m.trained_at, m.version))

    def metadata(self, version: str) -> ModelMetadata:
        meta = self._folder(version) / METADATA
        if not meta.is_file():
            raise UnknownModelVersion(version)
        try:
            return ModelMetadata.from_json(meta.read_text())
        except (ValueError, TypeError) as error:
            raise ModelFileError(f"{meta} cannot be read: {error}") from error

    def current_version(self) -> str | None:
        pointer = self.root / POINTER
        if not pointer.is_file():
            return None
        return pointer.read_text().strip() or None

    def load(self, version: str) -> tuple[HybridModel, ModelMetadata]:
        """Read a version, verifying its artefact against the recorded digest."""
        metadata = self.metadata(version)
        return HybridModel.load(self._folder(version), metadata.artefact_sha256), metadata

    def activate(self, version: str) -> ModelMetadata:
        """Make ``version`` current, after checking that it loads."""
        _, metadata = self.load(version)
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{POINTER}.{os.getpid()}"
        temporary.write_text(version + "\n")
        temporary.replace(self.root / POINTER)
        return metadata

    def save(self, model: HybridModel, metadata: ModelMetadata, *, activate: bool) -> ModelMetadata:
        """Store a new version; its artefact digest is filled in here."""
        folder = self._folder(metadata.version)
        folder.mkdir(parents=True, exist_ok=False)
        digest = model.save(folder)
        stored = ModelMetadata(**{**asdict(metadata), "artefact_sha256": digest})
        (folder / METADATA).write_text(stored.to_json())
        if activate:
            self.activate(stored.version)
        return stored

    def pointer_stamp(self) -> float:
        """When the pointer last changed (0 when there is none): cheap to poll."""
        try:
            return (self.root / POINTER).stat().st_mtime
        except FileNotFoundError:
            return 0.0
