"""Commands about benefits: HR defines them; employees declare a life phase (with the
benefits consent only) and take benefits up."""

from __future__ import annotations

from uuid import UUID

from app.aggregates import Actor, Conflict
from app.aggregates.benefit import Benefit
from app.commands.base import CommandBase, Written

BENEFITS = "benefits"


class BenefitCommands(CommandBase):
    """Benefits by life phase."""

    def benefit(self, benefit_id: UUID, field: str = "benefitId") -> Benefit:
        return self._load(Benefit, benefit_id, "benefit", field)

    def define_benefit(
        self, *, name: str, description: str, phases: list[str], fits: list[str], actor: Actor
    ) -> Written:
        found = Benefit.define(
            name=name, description=description, phases=phases, fits=fits, actor=actor
        )
        return Written(self._store(found), found.id)

    def retire_benefit(self, benefit_id: UUID, *, actor: Actor) -> Written:
        found = self.benefit(benefit_id)
        found.retire(actor)
        return Written(self._store(found), found.id)

    def require_benefits_consent(self, employee_id: UUID) -> None:
        if not self.policy.allows(employee_id, BENEFITS):
            raise Conflict(
                "the benefits consent is required: without it nothing about a life phase is"
                " stored or used",
                field="employeeId",
            )

    def declare_life_phase(
        self, employee_id: UUID, *, phase: str, conditions: list[str], actor: Actor
    ) -> Written:
        employee = self.employee(employee_id)
        self._refuse_erased(employee)
        self.require_benefits_consent(employee.id)
        employee.declare_life_phase(phase=phase, held=conditions, actor=actor)
        return Written(self._store(employee), employee.id)

    def take_up_benefit(self, employee_id: UUID, *, benefit_id: UUID, actor: Actor) -> Written:
        employee = self.employee(employee_id)
        self._refuse_erased(employee)
        found = self.benefit(benefit_id)
        if found.retired:
            raise Conflict("the benefit is retired", field="benefitId")
        consented = self.policy.allows(employee.id, BENEFITS)
        phase = getattr(employee, "life_phase", None)
        held = getattr(employee, "life_conditions", [])
        suggested = consented and bool(found.fits(phase, held))
        employee.take_up_benefit(benefit_id=found.id, suggested=suggested, actor=actor)
        return Written(self._store(employee), employee.id)
