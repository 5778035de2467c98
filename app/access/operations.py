"""Who may call each root field: for anyone, only for themselves, or for their reports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.access.rules import (
    AGGREGATE_READERS,
    AUDIT,
    EVERYONE,
    HR,
    SELF,
    TEAM,
    Subject,
    Viewer,
)

# -- who may call what ------------------------------------------------------------------


class TargetKind(StrEnum):
    """What the argument naming the call's subject identifies."""

    EMPLOYEE = "employee"
    ENROLLMENT = "enrollment"
    DECISION = "decision"


@dataclass(frozen=True)
class Target:
    """Where a root field's arguments name the person the call is about."""

    #: ``employeeId`` as an argument, or ``input.employeeId``.
    path: str
    kind: TargetKind = TargetKind.EMPLOYEE


def argument(name: str, kind: TargetKind = TargetKind.EMPLOYEE) -> Target:
    return Target(name, kind)


def input_field(name: str, kind: TargetKind = TargetKind.EMPLOYEE) -> Target:
    return Target(f"input.{name}", kind)


@dataclass(frozen=True)
class Operation:
    """Who may call one root field: any roles for anyone, some only for themselves
    (``own``), managers for their direct reports (``team``)."""

    roles: frozenset[str]
    own: frozenset[str] = frozenset()
    team: frozenset[str] = frozenset()
    target: Target | None = None


_EMPLOYEE = argument("employeeId")
_INPUT_EMPLOYEE = input_field("employeeId")
_ENROLMENT = input_field("enrollmentId", TargetKind.ENROLLMENT)

