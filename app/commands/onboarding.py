"""Commands about onboarding: templates per role, journeys started by a hire, milestones."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from app.aggregates import Actor, Conflict, ValidationFailed
from app.aggregates.onboarding import Milestone, ModuleFacts, OnboardingTemplate
from app.commands.base import CommandBase, Written


class OnboardingCommands(CommandBase):
    """Onboarding journeys (closed by ``record_productivity_reached``)."""

    def define_onboarding_template(
        self, *, role_id: UUID, module_ids: list[UUID], milestones: list[Milestone],
        check_in_weeks: list[int], buddy: bool, target_days: int, actor: Actor,
    ) -> Written:  # fmt: skip
        role = self._current_role(role_id)
        for module_id in module_ids:
            if self.module(module_id, "moduleIds").retired:
                raise ValidationFailed("moduleIds", f"module {module_id} is retired")
        template = OnboardingTemplate.define(
            role_id=role, module_ids=module_ids, milestones=milestones,
            check_in_weeks=check_in_weeks, buddy=buddy, target_days=target_days, actor=actor,
        )  # fmt: skip
        position = self._store(
            template, conflict="the role has an onboarding template already", field="roleId"
        )
        return Written(position, template.id)

    def start_onboarding(
        self, employee_id: UUID, *, buddy_id: UUID | None, started_on: date, actor: Actor
    ) -> Written:
        employee = self.employee(employee_id)
        self._refuse_erased(employee)
        template = self._load(
            OnboardingTemplate, OnboardingTemplate.id_for(employee.role_id),
            "onboarding template of the role", "employeeId",
        )  # fmt: skip
        if buddy_id is not None:
            buddy = self.employee(buddy_id, "buddyId")
            if buddy.has_left:
                raise Conflict("the buddy has left the organisation", field="buddyId")
        modules = []
        for module_id in template.module_ids:
            module = self.module(UUID(module_id), "moduleIds")
            modules.append(ModuleFacts(module.id, module.content.skills, module.content.difficulty))
        employee.start_onboarding(
            template=template, buddy_id=buddy_id, modules=modules, started_on=started_on,
            actor=actor,
        )  # fmt: skip
        return Written(self._store(employee), employee.id)

    def reach_onboarding_milestone(
        self, employee_id: UUID, *, key: str, reached_on: date, actor: Actor
    ) -> Written:
        employee = self.employee(employee_id)
        self._refuse_erased(employee)
        employee.reach_milestone(key=key, reached_on=reached_on, actor=actor)
        return Written(self._store(employee), employee.id)
