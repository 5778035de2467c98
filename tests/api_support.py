"""Helpers for end-to-end API tests: run one mutation with a typed outcome, read the log head,
and a valid input for every mutation against the small organisation of ``domain_support``.

A test arranges its world through application commands (``Organisation``), then acts and
observes over HTTP only.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from app.bootstrap import Services
from app.main import create_app
from app.settings import Settings
from tests.conftest import GraphQLClient, auth_headers, fresh_postgres_schema
from tests.domain_support import Organisation

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
FUTURE_DATE = (date.today() + timedelta(days=2)).isoformat()
FUTURE_TIME = (datetime.now(UTC) + timedelta(days=2)).isoformat()

#: The typed errors every mutation result union has, through their one interface.
OUTCOME = """
    __typename
    ... on UserError { field message code }
    ... on NotFound { id }
"""

#: Mutations only the employee they are about may call (their own decisions and learning).
SELF_SERVICE = frozenset({
    "updateProfile", "answerPulse", "recordProgress", "recordQuizAttempt",
    "completeEnrollment", "dropEnrollment", "giveFeedback", "grantConsent", "withdrawConsent",
    "declareAttributes", "answerRecommendation",
})  # fmt: skip

PAYLOADS = {
    "EmployeePayload": "position employeeId",
    "ModulePayload": "position moduleId",
    "EnrollmentPayload": "position enrollmentId",
    "RolePayload": "position roleId",
    "ConsentPayload": "position employeeId",
}

PAYLOAD_OF = {
    **dict.fromkeys(
        [
            "hireEmployee", "updateProfile", "assessSkill", "changeRole",
            "recordProductivityReached", "answerPulse", "offboardEmployee",
        ],
        "EmployeePayload",
    ),
    **dict.fromkeys(
        ["publishModule", "reviseModule", "flagModuleForRevision", "retireModule"],
        "ModulePayload",
    ),
    **dict.fromkeys(
        [
            "enroll", "recordProgress", "recordQuizAttempt", "completeEnrollment",
            "dropEnrollment", "giveFeedback",
        ],
        "EnrollmentPayload",
    ),
    **dict.fromkeys(["defineRole", "reviseRole", "retireRole"], "RolePayload"),
    **dict.fromkeys(["grantConsent", "withdrawConsent"], "ConsentPayload"),
}  # fmt: skip


@contextlib.contextmanager
def settings_on(engine: str, folder: Path) -> Iterator[Settings]:
    """Settings on ``engine`` keeping files under ``folder``, for fixtures wider than a test."""
    if engine == "postgres":
        with fresh_postgres_schema() as settings:
            yield dataclasses.replace(settings, model_dir=str(folder / "models"))
        return
    yield Settings(
        persistence=engine,  # type: ignore[arg-type]
        sqlite_path=str(folder / "skillpath.sqlite3"),
        model_dir=str(folder / "models"),
        seed_if_empty=False,
        consistency_timeout_seconds=10,
    )


def operator_headers(services: Services) -> dict[str, str]:
    """Request headers of an operator allowed to call every operation."""
    return auth_headers(services)


@contextlib.asynccontextmanager
async def http_client(
    services: Services, app: Starlette | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the real ASGI app of ``services`` (or ``app``), as an operator."""
    transport = httpx.ASGITransport(app=app or create_app(services.settings, services))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://skillpath.test", headers=operator_headers(services)
    ) as http:
        yield http


def client_of(http: httpx.AsyncClient, services: Services) -> GraphQLClient:
    return GraphQLClient(http, services)