OPERATIONS: dict[str, Operation] = {
    # -- queries --------------------------------------------------------------------------
    "Query.employee": Operation(HR, SELF, TEAM, argument("id")),
    "Query.employees": Operation(HR),
    # Each node is then checked as the root field for its type (app/schema/nodes.py).
    "Query.node": Operation(EVERYONE),
    "Query.nodes": Operation(EVERYONE),
    "Query.module": Operation(EVERYONE),
    "Query.modules": Operation(EVERYONE),
    "Query.moduleTagSuggestions": Operation(HR),
    "Query.suggestModuleTags": Operation(HR),
    "Query.role": Operation(EVERYONE),
    "Query.roles": Operation(EVERYONE),
    "Query.competenceModel": Operation(EVERYONE),
    "Query.skillProfile": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.skillGaps": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.teamSkillMatrix": Operation(HR, own=TEAM, target=argument("managerId")),
    "Query.roleReadiness": Operation(AGGREGATE_READERS),
    "Query.skillHeatMap": Operation(AGGREGATE_READERS),
    "Query.careerPaths": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.internalCandidates": Operation(HR),
    "Query.opportunities": Operation(EVERYONE),
    "Query.pulseSurveys": Operation(EVERYONE),
    "Query.pulseResults": Operation(AGGREGATE_READERS),
    "Query.mentorSuggestions": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.onboarding": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.onboardingTimes": Operation(AGGREGATE_READERS),
    "Query.benefits": Operation(EVERYONE),
    "Query.benefitSuggestions": Operation(frozenset(), SELF, target=_EMPLOYEE),
    "Query.benefitUptake": Operation(AGGREGATE_READERS),
    "Query.championCriteria": Operation(EVERYONE),
    "Query.championClassification": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.aiChampionCandidates": Operation(HR),
    "Query.championCoverage": Operation(HR),
    "Query.championProgrammeRoi": Operation(HR),
    "Query.consentPurposes": Operation(EVERYONE),
    "Query.readModelStatus": Operation(EVERYONE),
    "Query.enrollments": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.enrollmentsConnection": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.consents": Operation(HR | {"auditor"}, SELF, target=_EMPLOYEE),
    "Query.recommendations": Operation(frozenset(), SELF, target=_EMPLOYEE),
    "Query.reviewsDue": Operation(frozenset(), SELF, target=_EMPLOYEE),
    "Query.fairnessReport": Operation(AGGREGATE_READERS),
    "Query.modelVersions": Operation(HR | {"auditor"}),
    "Query.recommendationReports": Operation(HR),
    "Query.recommendationReportsConnection": Operation(HR),
    "Query.kpis": Operation(AGGREGATE_READERS),
    "Query.kpiHistory": Operation(AGGREGATE_READERS),
    "Query.programmes": Operation(AGGREGATE_READERS),
    "Query.suggestPilotCohort": Operation(HR),
    "Query.pilotComparison": Operation(AGGREGATE_READERS),
    "Query.programmePhaseStatus": Operation(AGGREGATE_READERS),
    "Query.programmeRoi": Operation(AGGREGATE_READERS),
    "Query.moduleInsights": Operation(AGGREGATE_READERS),
    "Query.modulesNeedingRevision": Operation(AGGREGATE_READERS),
    "Query.myData": Operation(SELF),
    "Query.employeeDataExport": Operation(HR),
    "Query.history": Operation(AUDIT | {"hr"}),
    "Query.eventLog": Operation(AUDIT),
    "Query.employeeAsOf": Operation(AUDIT | {"hr"}),
    "Query.moduleAsOf": Operation(AUDIT | {"hr"}),
    "Query.verifyIntegrity": Operation(AUDIT),
    "Query.checkDecision": Operation(AUDIT),
    "Query.webhookEndpoints": Operation(HR),
    "Query.webhookDeliveries": Operation(HR),
    "Query.webhookDeliveriesConnection": Operation(HR),
    # -- mutations: people ----------------------------------------------------------------
    "Mutation.hireEmployee": Operation(HR),
    "Mutation.updateProfile": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.assessSkill": Operation(HR, SELF, TEAM, _INPUT_EMPLOYEE),
    "Mutation.changeRole": Operation(HR),
    "Mutation.recordProductivityReached": Operation(HR, team=TEAM, target=_INPUT_EMPLOYEE),
    "Mutation.answerPulse": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.offboardEmployee": Operation(HR),
    "Mutation.defineOnboardingTemplate": Operation(HR),
    "Mutation.startOnboarding": Operation(HR, team=TEAM, target=_INPUT_EMPLOYEE),
    "Mutation.recordOnboardingMilestone": Operation(HR, SELF, TEAM, _INPUT_EMPLOYEE),
    "Mutation.defineBenefit": Operation(HR),
    "Mutation.retireBenefit": Operation(HR),
    "Mutation.declareLifePhase": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.takeUpBenefit": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    # -- mutations: mentoring (each party acts for themselves; HR may arrange) ------------
    "Mutation.optInAsMentor": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.optOutAsMentor": Operation(HR, SELF, target=_INPUT_EMPLOYEE),
    "Mutation.offerMentorship": Operation(HR, SELF, target=input_field("menteeId")),
    "Mutation.acceptMentorship": Operation(frozenset(), SELF, target=input_field("mentorId")),
    "Mutation.declineMentorship": Operation(frozenset(), SELF, target=input_field("mentorId")),
    "Mutation.endMentorship": Operation(HR, SELF, target=_INPUT_EMPLOYEE),
    # -- mutations: the AI champion programme (joining it is the person's own decision) --
    "Mutation.optInAsChampion": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.optOutAsChampion": Operation(HR, SELF, target=_INPUT_EMPLOYEE),
    "Mutation.giveChampionInput": Operation(HR, SELF, TEAM, _INPUT_EMPLOYEE),
    "Mutation.recordChampionTime": Operation(HR, SELF, TEAM, _INPUT_EMPLOYEE),
    # -- mutations: catalogue and competence model ----------------------------------------
    "Mutation.publishModule": Operation(HR),
    "Mutation.reviseModule": Operation(HR),
    "Mutation.reviewModuleTags": Operation(HR),
    "Mutation.flagModuleForRevision": Operation(HR),
    "Mutation.retireModule": Operation(HR),
    "Mutation.defineRole": Operation(HR),
    "Mutation.reviseRole": Operation(HR),
    "Mutation.retireRole": Operation(HR),
    "Mutation.publishOpportunity": Operation(HR),
    "Mutation.closeOpportunity": Operation(HR),
    "Mutation.definePulseSurvey": Operation(HR),
    "Mutation.retirePulseSurvey": Operation(HR),
    # -- mutations: learning --------------------------------------------------------------
    "Mutation.enroll": Operation(HR, SELF, TEAM, _INPUT_EMPLOYEE),
    "Mutation.recordProgress": Operation(frozenset(), SELF, target=_ENROLMENT),
    "Mutation.recordQuizAttempt": Operation(frozenset(), SELF, target=_ENROLMENT),
    "Mutation.completeEnrollment": Operation(frozenset(), SELF, target=_ENROLMENT),
    "Mutation.dropEnrollment": Operation(frozenset(), SELF, target=_ENROLMENT),
    "Mutation.giveFeedback": Operation(frozenset(), SELF, target=_ENROLMENT),
    # -- mutations: consent and data rights: the employee's own decisions -----------------
    "Mutation.grantConsent": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.withdrawConsent": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.requestErasure": Operation(HR, SELF, target=_INPUT_EMPLOYEE),
    "Mutation.declareAttributes": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    # -- mutations: recommender -----------------------------------------------------------
    "Mutation.answerRecommendation": Operation(
        frozenset(), SELF, target=input_field("decisionId", TargetKind.DECISION)
    ),
    "Mutation.activateModelVersion": Operation(HR),
    "Mutation.resolveRecommendationReport": Operation(HR),
    # -- mutations: programmes (ROI) ------------------------------------------------------
    "Mutation.defineProgramme": Operation(HR),
    "Mutation.recordProgrammeCost": Operation(HR),
    "Mutation.estimateTimeSaved": Operation(HR),
    # -- mutations: integrations ----------------------------------------------------------
    "Mutation.mapXapiActivity": Operation(HR),
    "Mutation.importHrRecords": Operation(HR),
    "Mutation.registerWebhook": Operation(HR),
    "Mutation.changeWebhook": Operation(HR),
    "Mutation.removeWebhook": Operation(HR),
    "Mutation.defineProgrammePhase": Operation(HR),
    "Mutation.confirmPilotCohort": Operation(HR),
    "Mutation.decidePhaseGate": Operation(HR),
    "Mutation.recordProgrammeCostLine": Operation(HR),
    "Mutation.recordProgrammeBenefit": Operation(HR),
    # -- subscriptions --------------------------------------------------------------------
    "Subscription.kpiUpdated": Operation(AGGREGATE_READERS),
    "Subscription.kpiHistoryUpdated": Operation(AGGREGATE_READERS),
    "Subscription.moduleInsightsUpdated": Operation(AGGREGATE_READERS),
    "Subscription.events": Operation(AUDIT),
}  # fmt: skip


