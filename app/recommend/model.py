"""The LightFM hybrid (WARP, user and item features): fit, score, save and load.

A trained model is kept as plain arrays (an embedding and a bias per feature name), so
serving computes representations with numpy for any user or module described in known
feature names: a new hire or a new module is scored on day one from its content features.
The artefact is an ``.npz`` file read without pickle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from app.recommend.dataset import TrainingData
from app.recommend.pipeline_types import RoleSignals
from app.recommend.signals import decay

if TYPE_CHECKING:
    from app.recommend.pipeline import Fitted
from app.recommend.vocabulary import Bag, Vocabulary

ARTEFACT = "model.npz"


class ModelFileError(RuntimeError):
    """A model artefact is missing, unreadable or not what its metadata promised."""


@dataclass(frozen=True)
class FitParameters:
    """LightFM hyper-parameters and the training schedule."""

    components: int = 32
    epochs: int = 20
    learning_rate: float = 0.05
    loss: str = "warp"
    item_alpha: float = 1e-6
    user_alpha: float = 1e-6
    max_sampled: int = 10
    seed: int = 7
    threads: int = 2
    #: Sample updates one training may make at most: large organisations get fewer epochs
    #: (never fewer than ``min_epochs`` unless asked for), so retraining stays within minutes.
    max_updates: int = 10_000_000
    min_epochs: int = 5
    #: Choose components and epochs on the validation split (app/recommend/pipeline.py);
    #: False trains exactly ``components`` and ``epochs`` (still measured on validation).
    tune: bool = True

    def epochs_for(self, interactions: int) -> int:
        """Epochs to run over this many interactions."""
        if interactions <= 0:
            return self.epochs
        floor = min(self.min_epochs, self.epochs)
        return max(min(self.epochs, self.max_updates // interactions), floor)

    def digest(self) -> str:
        encoded = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()


def new_lightfm(params: FitParameters) -> Any:
    from lightfm import LightFM

    return LightFM(
        no_components=params.components,
        loss=params.loss,
        learning_rate=params.learning_rate,
        item_alpha=params.item_alpha,
        user_alpha=params.user_alpha,
        max_sampled=params.max_sampled,
        random_state=np.random.RandomState(params.seed),
    )


def fit_lightfm(
    data: TrainingData, params: FitParameters, progress: Callable[[float], None] | None = None
) -> Any:
    """A LightFM model fitted epoch by epoch; ``progress`` gets ``params.epochs`` in all."""
    model = new_lightfm(params)
    epochs = params.epochs_for(int(data.interactions.nnz))
    for _ in range(epochs):
        model.fit_partial(
            data.interactions,
            user_features=data.user_features,
            item_features=data.item_features,
            sample_weight=data.weights,
            epochs=1,
            num_threads=params.threads,
        )
        if progress is not None:
            progress(params.epochs / epochs)
    return model


class HybridModel:
    """Feature embeddings and biases of a fitted model, with what reasons need to know."""

    def __init__(
        self,
        *,
        user_vocabulary: Vocabulary,
        item_vocabulary: Vocabulary,
        user_embeddings: np.ndarray,
        user_biases: np.ndarray,
        item_embeddings: np.ndarray,
        item_biases: np.ndarray,
        taken: sp.csr_matrix,
        item_ids: list[str],
        user_ids: list[str],
        user_roles: list[str],
        item_trends: dict[str, Bag] | None = None,
        role_signals: RoleSignals | None = None,
        blend: dict[str, float] | None = None,
        transitions: sp.csr_matrix | None = None,
        transition_half_life: float = 14.0,
        transition_top: float = 0.0,
    ) -> None:
        self.user_vocabulary = user_vocabulary
        self.item_vocabulary = item_vocabulary
        self.user_embeddings = user_embeddings
        self.user_biases = user_biases
        self.item_embeddings = item_embeddings
        self.item_biases = item_biases
        #: Who (consenting, at training time) took what: for "people in your role..." reasons.
        self.taken = taken
        self.item_ids = item_ids
        self.user_ids = user_ids
        self.user_roles = user_roles
        #: The cohort-trend features of each module at training time (``new:<level>``,
        #: ``busy:<level>``): serving scores a module with the trend it was trained with.
        self.item_trends = item_trends or {}
        #: Roles x items signals at training time (take-up, recent activity, declines) and
        #: the weights that blend them with the model score, chosen on validation.
        self.role_signals = role_signals
        self.blend = dict(blend or {})
        #: Items x items transitions at training time (app/recommend/signals.py): where
        #: people who started the row module went on to; a learner's own modules weigh by
        #: ``transition_half_life`` days since they started them.
        self.transitions = transitions
        self.transition_half_life = transition_half_life
        #: The scale the signal is compressed by (its largest value at training time).
        self.transition_top = transition_top
        self.item_row = {module_id: i for i, module_id in enumerate(item_ids)}

    def trends_of(self, module_id: str) -> Bag:
        return dict(self.item_trends.get(module_id, {}))

    @classmethod
    def fit(
        cls,
        data: TrainingData,
        params: FitParameters,
        progress: Callable[[float], None] | None = None,
    ) -> HybridModel:
        return cls.fit_pipeline(data, params, progress)[0]

    @classmethod
    def fit_pipeline(
        cls,
        data: TrainingData,
        params: FitParameters,
        progress: Callable[[float], None] | None = None,
    ) -> tuple[HybridModel, Fitted]:
        """Fit the recency hybrid (settings chosen on validation); also returns the choices."""
        from app.recommend.pipeline import fit_pipeline

        fitted = fit_pipeline(data, params, progress=progress)
        lightfm = fitted.lightfm
        model = cls(
            user_vocabulary=data.user_vocabulary,
            item_vocabulary=fitted.item_vocabulary,
            user_embeddings=_grown(lightfm.user_embeddings, len(data.user_vocabulary)),
            user_biases=_grown(lightfm.user_biases, len(data.user_vocabulary)),
            item_embeddings=lightfm.item_embeddings,
            item_biases=lightfm.item_biases,
            taken=sp.csr_matrix(data.interactions, dtype=np.float32),
            item_ids=data.item_ids,
            user_ids=data.user_ids,
            user_roles=data.user_roles,
            item_trends=fitted.item_trends,
            role_signals=fitted.signals,
            blend=fitted.blend,
            transitions=fitted.transitions,
            transition_half_life=fitted.transition_half_life,
            transition_top=fitted.transition_top,
        )
        return model, fitted

    def role_signal_rows(self, role_id: str) -> dict[str, np.ndarray]:
        """The role's signals over the model's items, for the signals the blend weighs."""
        signals = self.role_signals
        if signals is None or role_id not in signals.role_ids:
            return {}
        row = signals.role_ids.index(role_id)
        return {
            name: values[row]
            for name, values in signals.values.items()
            if self.blend.get(name, 0.0) != 0.0
        }

    def transition_row(self, started: Sequence[tuple[str, float]], now_days: float) -> np.ndarray:
        """Over the model's items: where people who started what the learner started lately
        went on to next. ``started`` is (module id, first touch in days since the epoch);
        modules the model does not know are skipped. Zeros without transitions."""
        result = np.zeros(len(self.item_ids), dtype=np.float64)
        if self.transitions is None or not started:
            return result
        rows = [(self.item_row[m], at) for m, at in started if m in self.item_row]
        if not rows:
            return result
        index = np.asarray([r for r, _ in rows], dtype=np.int64)
        ages = now_days - np.asarray([a for _, a in rows], dtype=np.float64)
        weights = decay(ages, self.transition_half_life)
        profile = sp.csr_matrix(
            (weights, (np.zeros(len(index), dtype=np.int64), index)),
            shape=(1, len(self.item_ids)),
        )
        result[:] = np.asarray((profile @ self.transitions).todense()).ravel()
        return result

    # -- scoring ------------------------------------------------------------------------

    def user_representation(self, bag: Bag) -> tuple[float, np.ndarray]:
        """Bias and latent vector of a user described by ``bag`` (unknown names ignored)."""
        row = self.user_vocabulary.matrix([bag], grow=False)
        vector = np.asarray(row @ self.user_embeddings).ravel()
        bias = float((row @ self.user_biases)[0]) if row.nnz else 0.0
        return bias, vector.astype(np.float32)

    def item_representations(self, bags: list[Bag]) -> tuple[np.ndarray, np.ndarray]:
        rows = self.item_vocabulary.matrix(bags, grow=False)
        return (
            np.asarray(rows @ self.item_biases, dtype=np.float32).ravel(),
            np.asarray(rows @ self.item_embeddings, dtype=np.float32),
        )

    def as_lightfm(self, params: FitParameters) -> Any:
        """A LightFM object with these weights (for ``predict`` in benchmarks and checks)."""
        model = new_lightfm(params)
        model.user_embeddings = self.user_embeddings
        model.user_biases = self.user_biases
        model.item_embeddings = self.item_embeddings
        model.item_biases = self.item_biases
        # Training state predict() insists on; it is not used for predicting.
        for side in ("user", "item"):
            embeddings = getattr(model, f"{side}_embeddings")
            biases = getattr(model, f"{side}_biases")
            for kind in ("gradients", "momentum"):
                setattr(model, f"{side}_embedding_{kind}", np.zeros_like(embeddings))
                setattr(model, f"{side}_bias_{kind}", np.zeros_like(biases))
        return model

    # -- persistence --------------------------------------------------------------------

    def save(self, directory: Path) -> str:
        """Write the artefact; returns its sha256 for the version's metadata."""
        path = directory / ARTEFACT
        with path.open("wb") as handle:
            np.savez(
                handle,
                user_vocabulary=np.asarray(self.user_vocabulary.names, dtype=str),
                item_vocabulary=np.asarray(self.item_vocabulary.names, dtype=str),
                user_embeddings=self.user_embeddings,
                user_biases=self.user_biases,
                item_embeddings=self.item_embeddings,
                item_biases=self.item_biases,
                taken_indptr=self.taken.indptr,
                taken_indices=self.taken.indices,
                taken_shape=np.asarray(self.taken.shape),
                item_ids=np.asarray(self.item_ids, dtype=str),
                user_ids=np.asarray(self.user_ids, dtype=str),
                user_roles=np.asarray(self.user_roles, dtype=str),
                trend_items=np.asarray(list(self.item_trends), dtype=str),
                trend_bags=np.asarray([_encoded(b) for b in self.item_trends.values()], dtype=str),
                **_signal_arrays(self.role_signals, self.blend),
                **_transition_arrays(
                    self.transitions, self.transition_half_life, self.transition_top
                ),
            )
        return file_digest(path)

    @classmethod
    def load(cls, directory: Path, expected_digest: str) -> HybridModel:
        """Read an artefact, refusing it when its bytes differ from what was saved."""
        path = directory / ARTEFACT
        if not path.is_file():
            raise ModelFileError(f"{path} is missing")
        if file_digest(path) != expected_digest:
            raise ModelFileError(
                f"{path} is corrupt: its sha256 differs from the one recorded at training"
            )
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            shape = tuple(int(n) for n in arrays["taken_shape"])
            indices = arrays["taken_indices"]
            taken = sp.csr_matrix(
                (np.ones(len(indices), dtype=np.float32), indices, arrays["taken_indptr"]),
                shape=shape,
            )
            return cls(
                user_vocabulary=Vocabulary(arrays["user_vocabulary"].tolist()),
                item_vocabulary=Vocabulary(arrays["item_vocabulary"].tolist()),
                user_embeddings=arrays["user_embeddings"],
                user_biases=arrays["user_biases"],
                item_embeddings=arrays["item_embeddings"],
                item_biases=arrays["item_biases"],
                taken=taken,
                item_ids=arrays["item_ids"].tolist(),
                user_ids=arrays["user_ids"].tolist(),
                user_roles=arrays["user_roles"].tolist(),
                item_trends=_trends(arrays),
                role_signals=_signals(arrays),
                blend=_blend(arrays),
                **_transitions(arrays),
            )
        except (KeyError, ValueError, OSError) as error:
            raise ModelFileError(f"{path} cannot be read: {error}") from error

    def nbytes(self) -> int:
        """Memory held by the arrays of the loaded model."""
        arrays = (
            self.user_embeddings, self.user_biases, self.item_embeddings, self.item_biases,
            self.taken.data, self.taken.indices, self.taken.indptr,
            *(() if self.transitions is None else (
                self.transitions.data, self.transitions.indices, self.transitions.indptr)),
        )  # fmt: skip
        return int(sum(a.nbytes for a in arrays))


