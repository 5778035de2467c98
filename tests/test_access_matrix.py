"""Every path to a person's data, for every role and relation: 0 leaks.

Generated from the schema itself: for every root field (queries, mutations and
subscriptions) a document selects every field up to depth 4 (root, link, link, field), so
``employee { manager { email } }``, ``enroll { enrollment { employee { name } } }`` and
``module { enrollments { feedback { comment } } }`` are all asked. Each document is sent
over HTTP by every role acting as someone (the employee themselves, a manager about their
report who shares their profile, about one who does not, a stranger, and every function
of the organisation), and every answer is judged twice against ``app/access/``, from
what the arrangement says about each person (not from the system under test):

- every non-null field of a person's object must be one the policy shows that caller;
- no marker planted in a facet's free text may appear anywhere in the answer (history,
  exports and JSON included) unless the policy shows that facet in full.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from graphql import (
    ExecutionResult,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
)

from app import access
from app.aggregates import Actor
from app.main import create_app
from app.schema import build_schema
from app.schema.context import Context
from tests.access_world import CASES, PEOPLE, AccessWorld, Case, access_world, markers
from tests.conftest import auth_headers

DEPTH = 4
NOW = datetime.now(UTC).isoformat()

Recipe = Callable[[AccessWorld, str], dict[str, Any]]


def _person(world: AccessWorld, name: str) -> str:
    return world.ids[name]


#: Arguments for every root field, about the case's subject (``who``: a name in PEOPLE).
QUERIES: dict[str, Recipe] = {
    "node": lambda w, who: {"id": _person(w, who)},
    # One id of every Node type: the person, their enrolment, a module, a role, nothing.
    "nodes": lambda w, who: {
        "ids": [
            _person(w, who),
            w.enrollments[who],
            w.module_id,
            w.role_id,
            "00000000-0000-4000-8000-000000000000",
        ]
    },
    "employee": lambda w, who: {"id": _person(w, who)},
    "employees": lambda w, who: {"first": 10},
    "module": lambda w, who: {"id": w.module_id},
    "modules": lambda w, who: {"first": 5},
    "moduleTagSuggestions": lambda w, who: {"moduleId": w.module_id},
    "suggestModuleTags": lambda w, who: {"title": "SQL for reporting"},
    "role": lambda w, who: {"id": w.role_id},
    "roles": lambda w, who: {},
    "competenceModel": lambda w, who: {},
    "skillProfile": lambda w, who: {"employeeId": _person(w, who)},
    "skillGaps": lambda w, who: {"employeeId": _person(w, who)},
    "teamSkillMatrix": lambda w, who: {"managerId": _person(w, "grace")},
    "roleReadiness": lambda w, who: {"roleId": w.role_id},
    "skillHeatMap": lambda w, who: {},
    "careerPaths": lambda w, who: {"employeeId": _person(w, who), "targetRoleId": w.role_id},
    "internalCandidates": lambda w, who: {"roleId": w.role_id},
    "opportunities": lambda w, who: {},
    "pulseSurveys": lambda w, who: {},
    "mentorSuggestions": lambda w, who: {"employeeId": _person(w, who), "skill": "sql"},
    "onboarding": lambda w, who: {"employeeId": _person(w, who)},
    "onboardingTimes": lambda w, who: {},
    "benefits": lambda w, who: {},
    "benefitSuggestions": lambda w, who: {"employeeId": _person(w, who)},
    "benefitUptake": lambda w, who: {},
    "pulseResults": lambda w, who: {"surveyId": w.survey_id, "groupBy": "TEAM"},
    "championCriteria": lambda w, who: {},
    "championClassification": lambda w, who: {"employeeId": _person(w, who)},
    "aiChampionCandidates": lambda w, who: {"department": "Engineering"},
    "championCoverage": lambda w, who: {},
    "championProgrammeRoi": lambda w, who: {"programmeId": w.programme_id},
    "consentPurposes": lambda w, who: {},
    "readModelStatus": lambda w, who: {},
    "enrollments": lambda w, who: {"employeeId": _person(w, who)},
    "enrollmentsConnection": lambda w, who: {"employeeId": _person(w, who)},
    "consents": lambda w, who: {"employeeId": _person(w, who)},
    "recommendations": lambda w, who: {"employeeId": _person(w, who)},
    "reviewsDue": lambda w, who: {"employeeId": _person(w, who)},
    "fairnessReport": lambda w, who: {},
    "modelVersions": lambda w, who: {},
    "kpis": lambda w, who: {"groupBy": "TEAM"},
    "kpiHistory": lambda w, who: {"groupBy": "DEPARTMENT", "interval": "DAY"},
    "programmes": lambda w, who: {},
    "suggestPilotCohort": lambda w, who: {"programmeId": w.programme_id, "size": 4},
    "pilotComparison": lambda w, who: {
        "programmeId": w.programme_id,
        "window": {"kind": "LAST_90_DAYS"},
    },
    "programmePhaseStatus": lambda w, who: {"programmeId": w.programme_id},
    "programmeRoi": lambda w, who: {"programmeId": w.programme_id},
    "moduleInsights": lambda w, who: {"moduleId": w.module_id},
    "modulesNeedingRevision": lambda w, who: {},
    "myData": lambda w, who: {},
    "employeeDataExport": lambda w, who: {"employeeId": _person(w, who)},
    "history": lambda w, who: {"streamId": _person(w, who), "first": 100},
    "eventLog": lambda w, who: {"first": 100},
    "employeeAsOf": lambda w, who: {"id": _person(w, who), "at": NOW},
    "moduleAsOf": lambda w, who: {"id": w.module_id, "at": NOW},
    "verifyIntegrity": lambda w, who: {},
    "checkDecision": lambda w, who: {"decisionId": w.decisions[who]},
    "webhookEndpoints": lambda w, who: {},
    "webhookDeliveries": lambda w, who: {"endpointId": w.module_id},
    "webhookDeliveriesConnection": lambda w, who: {"endpointId": w.module_id},
    "recommendationReports": lambda w, who: {"status": "OPEN"},
    "recommendationReportsConnection": lambda w, who: {"status": None},
}

_EMPLOYEE = "employeeId"


def _about(who_field: str = _EMPLOYEE, **extra: Any) -> Recipe:
    return lambda w, who: {"input": {who_field: _person(w, who), **extra}}


def _enrolment(**extra: Any) -> Recipe:
    return lambda w, who: {"input": {"enrollmentId": w.enrollments[who], **extra}}


MUTATIONS: dict[str, Recipe] = {
    "hireEmployee": lambda w, who: {"input": {
        "name": "New Hire", "email": f"new-{who}@example.com", "roleId": w.role_id,
        "department": "Engineering", "location": "Oslo", "hireDate": "2024-03-01"}},
    "updateProfile": _about(mediaTypes=["VIDEO"], weeklyMinutes=30, goals=["g"], language="en"),
    "assessSkill": _about(skill="sql", level=3, source="MANAGER"),
    "changeRole": _about(department="Data"),
    "recordProductivityReached": _about(reachedOn="2024-04-01"),
    "answerPulse": _about(score=8),
    "offboardEmployee": _about(leftOn="2024-09-30"),
    "optInAsMentor": _about(maxMentees=2),
    "defineBenefit": lambda w, who: {"input": {"name": "Gym", "phases": ["STARTING_OUT"]}},
    "retireBenefit": lambda w, who: {"input": {"benefitId": w.benefit_id}},
    "declareLifePhase": _about(lifePhase="HOME_BUYING", conditions=["COMMUTER"]),
    "takeUpBenefit": lambda w, who: {"input": {
        "employeeId": _person(w, who), "benefitId": w.benefit_id}},
    "defineOnboardingTemplate": lambda w, who: {"input": {
        "roleId": w.other_role_id, "moduleIds": [w.module_id], "checkInWeeks": [1],
        "milestones": [{"key": "m", "title": "M", "week": 1}], "targetDays": 30}},
    "startOnboarding": _about(startedOn="2024-01-03"),
    "recordOnboardingMilestone": _about(milestoneKey="laptop", reachedOn="2024-01-04"),
    "optOutAsMentor": _about(),
    "optInAsChampion": _about(),
    "optOutAsChampion": _about(),
    "giveChampionInput": _about(source="MANAGER", communication="STRONG"),
    "recordChampionTime": _about(month="2024-03-01", sharePercent=25),
    "offerMentorship": lambda w, who: {"input": {
        "menteeId": _person(w, who), "mentorId": _person(w, "olga"), "skill": "sql"}},
    "acceptMentorship": lambda w, who: {"input": {
        "mentorshipId": w.mentorship_id, "mentorId": _person(w, who)}},
    "declineMentorship": lambda w, who: {"input": {
        "mentorshipId": w.mentorship_id, "mentorId": _person(w, who)}},
    "endMentorship": lambda w, who: {"input": {
        "mentorshipId": w.mentorship_id, "employeeId": _person(w, who)}},
    "publishModule": lambda w, who: {"input": {
        "title": "Go", "skills": [{"skill": "go", "level": 2}], "difficulty": 2,
        "mediaType": "VIDEO", "minutes": 20}},
    "reviseModule": lambda w, who: {"input": {"moduleId": w.module_id, "minutes": 95}},
    "reviewModuleTags": lambda w, who: {"input": {
        "moduleId": w.module_id, "topics": ["data"], "skills": [{"skill": "sql", "level": 2}]}},
    "flagModuleForRevision": lambda w, who: {"input": {"moduleId": w.module_id, "reason": "r"}},
    "retireModule": lambda w, who: {"input": {"moduleId": w.other_module_id}},
    "enroll": lambda w, who: {"input": {"employeeId": _person(w, who),
                                        "moduleId": w.other_module_id}},
    "recordProgress": _enrolment(percent=50),
    "recordQuizAttempt": _enrolment(score=80),
    "completeEnrollment": _enrolment(),
    "dropEnrollment": _enrolment(positionMinutes=5),
    "giveFeedback": _enrolment(rating=5, comment="fine"),
    "defineRole": lambda w, who: {"input": {
        "code": "qa", "title": "Tester", "requiredSkills": [{"skill": "qa", "level": 2}]}},
    "reviseRole": lambda w, who: {"input": {"roleId": w.role_id, "title": "Developer II"}},
    "retireRole": lambda w, who: {"input": {"roleId": w.role_id}},
    "publishOpportunity": lambda w, who: {"input": {
        "kind": "GIG", "title": "Dashboards", "hoursPerWeek": 4,
        "requiredSkills": [{"skill": "sql", "level": 2}]}},
    "closeOpportunity": lambda w, who: {"input": {"opportunityId": w.role_id}},
    "definePulseSurvey": lambda w, who: {"input": {
        "title": "Weekly", "cadence": "WEEKLY", "items": [{"key": "load", "text": "OK?"}]}},
    "retirePulseSurvey": lambda w, who: {"input": {"surveyId": w.survey_id}},
    "grantConsent": _about(purpose="benefits", policyVersion="v2"),
    "withdrawConsent": _about(purpose="personalisation"),
    "requestErasure": _about(),
    "declareAttributes": _about(gender="FEMALE", ageBand="UNDER_30"),
    "answerRecommendation": lambda w, who: {"input": {
        "decisionId": w.open_decisions[who], "itemId": w.other_module_id,
        "answer": "ACCEPTED", "comment": "ok"}},
    "activateModelVersion": lambda w, who: {"version": "20990101T000000-abcdef"},
    "resolveRecommendationReport": lambda w, who: {"input": {
        "decisionId": w.reported_decisions[who], "itemId": w.other_module_id,
        "note": "checked"}},
    "defineProgramme": lambda w, who: {"input": {"name": "Pilot"}},
    "recordProgrammeCost": lambda w, who: {"input": {
        "programmeId": w.role_id, "amount": 10, "incurredOn": "2024-05-01"}},
    "defineProgrammePhase": lambda w, who: {"input": {
        "programmeId": w.programme_id, "kind": "EXTENSION", "startsOn": "2024-08-01",
        "endsOn": "2024-12-01", "successCriteria": [
            {"kpi": "ADOPTION", "kind": "AT_LEAST", "value": 0.5, "withinMonths": 3}]}},
    "confirmPilotCohort": lambda w, who: {"input": {
        "programmeId": w.programme_id, "employeeIds": list(w.ids.values())}},
    "recordProgrammeCostLine": lambda w, who: {"input": {
        "programmeId": w.programme_id, "category": "LICENCES", "amount": 100,
        "incurredOn": "2024-05-01"}},
    "recordProgrammeBenefit": lambda w, who: {"input": {
        "programmeId": w.programme_id, "category": "TIME_SAVED", "realisedOn": "2024-05-31",
        "minutesPerEmployeePerDay": 30, "employees": 4, "workingDays": 20, "hourlyValue": 50}},
    "decidePhaseGate": lambda w, who: {"input": {
        "programmeId": w.programme_id, "phase": "PILOT", "decision": "EXTEND",
        "reason": "more data", "decidedOn": "2024-06-01"}},
    "estimateTimeSaved": lambda w, who: {"input": {
        "programmeId": w.role_id, "hours": 1, "hourlyValue": 50, "estimatedFor": "2024-05-01"}},
    "importHrRecords": lambda w, who: {"input": {"dryRun": True, "rows": [{
        "employeeId": f"hr-{who}", "name": "N", "email": f"hr-{who}@example.com",
        "department": "D", "location": "L", "role": "nope", "hireDate": "2024-01-01"}]}},
    "registerWebhook": lambda w, who: {"input": {
        "url": "http://127.0.0.1:9/hook", "secret": "s" * 20, "eventKinds": ["Role.*"]}},
    # An endpoint that does not exist: HR gets NotFound, every other role NotAllowed.
    "changeWebhook": lambda w, who: {"input": {
        "endpointId": "00000000-0000-4000-8000-000000000001", "url": "http://127.0.0.1:9/h"}},
    "removeWebhook": lambda w, who: {"input": {
        "endpointId": "00000000-0000-4000-8000-000000000001"}},
    "mapXapiActivity": lambda w, who: {"input": {
        "activityId": f"https://lms.example/course/{who}", "moduleId": w.module_id}},
}  # fmt: skip

SUBSCRIPTIONS: dict[str, Recipe] = {
    "kpiUpdated": lambda w, who: {"groupBy": "TEAM"},
    "kpiHistoryUpdated": lambda w, who: {"groupBy": "DEPARTMENT", "interval": "DAY"},
    "moduleInsightsUpdated": lambda w, who: {"moduleId": w.module_id},
    "events": lambda w, who: {"fromPosition": 0},
}


# -- documents --------------------------------------------------------------------------


def _named(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def _needs_arguments(field: Any) -> bool:
    return any(
        isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
        for a in field.args.values()
    )


#: ``field__as__Type``: a field of one implementation of an interface, aliased.
ALIAS = "__as__"


def selection(
    graphql_type: Any, depth: int, schema: GraphQLSchema | None = None, alias: str = ""
) -> str:
    """Every field of the type down to ``depth`` levels (leaves count as a level); an
    interface's implementations each with their own fields (``node``, ``nodes``)."""
    named = _named(graphql_type)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(named, GraphQLUnionType):  # members' fields aliased, as for interfaces
        members = " ".join(
            f"... on {m.name} {selection(m, depth, alias=m.name)}" for m in named.types
        )
        return f"{{ __typename {members} }}"
    if isinstance(named, GraphQLInterfaceType):
        if schema is None:
            return "{ __typename }"
        # Implementations (and union members) may have fields of one name and different
        # types (`status`, `role`): each member's fields get an alias of their own, which
        # the judge reads back (ALIAS).
        members = " ".join(
            f"... on {m.name} {selection(m, depth, alias=m.name)}"
            for m in schema.get_possible_types(named)
        )
        return f"{{ __typename {members} }}"
    assert isinstance(named, GraphQLObjectType)
    parts = ["__typename"]
    for name, field in named.fields.items():
        if _needs_arguments(field):
            continue
        leaf = _named(field.type)
        key = f"{name}{ALIAS}{alias}: {name}" if alias else name
        if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
            parts.append(key)
        elif depth > 1:
            parts.append(f"{key} {selection(leaf, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


def document(schema: GraphQLSchema, kind: str, name: str, arguments: dict[str, Any]) -> str:
    root = {"query": schema.query_type, "mutation": schema.mutation_type,
            "subscription": schema.subscription_type}[kind]  # fmt: skip
    assert root is not None
    field = root.fields[name]
    declared = [f"${a}: {field.args[a].type}" for a in arguments]
    passed = ", ".join(f"{a}: ${a}" for a in arguments)
    head = f"{kind}({', '.join(declared)})" if declared else kind
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {selection(field.type, DEPTH - 1, schema)} }}"


