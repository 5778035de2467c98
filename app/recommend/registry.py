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
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.recommend.model import ARTEFACT, HybridModel, ModelFileError

POINTER = "CURRENT"
METADATA = "metadata.json"
_VERSION = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{6,}$")


class UnknownModelVersion(LookupError):
    """No model version with this id exists."""

    def __init__(self, version: str) -> None:
        super().__init__(f"model version {version!r} does not exist")
        self.version = version


class RefusedModelVersion(ValueError):
    """The version failed the quality gate when it was trained; it is kept, never current."""

    def __init__(self, version: str, reason: str) -> None:
        super().__init__(f"model version {version} was refused at training: {reason}")
        self.version = version
        self.reason = reason


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
    #: ``subjects_excluded`` by reason: ``no_consent`` (never granted personalisation),
    #: ``withdrawn``, ``erased`` (app/recommend/forgetting.py). Older versions lack it.
    exclusions: dict[str, int] = field(default_factory=dict)
    #: Why the quality gate refused the version (None: it passed, or predates the gate).
    #: A refused version is kept for inspection and can never be made current.
    refused_reason: str | None = None

    @property
    def validation_ndcg(self) -> float | None:
        """NDCG@10 on the validation split chosen at training time (None: too little data
        to split, or trained before validation existed)."""
        value = self.metrics.get("validation_ndcg_at_10")
        return None if value is None else float(value)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelMetadata:
        return cls(**json.loads(text))


class ModelRegistry:
    """The versions in one model directory, and which one is current."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._subjects: dict[tuple[str, str], frozenset[str]] = {}

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
            if folder.is_dir() and not folder.name.startswith(".") and meta.is_file():
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
        """Make ``version`` current, after checking that it loads and was not refused."""
        _, metadata = self.load(version)
        if metadata.refused_reason:
            raise RefusedModelVersion(version, metadata.refused_reason)
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

    def subjects(self, metadata: ModelMetadata) -> frozenset[str]:
        """The employees a version was trained on, read from its artefact alone (the user id
        array, not the whole model); remembered per artefact digest."""
        key = (metadata.version, metadata.artefact_sha256)
        found = self._subjects.get(key)
        if found is None:
            path = self._folder(metadata.version) / ARTEFACT
            try:
                with np.load(path, allow_pickle=False) as stored:
                    found = frozenset(stored["user_ids"].tolist())
            except (KeyError, ValueError, OSError) as error:
                raise ModelFileError(f"{path} cannot be read: {error}") from error
            self._subjects[key] = found
        return found

    def remove(self, version: str) -> None:
        """Delete a version's folder (never the current one); gone already is fine, since
        several processes may prune the same version."""
        if version == self.current_version():
            raise ValueError(f"model version {version} is current and cannot be removed")
        folder = self._folder(version)
        # Renamed first, so that no reader finds half a folder under the version's name.
        doomed = self.root / f".removed-{version}-{os.getpid()}"
        try:
            folder.rename(doomed)
        except FileNotFoundError:
            return
        shutil.rmtree(doomed, ignore_errors=True)

    def pointer_stamp(self) -> float:
        """When the pointer last changed (0 when there is none): cheap to poll."""
        try:
            return (self.root / POINTER).stat().st_mtime
        except FileNotFoundError:
            return 0.0
