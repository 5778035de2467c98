"""Every mutation over HTTP: its success payload carries the position written and the id, and
the changed object read back through the payload (read models, read-your-writes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from app.bootstrap import Services, build_services
from tests.api_support import head, http_client, mutate, settings_on, valid_input
from tests.conftest import GraphQLClient
from tests.domain_support import LEARNER, Organisation

Expected = Callable[[Organisation], dict[str, Any]]


@dataclass(frozen=True)
class Success:
    """A mutation with a valid input, what to read back through its payload, and the result."""

    mutation: str
    read_back: str
    expected: Expected
    #: The id the payload names, when the mutation changes something that exists already.
    target: Callable[[Organisation], object] | None = None
    given: Callable[[Organisation], object] | None = None


def employee(o: Organisation) -> object:
    return o.employee_id


def enrollment(o: Organisation) -> object:
    return o.enrollment_id


def granted(org: Organisation) -> object:
    return org.app.grant_consent(
        org.employee_id, purpose="personalisation", policy_version="2024-1", actor=LEARNER
    )


SUCCESSES = [
    Success(
        "hireEmployee",
        "employee { id name email department location yearsExperience hireDate status"
        " manager { id } role { id } }",
        lambda o: {
            "name": "Linus Torvalds", "email": f"linus{o.tag}@example.com", "department": "Kernel",
            "location": "Helsinki", "yearsExperience": 3, "hireDate": "2024-02-01",
            "status": "ACTIVE", "manager": {"id": str(o.manager_id)},
            "role": {"id": str(o.role_id)},
        },
    ),
    Success(
        "updateProfile",
        "employee { id profile { mediaTypes weeklyMinutes goals language } }",
        lambda o: {"profile": {"mediaTypes": ["VIDEO", "PODCAST"], "weeklyMinutes": 90,
                               "goals": ["Become a lead"], "language": "nb"}},
        target=employee,
    ),
    Success(
        "assessSkill",
        "employee { id skills { skill level source } skillGaps { skill } }",
        lambda o: {"skills": [{"skill": "sql", "level": 4, "source": "MANAGER"}],
                   "skillGaps": []},
        target=employee,
    ),
    Success(
        "changeRole",
        "employee { id department roleChanges role { code } manager { id } }",
        lambda o: {"department": "Data", "roleChanges": 1, "role": {"code": f"lead{o.tag}"},
                   "manager": {"id": str(o.manager_id)}},
        target=employee,
    ),
    Success(
        "recordProductivityReached",
        "employee { id productiveSince }",
        lambda o: {"productiveSince": "2024-04-01"},
        target=employee,
    ),
    Success("answerPulse", "employee { id status }", lambda o: {"status": "ACTIVE"},
            target=employee),
    Success(
        "offboardEmployee",
        "employee { id status leftOn }",
        lambda o: {"status": "LEFT", "leftOn": "2024-09-30"},
        target=employee,
    ),
    Success(
        "publishModule",
        "module { id title description topics skills { skill level } difficulty mediaType"
        " minutes language status revision prerequisites { id } }",
        lambda o: {
            "title": "Go in a day", "description": "Goroutines and channels.",
            "topics": ["programming"], "skills": [{"skill": "go", "level": 2}],
            "difficulty": 3, "mediaType": "VIDEO", "minutes": 45, "language": "en",
            "status": "PUBLISHED", "revision": 0,
            "prerequisites": [{"id": str(o.other_module_id)}],
        },
    ),
    Success(
        "reviseModule",
        "module { id title minutes revision description }",
        lambda o: {"title": "SQL, revised", "minutes": 60, "revision": 1,
                   "description": "Joins, grouping and window functions."},
        target=lambda o: o.module_id,
    ),
    Success(
        "flagModuleForRevision",
        "module { id status flagReason }",
        lambda o: {"status": "FLAGGED", "flagReason": "Low ratings"},
        target=lambda o: o.module_id,
    ),
    Success(
        "retireModule",
        "module { id status }",
        lambda o: {"status": "RETIRED"},
        target=lambda o: o.other_module_id,
    ),
    Success(
        "enroll",
        "enrollment { id employeeId moduleId status attempt source percent }",
        lambda o: {"employeeId": str(o.employee_id), "moduleId": str(o.other_module_id),
                   "status": "ACTIVE", "attempt": 1, "source": "ASSIGNED", "percent": 0},
    ),
    Success(
        "recordProgress",
        "enrollment { id percent minutesSpent lastPositionMinutes }",
        # Without activity_tracking consent only the percentage is kept.
        lambda o: {"percent": 40, "minutesSpent": 0, "lastPositionMinutes": None},
        target=enrollment,
    ),
    Success(
        "recordQuizAttempt",
        "enrollment { id quizAttempts lastQuizScore bestQuizScore }",
        lambda o: {"quizAttempts": 1, "lastQuizScore": 85, "bestQuizScore": 85},
        target=enrollment,
    ),
    Success(
        "completeEnrollment",
        "enrollment { id status percent }",
        lambda o: {"status": "COMPLETED", "percent": 100},
        target=enrollment,
    ),
    Success(
        "dropEnrollment",
        "enrollment { id status droppedPositionMinutes }",
        lambda o: {"status": "DROPPED", "droppedPositionMinutes": None},
        target=enrollment,
    ),
    Success(
        "giveFeedback",
        "enrollment { id feedback { rating comment } }",
        lambda o: {"feedback": {"rating": 4, "comment": "Clear examples"}},
        target=enrollment,
    ),
    Success(
        "defineRole",
        "role { id code title source retired requiredSkills { skill level importance } }",
        lambda o: {"code": f"qa{o.tag}", "title": "Tester", "source": "O*NET 15-1253.00",
                   "retired": False,
                   "requiredSkills": [{"skill": "testing", "level": 3, "importance": 5}]},
    ),
    Success(
        "reviseRole",
        "role { id title requiredSkills { skill level } }",
        lambda o: {"title": "Software developer",
                   "requiredSkills": [{"skill": "sql", "level": 3}]},
        target=lambda o: o.role_id,
    ),
    Success("retireRole", "role { id retired }", lambda o: {"retired": True},
            target=lambda o: o.lead_role_id),
    Success(
        "grantConsent",
        "consents { employeeId granted { purpose policyVersion }"
        " history { purpose action policyVersion actor { role } } }",
        lambda o: {
            "granted": [{"purpose": "personalisation", "policyVersion": "2024-1"},
                        {"purpose": "profile_sharing", "policyVersion": "2024-1"}],
            "history": [{"purpose": "profile_sharing", "action": "granted",
                         "policyVersion": "2024-1", "actor": {"role": "employee"}},
                        {"purpose": "personalisation", "action": "granted",
                         "policyVersion": "2024-1", "actor": {"role": "employee"}}],
        },
        target=employee,
    ),
    Success(
        "withdrawConsent",
        "consents { employeeId granted { purpose } history { action } }",
        lambda o: {"granted": [{"purpose": "profile_sharing"}],
                   "history": [{"action": "granted"}, {"action": "granted"},
                               {"action": "withdrawn"}]},
        target=employee,
        given=granted,
    ),
]  # fmt: skip

ID_FIELD = {
    "EmployeePayload": ("employeeId", "employee", "id"),
    "ModulePayload": ("moduleId", "module", "id"),
    "EnrollmentPayload": ("enrollmentId", "enrollment", "id"),
    "RolePayload": ("roleId", "role", "id"),
    "ConsentPayload": ("employeeId", "consents", "employeeId"),
}


def test_every_foundation_mutation_has_a_success_case() -> None:
    from tests.test_api_bad_input import FOUNDATION_MUTATIONS

    assert {s.mutation for s in SUCCESSES} == FOUNDATION_MUTATIONS


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgres"])
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    """One database per engine for the table; each case arranges its own organisation in it."""
    with settings_on(request.param, tmp_path_factory.mktemp("mutations")) as settings:
        services = build_services(settings)
        try:
            yield services
        finally:
            services.close()


@pytest.mark.parametrize("case", SUCCESSES, ids=lambda s: s.mutation)
async def test_mutation_returns_position_id_and_the_changed_object(
    case: Success, shared: Services
) -> None:
    org = Organisation(shared.app, tag=f"-{uuid.uuid4().hex[:8]}")
    # Ada shares her profile, so the operator sees what HR would read back of her.
    shared.app.grant_consent(
        org.employee_id, purpose="profile_sharing", policy_version="2024-1", actor=LEARNER
    )
    if case.given is not None:
        case.given(org)

    async with http_client(shared) as http:
        gql = GraphQLClient(http, shared)
        before = await head(gql)
        outcome = await mutate(
            gql, case.mutation, valid_input(case.mutation, org), case.read_back, org.employee_id
        )
        after = await head(gql)

    payload_type = outcome["__typename"]
    assert payload_type in ID_FIELD, outcome
    id_field, object_field, object_id = ID_FIELD[payload_type]
    assert before < outcome["position"] <= after
    changed = outcome[object_field]
    assert changed[object_id] == outcome[id_field]
    if case.target is not None:
        assert outcome[id_field] == str(case.target(org))
    expected = case.expected(org)
    assert {k: changed[k] for k in expected} == expected