# -- judging answers --------------------------------------------------------------------


class Judge:
    """Walks an answer and counts every value checked against the policy."""

    def __init__(self, schema: GraphQLSchema, world: AccessWorld, viewer: access.Viewer):
        self.schema = schema
        self.world = world
        self.viewer = viewer
        self.checked = 0
        self.leaks: list[str] = []

    def answer(self, label: str, body: dict[str, Any]) -> None:
        self.walk(label, body.get("data"), None)
        self.markers(label, body)

    def walk(self, path: str, value: Any, subject: str | None) -> None:
        if isinstance(value, list):
            for item in value:
                self.walk(path, item, subject)
            return
        if not isinstance(value, dict):
            return
        value = {key.split(ALIAS, 1)[0]: child for key, child in value.items()}  # de-aliased
        type_name = value.get("__typename")
        person = access.PERSON_TYPES.get(type_name or "")
        if person is not None:
            subject = str(value[person.subject_field])
            facts = self.world.subject(subject)
            self.checked += 1
            if not access.sees_anything(self.viewer, facts, type_name or ""):
                self.leaks.append(f"{path}: a {type_name} of {subject} is shown")
        for key, child in value.items():
            if key == "__typename" or child is None:
                continue
            if person is not None:
                self.checked += 1
                seen = access.field_seen(self.viewer, self.world.subject(subject or ""),
                                         type_name or "", key)  # fmt: skip
                if not seen.visible:
                    self.leaks.append(f"{path}.{key}: {type_name} of {subject} shows {key}")
            self.walk(f"{path}.{key}", child, subject)

    def markers(self, label: str, body: dict[str, Any]) -> None:
        text = json.dumps(body.get("data"))
        for person in PEOPLE:
            subject = self.world.subject(self.world.ids[person])
            for facet, planted in markers(person).items():
                for marker in planted:
                    self.checked += 1
                    if marker in text and access.sight(self.viewer, subject, facet).sight is not (
                        access.Sight.FULL
                    ):
                        self.leaks.append(f"{label}: {person}'s {facet} text {marker!r} shown")


