"""Integrations: the xAPI activity table HR keeps (statements themselves arrive on
``/xapi/statements``, app/integration/xapi_http.py) and HR records in batches."""

from __future__ import annotations

import strawberry

from app.aggregates import DomainError, ValidationFailed
from app.integration.hr_records import check_rows
from app.schema.context import Context, SkillpathInfo
from app.schema.errors import as_error, execute, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import POSITION_HELP, ModulePayload, module_payload, result

MapXapiActivityResult = result("MapXapiActivityResult", ModulePayload)


@strawberry.input(description="Which module an LMS activity (an xAPI activity id) stands for.")
class MapXapiActivityInput(IdempotentInput):
    activity_id: str = strawberry.field(
        description="The activity's IRI as the LMS sends it in statements' object.id."
    )
    module_id: strawberry.ID = strawberry.field(description="The module it stands for.")


@strawberry.type
class IntegrationMutation:
    @strawberry.mutation(
        description="Map an LMS activity to a module, so its xAPI statements are recorded"
        " against it (activity ids ending in /modules/<module id> need no mapping)."
    )
    async def map_xapi_activity(
        self, info: SkillpathInfo, input: MapXapiActivityInput
    ) -> MapXapiActivityResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.map_activity(
                input.activity_id, parse_id(input.module_id, "moduleId"), actor=ctx.actor
            ),
            module_payload,
        )


MAX_HR_ROWS = 500


@strawberry.input(description="One person as the HR system exports them.")
class HrRecordInput:
    employee_id: str = strawberry.field(description="The HR system's id of the person.")
    name: str
    email: str
    department: str
    location: str
    role: str = strawberry.field(description="The code of a role defined in Skillpath.")
    hire_date: str = strawberry.field(description="YYYY-MM-DD.")
    manager_id: str | None = strawberry.field(
        default=None, description="The HR system's id of the manager, in this batch or earlier."
    )
    years_experience: int = 0


@strawberry.input(description="A batch of HR records to upsert (at most 500).")
class ImportHrRecordsInput(IdempotentInput):
    rows: list[HrRecordInput] = strawberry.field(description="At most 500 rows.")
    dry_run: bool = strawberry.field(
        default=False, description="Only report what would change; write nothing."
    )


@strawberry.type(description="A row that was not imported, and why.")
class HrRowProblem:
    row: int = strawberry.field(description="The row's place in the batch, from 1.")
    employee_id: str | None = strawberry.field(description="The HR system's id, if readable.")
    reason: str


@strawberry.type(description="What changed for one person.")
class HrRecordChange:
    employee_id: str = strawberry.field(description="The HR system's id.")
    fields: list[str] = strawberry.field(description="The details that changed (or would).")


@strawberry.type(description="What a batch of HR records did (or, in a dry run, would do).")
class ImportHrRecordsPayload:
    position: int = strawberry.field(description=POSITION_HELP)
    dry_run: bool = strawberry.field(
        description="True when nothing was written: the figures say what would change."
    )
    hired: list[str] = strawberry.field(description="HR ids of the people hired.")
    updated: list[HrRecordChange] = strawberry.field(
        description="People whose details, department, manager or role changed (or would)."
    )
    unchanged: int = strawberry.field(description="Rows that matched what is recorded already.")
    problems: list[HrRowProblem] = strawberry.field(
        description="Every row that was not imported; the others were."
    )


ImportHrRecordsResult = result("ImportHrRecordsResult", ImportHrRecordsPayload)


def _import(ctx: Context, input: ImportHrRecordsInput) -> ImportHrRecordsPayload:
    if len(input.rows) > MAX_HR_ROWS:
        raise ValidationFailed("rows", f"must hold at most {MAX_HR_ROWS} rows")
    rows = [(index + 1, _cells(row)) for index, row in enumerate(input.rows)]
    records, problems = check_rows(rows)
    report = ctx.services.app.import_hr_records(
        records, actor=ctx.actor, problems=problems, dry_run=input.dry_run
    )
    return ImportHrRecordsPayload(
        position=report.position,
        dry_run=report.dry_run,
        hired=report.hired,
        updated=[HrRecordChange(employee_id=k, fields=v) for k, v in report.updated.items()],
        unchanged=report.unchanged,
        problems=[
            HrRowProblem(row=p.line, employee_id=p.employee_id, reason=p.reason)
            for p in report.problems
        ],
    )


def _cells(row: HrRecordInput) -> dict[str, str | None]:
    return {
        "employee_id": row.employee_id, "name": row.name, "email": row.email,
        "department": row.department, "location": row.location, "role": row.role,
        "hire_date": row.hire_date, "manager_id": row.manager_id,
        "years_experience": str(row.years_experience),
    }  # fmt: skip


@strawberry.type
class HrImportMutation:
    @strawberry.mutation(
        description="Upsert employees, departments, managers and roles from an HR system, up"
        " to 500 rows a batch: new people are hired, changed details and moves recorded; every"
        " refused row is reported while the others land. The same batch again writes nothing."
    )
    async def import_hr_records(
        self, info: SkillpathInfo, input: ImportHrRecordsInput
    ) -> ImportHrRecordsResult:
        ctx = info.context
        try:
            return await ctx.run(_import, ctx, input)
        except DomainError as error:
            return as_error(error)
