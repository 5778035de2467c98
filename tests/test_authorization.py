"""Authorisation: default deny, one table, and every operation tried by every role.

The world: Grace manages Ada; Olga works elsewhere. Ada shares her profile. Each role acts
as someone: the employee as Ada, the manager as Grace, the others as their function. A
scoped operation is tried on the caller's own data, a report's (managers) and Olga's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from graphql import ExecutionResult
from starlette.applications import Starlette

from app.access import OPERATIONS as POLICY
from app.aggregates import Actor
from app.bootstrap import Services, build_services
from app.consent.ledger import ConsentLedger
from app.main import create_app
from app.schema import build_schema
from app.schema.authorization import decide
from app.schema.context import Context
from app.settings import Settings
from tests.conftest import auth_headers
from tests.domain_support import HR, LEARNER, Organisation

ROLES = ("employee", "manager", "hr", "auditor", "works_council", "leadership", "admin")
UNKNOWN = "00000000-0000-4000-8000-000000000000"
ALL = " ".join(ROLES)
FUTURE = "2999-01-01"


@dataclass
class World:
    services: Services
    app: Starlette
    ada: str  # the employee, reporting to Grace
    grace: str  # the manager
    olga: str  # someone outside Grace's team
    enrolments: dict[str, str]
    decisions: dict[str, str]
    module_id: str

    def actor_id(self, role: str) -> str:
        return {"employee": self.ada, "manager": self.grace}.get(role, f"{role}@skillpath")


@contextlib.contextmanager
def built_world() -> Iterator[World]:
    services = build_services(Settings(persistence="memory", seed_if_empty=False))
    app = services.app
    org = Organisation(app)
    olga = org.hire("olga@example.com", name="Olga Tokarczuk")
    people = {"ada": org.employee_id, "grace": org.manager_id, "olga": olga}
    enrolments, decisions = {"ada": str(org.enrollment_id)}, {}
    for name in ("grace", "olga"):
        enrolments[name] = str(org.enroll(people[name]))
    for name, person in people.items():
        decisions[name] = str(app.issue_recommendation(
            employee_id=person, module_ids=[org.other_module_id], scores=[0.5],
            reasons=[[{"kind": "role"}]], model_version=None, consent_basis="role_based",
            goal=None, actor=HR,
        ).id)  # fmt: skip
    app.grant_consent(
        org.employee_id, purpose="profile_sharing", policy_version="v1", actor=LEARNER
    )
    services.runner.catch_up()
    try:
        yield World(
            services, create_app(services.settings, services), str(org.employee_id),
            str(org.manager_id), str(olga), enrolments, decisions, str(org.module_id),
        )  # fmt: skip
    finally:
        services.close()


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """Shared by the matrix, whose tries change nothing but the last two operations."""
    with built_world() as built:
        yield built


@pytest.fixture
def own_world() -> Iterator[World]:
    with built_world() as built:
        yield built


@dataclass(frozen=True)
class Operation:
    """One root field, a document that calls it, and who may (the specification)."""

    name: str
    document: str
    allowed: str  # "role" (any target) or "role:self" / "role:team"
    target: str = ""  # employee, enrolment or decision: what $t names
    #: Changes what later tries see (an erased caller can no longer act): a world per try.
    final: bool = False

    @property
    def field(self) -> str:
        return self.name.split(".")[1]


Q, M = "Query", "Mutation"
OUTCOME = "{ __typename ... on NotAllowed { role message } }"
SELF_SERVICE = "employee:self manager:self"
PEOPLE = "employee:self manager:self manager:team hr admin"
AGGREGATE = "hr auditor works_council leadership admin"

OPERATIONS = [
    Operation(f"{Q}.employee", "query($t: ID!) { employee(id: $t) { id } }", PEOPLE, "employee"),
    Operation(f"{Q}.employees", "{ employees(first: 1) { totalCount } }", "hr admin"),
    # A node of a person is looked up as employee(id:) is (app/schema/nodes.py).
    Operation(f"{Q}.node", "query($t: ID!) { node(id: $t) { id } }", PEOPLE, "employee"),
    Operation(f"{Q}.nodes", f'{{ nodes(ids: ["{UNKNOWN}"]) {{ id }} }}', ALL),
    Operation(f"{Q}.module", f'{{ module(id: "{UNKNOWN}") {{ id }} }}', ALL),
    Operation(f"{Q}.modules", "{ modules(first: 1) { totalCount } }", ALL),
    Operation(f"{Q}.role", f'{{ role(id: "{UNKNOWN}") {{ id }} }}', ALL),
    Operation(f"{Q}.roles", "{ roles { id } }", ALL),
    Operation(f"{Q}.competenceModel", "{ competenceModel { attribution } }", ALL),
    # HR may call these for anyone, but a profile shows only with profile_sharing, which
    # Olga (the "other" tried) does not grant: her profile is refused as a whole.
    Operation(f"{Q}.skillProfile",
              "query($t: ID!) { skillProfile(employeeId: $t) { __typename } }",
              "employee:self manager:self manager:team", "employee"),
    Operation(f"{Q}.skillGaps", "query($t: ID!) { skillGaps(employeeId: $t) { __typename } }",
              "employee:self manager:self manager:team", "employee"),
    Operation(f"{Q}.teamSkillMatrix",
              "query($t: ID!) { teamSkillMatrix(managerId: $t) { __typename } }",
              "manager:self hr admin", "employee"),
    Operation(f"{Q}.roleReadiness",
              f'{{ roleReadiness(roleId: "{UNKNOWN}") {{ __typename }} }}', AGGREGATE),
    Operation(f"{Q}.skillHeatMap", "{ skillHeatMap { minGroupSize } }", AGGREGATE),
    Operation(f"{Q}.careerPaths", "query($t: ID!) { careerPaths(employeeId: $t, targetRoleId:"
              f' "{UNKNOWN}") {{ __typename }} }}', PEOPLE, "employee"),
    Operation(f"{Q}.internalCandidates",
              f'{{ internalCandidates(roleId: "{UNKNOWN}") {{ __typename }} }}', "hr admin"),
    Operation(f"{Q}.opportunities", "{ opportunities { id } }", ALL),
    Operation(f"{Q}.pulseSurveys", "{ pulseSurveys { id } }", ALL),
    Operation(f"{Q}.onboarding", "query($t: ID!) { onboarding(employeeId: $t) { __typename } }",
              PEOPLE, "employee"),
    Operation(f"{Q}.onboardingTimes", "{ onboardingTimes { minGroupSize } }", AGGREGATE),
    Operation(f"{Q}.benefits", "{ benefits { id } }", ALL),
    Operation(f"{Q}.benefitSuggestions",
              "query($t: ID!) { benefitSuggestions(employeeId: $t) { __typename } }",
              SELF_SERVICE, "employee"),
    Operation(f"{Q}.benefitUptake", "{ benefitUptake { minGroupSize } }", AGGREGATE),
    Operation(f"{Q}.mentorSuggestions", "query($t: ID!) { mentorSuggestions(employeeId: $t,"
              ' skill: "") { __typename } }', PEOPLE, "employee"),
    Operation(f"{Q}.pulseResults",
              f'{{ pulseResults(surveyId: "{UNKNOWN}") {{ __typename }} }}', AGGREGATE),
    Operation(f"{Q}.consentPurposes", "{ consentPurposes { name } }", ALL),
    Operation(f"{Q}.readModelStatus", "{ readModelStatus { upToDate } }", ALL),
    Operation(f"{Q}.enrollments", "query($t: ID!) { enrollments(employeeId: $t) { id } }",
              PEOPLE, "employee"),
    Operation(f"{Q}.enrollmentsConnection",
              "query($t: ID!) { enrollmentsConnection(employeeId: $t) { edges { cursor } } }",
              PEOPLE, "employee"),
    Operation(f"{Q}.consents", "query($t: ID!) { consents(employeeId: $t) { employeeId } }",
              "employee:self manager:self hr auditor admin", "employee"),
    Operation(f"{Q}.recommendations",
              "query($t: ID!) { recommendations(employeeId: $t) { __typename } }",
              SELF_SERVICE, "employee"),
    Operation(f"{Q}.reviewsDue", "query($t: ID!) { reviewsDue(employeeId: $t) { __typename } }",
              SELF_SERVICE, "employee"),
    Operation(f"{Q}.fairnessReport", "{ fairnessReport { __typename } }", AGGREGATE),
    Operation(f"{Q}.modelVersions", "{ modelVersions { version } }", "hr auditor admin"),
    Operation(f"{Q}.recommendationReports", "{ recommendationReports { reportId } }",
              "hr admin"),
    Operation(f"{Q}.recommendationReportsConnection",
              "{ recommendationReportsConnection { totalCount } }", "hr admin"),
    Operation(f"{Q}.kpis", "{ kpis(groupBy: COMPANY) { __typename } }", AGGREGATE),
    Operation(f"{Q}.kpiHistory", "{ kpiHistory { __typename } }", AGGREGATE),
    Operation(f"{Q}.programmes", "{ programmes { __typename } }", AGGREGATE),
    Operation(f"{Q}.suggestPilotCohort",
              f'{{ suggestPilotCohort(programmeId: "{UNKNOWN}") {{ __typename }} }}', "hr admin"),
    Operation(f"{Q}.pilotComparison",
              f'{{ pilotComparison(programmeId: "{UNKNOWN}") {{ __typename }} }}', AGGREGATE),
    Operation(f"{Q}.programmePhaseStatus",
              f'{{ programmePhaseStatus(programmeId: "{UNKNOWN}") {{ __typename }} }}', AGGREGATE),
    Operation(f"{Q}.moduleInsights",
              f'{{ moduleInsights(moduleId: "{UNKNOWN}") {{ __typename }} }}', AGGREGATE),
    Operation(f"{Q}.modulesNeedingRevision", "{ modulesNeedingRevision { __typename } }",
              AGGREGATE),
    Operation(f"{Q}.myData", "{ myData }", "employee manager"),
    Operation(f"{Q}.employeeDataExport", "query($t: ID!) { employeeDataExport(employeeId: $t) }",
              "hr admin", "employee"),
    Operation(f"{Q}.history",
              "query($t: ID!) { history(streamId: $t) { pageInfo { hasNextPage } } }",
              "hr auditor admin", "employee"),
    Operation(f"{Q}.eventLog", "{ eventLog(first: 1) { pageInfo { hasNextPage } } }",
              "auditor admin"),
    Operation(f"{Q}.employeeAsOf",
              f'query($t: ID!) {{ employeeAsOf(id: $t, at: "{FUTURE}T00:00:00Z") {{ version }} }}',
              "hr auditor admin", "employee"),
    Operation(f"{Q}.moduleAsOf",
              f'{{ moduleAsOf(id: "{UNKNOWN}", at: "{FUTURE}T00:00:00Z") {{ version }} }}',
              "hr auditor admin"),
    Operation(f"{Q}.verifyIntegrity", "{ verifyIntegrity { intact } }", "auditor admin"),
    Operation(f"{Q}.checkDecision", f'{{ checkDecision(decisionId: "{UNKNOWN}") {{ outcome }} }}',
              "auditor admin"),
    # Mutations carry input that fails validation after the check, so trying them changes
    # nothing; what matters is whether the answer is NotAllowed.
    Operation(f"{M}.hireEmployee", 'mutation { hireEmployee(input: {name: "", email: "x@y.z",'
              f' roleId: "{UNKNOWN}", department: "D", location: "L", hireDate: "2024-01-01"}})'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.updateProfile", "mutation($t: ID!) { updateProfile(input: {employeeId: $t,"
              f' mediaTypes: [VIDEO], weeklyMinutes: -1, goals: [], language: "en"}}) {OUTCOME} }}',
              SELF_SERVICE, "employee"),
    Operation(f"{M}.assessSkill", "mutation($t: ID!) { assessSkill(input: {employeeId: $t,"
              f' skill: "sql", level: 9, source: SELF}}) {OUTCOME} }}', PEOPLE, "employee"),
    Operation(f"{M}.changeRole", "mutation($t: ID!) { changeRole(input: {employeeId: $t,"
              f' roleId: "{UNKNOWN}"}}) {OUTCOME} }}', "hr admin", "employee"),
    Operation(f"{M}.recordProductivityReached", "mutation($t: ID!) { recordProductivityReached("
              f'input: {{employeeId: $t, reachedOn: "{FUTURE}"}}) {OUTCOME} }}',
              "manager:team hr admin", "employee"),
    Operation(f"{M}.answerPulse", "mutation($t: ID!) { answerPulse(input: {employeeId: $t,"
              f" score: 99}}) {OUTCOME} }}", SELF_SERVICE, "employee"),
    Operation(f"{M}.offboardEmployee", "mutation($t: ID!) { offboardEmployee(input:"
              f' {{employeeId: $t, leftOn: "{FUTURE}"}}) {OUTCOME} }}', "hr admin", "employee"),
    Operation(f"{M}.defineOnboardingTemplate", "mutation { defineOnboardingTemplate(input:"
              f' {{roleId: "{UNKNOWN}", moduleIds: [], milestones: [], checkInWeeks: [],'
              f" targetDays: 0}}) {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.startOnboarding", "mutation($t: ID!) { startOnboarding(input: {employeeId:"
              f' $t, startedOn: "{FUTURE}"}}) {OUTCOME} }}', "manager:team hr admin", "employee"),
    Operation(f"{M}.recordOnboardingMilestone", "mutation($t: ID!) { recordOnboardingMilestone("
              f'input: {{employeeId: $t, milestoneKey: "x", reachedOn: "{FUTURE}"}}) {OUTCOME} }}',
              PEOPLE, "employee"),
    Operation(f"{M}.defineBenefit", 'mutation { defineBenefit(input: {name: "", phases: []})'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.retireBenefit", f'mutation {{ retireBenefit(input: {{benefitId: "{UNKNOWN}"}})'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.declareLifePhase", "mutation($t: ID!) { declareLifePhase(input: {employeeId:"
              f" $t, lifePhase: UNDISCLOSED}}) {OUTCOME} }}", SELF_SERVICE, "employee"),
    Operation(f"{M}.takeUpBenefit", "mutation($t: ID!) { takeUpBenefit(input: {employeeId: $t,"
              f' benefitId: "{UNKNOWN}"}}) {OUTCOME} }}', SELF_SERVICE, "employee"),
    Operation(f"{M}.optInAsMentor", "mutation($t: ID!) { optInAsMentor(input: {employeeId: $t,"
              f" maxMentees: 99}}) {OUTCOME} }}", SELF_SERVICE, "employee"),
    Operation(f"{M}.optOutAsMentor", "mutation($t: ID!) { optOutAsMentor(input: {employeeId:"
              f" $t}}) {OUTCOME} }}", "employee:self manager:self hr admin", "employee"),
    Operation(f"{M}.offerMentorship", "mutation($t: ID!) { offerMentorship(input: {menteeId: $t,"
              f' mentorId: $t, skill: "sql"}}) {OUTCOME} }}', "employee:self manager:self hr admin",
              "employee"),
    Operation(f"{M}.acceptMentorship", "mutation($t: ID!) { acceptMentorship(input:"
              f' {{mentorshipId: "{UNKNOWN}", mentorId: $t}}) {OUTCOME} }}', SELF_SERVICE,
              "employee"),
    Operation(f"{M}.declineMentorship", "mutation($t: ID!) { declineMentorship(input:"
              f' {{mentorshipId: "{UNKNOWN}", mentorId: $t}}) {OUTCOME} }}', SELF_SERVICE,
              "employee"),
    Operation(f"{M}.endMentorship", "mutation($t: ID!) { endMentorship(input:"
              f' {{mentorshipId: "{UNKNOWN}", employeeId: $t}}) {OUTCOME} }}',
              "employee:self manager:self hr admin", "employee"),
    Operation(f"{M}.publishModule", 'mutation { publishModule(input: {title: "",'
              ' description: "", topics: [], skills: [], difficulty: 1, mediaType: VIDEO,'
              f' minutes: 1, language: "en", prerequisiteIds: []}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.reviseModule", f'mutation {{ reviseModule(input: {{moduleId: "{UNKNOWN}"}})'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.flagModuleForRevision", "mutation { flagModuleForRevision(input:"
              f' {{moduleId: "{UNKNOWN}", reason: "r"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.retireModule", f'mutation {{ retireModule(input: {{moduleId: "{UNKNOWN}",'
              f' reason: "r"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.enroll", "mutation($t: ID!) { enroll(input: {employeeId: $t,"
              f' moduleId: "{UNKNOWN}", source: SELF}}) {OUTCOME} }}', PEOPLE, "employee"),
    Operation(f"{M}.recordProgress", "mutation($t: ID!) { recordProgress(input:"
              f" {{enrollmentId: $t, percent: 999}}) {OUTCOME} }}", SELF_SERVICE, "enrolment"),
    Operation(f"{M}.recordQuizAttempt", "mutation($t: ID!) { recordQuizAttempt(input:"
              f" {{enrollmentId: $t, score: 999}}) {OUTCOME} }}", SELF_SERVICE, "enrolment"),
    Operation(f"{M}.dropEnrollment", "mutation($t: ID!) { dropEnrollment(input:"
              f" {{enrollmentId: $t, positionMinutes: -5}}) {OUTCOME} }}", SELF_SERVICE,
              "enrolment"),
    Operation(f"{M}.giveFeedback", "mutation($t: ID!) { giveFeedback(input: {enrollmentId: $t,"
              f' rating: 9, comment: ""}}) {OUTCOME} }}', SELF_SERVICE, "enrolment"),
    Operation(f"{M}.defineRole", 'mutation { defineRole(input: {code: "", title: "T",'
              f' source: "", requiredSkills: []}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.reviseRole", f'mutation {{ reviseRole(input: {{roleId: "{UNKNOWN}"}})'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.retireRole", f'mutation {{ retireRole(input: {{roleId: "{UNKNOWN}"}})'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.publishOpportunity", "mutation { publishOpportunity(input: {kind: GIG,"
              f' title: "", hoursPerWeek: 99, requiredSkills: []}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.closeOpportunity", "mutation { closeOpportunity(input: {opportunityId:"
              f' "{UNKNOWN}"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.definePulseSurvey", "mutation { definePulseSurvey(input: {title: \"\","
              f" cadence: WEEKLY, items: []}}) {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.retirePulseSurvey", "mutation { retirePulseSurvey(input: {surveyId:"
              f' "{UNKNOWN}"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.grantConsent", "mutation($t: ID!) { grantConsent(input: {employeeId: $t,"
              f' purpose: "advertising", policyVersion: "v1"}}) {OUTCOME} }}', SELF_SERVICE,
              "employee"),
    Operation(f"{M}.withdrawConsent", "mutation($t: ID!) { withdrawConsent(input:"
              f' {{employeeId: $t, purpose: "advertising"}}) {OUTCOME} }}', SELF_SERVICE,
              "employee"),
    Operation(f"{M}.declareAttributes", "mutation($t: ID!) { declareAttributes(input:"
              f" {{employeeId: $t, gender: FEMALE, ageBand: UNDER_30}}) {OUTCOME} }}",
              SELF_SERVICE, "employee"),
    Operation(f"{M}.answerRecommendation", "mutation($t: ID!) { answerRecommendation(input:"
              f' {{decisionId: $t, itemId: "{UNKNOWN}", answer: DISMISSED, comment: ""}})'
              f" {OUTCOME} }}", SELF_SERVICE, "decision"),
    Operation(f"{M}.activateModelVersion", 'mutation { activateModelVersion(version: "none")'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.resolveRecommendationReport", "mutation { resolveRecommendationReport(input:"
              f' {{decisionId: "{UNKNOWN}", itemId: "{UNKNOWN}", note: "n"}}) {OUTCOME} }}',
              "hr admin"),
    Operation(f"{M}.defineProgramme", f'mutation {{ defineProgramme(input: {{name: ""}})'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.recordProgrammeCost", "mutation { recordProgrammeCost(input:"
              f' {{programmeId: "{UNKNOWN}", amount: 1, incurredOn: "2024-01-01",'
              f' description: "d"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.estimateTimeSaved", "mutation { estimateTimeSaved(input:"
              f' {{programmeId: "{UNKNOWN}", hours: 1, hourlyValue: 1, estimatedFor: "2024-01-01",'
              f' description: "d"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.mapXapiActivity", "mutation { mapXapiActivity(input:"
              f' {{activityId: "https://lms.example/a/1", moduleId: "{UNKNOWN}"}}) {OUTCOME} }}',
              "hr admin"),
    Operation(f"{M}.importHrRecords", "mutation { importHrRecords(input:"
              f" {{rows: [], dryRun: true}}) {OUTCOME} }}", "hr admin"),
    Operation(f"{M}.registerWebhook", "mutation { registerWebhook(input:"
              ' {url: "ftp://x", secret: "s", eventKinds: []})'
              f" {OUTCOME} }}", "hr admin"),
    Operation(f"{Q}.webhookEndpoints", "{ webhookEndpoints { id } }", "hr admin"),
    Operation(f"{M}.changeWebhook", "mutation { changeWebhook(input:"
              f' {{endpointId: "{UNKNOWN}", url: "ftp://x"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.removeWebhook", "mutation { removeWebhook(input:"
              f' {{endpointId: "{UNKNOWN}"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{Q}.moduleTagSuggestions",
              f'{{ moduleTagSuggestions(moduleId: "{UNKNOWN}") {{ __typename }} }}', "hr admin"),
    Operation(f"{Q}.suggestModuleTags",
              '{ suggestModuleTags(title: "SQL basics", description: "") { __typename } }',
              "hr admin"),
    Operation(f"{M}.reviewModuleTags", "mutation { reviewModuleTags(input:"
              f' {{moduleId: "{UNKNOWN}", topics: [], skills: []}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{Q}.championCriteria", "{ championCriteria { __typename } }", ALL),
    Operation(f"{Q}.championClassification",
              "query($t: ID!) { championClassification(employeeId: $t) { __typename } }",
              PEOPLE, "employee"),
    Operation(f"{Q}.aiChampionCandidates",
              '{ aiChampionCandidates(department: "Lab") { __typename } }', "hr admin"),
    Operation(f"{Q}.championCoverage", "{ championCoverage { __typename } }", "hr admin"),
    Operation(f"{Q}.championProgrammeRoi",
              f'{{ championProgrammeRoi(programmeId: "{UNKNOWN}") {{ __typename }} }}',
              "hr admin"),
    # Joining the champion programme is the person's own decision; it writes, so each try
    # gets a world of its own.
    Operation(f"{M}.optInAsChampion", "mutation($t: ID!) { optInAsChampion(input:"
              f" {{employeeId: $t}}) {OUTCOME} }}", SELF_SERVICE, "employee", final=True),
    Operation(f"{M}.optOutAsChampion", "mutation($t: ID!) { optOutAsChampion(input:"
              f" {{employeeId: $t}}) {OUTCOME} }}", "employee:self manager:self hr admin",
              "employee", final=True),
    Operation(f"{M}.giveChampionInput", "mutation($t: ID!) { giveChampionInput(input:"
              f" {{employeeId: $t, source: SELF}}) {OUTCOME} }}", PEOPLE, "employee"),
    Operation(f"{M}.recordChampionTime", "mutation($t: ID!) { recordChampionTime(input:"
              f' {{employeeId: $t, month: "2024-01-01", sharePercent: 999}}) {OUTCOME} }}',
              PEOPLE, "employee"),
    Operation(f"{Q}.webhookDeliveries",
              f'{{ webhookDeliveries(endpointId: "{UNKNOWN}") {{ attempt }} }}', "hr admin"),
    Operation(f"{Q}.webhookDeliveriesConnection",
              f'{{ webhookDeliveriesConnection(endpointId: "{UNKNOWN}") {{ totalCount }} }}',
              "hr admin"),
    Operation(f"{M}.defineProgrammePhase", "mutation { defineProgrammePhase(input:"
              f' {{programmeId: "{UNKNOWN}", kind: PILOT, startsOn: "2024-01-01",'
              f' endsOn: "2024-06-01", successCriteria: []}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{Q}.programmeRoi",
              f'{{ programmeRoi(programmeId: "{UNKNOWN}") {{ __typename }} }}', AGGREGATE),
    Operation(f"{M}.recordProgrammeCostLine", "mutation { recordProgrammeCostLine(input:"
              f' {{programmeId: "{UNKNOWN}", category: LICENCES, amount: 1,'
              f' incurredOn: "2024-01-01"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.recordProgrammeBenefit", "mutation { recordProgrammeBenefit(input:"
              f' {{programmeId: "{UNKNOWN}", category: OTHER, amount: 1,'
              f' realisedOn: "2024-01-01"}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.confirmPilotCohort", "mutation { confirmPilotCohort(input:"
              f' {{programmeId: "{UNKNOWN}", employeeIds: []}}) {OUTCOME} }}', "hr admin"),
    Operation(f"{M}.decidePhaseGate", "mutation { decidePhaseGate(input:"
              f' {{programmeId: "{UNKNOWN}", phase: PILOT, decision: STOP, reason: "r",'
              f' decidedOn: "2024-01-01"}}) {OUTCOME} }}', "hr admin"),
    # These two change state when allowed, so they come last.
    Operation(f"{M}.completeEnrollment", "mutation($t: ID!) { completeEnrollment(input:"
              f" {{enrollmentId: $t}}) {OUTCOME} }}", SELF_SERVICE, "enrolment"),
    Operation(f"{M}.requestErasure", "mutation($t: ID!) { requestErasure(input:"
              f" {{employeeId: $t}}) {OUTCOME} }}", "employee:self manager:self hr admin",
              "employee", final=True),
]  # fmt: skip

SUBSCRIPTIONS = [
    Operation("Subscription.kpiUpdated", "subscription { kpiUpdated { position } }", AGGREGATE),
    Operation("Subscription.kpiHistoryUpdated",
              "subscription { kpiHistoryUpdated { position } }", AGGREGATE),
    Operation("Subscription.moduleInsightsUpdated",
              f'subscription {{ moduleInsightsUpdated(moduleId: "{UNKNOWN}") {{ __typename }} }}',
              AGGREGATE),
    Operation("Subscription.events", "subscription { events { position } }", "auditor admin"),
]  # fmt: skip


def tries(operation: Operation) -> list[tuple[str, str]]:
    """(role, whose data) pairs to try: scoped operations on own, report's and other data."""
    if not operation.target:
        return [(role, "any") for role in ROLES]
    cases = [("employee", "self"), ("employee", "other"), ("manager", "self"),
             ("manager", "team"), ("manager", "other")]  # fmt: skip
    return cases + [(role, "other") for role in ROLES if role not in ("employee", "manager")]