async def _post(world: AccessWorld, case: Case, query: str, variables: dict[str, Any]) -> Any:
    app = create_app(world.services.settings, world.services)
    headers = auth_headers(world.services, case.role, world.ids.get(case.viewer, case.viewer))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://skillpath.test", headers=headers
    ) as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not [e for e in body.get("errors", []) if e.get("extensions", {}).get("code") in
                ("GRAPHQL_VALIDATION_FAILED", "INTERNAL_SERVER_ERROR")], body  # fmt: skip
    return body


async def _first(world: AccessWorld, case: Case, query: str, variables: dict[str, Any]) -> Any:
    schema = build_schema()
    actor = Actor(world.ids.get(case.viewer, case.viewer), case.role)
    context = Context(services=world.services, actor=actor)
    stream = await schema.subscribe(query, variable_values=variables, context_value=context)
    if isinstance(stream, ExecutionResult):
        return {"data": stream.data}
    try:
        result = await asyncio.wait_for(anext(stream), 10)
    finally:
        await stream.aclose()
    return {"data": result.data}


def test_every_root_field_has_arguments_to_try() -> None:
    schema = build_schema()._schema
    for kind, recipes in (("Query", QUERIES), ("Mutation", MUTATIONS),
                          ("Subscription", SUBSCRIPTIONS)):  # fmt: skip
        root = schema.get_type(kind)
        assert isinstance(root, GraphQLObjectType)
        assert sorted(root.fields) == sorted(recipes), kind


