"""Training a model version from the read models, with its metadata."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np

from app.projections.consents import ConsentBook
from app.projections.features import FeatureBook
from app.projections.interactions import InteractionBook
from app.recommend.dataset import TrainingData, build_training_data
from app.recommend.evaluation import precision_at_k
from app.recommend.forgetting import PERSONALISATION, Forgetting, exclusion_reasons
from app.recommend.model import FitParameters, HybridModel
from app.recommend.registry import ModelMetadata, ModelRegistry


@dataclass(frozen=True)
class TrainingSources:
    """The read models training reads."""

    features: FeatureBook
    interactions: InteractionBook
    consents: ConsentBook


def collect_training_data(
    sources: TrainingSources, now: datetime, excluded: Collection[str] = ()
) -> TrainingData:
    """The data of a fit: everyone allowing personalisation, less ``excluded`` (who this
    process knows withdrew or was erased before its read models show it)."""
    consenting = sources.consents.subjects_allowing(PERSONALISATION) - set(excluded)
    return build_training_data(
        sources.features.employees(),
        sources.features.modules(),
        sources.features.roles(),
        sources.interactions.all(),
        consenting,
        now,
    )


def train_version(
    sources: TrainingSources,
    registry: ModelRegistry,
    *,
    position: int,
    params: FitParameters,
    progress: Callable[[float], None] | None = None,
    trigger: str = "manual",
    erasures: int = 0,
    activate: bool = True,
    forgetting: Forgetting | None = None,
) -> ModelMetadata:
    """Build the data, fit, measure, and store a new version (current unless told not to).

    ``position`` is the event-store position the read models had reached when reading;
    ``forgetting`` adds who this process knows is out before its read models do.
    """
    now = datetime.now(UTC)
    started = time.perf_counter()
    data = collect_training_data(sources, now, forgetting.not_for_training() if forgetting else ())
    employee_ids = [e.employee_id for e in sources.features.employees()]
    included = set(data.user_ids)
    if forgetting is not None:
        exclusions = forgetting.training_exclusions(employee_ids, included)
    else:
        exclusions = exclusion_reasons(
            (e for e in employee_ids if e not in included), allowing=(),
            erased=sources.consents.erased_subjects(),
            withdrew=sources.consents.subjects_who_withdrew(PERSONALISATION),
        ).counts()  # fmt: skip
    built = time.perf_counter()
    model = HybridModel.fit(data, params, progress)
    fitted = time.perf_counter()
    data_hash = data.digest()
    metadata = ModelMetadata(
        version=f"{now:%Y%m%dT%H%M%S}-{data_hash[:4]}{uuid.uuid4().hex[:4]}",
        trained_at=now.isoformat(),
        trained_to_position=position,
        data_hash=data_hash,
        parameters=asdict(params),
        parameters_hash=params.digest(),
        artefact_sha256="",
        metrics={
            "train_precision_at_10": training_precision(model, data),
            "build_seconds": round(built - started, 3),
            "fit_seconds": round(fitted - built, 3),
        },
        consent_snapshot={
            "purpose": PERSONALISATION,
            "subjects_allowing": data.subjects_included,
            "taken_at": now.isoformat(),
        },
        subjects_excluded=len(employee_ids) - len(included),
        exclusions=exclusions,
        users=len(data.user_ids),
        items=len(data.item_ids),
        interactions=int(data.interactions.nnz),
        trigger=trigger,
        erasures_since_previous=erasures,
    )
    return registry.save(model, metadata, activate=activate)


def training_precision(model: HybridModel, data: TrainingData, users: int = 500) -> float:
    """Precision@10 on (a sample of) the training interactions: a sanity figure only.

    The honest, held-out evaluation is ``bench/evaluate_oulad.py``.
    """
    taken = data.interactions.tocsr()
    active = np.flatnonzero(np.diff(taken.indptr))
    if not len(active) or not data.item_ids:
        return 0.0
    sample = np.random.default_rng(0).choice(active, min(users, len(active)), replace=False)
    item_biases = np.asarray(data.item_features @ model.item_biases).ravel()
    item_vectors = np.asarray(data.item_features @ model.item_embeddings)
    user_vectors = np.asarray(data.user_features[sample] @ model.user_embeddings)
    scores = user_vectors @ item_vectors.T + item_biases
    relevant = [set(taken.indices[taken.indptr[u] : taken.indptr[u + 1]]) for u in sample]
    return round(precision_at_k(scores, relevant, 10), 4)
