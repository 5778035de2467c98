"""The one place that decides whether a use of personal data is allowed.

Every gate (activity tracking at the door, personalisation in training and serving, profile
sharing for managers, fairness attributes) asks this module, never its own ``if``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from app.consent.ledger import PURPOSES

#: Fields of a progress or drop event that only activity_tracking consent lets us store.
ACTIVITY_DETAIL_FIELDS = ("minutes", "position_minutes")


@dataclass(frozen=True)
class ConsentState:
    """The purposes one employee has granted right now."""

    employee_id: UUID
    granted: frozenset[str]

    def allows(self, purpose: str) -> bool:
        return purpose in self.granted


class ConsentPolicy:
    """Answers "may we?" for one employee and purpose, from the current consent state."""

    def __init__(self, lookup: Callable[[UUID], ConsentState]) -> None:
        self._lookup = lookup

    def allows(self, employee_id: UUID, purpose: str) -> bool:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown consent purpose {purpose!r}")
        return self._lookup(employee_id).allows(purpose)

    def activity_details(self, employee_id: UUID, details: dict[str, Any]) -> dict[str, Any]:
        """Fine-grained activity fields as they may be stored: dropped without consent."""
        if self.allows(employee_id, "activity_tracking"):
            return details
        return {k: (None if k in ACTIVITY_DETAIL_FIELDS else v) for k, v in details.items()}

    def may_personalise(self, employee_id: UUID) -> bool:
        return self.allows(employee_id, "personalisation")

    def may_share_profile(self, employee_id: UUID) -> bool:
        return self.allows(employee_id, "profile_sharing")

    def may_use_fairness_attributes(self, employee_id: UUID) -> bool:
        return self.allows(employee_id, "fairness_audit")


def subjects_allowing(states: Iterable[ConsentState], purpose: str) -> set[UUID]:
    """Employees among ``states`` who granted ``purpose`` (bulk use: training, reports)."""
    return {s.employee_id for s in states if s.allows(purpose)}
