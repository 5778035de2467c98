"""Which facet each field of each GraphQL type that carries a person's data belongs to.

A type nobody declared here is denied to everyone (``declared``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.access.rules import (
    PERSONAL_ROLES,
    Facet,
    Seen,
    Sight,
    Subject,
    Viewer,
    record_sight,
    relation,
    sight,
)

# -- what each GraphQL type's fields are ------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One field of a person's type: its facet, and whether it is personal text (hidden
    from redacted sight). ``None`` in a declaration marks a field every viewer who reaches
    the object may read (the subject's id)."""

    facet: Facet
    text: bool = False


@dataclass(frozen=True)
class PersonType:
    """A GraphQL type whose objects are about one person."""

    #: The field naming the person (an employee id), for tests and clients.
    subject_field: str
    fields: Mapping[str, Part | None]
    #: A view of the record (state rebuilt from events): read as the record is read.
    record: bool = False


def _parts(facet: Facet, *names: str, text: tuple[str, ...] = ()) -> dict[str, Part]:
    found = {name: Part(facet) for name in names}
    found.update({name: Part(facet, text=True) for name in text})
    return found


_EMPLOYMENT_FIELDS = (
    "department", "managerId", "status", "leftOn", "hireDate", "yearsExperience",
    "productiveSince",
)  # fmt: skip

PERSON_TYPES: dict[str, PersonType] = {
    "PilotCandidate": PersonType("employeeId", {
        "employeeId": None,
        **_parts(Facet.EMPLOYMENT, "department", "experienceBand", "reason"),
        **_parts(Facet.PROFILE, "learningPreference"),
    }),
    "Employee": PersonType("id", {
        "id": None,
        **_parts(Facet.IDENTITY, text=("name", "email", "location")),
        **_parts(Facet.EMPLOYMENT, *_EMPLOYMENT_FIELDS, "role", "manager", "reports",
                 "reportsConnection", "roleChanges"),
        **_parts(Facet.PROFILE, "skills", "skillGaps", text=("profile",)),
        **_parts(Facet.LEARNING, "enrollments", "enrollmentsConnection"),
    }),
    "EmployeeState": PersonType("id", {
        "id": None, "asOf": None, "version": None,
        **_parts(Facet.IDENTITY, text=("name", "email", "location")),
        **_parts(Facet.EMPLOYMENT, *_EMPLOYMENT_FIELDS, "roleId"),
        **_parts(Facet.PROFILE, "skills", "mediaTypes", "weeklyMinutes", "language",
                 text=("goals",)),
    }, record=True),
    "Enrollment": PersonType("employeeId", {
        "employeeId": None,
        "employee": None,  # the person: their own type decides what is shown of them
        **_parts(
            Facet.LEARNING, "id", "moduleId", "module", "status", "attempt", "source",
            "recommendationId", "enrolledAt", "percent", "minutesSpent", "lastPositionMinutes",
            "quizAttempts", "lastQuizScore", "bestQuizScore", "completedAt", "droppedAt",
            "droppedPositionMinutes", text=("feedback",),
        ),
    }),
    "ReviewsDue": PersonType("employeeId", {
        "employeeId": None, **_parts(Facet.LEARNING, "personalised", "items"),
    }),
    "RecommendationList": PersonType("employeeId", {
        "employeeId": None,
        **_parts(Facet.DECISIONS, "decisionId", "position", "modelVersion", "basis",
                 text=("items",)),
    }),
    "RecommendationAnswerPayload": PersonType("employeeId", {
        "employeeId": None, "position": None,
        **_parts(Facet.DECISIONS, "decisionId", "itemId", "answer"),
        **_parts(Facet.LEARNING, "enrollmentId", "enrollment"),
    }),
    "RecommendationReport": PersonType("employeeId", {
        "employeeId": None,
        **_parts(Facet.REPORTS, "reportId", "decisionId", "moduleId", "module", "reportedAt",
                 "status", "resolvedAt", "resolvedBy", text=("comment", "resolutionNote")),
    }),
    "RecommendationReportPayload": PersonType("employeeId", {
        "employeeId": None, "position": None,
        **_parts(Facet.REPORTS, "decisionId", "itemId", "report"),
    }),
    "ConsentOverview": PersonType("employeeId", {
        "employeeId": None, **_parts(Facet.CONSENT, "granted", "history"),
    }),
    "SkillProfile": PersonType("employeeId", {
        "employeeId": None, **_parts(Facet.PROFILE, "skills", "disagreements"),
    }),
    "SkillGapAnalysis": PersonType("employeeId", {
        "employeeId": None, **_parts(Facet.PROFILE, "roleId", "readiness", "gaps"),
    }),
    "TeamMemberSkills": PersonType("employeeId", {
        "employeeId": None, **_parts(Facet.PROFILE, "readiness", "levels", "required", "gaps"),
    }),
    # The team's composition is the manager's employment: who reports to them, and how
    # many of those do not share their profile (each member's row is guarded on its own).
    "TeamSkillMatrix": PersonType("managerId", {
        "managerId": None, **_parts(Facet.EMPLOYMENT, "skills", "members", "membersNotSharing"),
    }),
    "CareerPaths": PersonType("employeeId", {
        "employeeId": None,
        **_parts(Facet.PROFILE, "target", "modules", "estimatedHours", "unclosedSkills",
                 "neighbouringRoles", "opportunities"),
    }),
    "InternalCandidate": PersonType("employeeId", {
        "employeeId": None,
        **_parts(Facet.EMPLOYMENT, "currentRoleId"),
        **_parts(Facet.PROFILE, "readiness", "metSkills", "gaps", "reasons"),
    }),
    # Mentors opted in and share their profile: their level in the skill is shown here.
    "MentorSuggestions": PersonType("employeeId", {
        "employeeId": None, **_parts(Facet.PROFILE, "skill", "suggestions"),
    }),
    "OnboardingJourney": PersonType("employeeId", {
        "employeeId": None,
        **_parts(Facet.EMPLOYMENT, "roleId", "buddyId", "startedOn", "targetDays", "daysSoFar",
                 "closedOn", "milestones", "checkIns"),
        **_parts(Facet.LEARNING, "progress", "modules", "skippedModules"),
    }),
    "BenefitSuggestions": PersonType("employeeId", {
        "employeeId": None, **_parts(Facet.LIFE_PHASE, "suggestions"),
    }),
    # Only people who opted into the champion programme have one (app/people/champions.py).
    "ChampionClassification": PersonType("employeeId", {
        "employeeId": None,
        **_parts(Facet.CHAMPION, "department", "rating", "points", "reason", "criteria",
                 "timeSharePercent", "timeShareMonth", "belowRecommendedTime"),
    }),
    "ErasurePayload": PersonType("employeeId", {
        "employeeId": None, "position": None,
        **_parts(Facet.CONSENT, "erasedAt", "alreadyErased", "message"),
    }),
}  # fmt: skip

