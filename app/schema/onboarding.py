"""Onboarding journeys: templates per role, journeys adapted to the hire, progress, times."""

from __future__ import annotations

from datetime import date

import strawberry

from app.aggregates import NotFound as DomainNotFound
from app.aggregates.onboarding import Milestone
from app.application import Written
from app.people import onboarding as book
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import execute, optional_id, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import POSITION_HELP, EmployeePayload, employee_payload, result
from app.schema.people_common import query_result, typed
from app.schema.skills import EmployeeArgument


@strawberry.type(description="A module of a journey and whether it is completed.")
class JourneyModule:
    module_id: strawberry.ID = strawberry.field(description="The module.")
    completed: bool = strawberry.field(description="True once an enrolment in it completed.")


@strawberry.type(description="A template module the hire skips, and why.")
class SkippedModule:
    module_id: strawberry.ID = strawberry.field(description="The module.")
    reason: str = strawberry.field(description="What covers it: assessed levels or years.")


@strawberry.type(description="A milestone of a journey.")
class JourneyMilestone:
    key: str = strawberry.field(description="The milestone's key.")
    title: str = strawberry.field(description="What it is.")
    week: int = strawberry.field(description="The week it is due in (1 = the first).")
    due_on: date = strawberry.field(description="The first day of that week.")
    reached_on: date | None = strawberry.field(description="When it was reached, if it was.")


@strawberry.type(description="A check-in of a journey.")
class JourneyCheckIn:
    week: int = strawberry.field(description="The week of the check-in.")
    due_on: date = strawberry.field(description="The first day of that week.")
    due: bool = strawberry.field(description="True when its week has come and the journey runs.")


@strawberry.type(description="A hire's onboarding journey and its progress.")
class OnboardingJourney:
    employee_id: strawberry.ID = strawberry.field(description="The hire.")
    role_id: strawberry.ID = strawberry.field(description="The role whose template it follows.")
    buddy_id: strawberry.ID | None = strawberry.field(description="The buddy, if any.")
    started_on: date = strawberry.field(description="When the journey started.")
    target_days: int = strawberry.field(description="The template's days to productivity.")
    days_so_far: int = strawberry.field(description="Days since the hire date (to the close).")
    closed_on: date | None = strawberry.field(description="When productivity was reached.")
    progress: float = strawberry.field(description="Modules and milestones done, 0-1.")
    modules: list[JourneyModule] = strawberry.field(description="Modules the hire takes.")
    skipped_modules: list[SkippedModule] = strawberry.field(description="Modules skipped.")
    milestones: list[JourneyMilestone] = strawberry.field(description="The milestones.")
    check_ins: list[JourneyCheckIn] = strawberry.field(description="Check-ins by week.")

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


@strawberry.type(description="Time to productivity of one role against its target (k rule).")
class RoleOnboardingTime:
    role_id: strawberry.ID = strawberry.field(description="The role.")
    target_days: int = strawberry.field(description="The template's target.")
    journeys: int | None = strawberry.field(description="Closed journeys; null below k.")
    suppressed: bool = strawberry.field(description="True when fewer than k closed.")
    median_days: float | None = strawberry.field(description="Median days hire to productive.")
    within_target_share: float | None = strawberry.field(description="Share within target.")


@strawberry.type(description="Time to productivity per role against the templates' targets.")
class OnboardingTimes:
    min_group_size: int = strawberry.field(description="k: smaller groups show no figures.")
    roles: list[RoleOnboardingTime] = strawberry.field(description="Per role with a template.")


@strawberry.type(description="The outcome of defining an onboarding template.")
class OnboardingTemplatePayload:
    position: int = strawberry.field(description=POSITION_HELP)
    template_id: strawberry.ID = strawberry.field(description="The template.")


def _payload(written: Written) -> OnboardingTemplatePayload:
    return OnboardingTemplatePayload(
        position=written.position, template_id=strawberry.ID(str(written.id))
    )


OnboardingResult = query_result("OnboardingResult", OnboardingJourney)
DefineOnboardingTemplateResult = result("DefineOnboardingTemplateResult", OnboardingTemplatePayload)
StartOnboardingResult = result("StartOnboardingResult", EmployeePayload)
RecordOnboardingMilestoneResult = result("RecordOnboardingMilestoneResult", EmployeePayload)


@strawberry.input(description="A milestone of a template.")
class MilestoneInput:
    key: str = strawberry.field(description="A short key, unique in the template.")
    title: str = strawberry.field(description="What it is.")
    week: int = strawberry.field(description="The week it is due in, 1-52.")


@strawberry.input(description="The onboarding template of a role.")
class DefineOnboardingTemplateInput(IdempotentInput):
    role_id: strawberry.ID = strawberry.field(description="The role (one template each).")
    module_ids: list[strawberry.ID] = strawberry.field(description="Modules, in order.")
    milestones: list[MilestoneInput] = strawberry.field(description="Milestones by week.")
    check_in_weeks: list[int] = strawberry.field(description="Weeks with a check-in, 1-52.")
    target_days: int = strawberry.field(description="Days from hire to productivity, 1-730.")
    buddy: bool = strawberry.field(default=True, description="Whether a buddy is needed.")


