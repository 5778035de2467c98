"""Consent: grant and withdraw per purpose, and read the full history."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.aggregates import DomainError
from app.application import Erasure, Written
from app.consent.ledger import PURPOSES
from app.schema.common import ConsistentWith, consistent
from app.schema.context import SkillpathInfo
from app.schema.errors import as_error, execute, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import POSITION_HELP, result


@strawberry.type(description="A purpose an employee can opt in to.")
class ConsentPurpose:
    name: str
    allows: str


@strawberry.type(description="A purpose currently granted.")
class ConsentGrant:
    purpose: str
    policy_version: str
    granted_at: datetime


@strawberry.type(description="Who acted, in which role.")
class ActorView:
    id: str
    role: str


@strawberry.type(description="One grant or withdrawal, in the order it happened.")
class ConsentChange:
    purpose: str
    action: str = strawberry.field(description="granted or withdrawn")
    policy_version: str | None
    occurred_at: datetime
    actor: ActorView


@strawberry.type(description="An employee's consent: what is granted now, and every change.")
class ConsentOverview:
    employee_id: strawberry.ID
    granted: list[ConsentGrant]
    history: list[ConsentChange]

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


@strawberry.type(description="A consent decision was recorded.")
class ConsentPayload:
    position: int
    employee_id: strawberry.ID

    @strawberry.field(description="The employee's consent after the change.")
    async def consents(self, info: SkillpathInfo) -> ConsentOverview:
        await consistent(info, self.position)
        return await _overview(info, str(self.employee_id))


@strawberry.type(description="The employee's data key is deleted: their personal data is gone.")
class ErasurePayload:
    position: int = strawberry.field(description=POSITION_HELP)
    employee_id: strawberry.ID
    erased_at: datetime
    already_erased: bool = strawberry.field(
        description="True when an earlier request had erased the employee: nothing changed."
    )
    message: str

    @property
    def subject_id(self) -> str:
        return str(self.employee_id)


GrantConsentResult = result("GrantConsentResult", ConsentPayload)
WithdrawConsentResult = result("WithdrawConsentResult", ConsentPayload)
RequestErasureResult = result("RequestErasureResult", ErasurePayload)


@strawberry.input
class GrantConsentInput(IdempotentInput):
    employee_id: strawberry.ID
    purpose: str = strawberry.field(description="One of the names listed by consentPurposes.")
    policy_version: str = strawberry.field(description="The privacy policy version agreed to.")


@strawberry.input
class WithdrawConsentInput(IdempotentInput):
    employee_id: strawberry.ID
    purpose: str


@strawberry.input
class RequestErasureInput(IdempotentInput):
    employee_id: strawberry.ID


def _erasure_payload(erasure: Erasure) -> ErasurePayload:
    when = erasure.erased_at.isoformat()
    return ErasurePayload(
        position=erasure.position,
        employee_id=strawberry.ID(str(erasure.id)),
        erased_at=erasure.erased_at,
        already_erased=erasure.already_erased,
        message=(
            f"already erased at {when}; nothing changed"
            if erasure.already_erased
            else f"erased at {when}: the employee's personal data can no longer be read"
        ),
    )


async def _overview(info: SkillpathInfo, employee_id: str) -> ConsentOverview:
    book = info.context.services.consents
    granted = await info.context.run(book.granted, employee_id)
    history = await info.context.run(book.history, employee_id)
    return ConsentOverview(
        employee_id=strawberry.ID(employee_id),
        granted=[
            ConsentGrant(
                purpose=g.purpose,
                policy_version=g.policy_version,
                granted_at=datetime.fromisoformat(g.granted_at),
            )
            for g in granted
        ],
        history=[
            ConsentChange(
                purpose=h.purpose,
                action=h.action,
                policy_version=h.policy_version,
                occurred_at=datetime.fromisoformat(h.occurred_at),
                actor=ActorView(id=h.actor_id, role=h.actor_role),
            )
            for h in history
        ],
    )


def _payload(written: Written) -> ConsentPayload:
    return ConsentPayload(position=written.position, employee_id=strawberry.ID(str(written.id)))


@strawberry.type
class ConsentQuery:
    @strawberry.field(description="The consent purposes, all opt-in.")
    def consent_purposes(self) -> list[ConsentPurpose]:
        return [ConsentPurpose(name=n, allows=a) for n, a in PURPOSES.items()]

    @strawberry.field(description="An employee's current consents and full consent history.")
    async def consents(
        self,
        info: SkillpathInfo,
        employee_id: strawberry.ID,
        consistent_with: ConsistentWith = None,
    ) -> ConsentOverview:
        await consistent(info, consistent_with)
        return await _overview(info, query_id(employee_id, "employeeId"))


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(description="Opt in to one purpose under a policy version.")
    async def grant_consent(
        self, info: SkillpathInfo, input: GrantConsentInput
    ) -> GrantConsentResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.grant_consent(
                parse_id(input.employee_id, "employeeId"),
                purpose=input.purpose,
                policy_version=input.policy_version,
                actor=ctx.actor,
            ),
            _payload,
        )

    @strawberry.mutation(description="Withdraw one purpose; effective immediately.")
    async def withdraw_consent(
        self, info: SkillpathInfo, input: WithdrawConsentInput
    ) -> WithdrawConsentResult:
        ctx = info.context
        return await execute(
            ctx.run,
            lambda: ctx.services.app.withdraw_consent(
                parse_id(input.employee_id, "employeeId"), purpose=input.purpose, actor=ctx.actor
            ),
            _payload,
        )

    @strawberry.mutation(
        description="Erase the employee's personal data for good (crypto-shredding): every"
        " purpose is withdrawn and their data key deleted. Asking again changes nothing."
    )
    async def request_erasure(
        self, info: SkillpathInfo, input: RequestErasureInput
    ) -> RequestErasureResult:
        ctx = info.context
        try:
            erasure = await ctx.run(
                ctx.services.app.request_erasure,
                parse_id(input.employee_id, "employeeId"),
                actor=ctx.actor,
            )
        except DomainError as error:
            return as_error(error)
        return _erasure_payload(erasure)
