"""Audit and data rights: history, the event log, state as of a time, exports, integrity."""

from __future__ import annotations

import logging
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from app.aggregates import Employee, LearningModule
from app.aggregates.errors import NotFound
from app.audit.chain import IntegrityReport as ChainReport
from app.audit.history import EventPage, RecordedEvent, UnknownEventType
from app.audit.payload import REDACTED
from app.audit.screen import PolicyScreen
from app.schema.common import (
    BeforeCursor,
    Last,
    PageInfo,
    aware,
    consistent,
    encode_cursor,
    seq_slice,
)
from app.schema.consent import ActorView
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input, query_id

log = logging.getLogger("skillpath.audit")


def screen_for(info: SkillpathInfo) -> PolicyScreen:
    """The access policy's view of the record for this caller (app/audit/screen.py)."""
    return PolicyScreen(info.context.access.viewer, info.context.services.subjects)


@strawberry.type(description="One stored event: its place in the log, who caused it, what it says.")
class LoggedEvent:
    position: int = strawberry.field(description="Position in the global event log.")
    stream_id: strawberry.ID = strawberry.field(description="The aggregate the event belongs to.")
    version: int = strawberry.field(description="The event's version within its stream.")
    type: str = strawberry.field(description="Aggregate and event, e.g. Employee.Hired.")
    recorded_at: datetime
    actor: ActorView | None
    subject_id: strawberry.ID | None = strawberry.field(
        description="The employee the event's personal fields are about, if any."
    )
    payload: JSON = strawberry.field(
        description=f"The event's fields; those the access policy does not show the caller"
        f" read {REDACTED}, and personal ones [erased] once the subject is erased."
    )

    @classmethod
    def of(cls, e: RecordedEvent) -> LoggedEvent:
        return cls(
            position=e.position,
            stream_id=strawberry.ID(str(e.stream_id)),
            version=e.version,
            type=e.type,
            recorded_at=e.recorded_at,
            actor=None if e.actor is None else ActorView(id=e.actor.id, role=e.actor.role),
            subject_id=None if e.subject_id is None else strawberry.ID(e.subject_id),
            payload=JSON(e.payload),
        )


@strawberry.type
class LoggedEventEdge:
    cursor: str
    node: LoggedEvent


@strawberry.type(description="A page of events.")
class LoggedEventConnection:
    edges: list[LoggedEventEdge]
    page_info: PageInfo


def _connection(page: EventPage, kind: str) -> LoggedEventConnection:
    keys = [e.version if kind == "version" else e.position for e in page.events]
    cursors = [encode_cursor(kind, k) for k in keys]
    return LoggedEventConnection(
        edges=[
            LoggedEventEdge(cursor=cursor, node=LoggedEvent.of(e))
            for cursor, e in zip(cursors, page.events, strict=True)
        ],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
    )


@strawberry.type(description="A skill and level as the events recorded them.")
class RecordedSkill:
    skill: str
    level: int


@strawberry.type(
    description="An employee as the events recorded up to a time describe them; each field"
    " belongs to a facet of the access policy, and one the caller may not see is null."
)
class EmployeeState:
    id: strawberry.ID
    as_of: datetime
    version: int = strawberry.field(description="Events of the employee up to that time.")
    name: str | None
    email: str | None
    role_id: strawberry.ID | None
    department: str | None
    manager_id: strawberry.ID | None
    location: str | None
    years_experience: int | None
    hire_date: date | None
    status: str | None
    left_on: date | None
    productive_since: date | None
    skills: list[RecordedSkill] | None
    media_types: list[str] | None
    weekly_minutes: int | None
    goals: list[str] | None
    language: str | None

    @property
    def subject_id(self) -> str:
        return str(self.id)


@strawberry.type(description="A module as the events recorded up to a time describe it.")
class ModuleState:
    id: strawberry.ID
    as_of: datetime
    version: int
    title: str
    description: str
    topics: list[str]
    skills: list[RecordedSkill]
    difficulty: int
    media_type: str
    minutes: int
    language: str
    prerequisite_ids: list[strawberry.ID]
    status: str
    flag_reason: str | None


@strawberry.enum(description="What recomputing a served list's input hash found.")
class DecisionCheckOutcome(Enum):
    MATCHES = "matches"
    DIFFERS = "differs"
    NOT_RECORDED = "not_recorded"
    UNREADABLE = "unreadable"


