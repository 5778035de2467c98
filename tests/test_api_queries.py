"""Every foundation query over HTTP, answered from the read models: single objects, Relay
paging with filters, enrolments by status, roles, consents and consent purposes."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from app.bootstrap import Services, build_services
from app.consent import PURPOSES
from app.settings import Settings
from tests.api_support import UNKNOWN_ID, caught_up, head, http_client, mutate, valid_input
from tests.conftest import GraphQLClient
from tests.domain_support import HR, LEARNER, Organisation, content

EMPLOYEES = """
query($first: Int!, $after: String, $department: String, $roleId: ID, $at: Int) {
  employees(first: $first, after: $after, department: $department, roleId: $roleId,
            consistentWith: $at) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""

MODULES = """
query($first: Int!, $after: String, $skill: String, $search: String, $retired: Boolean!,
      $at: Int) {
  modules(first: $first, after: $after, skill: $skill, search: $search,
          includeRetired: $retired, consistentWith: $at) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { title } }
  }
}
"""


def shares_profile(services: Services, employee_id: object) -> None:
    """The employee opts in to profile_sharing, so HR (and operators) see their learning."""
    services.app.grant_consent(
        employee_id, purpose="profile_sharing", policy_version="v1", actor=LEARNER
    )


def bad_input_field(body: dict[str, Any]) -> str:
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    field: str = error["extensions"]["field"]
    return field


async def test_employee_shows_the_directory_with_role_manager_skills_gaps_and_enrolments(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    app = services.app
    shares_profile(services, org.employee_id)
    app.assess_skill(org.employee_id, skill="sql", level=1, source="self", actor=LEARNER)
    app.update_profile(org.employee_id, media_types=["article"], weekly_minutes=30, goals=[],
                       language="en", actor=LEARNER)  # fmt: skip
    app.complete_enrollment(org.enrollment_id, actor=LEARNER)
    org.enroll(module_id=org.other_module_id)

    data = await gql.data(
        """query($id: ID!, $at: Int) { employee(id: $id, consistentWith: $at) {
             id name email department location yearsExperience hireDate status leftOn
             productiveSince roleChanges
             profile { mediaTypes weeklyMinutes }
             role { code title requiredSkills { skill level importance } }
             manager { name manager { id } }
             skills { skill level source }
             skillGaps { skill required current gap }
             all: enrollments { module { title } status }
             done: enrollments(status: COMPLETED) { module { title } }
        } }""",
        id=str(org.employee_id),
        at=app.last_position(),
    )

    assert data["employee"] == {
        "id": str(org.employee_id), "name": "Ada Lovelace", "email": "ada@example.com",
        "department": "Engineering", "location": "Oslo", "yearsExperience": 2,
        "hireDate": "2024-01-02", "status": "ACTIVE", "leftOn": None, "productiveSince": None,
        "roleChanges": 0,
        "profile": {"mediaTypes": ["ARTICLE"], "weeklyMinutes": 30},
        "role": {"code": "dev", "title": "Developer",
                 "requiredSkills": [{"skill": "sql", "level": 3, "importance": 3}]},
        "manager": {"name": "Grace Hopper", "manager": None},
        "skills": [{"skill": "sql", "level": 1, "source": "SELF"}],
        "skillGaps": [{"skill": "sql", "required": 3, "current": 1, "gap": 2}],
        "all": [{"module": {"title": "SQL for analysts"}, "status": "COMPLETED"},
                {"module": {"title": "Python basics"}, "status": "ACTIVE"}],
        "done": [{"module": {"title": "SQL for analysts"}}],
    }  # fmt: skip


async def test_employee_of_an_unknown_id_is_null_and_a_malformed_id_names_the_argument(
    services: Services, gql: GraphQLClient
) -> None:
    Organisation(services.app)
    unknown = await gql.data("query($id: ID!) { employee(id: $id) { id } }", id=UNKNOWN_ID)
    assert unknown == {"employee": None}
    assert bad_input_field(await gql('{ employee(id: "ada") { id } }')) == "id"


async def test_employees_page_through_everyone_in_hiring_order(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    for name in ("Alan Turing", "Barbara Liskov", "Edsger Dijkstra"):
        org.hire(f"{name.split()[0].lower()}@example.com", name=name)
    at = services.app.last_position()

    names: list[str] = []
    after = None
    pages = []
    while True:
        page = (await gql.data(EMPLOYEES, first=2, after=after, at=at))["employees"]
        pages.append(page)
        names += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert page["edges"][-1]["cursor"] == after

    assert names == [
        "Grace Hopper", "Ada Lovelace", "Alan Turing", "Barbara Liskov", "Edsger Dijkstra",
    ]  # fmt: skip
    assert [len(p["edges"]) for p in pages] == [2, 2, 1]
    assert {p["totalCount"] for p in pages} == {5}
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]


async def test_employees_filter_by_department_and_role(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    org.hire("alan@example.com", name="Alan Turing", department="Research")
    org.hire("barbara@example.com", name="Barbara Liskov", department="Research",
             role_id=org.lead_role_id)  # fmt: skip
    at = services.app.last_position()

    research = await gql.data(EMPLOYEES, first=10, department="Research", at=at)
    leads = await gql.data(EMPLOYEES, first=10, roleId=str(org.lead_role_id), at=at)
    both = await gql.data(
        EMPLOYEES, first=10, department="Engineering", roleId=str(org.lead_role_id), at=at
    )

    assert [e["node"]["name"] for e in research["employees"]["edges"]] == [
        "Alan Turing", "Barbara Liskov",
    ]  # fmt: skip
    assert [e["node"]["name"] for e in leads["employees"]["edges"]] == ["Barbara Liskov"]
    assert both["employees"]["totalCount"] == 0


async def test_employees_refuse_a_malformed_role_id_or_a_foreign_cursor(
    services: Services, gql: GraphQLClient
) -> None:
    Organisation(services.app)
    await caught_up(gql, services.app.last_position())
    page = (await gql.data(MODULES, first=1, retired=False))["modules"]

    assert bad_input_field(await gql(EMPLOYEES, first=2, roleId="dev")) == "roleId"
    assert bad_input_field(await gql(EMPLOYEES, first=2, after="bm90IGEgY3Vyc29y")) == "after"
    module_cursor = page["pageInfo"]["endCursor"]
    assert bad_input_field(await gql(EMPLOYEES, first=2, after=module_cursor)) == "after"


async def test_module_shows_content_prerequisites_and_enrolment_counts(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    app = services.app
    advanced = app.publish_module(
        content(title="Advanced SQL", prerequisite_ids=[org.module_id]), actor=HR
    ).id
    app.give_feedback(org.enrollment_id, rating=5, comment="", actor=LEARNER)
    app.complete_enrollment(org.enrollment_id, actor=LEARNER)
    grace = org.enroll(employee_id=org.manager_id)
    app.give_feedback(grace, rating=2, comment="", actor=LEARNER)
    await caught_up(gql, app.last_position())

    data = await gql.data(
        """query($id: ID!, $first: ID!) { module(id: $id) {
             title prerequisites { title } enrollmentCounts { total completed }
           } first: module(id: $first) {
             title topics skills { skill level } difficulty mediaType minutes language status
             enrollmentCounts { total active completed dropped averageRating }
        } }""",
        id=str(advanced),
        first=str(org.module_id),
    )

    assert data["module"] == {
        "title": "Advanced SQL",
        "prerequisites": [{"title": "SQL for analysts"}],
        "enrollmentCounts": {"total": 0, "completed": 0},
    }
    # Two learners are fewer than k (5): their counts and ratings are not shown.
    assert data["first"] == {
        "title": "SQL for analysts", "topics": ["data"], "skills": [{"skill": "sql", "level": 3}],
        "difficulty": 2, "mediaType": "COURSE", "minutes": 90, "language": "en",
        "status": "PUBLISHED",
        "enrollmentCounts": {"total": None, "active": None, "completed": None, "dropped": 0,
                             "averageRating": None},
    }  # fmt: skip


async def test_module_counts_are_shown_once_they_rest_on_k_learners() -> None:
    services = build_services(Settings(persistence="memory", seed_if_empty=False, min_group_size=2))
    try:
        org = Organisation(services.app)
        app = services.app
        app.give_feedback(org.enrollment_id, rating=5, comment="", actor=LEARNER)
        app.complete_enrollment(org.enrollment_id, actor=LEARNER)
        grace = org.enroll(employee_id=org.manager_id)
        app.give_feedback(grace, rating=2, comment="", actor=LEARNER)
        async with http_client(services) as http:
            gql = GraphQLClient(http, services)
            await caught_up(gql, app.last_position())
            data = await gql.data(
                """query($id: ID!) { module(id: $id) { enrollmentCounts {
                     total active completed dropped averageRating raters suppressed } } }""",
                id=str(org.module_id),
            )
    finally:
        services.close()

    # One active and one completed learner: each part rests on one person, fewer than k.
    assert data["module"]["enrollmentCounts"] == {
        "total": 2, "active": None, "completed": None, "dropped": 0, "averageRating": 3.5,
        "raters": 2, "suppressed": True,
    }  # fmt: skip


async def test_module_of_an_unknown_id_is_null(services: Services, gql: GraphQLClient) -> None:
    Organisation(services.app)
    unknown = await gql.data("query($id: ID!) { module(id: $id) { id } }", id=UNKNOWN_ID)
    assert unknown == {"module": None}
    assert bad_input_field(await gql('{ module(id: "sql-101") { id } }')) == "id"


async def test_modules_filter_by_skill_and_search_and_hide_retired_ones(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    app = services.app
    app.publish_module(
        content(title="Advanced SQL", description="Recursive queries.", skills={"SQL": 4}),
        actor=HR,
    )
    app.retire_module(org.other_module_id, reason="", actor=HR)
    at = app.last_position()

    async def titles(**filters: Any) -> list[str]:
        data = await gql.data(MODULES, first=10, at=at, **{"retired": False, **filters})
        return [e["node"]["title"] for e in data["modules"]["edges"]]

    assert await titles() == ["SQL for analysts", "Advanced SQL"]
    assert await titles(retired=True) == ["SQL for analysts", "Python basics", "Advanced SQL"]
    assert await titles(skill=" sql ") == ["SQL for analysts", "Advanced SQL"]
    assert await titles(skill="python", retired=True) == ["Python basics"]
    assert await titles(search="WINDOW functions") == ["SQL for analysts"]
    assert await titles(search="recursive") == ["Advanced SQL"]
    assert await titles(search="100%") == []
    assert await titles(skill="sql", search="recursive") == ["Advanced SQL"]


async def test_modules_page_with_cursors(services: Services, gql: GraphQLClient) -> None:
    Organisation(services.app)
    at = services.app.last_position()

    first = (await gql.data(MODULES, first=1, retired=False, at=at))["modules"]
    second = (
        await gql.data(MODULES, first=1, retired=False, after=first["pageInfo"]["endCursor"])
    )["modules"]

    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (2, True)
    assert [e["node"]["title"] for e in first["edges"]] == ["SQL for analysts"]
    assert [e["node"]["title"] for e in second["edges"]] == ["Python basics"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_enrollments_of_an_employee_by_status(services: Services, gql: GraphQLClient) -> None:
    org = Organisation(services.app)
    app = services.app
    shares_profile(services, org.employee_id)
    app.complete_enrollment(org.enrollment_id, actor=LEARNER)
    dropped = org.enroll(module_id=org.other_module_id)
    app.drop_enrollment(dropped, position_minutes=None, actor=LEARNER)
    query = """query($id: ID!, $status: EnrollmentStatus, $at: Int) {
        enrollments(employeeId: $id, status: $status, consistentWith: $at) {
          id status module { title } employee { name } } }"""
    at = app.last_position()

    everything = await gql.data(query, id=str(org.employee_id), at=at)
    completed = await gql.data(query, id=str(org.employee_id), status="COMPLETED")
    of_grace = await gql.data(query, id=str(org.manager_id))
    of_nobody = await gql.data(query, id=UNKNOWN_ID)

    assert [(e["status"], e["module"]["title"]) for e in everything["enrollments"]] == [
        ("COMPLETED", "SQL for analysts"), ("DROPPED", "Python basics"),
    ]  # fmt: skip
    assert {e["employee"]["name"] for e in everything["enrollments"]} == {"Ada Lovelace"}
    assert [e["id"] for e in completed["enrollments"]] == [str(org.enrollment_id)]
    # Grace does not share her profile: her enrolments are left out for HR and operators.
    assert of_grace == of_nobody == {"enrollments": []}
    assert bad_input_field(await gql(query, id="ada")) == "employeeId"


async def test_re_enrolment_after_completion_starts_attempt_2_of_the_same_enrolment(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    shares_profile(services, org.employee_id)
    services.app.complete_enrollment(org.enrollment_id, actor=LEARNER)

    again = await mutate(
        gql, "enroll", {"employeeId": str(org.employee_id), "moduleId": str(org.module_id)},
        "enrollment { attempt status percent completedAt }",
    )  # fmt: skip

    assert again["enrollmentId"] == str(org.enrollment_id)
    assert again["enrollment"] == {
        "attempt": 2, "status": "ACTIVE", "percent": 0, "completedAt": None,
    }  # fmt: skip


async def test_two_simultaneous_enrolments_in_one_module_store_one(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    before = await head(gql)
    enrol = valid_input("enroll", org)

    outcomes = await asyncio.gather(*(mutate(gql, "enroll", enrol) for _ in range(2)))

    kinds = sorted(o["__typename"] for o in outcomes)
    assert kinds == ["Conflict", "EnrollmentPayload"]
    [conflict] = [o for o in outcomes if o["__typename"] == "Conflict"]
    assert conflict["field"] == "moduleId"
    assert await head(gql) == before + 1


async def test_role_and_roles_show_the_competence_model(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    services.app.retire_role(org.lead_role_id, actor=HR)
    await caught_up(gql, services.app.last_position())

    data = await gql.data(
        """query($id: ID!, $unknown: ID!) {
             role(id: $id) { code title source retired
                                                  requiredSkills { skill level importance } }
             roles { code }
             everything: roles(includeRetired: true) { code retired }
             unknown: role(id: $unknown) { code }
        }""",
        id=str(org.lead_role_id),
        unknown=UNKNOWN_ID,
    )

    assert data["role"] == {
        "code": "lead", "title": "Team lead", "source": "", "retired": True,
        "requiredSkills": [{"skill": "coaching", "level": 2, "importance": 3}],
    }  # fmt: skip
    assert data["roles"] == [{"code": "dev"}]
    assert data["everything"] == [
        {"code": "dev", "retired": False}, {"code": "lead", "retired": True},
    ]  # fmt: skip
    assert data["unknown"] is None
    assert bad_input_field(await gql('{ role(id: "dev") { code } }')) == "id"


async def test_consents_show_current_grants_and_history(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    app = services.app
    app.grant_consent(org.employee_id, purpose="activity_tracking", policy_version="v1",
                      actor=LEARNER)  # fmt: skip
    app.grant_consent(org.employee_id, purpose="benefits", policy_version="v1", actor=LEARNER)
    app.withdraw_consent(org.employee_id, purpose="benefits", actor=LEARNER)

    data = await gql.data(
        """query($id: ID!, $at: Int) { consents(employeeId: $id, consistentWith: $at) {
             employeeId granted { purpose policyVersion grantedAt }
             history { purpose action actor { id role } } } }""",
        id=str(org.employee_id),
        at=app.last_position(),
    )

    overview = data["consents"]
    assert overview["employeeId"] == str(org.employee_id)
    assert [(g["purpose"], g["policyVersion"]) for g in overview["granted"]] == [
        ("activity_tracking", "v1"),
    ]  # fmt: skip
    assert date.fromisoformat(overview["granted"][0]["grantedAt"][:10]) <= date.today()
    assert [(h["purpose"], h["action"]) for h in overview["history"]] == [
        ("activity_tracking", "granted"), ("benefits", "granted"), ("benefits", "withdrawn"),
    ]  # fmt: skip
    assert {(h["actor"]["id"], h["actor"]["role"]) for h in overview["history"]} == {
        (LEARNER.id, LEARNER.role),
    }  # fmt: skip
    nobody = await gql.data(
        "query($id: ID!) { consents(employeeId: $id) { granted { purpose } } }", id=UNKNOWN_ID
    )
    assert nobody == {"consents": {"granted": []}}


async def test_consent_purposes_list_every_opt_in_purpose(memory_settings: Settings) -> None:
    services = build_services(memory_settings)
    try:
        async with http_client(services) as http:
            data = await GraphQLClient(http).data("{ consentPurposes { name allows } }")
    finally:
        services.close()
    assert {p["name"]: p["allows"] for p in data["consentPurposes"]} == PURPOSES