def expected(operation: Operation, role: str, whose: str) -> bool:
    grants = operation.allowed.split()
    return role in grants or f"{role}:{whose}" in grants


def target(world: World, operation: Operation, role: str, whose: str) -> dict[str, str]:
    if not operation.target:
        return {}
    person = {"self": "ada" if role == "employee" else "grace", "team": "ada"}.get(whose, "olga")
    people = {"ada": world.ada, "grace": world.grace, "olga": world.olga}
    ids = {"employee": people, "enrolment": world.enrolments, "decision": world.decisions}
    return {"t": ids[operation.target][person]}


def refused(body: dict[str, Any], field: str) -> bool:
    data = body.get("data") or {}
    if isinstance(data.get(field), dict) and data[field].get("__typename") == "NotAllowed":
        return True
    return any(
        e.get("extensions", {}).get("code") == "FORBIDDEN" and e.get("path") == [field]
        for e in body.get("errors", [])
    )


async def opened_clients(world: World) -> dict[str, httpx.AsyncClient]:
    """One client per role, acting as the world's person of that role (ASGI, no sockets)."""
    transport = httpx.ASGITransport(app=world.app)
    return {
        role: httpx.AsyncClient(
            transport=transport, base_url="http://skillpath.test",
            headers=auth_headers(world.services, role, world.actor_id(role)),
        )
        for role in ROLES
    }  # fmt: skip