@strawberry.type(
    description="A served recommendation list checked against its recorded inputs: the hash"
    " recorded with the list and the hash of the inputs as they read now (the inputs"
    " themselves are personal: `skillpath check-decision ID` prints them for a replay)."
)
class DecisionCheck:
    decision_id: strawberry.ID
    outcome: DecisionCheckOutcome = strawberry.field(
        description="MATCHES; DIFFERS (changed after the fact); NOT_RECORDED (issued before"
        " inputs were recorded); UNREADABLE (the subject was erased: only the hash remains)."
    )
    recorded_hash: str | None
    recomputed_hash: str | None
    model_version: str | None


@strawberry.type(description="Where the hash chain over the event log first breaks.")
class ChainBreak:
    position: int
    kind: str = strawberry.field(
        description="altered, removed, reordered, unsealed (no hash) or truncated."
    )
    message: str


@strawberry.type(description="The outcome of walking the event log's hash chain.")
class IntegrityReport:
    intact: bool
    events_checked: int
    head_position: int
    head_hash: str = strawberry.field(
        description="Keep it: a later report must reach the same hash at this position."
    )
    first_break: ChainBreak | None
    summary: str

    @classmethod
    def of(cls, report: ChainReport) -> IntegrityReport:
        found = report.first_break
        return cls(
            intact=report.intact,
            events_checked=report.checked,
            head_position=report.head_position,
            head_hash=report.head_hash,
            first_break=None
            if found is None
            else ChainBreak(position=found.position, kind=found.kind, message=found.message),
            summary=report.describe(),
        )


def _skills(skills: dict[str, int]) -> list[RecordedSkill]:
    return [RecordedSkill(skill=k, level=v) for k, v in sorted(skills.items())]


def _employee_state(e: Employee, version: int, at: datetime) -> EmployeeState:
    return EmployeeState(
        id=strawberry.ID(str(e.id)),
        as_of=at,
        version=version,
        name=e.name,
        email=e.email,
        role_id=strawberry.ID(str(e.role_id)),
        department=e.department,
        manager_id=None if e.manager_id is None else strawberry.ID(str(e.manager_id)),
        location=e.location,
        years_experience=e.years_experience,
        hire_date=e.hire_date,
        status="left" if e.has_left else "active",
        left_on=e.left_on,
        productive_since=e.productive_since,
        skills=_skills(e.skills),
        media_types=list(e.media_types),
        weekly_minutes=e.weekly_minutes,
        goals=list(e.goals),
        language=e.language,
    )


def _module_state(m: LearningModule, version: int, at: datetime) -> ModuleState:
    c = m.content
    return ModuleState(
        id=strawberry.ID(str(m.id)),
        as_of=at,
        version=version,
        title=c.title,
        description=c.description,
        topics=list(c.topics),
        skills=_skills(c.skills),
        difficulty=c.difficulty,
        media_type=c.media_type,
        minutes=c.minutes,
        language=c.language,
        prerequisite_ids=[strawberry.ID(str(p)) for p in c.prerequisite_ids],
        status="retired" if m.retired else "flagged" if m.flag_reason else "published",
        flag_reason=m.flag_reason,
    )


def _caller_employee(info: SkillpathInfo) -> UUID:
    try:
        return UUID(info.context.actor.id)
    except ValueError:
        raise bad_input("myData", "the caller is not an employee; ask by employee id") from None


async def _export(info: SkillpathInfo, employee_id: UUID) -> JSON:
    """The employee's export as the access policy lets the caller read it: whole for the
    employee, without the facets others may not see (listed under ``withheld``)."""
    services = info.context.services
    await consistent(info, await info.context.run(services.app.last_position))
    try:
        document: dict[str, Any] = await info.context.run(
            services.audit.export_subject, employee_id, screen_for(info)
        )
    except NotFound:
        raise bad_input("employeeId", f"employee {employee_id} does not exist") from None
    actor = info.context.actor
    log.info("export of %s read by %s (%s)", employee_id, actor.id, actor.role)
    return JSON(document)


