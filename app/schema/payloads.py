"""Success payloads of mutations: the position written, the id, and the object as read back."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from app.application import Written
from app.schema.common import consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import Conflict, NotAllowed, NotFound, ValidationError
from app.schema.types import Employee, Enrollment, LearningModule, Role

POSITION_HELP = "Event-store position of the change; pass it as consistentWith to read it back."


@strawberry.type(description="An employee was changed.")
class EmployeePayload:
    position: int = strawberry.field(description=POSITION_HELP)
    employee_id: strawberry.ID

    @strawberry.field(description="The employee as the read models show them after the change.")
    async def employee(self, info: SkillpathInfo) -> Employee | None:
        await consistent(info, self.position)
        row = await info.context.loaders.employees.load(str(self.employee_id))
        return None if row is None else Employee(row=row)


@strawberry.type(description="A module was changed.")
class ModulePayload:
    position: int = strawberry.field(description=POSITION_HELP)
    module_id: strawberry.ID

    @strawberry.field(description="The module as the catalogue shows it after the change.")
    async def module(self, info: SkillpathInfo) -> LearningModule | None:
        await consistent(info, self.position)
        row = await info.context.loaders.modules.load(str(self.module_id))
        return None if row is None else LearningModule(row=row)


@strawberry.type(description="An enrolment was changed.")
class EnrollmentPayload:
    position: int = strawberry.field(description=POSITION_HELP)
    enrollment_id: strawberry.ID

    @strawberry.field(description="The enrolment as the read models show it after the change.")
    async def enrollment(self, info: SkillpathInfo) -> Enrollment | None:
        await consistent(info, self.position)
        row = await info.context.run(info.context.services.enrollments.get, str(self.enrollment_id))
        return None if row is None else Enrollment(row=row)


@strawberry.type(description="A role was changed.")
class RolePayload:
    position: int = strawberry.field(description=POSITION_HELP)
    role_id: strawberry.ID

    @strawberry.field(description="The role as the competence model shows it after the change.")
    async def role(self, info: SkillpathInfo) -> Role | None:
        await consistent(info, self.position)
        row = await info.context.loaders.roles.load(str(self.role_id))
        return None if row is None else Role(row=row)


def employee_payload(written: Written) -> EmployeePayload:
    return EmployeePayload(position=written.position, employee_id=strawberry.ID(str(written.id)))


def module_payload(written: Written) -> ModulePayload:
    return ModulePayload(position=written.position, module_id=strawberry.ID(str(written.id)))


def enrollment_payload(written: Written) -> EnrollmentPayload:
    return EnrollmentPayload(
        position=written.position, enrollment_id=strawberry.ID(str(written.id))
    )


def role_payload(written: Written) -> RolePayload:
    return RolePayload(position=written.position, role_id=strawberry.ID(str(written.id)))


def result(name: str, payload: type[Any]) -> Any:
    """The named union a mutation returns: its payload, or an error the client can act on."""
    return Annotated[
        payload | ValidationError | NotFound | Conflict | NotAllowed,
        strawberry.union(name, description=f"The outcome of {name[0].lower()}{name[1:-6]}."),
    ]