@pytest.fixture
async def clients(world: World) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    opened = await opened_clients(world)
    try:
        yield opened
    finally:
        for client in opened.values():
            await client.aclose()


def test_every_root_field_is_in_the_table_and_the_table_names_no_other() -> None:
    schema = build_schema()._schema
    fields = {
        f"{kind}.{name}"
        for kind in ("Query", "Mutation", "Subscription")
        if (root := schema.get_type(kind)) is not None
        for name in root.fields  # type: ignore[attr-defined]
    }
    assert sorted(fields - POLICY.keys()) == [], "root fields missing from the table"
    assert sorted(POLICY.keys() - fields) == [], "table entries for fields that do not exist"


def test_the_specification_below_covers_every_root_field() -> None:
    specified = {o.name for o in OPERATIONS + SUBSCRIPTIONS}
    assert sorted(POLICY.keys() - specified) == []


def test_a_field_missing_from_the_table_is_refused_even_to_an_admin(world: World) -> None:
    admin = Actor(id="admin@skillpath", role="admin")

    decision = decide("Query.somethingNew", admin, {}, world.services)

    assert not decision.allowed and "not in the access policy" in decision.reason
    assert decide("Query.roles", admin, {}, world.services).allowed


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
async def test_every_role_gets_exactly_what_the_table_allows(
    operation: Operation, world: World, clients: dict[str, httpx.AsyncClient]
) -> None:
    outcomes = {}
    for role, whose in tries(operation):
        if operation.final:
            with built_world() as fresh:
                client = (await opened_clients(fresh))[role]
                response = await client.post("/graphql", json={
                    "query": operation.document,
                    "variables": target(fresh, operation, role, whose),
                })  # fmt: skip
        else:
            response = await clients[role].post("/graphql", json={
                "query": operation.document,
                "variables": target(world, operation, role, whose),
            })  # fmt: skip
        assert response.status_code == 200, response.text
        outcomes[f"{role}:{whose}"] = not refused(response.json(), operation.field)
    wanted = {f"{r}:{w}": expected(operation, r, w) for r, w in tries(operation)}
    assert outcomes == wanted


