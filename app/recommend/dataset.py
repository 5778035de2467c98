"""Training data from the read models: ids to indices, weighted interactions, feature matrices.

Only employees who granted personalisation are in the training data; everyone else is
counted as excluded and served from their role alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import scipy.sparse as sp

from app.projections.features import EmployeeFeatures, ModuleFeatures, RoleRequirements
from app.recommend.signals import PairHistory
from app.recommend.vocabulary import Bag, Vocabulary, item_features, user_features

#: Interaction rows as the read model gives them in bulk:
#: (employee, module, status, percent, dropped_percent, rating, last_at ISO time[, first_at]).
InteractionTuple = tuple[Any, ...]
#: Dismissals and WRONG reports: (employee, module, answer, answered_at ISO time).
DeclinedTuple = tuple[str, str, str, str]
#: How much a WRONG report weighs against a dismissal as a negative signal.
DECLINED_STRENGTH = {"dismissed": 1.0, "wrong": 2.0}

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
    #: Who touched what and when (days since the epoch), un-aged: the recency signals'
    #: input (app/recommend/pipeline.py). Strength is ``interaction_weight`` at age 0.
    history: PairHistory | None = None
    #: Each user's role as an index into ``role_ids`` (the cohort of the signals).
    cohorts: np.ndarray | None = None
    role_ids: list[str] = field(default_factory=list)
    #: The content feature bag of each item (trend features are added per period).
    item_bags: list[Bag] = field(default_factory=list)
    #: Negative signals: dismissals and WRONG reports by consenting users, as arrays of
    #: (user index, item index, days since the epoch, strength).
    declined: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    #: When the data was read, in days since the epoch.
    now_days: float = 0.0

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
    declined: Iterable[DeclinedTuple] = (),
) -> TrainingData:
    """Index consenting employees and every module, weigh interactions, build features."""
    users = [e for e in employees if e.employee_id in consenting]
    user_index = {e.employee_id: i for i, e in enumerate(users)}
    item_index = {m.module_id: i for i, m in enumerate(modules)}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    firsts: list[float] = []
    lasts: list[float] = []
    strengths: list[float] = []
    for row in interactions:
        employee_id, module_id, status, percent, dropped, rating, last_at = row[:7]
        user = user_index.get(employee_id)
        item = item_index.get(module_id)
        if user is None or item is None:
            continue
        last = _days(last_at)
        age = _days(now) - last
        rows.append(user)
        cols.append(item)
        weights.append(interaction_weight(status, percent, dropped, rating, age))
        strengths.append(interaction_weight(status, percent, dropped, rating, 0.0))
        lasts.append(last)
        firsts.append(_days(row[7]) if len(row) > 7 else last)
    shape = (len(users), len(modules))
    role_ids = sorted({e.role_id for e in users} | set(roles))
    role_index = {r: i for i, r in enumerate(role_ids)}
    history = PairHistory(
        users=np.asarray(rows, dtype=np.int64), items=np.asarray(cols, dtype=np.int64),
        first_at=np.asarray(firsts, dtype=np.float64), last_at=np.asarray(lasts),
        strength=np.asarray(strengths, dtype=np.float64), n_users=len(users),
        n_items=len(modules),
    )  # fmt: skip
    negatives = [
        (user_index[e], item_index[m], _days(at), DECLINED_STRENGTH.get(answer, 1.0))
        for e, m, answer, at in declined
        if e in user_index and m in item_index and at
    ]
    columns = list(zip(*negatives, strict=True)) if negatives else [(), (), (), ()]
    declined_arrays = (
        np.asarray(columns[0], dtype=np.int64), np.asarray(columns[1], dtype=np.int64),
        np.asarray(columns[2], dtype=np.float64), np.asarray(columns[3], dtype=np.float64),
    )  # fmt: skip
    item_bags = [item_features(m, identity=True) for m in modules]
    row_array = np.asarray(rows, dtype=np.int32)
    col_array = np.asarray(cols, dtype=np.int32)
    ones = np.ones(len(rows), dtype=np.float32)
    user_vocabulary, item_vocabulary = Vocabulary(), Vocabulary()
    user_matrix = user_vocabulary.matrix(
        [user_features(e, roles.get(e.role_id), personalised=True, identity=True) for e in users],
        grow=True,
    )
    item_matrix = item_vocabulary.matrix(item_bags, grow=True)
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
        history=history,
        cohorts=np.asarray([role_index[e.role_id] for e in users], dtype=np.int64),
        role_ids=role_ids,
        item_bags=item_bags,
        declined=declined_arrays,
        now_days=_days(now),
    )


def _days(at: datetime | str) -> float:
    """Days since the epoch, the clock of the recency signals."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.timestamp() / 86_400


def _widen(matrix: sp.csr_matrix, columns: int) -> sp.csr_matrix:
    if matrix.shape[1] == columns:
        return matrix
    return sp.csr_matrix((matrix.data, matrix.indices, matrix.indptr), (matrix.shape[0], columns))
