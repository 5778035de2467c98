"""Role signals as a model version carries them (kept apart so the model imports no fitting)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The negative role signal: dismissals and WRONG reports in the role.
DECLINED = "declined"


@dataclass
class RoleSignals:
    """Roles x items arrays of the role signals at one moment, rows in ``role_ids`` order."""

    role_ids: list[str]
    values: dict[str, np.ndarray] = field(default_factory=dict)
