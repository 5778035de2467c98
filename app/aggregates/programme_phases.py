"""Phases of a programme (pilot, extension, scale), their success and exit criteria, and
the checks a phase definition, a pilot cohort and a gate decision must pass.

A success criterion is a KPI target with a time frame, as the steering model asks for it:
"eNPS +20 points in 12 months", "completion at least 0.8 in 6 months". A target without a
time frame cannot be judged and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.aggregates import base
from app.aggregates.errors import ValidationFailed
from app.kpis.names import KPI_NAMES

PHASES = ("pilot", "extension", "scale")
CRITERION_KINDS = ("at_least", "at_most", "change_by")
GATE_DECISIONS = ("advance", "extend", "stop")
MAX_CRITERIA = 20
MAX_MONTHS = 60
MAX_COHORT = 500


@dataclass(frozen=True)
class Criterion:
    """One success criterion: ``kpi`` should be at least / at most ``value``, or change by
    ``value`` from its level when the phase started, within ``within_months``."""

    kpi: str
    kind: str
    value: float
    within_months: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "kpi": self.kpi, "kind": self.kind, "value": self.value,
            "within_months": self.within_months,
        }  # fmt: skip

    @classmethod
    def of(cls, data: dict[str, Any]) -> Criterion:
        return cls(data["kpi"], data["kind"], float(data["value"]), int(data["within_months"]))

    def describe(self) -> str:
        if self.kind == "change_by":
            what = f"{self.kpi} {self.value:+g}"
        else:
            what = f"{self.kpi} {self.kind.replace('_', ' ')} {self.value:g}"
        return f"{what} within {self.within_months} months"


def criterion(
    kpi: str, kind: str, value: float, within_months: int | None, field: str
) -> Criterion:
    """A checked criterion; errors name ``field`` (e.g. successCriteria[1]) and its part."""
    base.one_of(kpi, f"{field}.kpi", KPI_NAMES)
    base.one_of(kind, f"{field}.kind", CRITERION_KINDS)
    if within_months is None:
        raise ValidationFailed(
            f"{field}.withinMonths", "a target needs a time frame (months to reach it)"
        )
    base.in_range(within_months, f"{field}.withinMonths", 1, MAX_MONTHS)
    base.in_range(value, f"{field}.value", -1_000_000, 1_000_000)
    return Criterion(kpi, kind, float(value), int(within_months))


def next_phase(defined: Sequence[str], kind: str, field: str = "kind") -> str:
    """Phases come in order: pilot first, then extension, then scale."""
    base.one_of(kind, field, PHASES)
    if len(defined) >= len(PHASES):
        raise ValidationFailed(field, "every phase is defined already")
    expected = PHASES[len(defined)]
    if kind != expected:
        raise ValidationFailed(field, f"phases come in order {', '.join(PHASES)}: next is"
                                      f" {expected}")  # fmt: skip
    return kind


def phase_dates(starts_on: date, ends_on: date, previous_end: date | None) -> None:
    if ends_on <= starts_on:
        raise ValidationFailed("endsOn", "must be after startsOn")
    if previous_end is not None and starts_on < previous_end:
        raise ValidationFailed(
            "startsOn", f"must not be before the previous phase ends ({previous_end})"
        )


def cohort(employee_ids: Sequence[str], min_size: int, field: str = "employeeIds") -> list[str]:
    """A pilot cohort: distinct people, at least k of them (else no figure could be shown)."""
    ids = [str(base.uuid_ref(value, f"{field}[{i}]")) for i, value in enumerate(employee_ids)]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(field, "names someone twice")
    if len(ids) < min_size:
        raise ValidationFailed(
            field, f"a cohort needs at least {min_size} people (the works council's k)"
        )
    if len(ids) > MAX_COHORT:
        raise ValidationFailed(field, f"at most {MAX_COHORT} people")
    return ids