async def first_result(world: World, operation: Operation, role: str) -> ExecutionResult:
    schema = build_schema()
    context = Context(services=world.services, actor=Actor(world.actor_id(role), role))
    stream = await schema.subscribe(operation.document, context_value=context)
    if isinstance(stream, ExecutionResult):
        return stream
    try:
        return await asyncio.wait_for(anext(stream), 10)
    except TimeoutError:
        return ExecutionResult(data={"waiting": True})
    finally:
        await stream.aclose()


@pytest.mark.parametrize("operation", SUBSCRIPTIONS, ids=lambda o: o.name)
async def test_every_role_may_subscribe_only_where_the_table_allows(
    operation: Operation, world: World
) -> None:
    outcomes = {}
    for role in ROLES:
        result = await first_result(world, operation, role)
        codes = [(e.extensions or {}).get("code") for e in result.errors or []]
        outcomes[role] = "FORBIDDEN" not in codes
    assert outcomes == {role: expected(operation, role, "any") for role in ROLES}


async def test_a_manager_reads_a_report_only_while_the_report_shares_their_profile(
    own_world: World,
) -> None:
    world = own_world
    clients = await opened_clients(world)
    query = {"query": "query($t: ID!) { employee(id: $t) { name } }", "variables": {"t": world.ada}}
    # A withdrawal counts from the moment it is saved (no wait for the read models here).
    world.services.app.withdraw_consent(UUID(world.ada), purpose="profile_sharing", actor=LEARNER)
    try:
        withheld = (await clients["manager"].post("/graphql", json=query)).json()
    finally:
        granted = world.services.app.grant_consent(
            UUID(world.ada), purpose="profile_sharing", policy_version="v2", actor=LEARNER
        )
    # A grant counts once the read models show it.
    assert world.services.read_models_reach(granted.position, 10)
    shared = (await clients["manager"].post("/graphql", json=query)).json()

    # Without profile_sharing the manager sees Ada's employment, not who she is.
    assert withheld["data"]["employee"]["name"] is None
    assert withheld["errors"][0]["path"] == ["employee", "name"]
    assert "profile_sharing" in withheld["errors"][0]["message"]
    assert shared["data"]["employee"]["name"] == "Ada Lovelace"


