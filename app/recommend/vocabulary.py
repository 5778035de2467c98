"""Named features of employees and modules, shared by training and serving.

A user or an item is a weighted bag of named features; rows are L1-normalised, the way
LightFM's own ``Dataset`` does it, so a user with many features is not louder than one
with few. Identity features (``user:<id>``, ``module:<id>``) let warm users and items be
told apart; the content features carry new hires and new modules on day one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from app.projections.features import EmployeeFeatures, ModuleFeatures, RoleRequirements

Bag = dict[str, float]
#: Weight of the identity feature before normalisation. Chosen on the OULAD validation
#: split (bench/evaluate_oulad.py): at 1 the content features drown warm users' own
#: history and the hybrid falls below pure collaborative filtering; at 3 it matches it.
IDENTITY_WEIGHT = 3.0


def seniority_band(years: int) -> str:
    if years < 3:
        return "junior"
    if years < 8:
        return "mid"
    return "senior"


def duration_band(minutes: int) -> str:
    if minutes <= 20:
        return "short"
    if minutes <= 90:
        return "medium"
    return "long"


def role_features(role_id: str) -> Bag:
    """What may be used without personalisation consent: the role alone."""
    return {f"role:{role_id}": 1.0}


def user_features(
    employee: EmployeeFeatures,
    role: RoleRequirements | None,
    *,
    personalised: bool,
    identity: bool,
) -> Bag:
    """The feature bag of an employee; without consent only the role is used."""
    bag = role_features(employee.role_id)
    if not personalised:
        return bag
    if identity:
        bag[f"user:{employee.employee_id}"] = IDENTITY_WEIGHT
    bag[f"dept:{employee.department.lower()}"] = 0.5
    bag[f"seniority:{seniority_band(employee.years_experience)}"] = 0.5
    for skill, level in employee.skills.items():
        bag[f"skill:{skill}"] = 0.2 + level / 10
    for skill, required in (role.levels() if role else {}).items():
        gap = required - employee.skills.get(skill, 0)
        if gap > 0:
            bag[f"gap:{skill}"] = 0.3 + gap / 5
    for goal in employee.goals:
        bag[f"goal:{goal.lower()}"] = 0.5
    for medium in employee.media_types:
        bag[f"prefers:{medium}"] = 0.3
    bag[f"lang:{employee.language}"] = 0.3
    return bag


def item_features(module: ModuleFeatures, *, identity: bool) -> Bag:
    bag: Bag = {}
    if identity:
        bag[f"module:{module.module_id}"] = IDENTITY_WEIGHT
    for skill, level in module.skills.items():
        bag[f"teaches:{skill}"] = 1.0
        bag[f"teaches:{skill}:{level}"] = 0.5
    for topic in module.topics:
        bag[f"topic:{topic}"] = 0.5
    bag[f"difficulty:{module.difficulty}"] = 0.5
    bag[f"media:{module.media_type}"] = 0.5
    bag[f"duration:{duration_band(module.minutes)}"] = 0.3
    bag[f"lang:{module.language}"] = 0.3
    return bag


class Vocabulary:
    """Feature names to column indices; names unknown to a trained model are ignored."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.index: dict[str, int] = {}
        self._names: list[str] = []
        for name in names:
            self.add(name)

    def add(self, name: str) -> int:
        found = self.index.get(name)
        if found is None:
            found = self.index[name] = len(self.index)
            self._names.append(name)
        return found

    @property
    def names(self) -> list[str]:
        """Names by column (kept, not copied: explaining a score reads it for every item)."""
        return self._names

    def row(self, bag: Bag) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """One bag's row of ``matrix`` (unseen names ignored): its columns and weights."""
        known: dict[int, float] = {}
        for name, weight in bag.items():
            column = self.index.get(name)
            if column is not None:
                known[column] = weight
        total = sum(known.values()) or 1.0
        return (np.fromiter(known, dtype=np.int32, count=len(known)),
                np.asarray([w / total for w in known.values()], dtype=np.float32))  # fmt: skip

    def __len__(self) -> int:
        return len(self.index)

    def matrix(self, bags: Sequence[Bag], *, grow: bool) -> sp.csr_matrix:
        """One L1-normalised row per bag; ``grow`` adds unseen names (training only)."""
        indptr = [0]
        indices: list[int] = []
        weights: list[float] = []
        for bag in bags:
            row: dict[int, float] = {}
            for name, weight in bag.items():
                column = self.add(name) if grow else self.index.get(name)
                if column is not None:
                    row[column] = weight
            total = sum(row.values()) or 1.0
            indices.extend(row)
            weights.extend(w / total for w in row.values())
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(weights, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
            shape=(len(bags), len(self.index)),
        )