async def test_no_role_reaches_a_facet_the_policy_does_not_show_on_any_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema = build_schema()._schema
    checked, leaks, documents = 0, [], 0
    with access_world() as world:
        for case in CASES:
            judge = Judge(schema, world, case.viewer_of(world))
            for name, recipe in QUERIES.items():
                variables = recipe(world, case.subject)
                body = await _post(world, case, document(schema, "query", name, variables),
                                   variables)  # fmt: skip
                judge.answer(f"{case}: {name}", body)
                documents += 1
            for name, recipe in SUBSCRIPTIONS.items():
                variables = recipe(world, case.subject)
                body = await _first(world, case, document(schema, "subscription", name,
                                                          variables), variables)  # fmt: skip
                judge.answer(f"{case}: {name}", body)
                documents += 1
            checked += judge.checked
            leaks += judge.leaks
    for name, recipe in MUTATIONS.items():
        for case in CASES:
            # Every mutation changes the world: each try gets a fresh one.
            with access_world() as world:
                judge = Judge(schema, world, case.viewer_of(world))
                variables = recipe(world, case.subject)
                body = await _post(world, case, document(schema, "mutation", name, variables),
                                   variables)  # fmt: skip
                judge.answer(f"{case}: {name}", body)
                documents += 1
                checked += judge.checked
                leaks += judge.leaks
    with capsys.disabled():
        print(f"\naccess matrix: {documents} documents, {len(CASES)} callers,"
              f" {checked} values and markers checked, {len(leaks)} leaks")  # fmt: skip
    assert leaks == [], "\n".join(leaks)
    assert checked > 10_000