#: Types that hold a person's data but are reached only through a field of a person's
#: type that is gated by this facet (a test walks the schema to check that).
PART_OF: dict[str, Facet] = {
    "SkillLevel": Facet.PROFILE,
    "SkillGap": Facet.PROFILE,
    "CurrentSkill": Facet.PROFILE,
    "SkillDisagreement": Facet.PROFILE,
    "WeightedSkillGap": Facet.PROFILE,
    "RoleFit": Facet.PROFILE,
    "ModuleStep": Facet.PROFILE,
    "OpportunityFit": Facet.PROFILE,
    "MentorSuggestion": Facet.PROFILE,
    "ChampionCriterionResult": Facet.CHAMPION,
    "JourneyModule": Facet.LEARNING,
    "BenefitSuggestion": Facet.LIFE_PHASE,
    "SkippedModule": Facet.LEARNING,
    "JourneyMilestone": Facet.EMPLOYMENT,
    "JourneyCheckIn": Facet.EMPLOYMENT,
    "LearningProfile": Facet.PROFILE,
    "Feedback": Facet.LEARNING,
    "ReviewDue": Facet.LEARNING,
    "RecommendedItem": Facet.DECISIONS,
    "RecommendationReason": Facet.DECISIONS,
    "ConsentGrant": Facet.CONSENT,
    "ConsentChange": Facet.CONSENT,
}

#: Types whose objects the service layer builds already screened by this policy, item by
#: item (events of the log and history: ``event_field_seen``).
SCREENED: dict[str, str] = {
    "LoggedEvent": "history and event log: each event's fields by event_field_seen",
    "ActorView": "who acted: screened with the event or consent change it belongs to",
}

#: Types of figures over many people; every figure follows ``too_few_to_show``.
AGGREGATES = frozenset({
    "KpiReport", "KpiGroup", "KpiFigures", "KpiFigure", "KpiWindow", "ModuleInsights",
    "DropOffBucket", "RevisionFlag", "NamedFigure", "EnrollmentCounts", "FairnessReport",
    "TopicExposure", "GroupExposure", "RoleReadiness", "SkillCoverage", "SkillHeatMap",
    "SkillHeatCell", "PulseResults", "PulseGroup", "PulseItemResult", "OnboardingTimes",
    "RoleOnboardingTime", "BenefitUptakeReport", "BenefitUptake",
    "RequiredTopicExposure",
    "KpiHistory", "KpiSeries", "KpiPoint", "KpiTargetView",
    "PilotComparison", "KpiComparisonView", "KpiEstimate", "PhaseStatusView",
    "CriterionStatusView", "ProgrammeRoiView", "RoiLineView", "RoiPointView",
    "ChampionCoverage", "DepartmentChampionCoverage", "ChampionProgrammeRoi", "ChampionRoiLine",
})  # fmt: skip

