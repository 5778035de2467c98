"""Training data from the read models: ids to indices, weighted interactions, feature matrices.

Only employees who granted personalisation are in the training data; everyone else is
counted as excluded and served from their role alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import scipy.sparse as sp

from app.projections.features import EmployeeFeatures, ModuleFeatures, RoleRequirements
from app.recommend.vocabulary import Bag, Vocabulary, item_features, user_features

#: Interaction rows as the read model gives them in bulk:
#: (employee, module, status, percent, dropped_percent, rating, last_at ISO time).
InteractionTuple = tuple[str, str, str, int, int | None, int | None, str]

HALF_LIFE_DAYS = 180.0
EARLY_DROP_PERCENT = 30


def interaction_weight(
    status: str, percent: int, dropped_percent: int | None, rating: int | None, age_days: float
) -> float:
    """How strongly one interaction says "this employee wanted this module".

    Completed > progressed > enrolled; dropping early is a weak signal (WARP takes no
    negative weights, so "weak" is as low as it goes); a low rating quarters the weight; a
    half-life of 180 days lets old interests fade.
    """
    if status == "completed":
        weight = 1.0
    elif status == "dropped":
        reached = dropped_percent if dropped_percent is not None else percent
        weight = 0.05 if reached < EARLY_DROP_PERCENT else 0.2
    elif percent > 0:
        weight = 0.3 + 0.4 * percent / 100
    else:
        weight = 0.2
    if rating is not None:
        if rating <= 2:
            weight *= 0.25
        elif rating >= 4:
            weight *= 1.25
    decay: float = 0.5 ** (max(age_days, 0.0) / HALF_LIFE_DAYS)
    return weight * decay


@dataclass(frozen=True)
class TrainingData:
    """Everything a fit needs, with the id lists that map matrix rows back to the domain."""

    user_ids: list[str]
    item_ids: list[str]
    interactions: sp.coo_matrix
    weights: sp.coo_matrix
    user_features: sp.csr_matrix
    item_features: sp.csr_matrix
    user_vocabulary: Vocabulary
    item_vocabulary: Vocabulary
    user_roles: list[str]
    subjects_included: int
    subjects_excluded: int
    #: Module id -> its cohort-trend features (already among ``item_features``).
    item_trends: dict[str, Bag] = field(default_factory=dict)

    def digest(self) -> str:
        """A hash of the data a model was trained on, for its metadata."""
        digest = hashlib.sha256()
        for values in (self.user_ids, self.item_ids):
            digest.update("\n".join(values).encode())
        coo = self.weights
        for array in (coo.row, coo.col, np.round(coo.data, 5)):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


def build_training_data(
    employees: Sequence[EmployeeFeatures],
    modules: Sequence[ModuleFeatures],
    roles: dict[str, RoleRequirements],
    interactions: Iterable[InteractionTuple],
    consenting: set[str],
    now: datetime,
) -> TrainingData:
    """Index consenting employees and every module, weigh interactions, build features."""
    users = [e for e in employees if e.employee_id in consenting]
    user_index = {e.employee_id: i for i, e in enumerate(users)}
    item_index = {m.module_id: i for i, m in enumerate(modules)}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for employee_id, module_id, status, percent, dropped, rating, last_at in interactions:
        user = user_index.get(employee_id)
        item = item_index.get(module_id)
        if user is None or item is None:
            continue
        age = (now - datetime.fromisoformat(last_at)).total_seconds() / 86_400
        rows.append(user)
        cols.append(item)
        weights.append(interaction_weight(status, percent, dropped, rating, age))
    shape = (len(users), len(modules))
    row_array = np.asarray(rows, dtype=np.int32)
    col_array = np.asarray(cols, dtype=np.int32)
    ones = np.ones(len(rows), dtype=np.float32)
    user_vocabulary, item_vocabulary = Vocabulary(), Vocabulary()
    user_matrix = user_vocabulary.matrix(
        [user_features(e, roles.get(e.role_id), personalised=True, identity=True) for e in users],
        grow=True,
    )
    item_matrix = item_vocabulary.matrix(
        [item_features(m, identity=True) for m in modules], grow=True
    )
    # Role features of roles without consenting members still get a column, so that
    # serving anyone in such a role maps onto a (cold) feature instead of nothing.
    for role_id in roles:
        user_vocabulary.add(f"role:{role_id}")
    user_matrix = _widen(user_matrix, len(user_vocabulary))
    return TrainingData(
        user_ids=[e.employee_id for e in users],
        item_ids=[m.module_id for m in modules],
        interactions=sp.coo_matrix((ones, (row_array, col_array)), shape=shape),
        weights=sp.coo_matrix(
            (np.asarray(weights, dtype=np.float32), (row_array, col_array)), shape=shape
        ),
        user_features=user_matrix,
        item_features=item_matrix,
        user_vocabulary=user_vocabulary,
        item_vocabulary=item_vocabulary,
        user_roles=[e.role_id for e in users],
        subjects_included=len(users),
        subjects_excluded=len(employees) - len(users),
    )


def _widen(matrix: sp.csr_matrix, columns: int) -> sp.csr_matrix:
    if matrix.shape[1] == columns:
        return matrix
    return sp.csr_matrix((matrix.data, matrix.indices, matrix.indptr), (matrix.shape[0], columns))