async def mutate(
    gql: GraphQLClient,
    name: str,
    input: dict[str, Any],
    read_back: str = "",
    employee: object | None = None,
) -> dict[str, Any]:
    """Run mutation ``name`` with ``input``; its result (payload or typed error) as a dict.

    Self-service mutations are sent as ``employee``, the others as the client's caller."""
    if name in SELF_SERVICE:
        assert employee is not None, f"{name} is called by the employee it is about"
        gql = gql.as_employee(employee)
    payload = PAYLOAD_OF[name]
    document = (
        f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) {{"
        f" {OUTCOME} ... on {payload} {{ {PAYLOADS[payload]} {read_back} }} }} }}"
    )
    data = await gql.data(document, input=input)
    result: dict[str, Any] = data[name]
    return result


async def head(gql: GraphQLClient) -> int:
    """The event log's head as the API reports it."""
    data = await gql.data("{ readModelStatus { lastEventPosition } }")
    position: int = data["readModelStatus"]["lastEventPosition"]
    return position


def valid_input(name: str, org: Organisation) -> dict[str, Any]:
    """An input ``name`` accepts in the organisation's initial state."""
    employee = {"employeeId": str(org.employee_id)}
    enrollment = {"enrollmentId": str(org.enrollment_id)}
    inputs: dict[str, dict[str, Any]] = {
        "hireEmployee": {
            "name": "Linus Torvalds", "email": f"linus{org.tag}@example.com",
            "roleId": str(org.role_id), "department": "Kernel", "location": "Helsinki",
            "hireDate": "2024-02-01", "yearsExperience": 3, "managerId": str(org.manager_id),
        },
        "updateProfile": {
            **employee, "mediaTypes": ["VIDEO", "PODCAST"], "weeklyMinutes": 90,
            "goals": ["Become a lead"], "language": "nb",
        },
        "assessSkill": {**employee, "skill": "SQL", "level": 4, "source": "MANAGER"},
        "changeRole": {
            **employee, "roleId": str(org.lead_role_id), "department": "Data",
            "managerId": str(org.manager_id),
        },
        "recordProductivityReached": {**employee, "reachedOn": "2024-04-01"},
        "answerPulse": {**employee, "score": 9},
        "offboardEmployee": {**employee, "leftOn": "2024-09-30"},
        "publishModule": {
            "title": "Go in a day", "description": "Goroutines and channels.",
            "topics": ["Programming"], "skills": [{"skill": "Go", "level": 2}],
            "difficulty": 3, "mediaType": "VIDEO", "minutes": 45,
            "prerequisiteIds": [str(org.other_module_id)],
        },
        "reviseModule": {"moduleId": str(org.module_id), "title": "SQL, revised", "minutes": 60},
        "flagModuleForRevision": {"moduleId": str(org.module_id), "reason": "Low ratings"},
        "retireModule": {"moduleId": str(org.other_module_id), "reason": "Replaced"},
        "enroll": {**employee, "moduleId": str(org.other_module_id), "source": "ASSIGNED"},
        "recordProgress": {**enrollment, "percent": 40, "minutes": 25, "positionMinutes": 30.5},
        "recordQuizAttempt": {**enrollment, "score": 85},
        "completeEnrollment": enrollment,
        "dropEnrollment": {**enrollment, "positionMinutes": 12.5},
        "giveFeedback": {**enrollment, "rating": 4, "comment": "Clear examples"},
        "defineRole": {
            "code": f"qa{org.tag}", "title": "Tester", "source": "O*NET 15-1253.00",
            "requiredSkills": [{"skill": "Testing", "level": 3, "importance": 5}],
        },
        "reviseRole": {"roleId": str(org.role_id), "title": "Software developer"},
        "retireRole": {"roleId": str(org.lead_role_id)},
        "grantConsent": {**employee, "purpose": "personalisation", "policyVersion": "2024-1"},
        "withdrawConsent": {**employee, "purpose": "personalisation"},
    }  # fmt: skip
    return inputs[name]


async def caught_up(gql: GraphQLClient, position: int) -> None:
    """Wait until the read models include ``position`` (root fields resolve concurrently, so
    one field's ``consistentWith`` does not hold back its siblings)."""
    await gql.data("query($at: Int) { roles(consistentWith: $at) { id } }", at=position)