async def test_a_refusal_is_logged_with_who_asked_and_why(
    own_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = own_world
    clients = await opened_clients(world)
    with caplog.at_level(logging.WARNING, logger="skillpath.authorization"):
        body = (
            await clients["employee"].post(
                "/graphql",
                json={
                    "query": "query($t: ID!) { consents(employeeId: $t) { employeeId } }",
                    "variables": {"t": world.olga},
                },
            )
        ).json()

    assert refused(body, "consents") and body["data"] is None
    (record,) = [r for r in caplog.records if "refused Query.consents" in r.getMessage()]
    assert world.ada in record.getMessage() and "(employee)" in record.getMessage()


async def test_the_caller_is_recorded_on_the_events_they_cause(own_world: World) -> None:
    world = own_world
    clients = await opened_clients(world)
    body = (
        await clients["employee"].post(
            "/graphql",
            json={
                "query": "mutation($t: ID!) { grantConsent(input: {employeeId: $t,"
                ' purpose: "benefits", policyVersion: "v7"}) { __typename } }',
                "variables": {"t": world.ada},
            },
        )
    ).json()

    assert body["data"]["grantConsent"]["__typename"] == "ConsentPayload"
    granted = list(world.services.app.events.get(ConsentLedger.id_for(UUID(world.ada))))[-1]
    assert isinstance(granted, ConsentLedger.Granted)
    assert granted.actor == Actor(id=world.ada, role="employee")
