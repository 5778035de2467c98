"""Benefit suggestions for one person (only with the benefits consent), and uptake.

Uptake of suggested benefits is a KPI: per benefit, the people it is suggested to now and
how many of them took it up while it was suggested; a benefit suggested to fewer than k
people shows no figure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.access import too_few_to_show
from app.consent.envelope import is_erased
from app.persistence import SqlGateway


@dataclass(frozen=True)
class BenefitRow:
    id: str
    name: str
    description: str
    phases: list[str]
    conditions: list[str]

    def reasons(self, phase: str | None, held: list[str]) -> list[str]:
        found = []
        if phase is not None and phase in self.phases:
            found.append(f"fits your life phase ({phase.replace('_', ' ')})")
        return found + [f"fits: {c.replace('_', ' ')}" for c in held if c in self.conditions]


@dataclass(frozen=True)
class Suggestion:
    benefit: BenefitRow
    reasons: list[str]


@dataclass(frozen=True)
class Uptake:
    benefit_id: str
    name: str
    suggested_to: int | None
    taken_up: int | None
    suppressed: bool

    @property
    def share(self) -> float | None:
        if self.suppressed or not self.suggested_to or self.taken_up is None:
            return None
        return round(self.taken_up / self.suggested_to, 4)


class BenefitBook:
    """Queries over the benefits read model."""

    def __init__(self, gateway: SqlGateway) -> None:
        self._gateway = gateway

    def benefits(self) -> list[BenefitRow]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {benefits} WHERE status = 'active' ORDER BY name, id")
        return [BenefitRow(r["id"], r["name"], r["description"], json.loads(r["phases"]),
                           json.loads(r["conditions"])) for r in rows]  # fmt: skip

    def _profiles(self) -> dict[str, tuple[str | None, list[str]]]:
        with self._gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {benefit_profiles}")
        found: dict[str, tuple[str | None, list[str]]] = {}
        for r in rows:
            phase = None if is_erased(r["life_phase"]) else r["life_phase"]
            held = [] if is_erased(json.loads(r["conditions"])) else json.loads(r["conditions"])
            found[r["employee_id"]] = (phase, held)
        return found

    def suggestions(self, employee_id: str) -> list[Suggestion]:
        """The caller has checked the benefits consent."""
        phase, held = self._profiles().get(employee_id, (None, []))
        found = [Suggestion(b, b.reasons(phase, held)) for b in self.benefits()]
        return [s for s in found if s.reasons]

    def uptake(self, k: int) -> list[Uptake]:
        profiles = self._profiles()
        with self._gateway.transaction(write=False) as tx:
            taken = tx.rows(
                "SELECT DISTINCT benefit_id, employee_id FROM {benefit_uptakes} WHERE suggested = 1"
            )
        result = []
        for benefit in self.benefits():
            suggested = {e for e, (p, h) in profiles.items() if benefit.reasons(p, h)}
            took = {r["employee_id"] for r in taken if r["benefit_id"] == benefit.id} & suggested
            hidden = not suggested or too_few_to_show(len(suggested), k)
            result.append(Uptake(benefit.id, benefit.name, None if hidden else len(suggested),
                                 None if hidden else len(took), hidden))  # fmt: skip
        return result