def _signal_arrays(signals: RoleSignals | None, blend: dict[str, float]) -> dict[str, Any]:
    arrays: dict[str, Any] = {
        "blend_names": np.asarray(list(blend), dtype=str),
        "blend_weights": np.asarray(list(blend.values()), dtype=np.float64),
    }
    if signals is not None:
        arrays["signal_roles"] = np.asarray(signals.role_ids, dtype=str)
        arrays["signal_names"] = np.asarray(list(signals.values), dtype=str)
        for name, values in signals.values.items():
            arrays[f"signal_{name}"] = values
    return arrays


def _transition_arrays(
    transitions: sp.csr_matrix | None, half_life: float, top: float
) -> dict[str, Any]:
    if transitions is None:
        return {}
    matrix = sp.csr_matrix(transitions, dtype=np.float32)
    return {
        "transitions_data": matrix.data, "transitions_indices": matrix.indices,
        "transitions_indptr": matrix.indptr, "transitions_shape": np.asarray(matrix.shape),
        "transition_half_life": np.asarray([half_life, top], dtype=np.float64),
    }  # fmt: skip


def _transitions(arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Transitions as stored; older artefacts have none (the signal is then silent)."""
    if "transitions_data" not in arrays:
        return {}
    shape = tuple(int(n) for n in arrays["transitions_shape"])
    matrix = sp.csr_matrix(
        (arrays["transitions_data"], arrays["transitions_indices"], arrays["transitions_indptr"]),
        shape=shape,
    )
    return {
        "transitions": matrix,
        "transition_half_life": float(arrays["transition_half_life"][0]),
        "transition_top": float(arrays["transition_half_life"][1]),
    }


def _signals(arrays: dict[str, np.ndarray]) -> RoleSignals | None:
    if "signal_roles" not in arrays:
        return None
    names = [str(n) for n in arrays["signal_names"].tolist()]
    return RoleSignals(
        [str(r) for r in arrays["signal_roles"].tolist()],
        {name: arrays[f"signal_{name}"] for name in names},
    )


def _blend(arrays: dict[str, np.ndarray]) -> dict[str, float]:
    if "blend_names" not in arrays:
        return {}
    names = arrays["blend_names"].tolist()
    return {str(n): float(w) for n, w in zip(names, arrays["blend_weights"].tolist(), strict=True)}


def _encoded(bag: Bag) -> str:
    return "|".join(f"{name}={weight:g}" for name, weight in bag.items())


def _trends(arrays: dict[str, np.ndarray]) -> dict[str, Bag]:
    """Trend bags as stored (``name=weight|...`` per module); older artefacts have none."""
    if "trend_items" not in arrays:
        return {}
    found: dict[str, Bag] = {}
    for module_id, text in zip(
        arrays["trend_items"].tolist(), arrays["trend_bags"].tolist(), strict=True
    ):
        pairs = (part.rsplit("=", 1) for part in str(text).split("|") if part)
        found[str(module_id)] = {name: float(weight) for name, weight in pairs}
    return found


def _grown(array: np.ndarray, rows: int) -> np.ndarray:
    """Rows for feature names added after the fit (roles without consenting members) are 0."""
    if array.shape[0] >= rows:
        return array
    padding = np.zeros((rows - array.shape[0], *array.shape[1:]), dtype=array.dtype)
    return np.concatenate([array, padding])


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
