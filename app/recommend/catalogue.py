"""The catalogue as serving sees it: numpy arrays aligned by position, with a model's
item representations, rebuilt only when the catalogue or the active model changes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from app.projections.features import ModuleFeatures
from app.recommend.model import HybridModel
from app.recommend.vocabulary import Bag, item_features


class CatalogueIndex:
    """Every module ever published, as arrays a request can mask and score in one go."""

    def __init__(self, modules: Sequence[ModuleFeatures], model: HybridModel | None) -> None:
        self.modules = list(modules)
        self.position = {m.module_id: i for i, m in enumerate(self.modules)}
        self.retired = np.array([m.retired for m in self.modules], dtype=bool)
        self.difficulty = np.array([m.difficulty for m in self.modules], dtype=np.int16)
        self.minutes = np.array([m.minutes for m in self.modules], dtype=np.int32)
        self.language = np.array([m.language for m in self.modules], dtype=str)
        self.media = np.array([m.media_type for m in self.modules], dtype=str)
        self.search_text = [" ".join([m.title, *m.skills, *m.topics]).lower() for m in self.modules]
        self.skill_index: dict[str, int] = {}
        rows, cols, levels = [], [], []
        for i, module in enumerate(self.modules):
            for skill, level in module.skills.items():
                rows.append(i)
                cols.append(self.skill_index.setdefault(skill, len(self.skill_index)))
                levels.append(level)
        #: modules x skills, the level each module teaches (column access for gap checks).
        self.teaches = sp.csc_matrix(
            (np.asarray(levels, dtype=np.int16), (rows, cols)),
            shape=(len(self.modules), len(self.skill_index)),
        )
        self.item_biases: np.ndarray | None = None
        self.item_vectors: np.ndarray | None = None
        self.model_item: dict[str, int] = {}
        #: Each module's feature bag as the model scores it (content, identity, trends).
        self.bags = [item_features(m, identity=True) for m in self.modules]
        if model is not None and self.modules:
            for bag, module in zip(self.bags, self.modules, strict=True):
                bag.update(model.trends_of(module.module_id))
            self.item_biases, self.item_vectors = model.item_representations(self.bags)
            self.model_item = {module_id: i for i, module_id in enumerate(model.item_ids)}
        #: Each module's row in the model's item arrays (-1: published after training).
        self.model_rows = np.array(
            [self.model_item.get(m.module_id, -1) for m in self.modules], dtype=np.int64
        )
        self._role_signals: dict[str, dict[str, np.ndarray]] = {}
        self._model = model

    def role_signals(self, role_id: str) -> dict[str, np.ndarray]:
        """The model's role signals over this catalogue's positions (0 for new modules)."""
        found = self._role_signals.get(role_id)
        if found is None:
            found = {}
            if self._model is not None:
                known = self.model_rows >= 0
                for name, values in self._model.role_signal_rows(role_id).items():
                    row = np.zeros(len(self.modules), dtype=np.float64)
                    row[known] = values[self.model_rows[known]]
                    found[name] = row
            if len(self._role_signals) > 256:
                self._role_signals.clear()
            self._role_signals[role_id] = found
        return found

    def bag(self, position: int) -> Bag:
        return self.bags[position]

    def __len__(self) -> int:
        return len(self.modules)

    def teaching_above(self, skill: str, level: int) -> np.ndarray:
        """A mask of modules that teach ``skill`` beyond ``level``."""
        mask = np.zeros(len(self.modules), dtype=bool)
        column = self.skill_index.get(skill)
        if column is None:
            return mask
        start, end = self.teaches.indptr[column], self.teaches.indptr[column + 1]
        rows = self.teaches.indices[start:end]
        mask[rows[self.teaches.data[start:end] > level]] = True
        return mask

    def matching(self, term: str) -> np.ndarray:
        term = term.lower()
        return np.fromiter((term in t for t in self.search_text), dtype=bool, count=len(self))
