"""Who may call what: one table naming every root field, enforced on every root field.

Default deny: a Query, Mutation or Subscription field that is not in ``POLICY`` is refused
to everyone (and a test lists it). A field names the roles that may always call it, the
roles that may call it only for themselves (``own``), and the roles that may call it for
their direct reports (``team``: managers), with the consent check that reading a report's
profile needs (profile_sharing). Refused mutations answer a typed ``NotAllowed``; refused
queries and subscriptions an error coded ``FORBIDDEN``. Every refusal is logged.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from app.aggregates import Actor, Employee, Enrollment
from app.aggregates.decision import RecommendationDecision
from app.bootstrap import Services
from app.schema.errors import NotAllowed

log = logging.getLogger("skillpath.authorization")

ADMIN = frozenset({"admin"})
HR = frozenset({"hr", "admin"})
SELF = frozenset({"employee", "manager"})
TEAM = frozenset({"manager"})
AUDIT = frozenset({"auditor", "admin"})
AGGREGATES = frozenset({"hr", "admin", "auditor", "works_council", "leadership"})
EVERYONE = frozenset({"employee", "manager", "hr", "auditor", "works_council", "leadership",
                      "admin"})  # fmt: skip

#: Finds the employee a call is about, from its arguments; ``UNREADABLE`` when an id is
#: malformed (the resolver then answers with the error naming the field).
Target = Callable[[dict[str, Any], Services], str | None]
UNREADABLE = "<unreadable>"


def _id(value: Any) -> str:
    try:
        return str(UUID(str(value)))
    except ValueError:
        return UNREADABLE


def argument(name: str) -> Target:
    return lambda kwargs, _: None if kwargs.get(name) is None else _id(kwargs[name])


def input_field(name: str) -> Target:
    def target(kwargs: dict[str, Any], _: Services) -> str | None:
        value = getattr(kwargs.get("input"), name, None)
        return None if value is None else _id(value)

    return target


def owner_of(name: str, kind: type[Enrollment] | type[RecommendationDecision]) -> Target:
    """The employee of the enrolment or recommendation list the input names."""

    def target(kwargs: dict[str, Any], services: Services) -> str | None:
        found = input_field(name)(kwargs, services)
        if found is None or found == UNREADABLE:
            return found
        try:
            aggregate: Any = services.app.repository.get(UUID(found))
        except AggregateNotFoundError:
            return None
        return str(aggregate.employee_id) if isinstance(aggregate, kind) else None

    return target


@dataclass(frozen=True)
class Access:
    """Who may call one root field."""

    roles: frozenset[str]
    own: frozenset[str] = frozenset()
    team: frozenset[str] = frozenset()
    target: Target | None = None
    #: Reading a report's data needs their profile_sharing consent; acting does not.
    team_reads_profile: bool = False


POLICY: dict[str, Access] = {
    # -- queries --------------------------------------------------------------------------
    "Query.employee": Access(HR, SELF, TEAM, argument("id"), team_reads_profile=True),
    "Query.employees": Access(HR),
    "Query.module": Access(EVERYONE),
    "Query.modules": Access(EVERYONE),
    "Query.role": Access(EVERYONE),
    "Query.roles": Access(EVERYONE),
    "Query.consentPurposes": Access(EVERYONE),
    "Query.readModelStatus": Access(EVERYONE),
    "Query.enrollments": Access(
        HR, SELF, TEAM, argument("employee_id"), team_reads_profile=True
    ),
    "Query.consents": Access(HR | {"auditor"}, SELF, target=argument("employee_id")),
    "Query.recommendations": Access(ADMIN, SELF, target=argument("employee_id")),
    "Query.reviewsDue": Access(ADMIN, SELF, target=argument("employee_id")),
    "Query.fairnessReport": Access(AGGREGATES),
    "Query.modelVersions": Access(HR | {"auditor"}),
    "Query.kpis": Access(AGGREGATES),
    "Query.moduleInsights": Access(AGGREGATES),
    "Query.modulesNeedingRevision": Access(AGGREGATES),
    "Query.myData": Access(SELF | HR),
    "Query.employeeDataExport": Access(HR),
    "Query.history": Access(AUDIT | {"hr"}),
    "Query.eventLog": Access(AUDIT),
    "Query.employeeAsOf": Access(AUDIT | {"hr"}),
    "Query.moduleAsOf": Access(AUDIT | {"hr"}),
    "Query.verifyIntegrity": Access(AUDIT),
    # -- mutations: people ------------------------------------------------------------------
    "Mutation.hireEmployee": Access(HR),
    "Mutation.updateProfile": Access(HR, SELF, target=input_field("employee_id")),
    "Mutation.assessSkill": Access(HR, SELF, TEAM, input_field("employee_id")),
    "Mutation.changeRole": Access(HR),
    "Mutation.recordProductivityReached": Access(HR, team=TEAM,
                                                 target=input_field("employee_id")),
    "Mutation.answerPulse": Access(ADMIN, SELF, target=input_field("employee_id")),
    "Mutation.offboardEmployee": Access(HR),
    # -- mutations: catalogue and competence model ------------------------------------------
    "Mutation.publishModule": Access(HR),
    "Mutation.reviseModule": Access(HR),
    "Mutation.flagModuleForRevision": Access(HR),
    "Mutation.retireModule": Access(HR),
    "Mutation.defineRole": Access(HR),
    "Mutation.reviseRole": Access(HR),
    "Mutation.retireRole": Access(HR),
    # -- mutations: learning ----------------------------------------------------------------
    "Mutation.enroll": Access(HR, SELF, TEAM, input_field("employee_id")),
    "Mutation.recordProgress": Access(ADMIN, SELF, target=owner_of("enrollment_id", Enrollment)),
    "Mutation.recordQuizAttempt": Access(ADMIN, SELF,
                                         target=owner_of("enrollment_id", Enrollment)),
    "Mutation.completeEnrollment": Access(ADMIN, SELF,
                                          target=owner_of("enrollment_id", Enrollment)),
    "Mutation.dropEnrollment": Access(ADMIN, SELF, target=owner_of("enrollment_id", Enrollment)),
    "Mutation.giveFeedback": Access(ADMIN, SELF, target=owner_of("enrollment_id", Enrollment)),
    # -- mutations: consent and data rights -------------------------------------------------
    "Mutation.grantConsent": Access(ADMIN, SELF, target=input_field("employee_id")),
    "Mutation.withdrawConsent": Access(ADMIN, SELF, target=input_field("employee_id")),
    "Mutation.requestErasure": Access(HR, SELF, target=input_field("employee_id")),
    "Mutation.declareAttributes": Access(ADMIN, SELF, target=input_field("employee_id")),
    # -- mutations: recommender -------------------------------------------------------------
    "Mutation.answerRecommendation": Access(
        ADMIN, SELF, target=owner_of("decision_id", RecommendationDecision)
    ),
    "Mutation.activateModelVersion": Access(HR),
    # -- mutations: programmes (ROI) --------------------------------------------------------
    "Mutation.defineProgramme": Access(HR),
    "Mutation.recordProgrammeCost": Access(HR),
    "Mutation.estimateTimeSaved": Access(HR),
    # -- subscriptions ----------------------------------------------------------------------
    "Subscription.kpiUpdated": Access(AGGREGATES),
    "Subscription.moduleInsightsUpdated": Access(AGGREGATES),
    "Subscription.events": Access(AUDIT),
}  # fmt: skip


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def decide_by_role(operation: str, actor: Actor) -> Decision | None:
    """The decision when the role alone settles it; None when it depends on whom the call
    is about (the caller's own or their team's data), which may need a lookup."""
    access = POLICY.get(operation)
    if access is None:
        return Decision(False, f"{operation} is not in the authorisation table")
    if actor.role in access.roles:
        return Decision(True)
    if actor.role not in access.own | access.team or access.target is None:
        return Decision(False, f"the {actor.role} role may not call {operation}")
    return None


def decide(operation: str, actor: Actor, kwargs: dict[str, Any], services: Services) -> Decision:
    """Whether ``actor`` may call ``operation`` (``Type.field``) with these arguments."""
    by_role = decide_by_role(operation, actor)
    if by_role is not None:
        return by_role
    access = POLICY[operation]
    assert access.target is not None  # decide_by_role answers for fields without a target
    target = access.target(kwargs, services)
    if target == UNREADABLE:
        return Decision(True)  # the resolver refuses the malformed id, naming the field
    if target is None:
        return Decision(False, f"{operation} names nobody the {actor.role} role may act for")
    if actor.role in access.own and target == actor.id:
        return Decision(True)
    if actor.role in access.team and _reports_to(services, target, actor.id):
        if access.team_reads_profile and not services.app.policy.may_share_profile(UUID(target)):
            return Decision(False, "the employee does not share their profile (profile_sharing)")
        return Decision(True)
    whom = "their team" if actor.role in access.team else "themselves"
    return Decision(False, f"the {actor.role} role may call {operation} only for {whom}")


def _reports_to(services: Services, employee_id: str, manager_id: str) -> bool:
    try:
        employee: Any = services.app.repository.get(UUID(employee_id))
    except AggregateNotFoundError:
        return False
    return isinstance(employee, Employee) and str(employee.manager_id) == manager_id


class Authorized(FieldExtension):
    """Checks the table before a root field resolves; refusals never reach the resolver."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.typed_refusal = False

    def apply(self, field: StrawberryField) -> None:
        # Mutations whose result union has NotAllowed answer with it; others raise.
        types = getattr(field.type, "types", ())
        self.typed_refusal = any(getattr(t, "__name__", "") == "NotAllowed" for t in types)

    def _refusal(self, info: Info, decision: Decision) -> Any:
        actor: Actor = info.context.actor
        log.warning(
            "refused %s to %s (%s): %s", self.operation, actor.id, actor.role, decision.reason
        )
        if self.typed_refusal:
            return NotAllowed(operation=self.operation, role=actor.role, message=decision.reason)
        raise GraphQLError(
            f"not allowed: {decision.reason}",
            extensions={"code": "FORBIDDEN", "type": "NotAllowed", "operation": self.operation},
        )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        decision = decide(self.operation, info.context.actor, kwargs, info.context.services)
        if not decision.allowed:
            return self._refusal(info, decision)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        # Most calls are settled by the role; only a lookup (whose enrolment? whose
        # manager?) is worth a trip to the thread pool.
        decision = decide_by_role(self.operation, info.context.actor)
        if decision is None:
            decision = await info.context.run(
                decide, self.operation, info.context.actor, kwargs, info.context.services
            )
        if not decision.allowed:
            return self._refusal(info, decision)
        result = next_(source, info, **kwargs)
        return await result if inspect.isawaitable(result) else result


def enforce(*root_types: type) -> None:
    """Put the check on every field of the root types (once; schemas may be built often)."""
    for root in root_types:
        definition: StrawberryObjectDefinition = root.__strawberry_definition__  # type: ignore[attr-defined]
        for field in definition.fields:
            if any(isinstance(e, Authorized) for e in field.extensions):
                continue
            operation = f"{definition.name}.{_graphql_name(field)}"
            field.extensions.append(Authorized(operation))


def _graphql_name(field: StrawberryField) -> str:
    if field.graphql_name:
        return field.graphql_name
    head, *rest = field.python_name.split("_")
    return head + "".join(part.title() for part in rest)