#: Types that hold nothing about any person.
IMPERSONAL = frozenset({
    "Query", "Mutation", "Subscription", "PageInfo", "EmployeeConnection", "EmployeeEdge",
    "LearningModuleConnection", "LearningModuleEdge", "LoggedEventConnection",
    "ReportConnection", "EnrollmentConnection", "EnrollmentEdge",
    "RecommendationReportConnection", "RecommendationReportEdge",
    "LoggedEventEdge", "LearningModule", "ModuleSkill", "ModuleState", "RecordedSkill",
    "Role", "RequiredSkill", "CompetenceModel", "SkillDefinition", "SkillBand",
    "ConsentPurpose", "InternalOpportunity", "OpportunityPayload", "InternalCandidates",
    "PulseSurvey", "PulseSurveyItem", "PulseSurveyPayload", "MentorshipPayload",
    "OnboardingTemplatePayload", "Benefit", "BenefitPayload",
    # The criteria matrix itself, and the department a list of candidates is for.
    "ChampionCriterion", "AiChampionCandidates",
    "ReadModelStatus", "ReadModelPosition",
    "IntegrityReport", "ChainBreak", "DecisionCheck", "ModelVersion", "ModelMetric",
    "ModelExclusion", "ModelVersionPayload", "LogEvent", "EmployeePayload", "ModulePayload",
    "EnrollmentPayload", "RolePayload", "ConsentPayload", "ProgrammePayload",
    "ProgrammeView", "ProgrammePhaseView", "KpiCriterion", "GateDecisionView",
    # Suggested tags are about modules and the vocabulary only.
    "ModuleTagSuggestions", "TagSuggestion", "TagReview",
    "ValidationError", "NotFound", "Conflict", "NotAllowed",
    # HR import results name people by the HR system's id only, never by name or email.
    "ImportHrRecordsPayload", "HrRowProblem", "HrRecordChange",
    # Webhooks: endpoints and delivery records name events by type and position only.
    "WebhookEndpoint", "WebhookDelivery", "WebhookPayload", "WebhookRemovedPayload",
    "WebhookDeliveryConnection", "WebhookDeliveryEdge",
})  # fmt: skip


def declared(type_name: str) -> bool:
    """Whether someone decided what the type holds; undeclared types are denied."""
    return (
        type_name in PERSON_TYPES
        or type_name in PART_OF
        or type_name in SCREENED
        or type_name in AGGREGATES
        or type_name in IMPERSONAL
    )


def field_seen(viewer: Viewer, subject: Subject, type_name: str, field_name: str) -> Seen:
    """Whether the viewer may read one field of a person's type about ``subject``."""
    person = PERSON_TYPES.get(type_name)
    if person is None or field_name not in person.fields:
        if viewer.id == subject.id and viewer.role in PERSONAL_ROLES:
            return Seen(Sight.FULL)
        return Seen(Sight.NONE, f"{type_name}.{field_name} has no facet in the access policy")
    part = person.fields[field_name]
    if part is None:
        return Seen(Sight.FULL)
    seen = sight(viewer, subject, part.facet)
    if person.record and not seen.visible:
        also = record_sight(viewer, subject, part.facet)
        seen = seen if also is Sight.NONE else Seen(also)
    if seen.sight is Sight.REDACTED and part.text:
        return Seen(Sight.NONE, f"{type_name}.{field_name} is personal text, redacted for the"
                                f" {relation(viewer, subject)}")  # fmt: skip
    return seen


def visible_fields(viewer: Viewer, subject: Subject, type_name: str) -> frozenset[str]:
    """The fields of a person's type the viewer may read of ``subject``."""
    person = PERSON_TYPES.get(type_name)
    if person is None:
        return frozenset()
    return frozenset(
        name for name in person.fields if field_seen(viewer, subject, type_name, name).visible
    )


def sees_anything(viewer: Viewer, subject: Subject, type_name: str) -> bool:
    """Whether the viewer may see any gated field of the object (else it is not shown)."""
    person = PERSON_TYPES.get(type_name)
    if person is None:
        return False
    facets = {part.facet for part in person.fields.values() if part is not None}
    if person.record:
        return any(record_sight(viewer, subject, f) is not Sight.NONE for f in facets)
    return any(sight(viewer, subject, facet).visible for facet in facets)
