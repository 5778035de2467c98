"""Every mutation refuses bad input over HTTP with a typed error naming the field, and writes
nothing: the event log's head is where it was before the refused call."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from starlette.applications import Starlette
from strawberry.types.base import StrawberryObjectDefinition

from app.bootstrap import Services, build_services
from app.main import create_app
from app.schema import build_schema
from app.settings import Settings
from tests.api_support import (
    FUTURE_DATE,
    FUTURE_TIME,
    UNKNOWN_ID,
    head,
    http_client,
    mutate,
    settings_on,
    valid_input,
)
from tests.conftest import GraphQLClient
from tests.domain_support import HR, LEARNER, Organisation

LONG_NAME = "n" * 201
LONG_TEXT = "t" * 5001


@dataclass(frozen=True)
class Refusal:
    """A mutation, how its valid input is spoilt, and the typed error that must come back."""

    mutation: str
    spoil: dict[str, Any] | Callable[[Organisation], dict[str, Any]]
    error: str
    field: str | None
    given: Callable[[Organisation], object] | None = field(default=None, compare=False)

    def input(self, org: Organisation) -> dict[str, Any]:
        spoilt = self.spoil(org) if callable(self.spoil) else self.spoil
        return {**valid_input(self.mutation, org), **spoilt}


def offboarded(org: Organisation) -> object:
    return org.app.offboard_employee(org.employee_id, left_on=date(2024, 6, 30), actor=HR)


def manager_left(org: Organisation) -> object:
    return org.app.offboard_employee(org.manager_id, left_on=date(2024, 6, 30), actor=HR)


def erased(org: Organisation) -> object:
    return org.app.request_erasure(org.employee_id, actor=HR)


def manager_erased(org: Organisation) -> object:
    return org.app.request_erasure(org.manager_id, actor=HR)


def completed(org: Organisation) -> object:
    return org.app.complete_enrollment(org.enrollment_id, actor=LEARNER)


def dropped(org: Organisation) -> object:
    return org.app.drop_enrollment(org.enrollment_id, position_minutes=None, actor=LEARNER)


def retired_other_module(org: Organisation) -> object:
    return org.app.retire_module(org.other_module_id, reason="", actor=HR)


def retired_module(org: Organisation) -> object:
    return org.app.retire_module(org.module_id, reason="", actor=HR)


def retired_lead_role(org: Organisation) -> object:
    return org.app.retire_role(org.lead_role_id, actor=HR)


def granted(org: Organisation) -> object:
    return org.app.grant_consent(
        org.employee_id, purpose="personalisation", policy_version="2024-1", actor=LEARNER
    )


V, N, C, A = "ValidationError", "NotFound", "Conflict", "NotAllowed"

REFUSALS = [
    # employees
    Refusal("hireEmployee", {"name": ""}, V, "name"),
    Refusal("hireEmployee", {"name": LONG_NAME}, V, "name"),
    Refusal("hireEmployee", {"email": "linus.example.com"}, V, "email"),
    Refusal("hireEmployee", {"email": "linus@example"}, V, "email"),
    Refusal("hireEmployee", {"department": "  "}, V, "department"),
    Refusal("hireEmployee", {"location": LONG_NAME}, V, "location"),
    Refusal("hireEmployee", {"yearsExperience": -1}, V, "yearsExperience"),
    Refusal("hireEmployee", {"hireDate": FUTURE_DATE}, V, "hireDate"),
    Refusal("hireEmployee", {"roleId": "not-an-id"}, V, "roleId"),
    Refusal("hireEmployee", {"roleId": UNKNOWN_ID}, N, "roleId"),
    Refusal("hireEmployee", {"managerId": UNKNOWN_ID}, N, "managerId"),
    Refusal("hireEmployee", {"managerId": "42"}, V, "managerId"),
    Refusal("hireEmployee", {}, V, "managerId", given=manager_left),
    Refusal("changeRole", {}, V, "managerId", given=manager_left),
    Refusal("hireEmployee", {}, V, "managerId", given=manager_erased),
    # Nothing new is recorded about an erased employee.
    Refusal("assessSkill", {}, C, "employeeId", given=erased),
    Refusal("changeRole", {}, C, "employeeId", given=erased),
    Refusal("recordProductivityReached", {}, C, "employeeId", given=erased),
    Refusal("enroll", {}, C, "employeeId", given=erased),
    Refusal("hireEmployee", lambda o: {"roleId": str(o.lead_role_id)}, V, "roleId",
            given=retired_lead_role),
    Refusal("hireEmployee", {"email": "ADA@example.com"}, C, "email"),
    # An employee may act only for themselves: an id naming nobody is refused.
    Refusal("updateProfile", {"employeeId": UNKNOWN_ID}, A, "employeeId"),
    Refusal("updateProfile", {"employeeId": "42"}, V, "employeeId"),
    Refusal("updateProfile", {"weeklyMinutes": -5}, V, "weeklyMinutes"),
    Refusal("updateProfile", {"goals": ["g" * 101]}, V, "goals"),
    Refusal("updateProfile", {"language": ""}, V, "language"),
    Refusal("assessSkill", {"level": 6}, V, "level"),
    Refusal("assessSkill", {"level": -1}, V, "level"),
    Refusal("assessSkill", {"skill": ""}, V, "skill"),
    Refusal("assessSkill", {"occurredAt": FUTURE_TIME}, V, "occurredAt"),
    Refusal("assessSkill", {"employeeId": UNKNOWN_ID}, N, "employeeId"),
    Refusal("changeRole", {"roleId": UNKNOWN_ID}, N, "roleId"),
    Refusal("changeRole", {}, V, "roleId", given=retired_lead_role),
    Refusal("changeRole", {"managerId": UNKNOWN_ID}, N, "managerId"),
    Refusal("changeRole", lambda o: {"managerId": str(o.employee_id)}, V, "managerId"),
    Refusal("changeRole", {"department": ""}, V, "department"),
    Refusal("changeRole", {"occurredAt": FUTURE_TIME}, V, "occurredAt"),
    Refusal("changeRole", lambda o: {"roleId": str(o.role_id), "department": "Engineering",
                                     "managerId": str(o.manager_id)}, C, None),
    Refusal("recordProductivityReached", {"reachedOn": FUTURE_DATE}, V, "reachedOn"),
    Refusal("recordProductivityReached", {"reachedOn": "2023-12-31"}, V, "reachedOn"),
    Refusal("recordProductivityReached", {"employeeId": UNKNOWN_ID}, N, "employeeId"),
    Refusal("answerPulse", {"score": 11}, V, "score"),
    Refusal("answerPulse", {"score": -1}, V, "score"),
    Refusal("answerPulse", {"occurredAt": FUTURE_TIME}, V, "occurredAt"),
    Refusal("offboardEmployee", {"leftOn": FUTURE_DATE}, V, "leftOn"),
    Refusal("offboardEmployee", {"leftOn": "2023-12-31"}, V, "leftOn"),
    Refusal("offboardEmployee", {"employeeId": UNKNOWN_ID}, N, "employeeId"),
    Refusal("offboardEmployee", {}, C, "employeeId", given=offboarded),
    # catalogue
    Refusal("publishModule", {"title": ""}, V, "title"),
    Refusal("publishModule", {"title": LONG_NAME}, V, "title"),
    Refusal("publishModule", {"description": LONG_TEXT}, V, "description"),
    Refusal("publishModule", {"difficulty": 0}, V, "difficulty"),
    Refusal("publishModule", {"difficulty": 6}, V, "difficulty"),
    Refusal("publishModule", {"minutes": 0}, V, "minutes"),
    Refusal("publishModule", {"skills": []}, V, "skills"),
    Refusal("publishModule", {"skills": [{"skill": "go", "level": 6}]}, V, "skills.level"),
    Refusal("publishModule", {"skills": [{"skill": "", "level": 1}]}, V, "skills.skill"),
    Refusal("publishModule", {"topics": ["t" * 101]}, V, "topics"),
    Refusal("publishModule", {"language": ""}, V, "language"),
    Refusal("publishModule", {"prerequisiteIds": [UNKNOWN_ID]}, N, "prerequisiteIds"),
    Refusal("publishModule", {"prerequisiteIds": ["bad"]}, V, "prerequisiteIds"),
    Refusal("publishModule", {}, V, "prerequisiteIds", given=retired_other_module),
    Refusal("reviseModule", {"moduleId": UNKNOWN_ID}, N, "moduleId"),
    Refusal("reviseModule", {"moduleId": "bad"}, V, "moduleId"),
    Refusal("reviseModule", {"title": ""}, V, "title"),
    Refusal("reviseModule", {"description": LONG_TEXT}, V, "description"),
    Refusal("reviseModule", {"difficulty": 9}, V, "difficulty"),
    Refusal("reviseModule", {"title": "SQL for analysts", "minutes": 90}, C, None),
    Refusal("reviseModule", {}, C, "moduleId", given=retired_module),
    Refusal("flagModuleForRevision", {"reason": ""}, V, "reason"),
    Refusal("flagModuleForRevision", {"reason": LONG_TEXT}, V, "reason"),
    Refusal("flagModuleForRevision", {"moduleId": UNKNOWN_ID}, N, "moduleId"),
    Refusal("retireModule", {"moduleId": UNKNOWN_ID}, N, "moduleId"),
    Refusal("retireModule", {"reason": LONG_TEXT}, V, "reason"),
    Refusal("retireModule", {}, C, "moduleId", given=retired_other_module),
    # enrolments
    Refusal("enroll", {"employeeId": UNKNOWN_ID}, N, "employeeId"),
    Refusal("enroll", {"moduleId": UNKNOWN_ID}, N, "moduleId"),
    Refusal("enroll", {"moduleId": "bad"}, V, "moduleId"),
    Refusal("enroll", {"source": "RECOMMENDATION"}, V, "recommendationId"),
    Refusal("enroll", {"recommendationId": "bad"}, V, "recommendationId"),
    Refusal("enroll", {"occurredAt": FUTURE_TIME}, V, "occurredAt"),
    Refusal("enroll", lambda o: {"moduleId": str(o.module_id)}, C, "moduleId"),
    Refusal("enroll", {}, C, "moduleId", given=retired_other_module),
    Refusal("enroll", {}, C, "employeeId", given=offboarded),
    Refusal("recordProgress", {"percent": 101}, V, "percent"),
    Refusal("recordProgress", {"percent": -1}, V, "percent"),
    Refusal("recordProgress", {"minutes": -1}, V, "minutes"),
    Refusal("recordProgress", {"positionMinutes": -0.5}, V, "positionMinutes"),
    Refusal("recordProgress", {"occurredAt": FUTURE_TIME}, V, "occurredAt"),
    Refusal("recordProgress", {"enrollmentId": UNKNOWN_ID}, A, "enrollmentId"),
    Refusal("recordProgress", {"enrollmentId": "bad"}, V, "enrollmentId"),
    Refusal("recordProgress", {}, C, None, given=completed),
    Refusal("recordQuizAttempt", {"score": 101}, V, "score"),
    Refusal("recordQuizAttempt", {"enrollmentId": UNKNOWN_ID}, A, "enrollmentId"),
    Refusal("recordQuizAttempt", {}, C, None, given=dropped),
    Refusal("completeEnrollment", {"occurredAt": FUTURE_TIME}, V, "occurredAt"),
    Refusal("completeEnrollment", {"enrollmentId": UNKNOWN_ID}, A, "enrollmentId"),
    Refusal("completeEnrollment", {}, C, None, given=completed),
    Refusal("dropEnrollment", {"positionMinutes": -1.0}, V, "positionMinutes"),
    Refusal("dropEnrollment", {"enrollmentId": UNKNOWN_ID}, A, "enrollmentId"),
    Refusal("dropEnrollment", {}, C, None, given=dropped),
    Refusal("giveFeedback", {"rating": 0}, V, "rating"),
    Refusal("giveFeedback", {"rating": 6}, V, "rating"),
    Refusal("giveFeedback", {"comment": LONG_TEXT}, V, "comment"),
    Refusal("giveFeedback", {"occurredAt": FUTURE_TIME}, V, "occurredAt"),
    Refusal("giveFeedback", {"enrollmentId": UNKNOWN_ID}, A, "enrollmentId"),
    # competence model
    Refusal("defineRole", {"code": ""}, V, "code"),
    Refusal("defineRole", {"title": LONG_NAME}, V, "title"),
    Refusal("defineRole", {"requiredSkills": []}, V, "requiredSkills"),
    Refusal("defineRole", {"requiredSkills": [{"skill": "qa", "level": 6}]}, V,
            "requiredSkills.level"),
    Refusal("defineRole", {"requiredSkills": [{"skill": "qa", "level": 2, "importance": 0}]}, V,
            "requiredSkills.importance"),
    Refusal("defineRole", {"code": "DEV"}, C, "code"),
    Refusal("reviseRole", {"roleId": UNKNOWN_ID}, N, "roleId"),
    Refusal("reviseRole", {"roleId": "bad"}, V, "roleId"),
    Refusal("reviseRole", {"title": ""}, V, "title"),
    Refusal("reviseRole", lambda o: {"roleId": str(o.lead_role_id)}, C, "roleId",
            given=retired_lead_role),
    Refusal("retireRole", {"roleId": UNKNOWN_ID}, N, "roleId"),
    Refusal("retireRole", {}, C, "roleId", given=retired_lead_role),
    # consent
    Refusal("grantConsent", {"purpose": "advertising"}, V, "purpose"),
    Refusal("grantConsent", {"policyVersion": ""}, V, "policyVersion"),
    Refusal("grantConsent", {"employeeId": UNKNOWN_ID}, A, "employeeId"),
    Refusal("grantConsent", {"employeeId": "bad"}, V, "employeeId"),
    Refusal("grantConsent", {}, C, "purpose", given=granted),
    Refusal("withdrawConsent", {}, C, "purpose"),
    Refusal("withdrawConsent", {"purpose": "advertising"}, V, "purpose"),
    Refusal("withdrawConsent", {"employeeId": UNKNOWN_ID}, A, "employeeId"),
]  # fmt: skip


def case_id(refusal: Refusal) -> str:
    spoilt = "+".join(refusal.spoil) if isinstance(refusal.spoil, dict) else "state"
    given = f"-after-{refusal.given.__name__}" if refusal.given else ""
    return f"{refusal.mutation}-{spoilt or 'as-is'}{given}-{refusal.error}"


FOUNDATION_MUTATIONS = {
    "hireEmployee", "updateProfile", "assessSkill", "changeRole", "recordProductivityReached",
    "answerPulse", "offboardEmployee", "publishModule", "reviseModule", "flagModuleForRevision",
    "retireModule", "enroll", "recordProgress", "recordQuizAttempt", "completeEnrollment",
    "dropEnrollment", "giveFeedback", "defineRole", "reviseRole", "retireRole", "grantConsent",
    "withdrawConsent",
}  # fmt: skip


def test_the_table_covers_every_foundation_mutation_of_the_schema() -> None:
    schema = build_schema()
    mutation_type = schema.get_type_by_name("Mutation")
    assert isinstance(mutation_type, StrawberryObjectDefinition)
    in_schema = {schema.config.name_converter.get_graphql_name(f) for f in mutation_type.fields}
    assert in_schema >= FOUNDATION_MUTATIONS
    assert {refusal.mutation for refusal in REFUSALS} == FOUNDATION_MUTATIONS


@dataclass
class World:
    """An organisation in one starting state, served over HTTP."""

    services: Services
    org: Organisation
    app: Starlette


class Worlds:
    """One world per starting state ("given") on one engine, built when first needed.

    Refused mutations write nothing (each test checks that), so the tests of one starting
    state can share its world; building a database per case would only cost time.
    """

    def __init__(self, settings: Callable[[], contextlib.AbstractContextManager[Settings]]):
        self._settings = settings
        self._built: dict[str, World] = {}
        self._cleanup = contextlib.ExitStack()

    def get(self, given: Callable[[Organisation], object] | None) -> World:
        key = given.__name__ if given else ""
        if key not in self._built:
            settings = self._cleanup.enter_context(self._settings())
            services = build_services(settings, start_projections=False)
            self._cleanup.callback(services.close)
            org = Organisation(services.app)
            if given is not None:
                given(org)
            self._built[key] = World(services, org, create_app(settings, services))
        return self._built[key]

    def close(self) -> None:
        self._cleanup.close()


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgres"])
def worlds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worlds]:
    engine = request.param
    built = Worlds(lambda: settings_on(engine, tmp_path_factory.mktemp("world")))
    try:
        yield built
    finally:
        built.close()


@pytest.mark.parametrize("refusal", REFUSALS, ids=case_id)
async def test_refused_mutation_names_the_field_and_writes_nothing(
    refusal: Refusal, worlds: Worlds
) -> None:
    world = worlds.get(refusal.given)
    async with http_client(world.services, world.app) as http:
        gql = GraphQLClient(http, world.services)
        before = await head(gql)

        outcome = await mutate(
            gql, refusal.mutation, refusal.input(world.org), employee=world.org.employee_id
        )

        assert outcome["__typename"] == refusal.error, outcome
        assert outcome["field"] == refusal.field, outcome
        assert outcome["message"]
        if refusal.error == N:
            assert outcome["id"] == UNKNOWN_ID
        assert await head(gql) == before
