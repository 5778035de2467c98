"""HR's review queue of recommendations reported as WRONG with a comment, and resolving them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from app.aggregates import DomainError
from app.aggregates import NotFound as DomainNotFound
from app.application import Written
from app.projections.reports import OPEN, REPORT_KEY, RESOLVED, ReportRow
from app.schema.common import (
    AFTER_HELP,
    BeforeCursor,
    Last,
    PageInfo,
    consistent,
    encode_key_cursor,
    key_slice,
    page_info_of,
    page_size,
)
from app.schema.context import SkillpathInfo
from app.schema.errors import as_error, execute, parse_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import result
from app.schema.types import LearningModule


@strawberry.enum(description="Where a report of a wrong recommendation stands.")
class ReportStatus(Enum):
    OPEN = strawberry.enum_value(OPEN, description="Waiting for HR's review.")
    RESOLVED = strawberry.enum_value(RESOLVED, description="Reviewed and closed with a note.")


@strawberry.type(
    description="A recommended module the employee reported as wrong, with their comment:"
    " an item of HR's review queue."
)
class RecommendationReport:
    report_id: strawberry.ID = strawberry.field(
        description="Derived from the decision and the item (stable across replays)."
    )
    employee_id: strawberry.ID = strawberry.field(description="Who reported it.")
    decision_id: strawberry.ID = strawberry.field(description="The served list it was on.")
    module_id: strawberry.ID = strawberry.field(description="The module reported as wrong.")
    comment: str = strawberry.field(description="What the employee said was wrong.")
    reported_at: datetime = strawberry.field(description="When it was reported.")
    status: ReportStatus = strawberry.field(description="Open or resolved.")
    resolution_note: str | None = strawberry.field(description="HR's note when resolved.")
    resolved_at: datetime | None = strawberry.field(description="When HR resolved it.")
    resolved_by: str | None = strawberry.field(description="Who resolved it (their user id).")

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)

    @strawberry.field(description="The module reported as wrong.")
    async def module(self, info: SkillpathInfo) -> LearningModule | None:
        row = await info.context.loaders.modules.load(str(self.module_id))
        return None if row is None else LearningModule(row=row)

    @classmethod
    def of(cls, row: ReportRow) -> RecommendationReport:
        return cls(
            report_id=strawberry.ID(row.report_id), employee_id=strawberry.ID(row.employee_id),
            decision_id=strawberry.ID(row.decision_id), module_id=strawberry.ID(row.module_id),
            comment=row.comment, reported_at=datetime.fromisoformat(row.reported_at),
            status=ReportStatus(row.status), resolution_note=row.note,
            resolved_at=None if row.resolved_at is None
            else datetime.fromisoformat(row.resolved_at),
            resolved_by=row.resolved_by,
        )  # fmt: skip


@strawberry.type(description="A report was resolved.")
class RecommendationReportPayload:
    position: int = strawberry.field(description="Event-store position of the resolution.")
    employee_id: strawberry.ID = strawberry.field(description="Who had reported it.")
    decision_id: strawberry.ID = strawberry.field(description="The served list.")
    item_id: strawberry.ID = strawberry.field(description="The module reported as wrong.")

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)

    @strawberry.field(description="The report as the queue now shows it.")
    async def report(self, info: SkillpathInfo) -> RecommendationReport | None:
        await consistent(info, self.position)
        reports = info.context.services.reports
        row = await info.context.run(reports.get, str(self.decision_id), str(self.item_id))
        return None if row is None else RecommendationReport.of(row)


@strawberry.type(description="A report on a page, with its cursor.")
class RecommendationReportEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor of this item: pass it as after or before to page from here."
    )
    node: RecommendationReport = strawberry.field(description="The report.")


@strawberry.type(
    description="A page of HR's review queue (Relay connection), keyed by when each report"
    " arrived and its id, so a cursor keeps its place as reports arrive or are resolved."
)
class RecommendationReportConnection:
    edges: list[RecommendationReportEdge] = strawberry.field(
        description="The items of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether more pages follow or precede, and the cursors to reach them."
    )
    total_count: int = strawberry.field(description="How many reports match the filter.")


ResolveRecommendationReportResult = result(
    "ResolveRecommendationReportResult", RecommendationReportPayload
)


@strawberry.input(description="Close a report of a wrong recommendation with a note.")
class ResolveRecommendationReportInput(IdempotentInput):
    decision_id: strawberry.ID = strawberry.field(description="The served list.")
    item_id: strawberry.ID = strawberry.field(description="The module reported as wrong.")
    note: str = strawberry.field(description="What HR found or did (required).")


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="HR's review queue: recommendations reported as WRONG with a comment,"
        " oldest first.",
        deprecation_reason="Use recommendationReportsConnection: it pages with cursors.",
    )
    async def recommendation_reports(
        self,
        info: SkillpathInfo,
        status: Annotated[
            ReportStatus | None, strawberry.argument(description="Which reports; null for all.")
        ] = ReportStatus.OPEN,
        first: Annotated[int, strawberry.argument(description="At most this many (1-100).")] = 50,
    ) -> list[RecommendationReport]:
        size = page_size(first)
        reports = info.context.services.reports
        wanted = None if status is None else status.value
        rows = await info.context.run(reports.reports, wanted, size)
        return [RecommendationReport.of(r) for r in rows]

    @strawberry.field(
        description="HR's review queue, oldest first, a page at a time: forward with"
        " first/after, backward with last/before (keyset cursors that survive new reports)."
    )
    async def recommendation_reports_connection(
        self,
        info: SkillpathInfo,
        status: Annotated[
            ReportStatus | None, strawberry.argument(description="Which reports; null for all.")
        ] = ReportStatus.OPEN,
        first: Annotated[
            int,
            strawberry.argument(
                description="How many items to return (1-100), from the start or after the"
                " `after` cursor."
            ),
        ] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        last: Last = None,
        before: BeforeCursor = None,
    ) -> RecommendationReportConnection:
        window = key_slice("report", len(REPORT_KEY), first, after, last, before)
        reports = info.context.services.reports
        page = await info.context.read(
            reports.page, status=None if status is None else status.value, first=window.first,
            after=window.after, last=window.last, before=window.before,
        )  # fmt: skip
        edges = [
            RecommendationReportEdge(
                cursor=encode_key_cursor("report", (row.reported_at, row.report_id)),
                node=RecommendationReport.of(row),
            )
            for row in page.items
        ]
        return RecommendationReportConnection(
            edges=edges,
            page_info=page_info_of([e.cursor for e in edges], page),
            total_count=page.total,
        )


@strawberry.type
class ReportMutation:
    @strawberry.mutation(description="Resolve a report of a wrong recommendation with a note.")
    async def resolve_recommendation_report(
        self, info: SkillpathInfo, input: ResolveRecommendationReportInput
    ) -> ResolveRecommendationReportResult:
        ctx = info.context
        try:
            decision_id = parse_id(input.decision_id, "decisionId")
            item_id = parse_id(input.item_id, "itemId")
        except DomainError as error:  # a malformed id is the caller's mistake, typed
            return as_error(error)
        owner: list[str] = []

        def resolve() -> Written:
            written = ctx.services.app.resolve_recommendation_report(
                decision_id, module_id=item_id, note=input.note, actor=ctx.actor
            )
            found = ctx.services.subjects.owner_of_decision(written.id)
            if found is None:
                raise DomainNotFound("recommendation decision", str(decision_id), "decisionId")
            owner.append(found)
            return written

        def payload(written: Written) -> RecommendationReportPayload:
            return RecommendationReportPayload(
                position=written.position, employee_id=strawberry.ID(owner[0]),
                decision_id=strawberry.ID(str(decision_id)), item_id=strawberry.ID(str(item_id)),
            )  # fmt: skip

        return await execute(ctx.run, resolve, payload)