Before = Annotated[
    str | None, strawberry.argument(description="A cursor from a previous page's pageInfo.")
]


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Everything Skillpath holds about the calling employee, decrypted, as one"
        " JSON document (GDPR Art. 20)."
    )
    async def my_data(self, info: SkillpathInfo) -> JSON:
        return await _export(info, _caller_employee(info))

    @strawberry.field(
        description="The data export of one employee, for HR on request: what HR may see"
        " of them (facets left out are listed under withheld); the employee's own is myData."
    )
    async def employee_data_export(self, info: SkillpathInfo, employee_id: strawberry.ID) -> JSON:
        return await _export(info, UUID(query_id(employee_id, "employeeId")))

    @strawberry.field(
        description="Every event of one stream (aggregate), in version order, a page at a"
        " time: forward with first/after, backward with last/before (keyset cursors on the"
        " version, which new events never shift)."
    )
    async def history(
        self,
        info: SkillpathInfo,
        stream_id: strawberry.ID,
        first: int = 50,
        after: Before = None,
        last: Last = None,
        before: BeforeCursor = None,
    ) -> LoggedEventConnection:
        stream = UUID(query_id(stream_id, "streamId"))
        window = seq_slice("version", first, after, last, before)
        history = info.context.services.audit.history
        if window.last is not None:
            page = await info.context.run(
                history.stream_back, stream, last=window.last, before_version=window.before,
                screen=screen_for(info),
            )  # fmt: skip
        else:
            page = await info.context.run(
                history.stream, stream, first=window.first, after_version=window.after or 0,
                screen=screen_for(info),
            )  # fmt: skip
        return _connection(page, "version")

    @strawberry.field(
        description="The global event log in order, optionally within recording times"
        " (from inclusive, to inclusive) and of some event types, a page at a time: forward"
        " with first/after, backward with last/before (keyset cursors on the position)."
    )
    async def event_log(
        self,
        info: SkillpathInfo,
        since: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        until: Annotated[datetime | None, strawberry.argument(name="to")] = None,
        types: list[str] | None = None,
        first: int = 50,
        after: Before = None,
        last: Last = None,
        before: BeforeCursor = None,
    ) -> LoggedEventConnection:
        since, until = aware(since, "from"), aware(until, "to")
        if since is not None and until is not None and until < since:
            raise bad_input("to", "must not be before from")
        window = seq_slice("position", first, after, last, before)
        history, screen = info.context.services.audit.history, screen_for(info)
        try:
            if window.last is not None:
                page = await info.context.run(
                    lambda: history.log_back(
                        last=window.last or 1, before_position=window.before, since=since,
                        until=until, types=types or (), screen=screen,
                    )
                )  # fmt: skip
            else:
                page = await info.context.run(
                    lambda: history.log(
                        first=window.first, after_position=window.after or 0, since=since,
                        until=until, types=types or (), screen=screen,
                    )
                )  # fmt: skip
        except UnknownEventType as error:
            raise bad_input("types", str(error)) from None
        return _connection(page, "position")

    @strawberry.field(description="An employee as recorded up to a time (null before hire).")
    async def employee_as_of(
        self, info: SkillpathInfo, id: strawberry.ID, at: datetime
    ) -> EmployeeState | None:
        employee_id = UUID(query_id(id, "id"))
        at = aware(at, "at") or at
        found = await info.context.run(
            info.context.services.audit.history.as_of, Employee, employee_id, at
        )
        return None if found is None else _employee_state(found[0], found[1], at)

    @strawberry.field(description="A module as recorded up to a time (null before publishing).")
    async def module_as_of(
        self, info: SkillpathInfo, id: strawberry.ID, at: datetime
    ) -> ModuleState | None:
        at = aware(at, "at") or at
        found = await info.context.run(
            info.context.services.audit.history.as_of, LearningModule, UUID(query_id(id, "id")), at
        )
        return None if found is None else _module_state(found[0], found[1], at)

    @strawberry.field(
        description="Recompute the hash of a served list's recorded inputs and compare it"
        " with the hash recorded with the list."
    )
    async def check_decision(
        self, info: SkillpathInfo, decision_id: strawberry.ID
    ) -> DecisionCheck:
        key = UUID(query_id(decision_id, "decisionId"))
        try:
            check = await info.context.run(info.context.services.audit.check_decision, key)
        except NotFound:
            raise bad_input("decisionId", f"no recommendation decision {key}") from None
        return DecisionCheck(
            decision_id=strawberry.ID(str(check.decision_id)),
            outcome=DecisionCheckOutcome(check.outcome),
            recorded_hash=check.recorded_hash,
            recomputed_hash=check.recomputed_hash,
            model_version=check.model_version,
        )

    @strawberry.field(
        description="Walk the hash chain over the whole event log and name the first position"
        " where an event was altered, removed or reordered."
    )
    async def verify_integrity(self, info: SkillpathInfo) -> IntegrityReport:
        report = await info.context.run(info.context.services.audit.verify)
        return IntegrityReport.of(report)