@strawberry.input(description="Start a hire's journey from their role's template.")
class StartOnboardingInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The hire.")
    started_on: date = strawberry.field(description="The first day of the journey.")
    buddy_id: strawberry.ID | None = strawberry.field(default=None, description="The buddy.")


@strawberry.input(description="A milestone of a journey reached.")
class RecordOnboardingMilestoneInput(IdempotentInput):
    employee_id: strawberry.ID = strawberry.field(description="The hire.")
    milestone_key: str = strawberry.field(description="The milestone's key.")
    reached_on: date = strawberry.field(description="When it was reached.")


def _journey(found: book.Journey) -> OnboardingJourney:
    return OnboardingJourney(
        employee_id=strawberry.ID(found.employee_id), role_id=strawberry.ID(found.role_id),
        buddy_id=None if found.buddy_id is None else strawberry.ID(found.buddy_id),
        started_on=found.started_on, target_days=found.target_days,
        days_so_far=found.days_so_far, closed_on=found.closed_on, progress=found.progress,
        modules=[JourneyModule(module_id=strawberry.ID(m.module_id), completed=m.completed)
                 for m in found.modules],
        skipped_modules=[SkippedModule(module_id=strawberry.ID(s["moduleId"]),
                                       reason=s["reason"]) for s in found.skipped],
        milestones=[JourneyMilestone(key=m.key, title=m.title, week=m.week, due_on=m.due_on,
                                     reached_on=m.reached_on) for m in found.milestones],
        check_ins=[JourneyCheckIn(week=c.week, due_on=c.due_on, due=c.due)
                   for c in found.check_ins],
    )  # fmt: skip


@strawberry.type
class OnboardingQuery:
    @strawberry.field(description="A hire's onboarding journey and progress.")
    async def onboarding(
        self, info: SkillpathInfo, employee_id: EmployeeArgument,
        consistent_with: ConsistentWith = None,
    ) -> OnboardingResult:  # fmt: skip
        await consistent(info, consistent_with)
        services = info.context.services

        def read() -> OnboardingJourney:
            key = str(parse_id(employee_id, "employeeId"))
            found = services.onboarding.journey(key)
            if found is None:
                raise DomainNotFound("onboarding journey of employee", key, "employeeId")
            return _journey(found)

        return await typed(info, read)

    @strawberry.field(description="Time to productivity per role against the target (k rule).")
    async def onboarding_times(
        self, info: SkillpathInfo, consistent_with: ConsistentWith = None
    ) -> OnboardingTimes:
        await consistent(info, consistent_with)
        services = info.context.services
        k = services.settings.min_group_size
        rows = await info.context.run(services.onboarding.times, k)
        return OnboardingTimes(
            min_group_size=k,
            roles=[
                RoleOnboardingTime(role_id=strawberry.ID(r.role_id), target_days=r.target_days,
                                   journeys=r.journeys, suppressed=r.suppressed,
                                   median_days=r.median_days,
                                   within_target_share=r.within_target_share)
                for r in rows
            ],
        )  # fmt: skip


@strawberry.type
class OnboardingMutation:
    @strawberry.mutation(description="Define the onboarding template of a role.")
    async def define_onboarding_template(
        self, info: SkillpathInfo, input: DefineOnboardingTemplateInput
    ) -> DefineOnboardingTemplateResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.define_onboarding_template(
                role_id=parse_id(input.role_id, "roleId"),
                module_ids=[parse_id(m, "moduleIds") for m in input.module_ids],
                milestones=[Milestone(m.key, m.title, m.week) for m in input.milestones],
                check_in_weeks=input.check_in_weeks, buddy=input.buddy,
                target_days=input.target_days, actor=ctx.actor,
            ),
            _payload,
        )  # fmt: skip

    @strawberry.mutation(description="Start a hire's journey, adapted to their experience.")
    async def start_onboarding(
        self, info: SkillpathInfo, input: StartOnboardingInput
    ) -> StartOnboardingResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.start_onboarding(
                parse_id(input.employee_id, "employeeId"),
                buddy_id=optional_id(input.buddy_id, "buddyId"), started_on=input.started_on,
                actor=ctx.actor,
            ),
            employee_payload,
        )  # fmt: skip

    @strawberry.mutation(description="Record that a milestone of a journey was reached.")
    async def record_onboarding_milestone(
        self, info: SkillpathInfo, input: RecordOnboardingMilestoneInput
    ) -> RecordOnboardingMilestoneResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.reach_onboarding_milestone(
                parse_id(input.employee_id, "employeeId"), key=input.milestone_key,
                reached_on=input.reached_on, actor=ctx.actor,
            ),
            employee_payload,
        )  # fmt: skip