#: Who may call each HTTP endpoint outside GraphQL. The integration role writes learning
#: statements and nothing else; it reads back only the statements it wrote itself (what it
#: sent, with the id and time Skillpath gave them), never anything else about anyone.
INTEGRATION = frozenset({"integration"})
ENDPOINTS: dict[str, Operation] = {
    "POST /xapi/statements": Operation(INTEGRATION),
    "PUT /xapi/statements": Operation(INTEGRATION),
    "GET /xapi/statements": Operation(frozenset(), own=INTEGRATION),
}


def may_call_endpoint(endpoint: str, viewer: Viewer) -> Decision:
    """Whether the viewer may call an HTTP endpoint (``own``: only about what they wrote)."""
    access = ENDPOINTS.get(endpoint)
    if access is None:
        return Decision(False, f"{endpoint} is not in the access policy")
    if viewer.role in access.roles | access.own:
        return Decision(True)
    return Decision(False, f"the {viewer.role} role may not call {endpoint}")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    #: The argument naming whom the call is about, when that is why it was refused.
    field: str | None = None


def may_call_by_role(operation: str, viewer: Viewer) -> Decision | None:
    """The decision when the role alone settles it; None when it depends on whom the call
    is about (the caller's own or their team's data)."""
    access = OPERATIONS.get(operation)
    if access is None:
        return Decision(False, f"{operation} is not in the access policy")
    if viewer.role in access.roles:
        return Decision(True)
    if viewer.role not in access.own | access.team or access.target is None:
        return Decision(False, f"the {viewer.role} role may not call {operation}")
    return None


def shared_scope(operation: str, viewer: Viewer) -> str | None:
    """The scope within which a live result of ``operation`` may be shared, or None.

    Aggregate figures (KPIs, module insights) are the same for every caller the role table
    allows, so their scope is the operation itself: one execution serves all of them,
    whoever they are. None when the caller may not call it (they get the refusal).
    """
    decision = may_call_by_role(operation, viewer)
    if decision is None or not decision.allowed:
        return None
    return operation


def may_call_for(operation: str, viewer: Viewer, subject: Subject | None) -> Decision:
    """Whether the viewer may call ``operation`` about ``subject`` (None: nobody found)."""
    by_role = may_call_by_role(operation, viewer)
    if by_role is not None:
        return by_role
    access = OPERATIONS[operation]
    if subject is None:
        return Decision(False, f"{operation} names nobody the {viewer.role} role may act for")
    if viewer.role in access.own and subject.id == viewer.id:
        return Decision(True)
    if viewer.role in access.team and subject.manager_id == viewer.id:
        return Decision(True)
    whom = "their team" if viewer.role in access.team else "themselves"
    return Decision(False, f"the {viewer.role} role may call {operation} only for {whom}")
