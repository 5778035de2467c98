"""Training a model version from the read models, with its metadata."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

import numpy as np

from app.aggregates import ValidationFailed
from app.projections.consents import ConsentBook
from app.projections.decisions import DecisionBook
from app.projections.features import FeatureBook
from app.projections.interactions import InteractionBook
from app.recommend.dataset import TrainingData, build_training_data
from app.recommend.evaluation import precision_at_k
from app.recommend.forgetting import PERSONALISATION, Forgetting, exclusion_reasons
from app.recommend.model import FitParameters, HybridModel, ModelFileError
from app.recommend.registry import ModelMetadata, ModelRegistry


@dataclass(frozen=True)
class TrainingSources:
    """The read models training reads."""

    features: FeatureBook
    interactions: InteractionBook
    consents: ConsentBook
    #: Dismissals and WRONG reports (negative signals); None trains without them.
    decisions: DecisionBook | None = None


#: Retrains that take someone out of the model: activated whatever the gate says, since
#: the current version holds someone it may no longer use.
FORGETTING_TRIGGERS = frozenset({"erasure", "withdrawal"})
#: Bounds of the schedule one may ask for.
MAX_EPOCHS, MAX_COMPONENTS = 500, 256


def check_request(params: FitParameters, tolerance: float) -> None:
    """Typed errors naming the field for a schedule or tolerance out of range."""
    if not 1 <= params.epochs <= MAX_EPOCHS:
        raise ValidationFailed("epochs", f"must be between 1 and {MAX_EPOCHS}")
    if not 1 <= params.components <= MAX_COMPONENTS:
        raise ValidationFailed("components", f"must be between 1 and {MAX_COMPONENTS}")
    if not 0.0 <= tolerance <= 1.0:
        raise ValidationFailed("tolerance", "must be between 0 and 1 (NDCG@10)")


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
        sources.decisions.declined_all() if sources.decisions is not None else (),
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
    tolerance: float = 0.02,
) -> ModelMetadata:
    """Build the data, fit, measure, and store a new version (current unless told not to,
    or unless the quality gate refuses it).

    ``position`` is the event-store position the read models had reached when reading;
    ``forgetting`` adds who this process knows is out before its read models do. The gate:
    the version becomes current only if its validation NDCG@10 is at least the current
    version's minus ``tolerance``; otherwise it is stored with the reason, never current.
    """
    check_request(params, tolerance)
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
    model, choices = HybridModel.fit_pipeline(data, params, progress)
    fitted = time.perf_counter()
    data_hash = data.digest()
    metadata = ModelMetadata(
        version=f"{now:%Y%m%dT%H%M%S}-{data_hash[:4]}{uuid.uuid4().hex[:4]}",
        trained_at=now.isoformat(),
        trained_to_position=position,
        data_hash=data_hash,
        parameters=asdict(choices.parameters),
        parameters_hash=choices.parameters.digest(),
        artefact_sha256="",
        metrics={
            "train_precision_at_10": training_precision(model, data),
            "build_seconds": round(built - started, 3),
            "fit_seconds": round(fitted - built, 3),
            **choices.metrics,
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
        extra={"choices": choices.choices, "blend": choices.blend} if choices.choices else {},
    )
    if activate:
        metadata = replace(metadata, refused_reason=gate(registry, metadata, trigger, tolerance))
    return registry.save(model, metadata, activate=activate and not metadata.refused_reason)


def gate(
    registry: ModelRegistry, candidate: ModelMetadata, trigger: str, tolerance: float
) -> str | None:
    """Why ``candidate`` may not become current, or None when it may."""
    current = registry.current_version()
    if current is None or trigger in FORGETTING_TRIGGERS:
        return None
    try:
        baseline = registry.metadata(current).validation_ndcg
    except (LookupError, ModelFileError):
        return None
    if baseline is None:
        return None
    score = candidate.validation_ndcg
    if tolerance >= 1.0:  # NDCG is within [0, 1]: a tolerance of 1 lets every version in
        return None
    if score is None:
        return (
            f"no validation NDCG@10 (too little data to split) while the current version"
            f" {current} has {baseline:.4f}"
        )
    if score < baseline - tolerance:
        return (
            f"validation NDCG@10 {score:.4f} is below the current version {current}'s"
            f" {baseline:.4f} minus the tolerance {tolerance:g}"
        )
    return None


def training_precision(model: HybridModel, data: TrainingData, users: int = 500) -> float:
    """Precision@10 on (a sample of) the training interactions: a sanity figure only.

    The honest, held-out evaluation is ``bench/evaluate_oulad.py``.
    """
    taken = data.interactions.tocsr()
    active = np.flatnonzero(np.diff(taken.indptr))
    if not len(active) or not data.item_ids:
        return 0.0
    sample = np.random.default_rng(0).choice(active, min(users, len(active)), replace=False)
    bags = [{**bag, **model.trends_of(m)} for bag, m in zip(data.item_bags, data.item_ids,
                                                            strict=True)]  # fmt: skip
    item_biases, item_vectors = model.item_representations(bags)
    user_vectors = np.asarray(data.user_features[sample] @ model.user_embeddings)
    scores = user_vectors @ item_vectors.T + item_biases
    relevant = [set(taken.indices[taken.indptr[u] : taken.indptr[u + 1]]) for u in sample]
    return round(precision_at_k(scores, relevant, 10), 4)
