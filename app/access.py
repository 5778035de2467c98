"""The access policy: who may see which facet of whom, and who may call what.

One pure module decides every read and write of a person's data, wherever it is reached
(root field, nested link, mutation payload, subscription, history, export). It imports no
GraphQL, web or database code: the schema layer (``app/schema/guard.py``), the audit views
and the exports ask it and enforce its answers.

- **Facets** group what is known about a person (identity, employment, profile, ...).
- **Relations** say who the viewer is to the subject (themselves, their direct manager, HR,
  an auditor, ...), computed from the viewer's role and the subject's facts.
- **Rules** give each relation's sight of each facet: always, only with one of the
  subject's consents, redacted (structure without personal text, for auditors), or never.
- **Declarations** say which facet every field of every GraphQL type that carries a
  person's data belongs to, and which event fields belong to which facet. A type or event
  that is not declared is denied to everyone but the subject.
- **Operations** list who may call each root field (for anyone, for themselves only, or for
  their direct reports).
- **The k rule**: every count, rate or average over people that is shown follows
  ``too_few_to_show``.

docs/trust.md shows the rules as a table generated from this module (``rules_markdown``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum

# -- roles ------------------------------------------------------------------------------

#: Every role a bearer token may carry. Employees and managers act as themselves (their
#: token's subject is their employee id); the others are functions of the organisation.
ROLES = (
    "employee", "manager", "hr", "auditor", "works_council", "leadership", "admin",
    "integration",
)  # fmt: skip
#: Roles whose token subject must be an existing, active employee.
PERSONAL_ROLES = frozenset({"employee", "manager"})
#: The actor of work the system does itself (seeding, quality loop, workers); never a token.
SYSTEM = "system"

EVERYONE = frozenset(ROLES) - {"integration"}
ADMIN = frozenset({"admin"})
HR = frozenset({"hr", "admin"})
SELF = frozenset({"employee", "manager"})
TEAM = frozenset({"manager"})
AUDIT = frozenset({"auditor", "admin"})
#: Who reads aggregate figures (KPIs, fairness reports, module insights) under the k rule.
AGGREGATE_READERS = frozenset({"hr", "admin", "auditor", "works_council", "leadership"})


# -- facets, relations, rules -----------------------------------------------------------


class Facet(StrEnum):
    """What is known about a person, grouped by who may see it."""

    IDENTITY = "identity"
    EMPLOYMENT = "employment"
    PROFILE = "profile"
    SELF_DECLARED = "self_declared"
    LEARNING = "learning"
    DECISIONS = "decisions"
    CONSENT = "consent"
    LIFE_PHASE = "life_phase"
    WELLBEING = "wellbeing"


FACET_HELP: dict[Facet, str] = {
    Facet.IDENTITY: "name, email, location",
    Facet.EMPLOYMENT: "role, department, manager and reports, status, hire and leave dates,"
    " years of experience, time to productivity, internal moves",
    Facet.PROFILE: "skills and skill gaps, goals, learning preferences",
    Facet.SELF_DECLARED: "self-declared attributes (gender, age band): part of the profile,"
    " used only inside aggregate fairness reports (fairness_audit)",
    Facet.LEARNING: "enrolments, progress, quiz scores, feedback text, reviews due",
    Facet.DECISIONS: "recommendation lists served to the person and their answers",
    Facet.CONSENT: "what the person granted and withdrew, and their erasure",
    Facet.LIFE_PHASE: "life-phase data for benefit suggestions",
    Facet.WELLBEING: "pulse answers and overload signals",
}


class Relation(StrEnum):
    """Who the viewer is to the subject."""

    SELF = "self"
    MANAGER = "direct manager"
    HR = "hr"
    ADMIN = "admin"
    AUDITOR = "auditor"
    WORKS_COUNCIL = "works council"
    LEADERSHIP = "leadership"
    INTEGRATION = "integration client"
    STRANGER = "another employee"
    SYSTEM = "system"


class Sight(Enum):
    """How much of a facet a viewer sees."""

    #: Everything.
    FULL = "full"
    #: The structure (ids, levels, figures, times) but no personal text: names, emails,
    #: locations, goals, comments and reasons read as redacted.
    REDACTED = "redacted"
    NONE = "none"


@dataclass(frozen=True)
class Rule:
    """One relation's sight of one facet; ``needs`` a consent purpose of the subject."""

    sight: Sight
    needs: str | None = None

    def describe(self) -> str:
        if self.sight is Sight.NONE:
            return "never"
        what = "yes" if self.sight is Sight.FULL else "redacted"
        return f"{what}, with {self.needs}" if self.needs else what


ALWAYS = Rule(Sight.FULL)
NEVER = Rule(Sight.NONE)
REDACTED = Rule(Sight.REDACTED)
SHARED = Rule(Sight.FULL, needs="profile_sharing")
_PEOPLE = tuple(Facet)


def _rules(**given: Rule) -> dict[Facet, Rule]:
    return {facet: given.get(facet.value, NEVER) for facet in _PEOPLE}


RULES: dict[Relation, dict[Facet, Rule]] = {
    Relation.SELF: {facet: ALWAYS for facet in _PEOPLE},
    # A manager sees who reports to them and their employment; who they are and what they
    # learn only while they share their profile.
    Relation.MANAGER: _rules(identity=SHARED, employment=ALWAYS, profile=SHARED, learning=SHARED),
    # HR administers employment; the profile is the employee's alone unless shared.
    Relation.HR: _rules(
        identity=ALWAYS, employment=ALWAYS, profile=SHARED, learning=SHARED, consent=ALWAYS
    ),
    # Operators see what HR sees, and nothing more.
    Relation.ADMIN: _rules(
        identity=ALWAYS, employment=ALWAYS, profile=SHARED, learning=SHARED, consent=ALWAYS
    ),
    # The full ordered record, personal text redacted (docs/trust.md: opening it).
    Relation.AUDITOR: _rules(
        identity=REDACTED,
        employment=REDACTED,
        profile=REDACTED,
        learning=REDACTED,
        decisions=REDACTED,
        consent=REDACTED,
    ),
    Relation.WORKS_COUNCIL: _rules(),
    Relation.LEADERSHIP: _rules(),
    Relation.INTEGRATION: _rules(),
    Relation.STRANGER: _rules(),
    # Work the system does for itself (projections, training) is governed by consent
    # purposes in app/consent/policy.py, not by sight; it reads no API.
    Relation.SYSTEM: _rules(),
}

_BY_ROLE = {
    "hr": Relation.HR,
    "admin": Relation.ADMIN,
    "auditor": Relation.AUDITOR,
    "works_council": Relation.WORKS_COUNCIL,
    "leadership": Relation.LEADERSHIP,
    "integration": Relation.INTEGRATION,
    SYSTEM: Relation.SYSTEM,
}


@dataclass(frozen=True)
class Viewer:
    """Who asks: the token's subject and role."""

    id: str
    role: str


@dataclass(frozen=True)
class Subject:
    """What the policy needs to know about the person a value is about."""

    id: str
    manager_id: str | None = None
    #: Consent purposes the subject grants now.
    purposes: frozenset[str] = frozenset()


def relation(viewer: Viewer, subject: Subject) -> Relation:
    """The viewer's relation to the subject."""
    if viewer.role in PERSONAL_ROLES:
        if viewer.id == subject.id:
            return Relation.SELF
        if viewer.role == "manager" and subject.manager_id == viewer.id:
            return Relation.MANAGER
        return Relation.STRANGER
    return _BY_ROLE.get(viewer.role, Relation.STRANGER)


@dataclass(frozen=True)
class Seen:
    """The policy's answer for one facet: how much, and why not more."""

    sight: Sight
    reason: str = ""

    @property
    def visible(self) -> bool:
        return self.sight is not Sight.NONE


def sight(viewer: Viewer, subject: Subject, facet: Facet) -> Seen:
    """How much of ``facet`` of ``subject`` the viewer may see."""
    related = relation(viewer, subject)
    rule = RULES[related][facet]
    if rule.sight is Sight.NONE:
        return Seen(Sight.NONE, f"the {related} of an employee never sees their {facet} facet")
    if rule.needs is not None and rule.needs not in subject.purposes:
        return Seen(
            Sight.NONE,
            f"the {related} sees an employee's {facet} facet only with their {rule.needs}"
            " consent, which is not granted",
        )
    return Seen(rule.sight)


def facets_seen(viewer: Viewer, subject: Subject) -> dict[Facet, Seen]:
    """Every facet of the subject, as the viewer sees it."""
    return {facet: sight(viewer, subject, facet) for facet in _PEOPLE}


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
    "Employee": PersonType("id", {
        "id": None,
        **_parts(Facet.IDENTITY, text=("name", "email", "location")),
        **_parts(Facet.EMPLOYMENT, *_EMPLOYMENT_FIELDS, "role", "manager", "reports",
                 "roleChanges"),
        **_parts(Facet.PROFILE, "skills", "skillGaps", text=("profile",)),
        **_parts(Facet.LEARNING, "enrollments"),
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
    "ConsentOverview": PersonType("employeeId", {
        "employeeId": None, **_parts(Facet.CONSENT, "granted", "history"),
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
    "TopicExposure", "GroupExposure",
})  # fmt: skip

#: Types that hold nothing about any person.
IMPERSONAL = frozenset({
    "Query", "Mutation", "Subscription", "PageInfo", "EmployeeConnection", "EmployeeEdge",
    "LearningModuleConnection", "LearningModuleEdge", "LoggedEventConnection",
    "LoggedEventEdge", "LearningModule", "ModuleSkill", "ModuleState", "RecordedSkill",
    "Role", "RequiredSkill", "ConsentPurpose", "ReadModelStatus", "ReadModelPosition",
    "IntegrityReport", "ChainBreak", "ModelVersion", "ModelMetric", "ModelVersionPayload",
    "LogEvent", "EmployeePayload", "ModulePayload", "EnrollmentPayload", "RolePayload",
    "ConsentPayload", "ProgrammePayload", "ValidationError", "NotFound", "Conflict",
    "NotAllowed",
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
        also = _record_sight(viewer, subject, part.facet)
        seen = seen if also is Sight.NONE else Seen(also)
    if seen.sight is Sight.REDACTED and part.text:
        return Seen(Sight.NONE, f"{type_name}.{field_name} is personal text, redacted for the"
                                f" {relation(viewer, subject)}")  # fmt: skip
    return seen


def sees_anything(viewer: Viewer, subject: Subject, type_name: str) -> bool:
    """Whether the viewer may see any gated field of the object (else it is not shown)."""
    person = PERSON_TYPES.get(type_name)
    if person is None:
        return False
    facets = {part.facet for part in person.fields.values() if part is not None}
    if person.record:
        return any(_record_sight(viewer, subject, f) is not Sight.NONE for f in facets)
    return any(sight(viewer, subject, facet).visible for facet in facets)


# -- what each event's fields are -------------------------------------------------------


@dataclass(frozen=True)
class EventFacets:
    """The facet of an event's content, with exceptions per field. Ids and module
    references stay readable to whoever may see the event at all."""

    facet: Facet
    fields: Mapping[str, Facet] = field(default_factory=dict)
    references: frozenset[str] = frozenset()


_IDS = frozenset({"employee_id", "module_id", "recommendation_id", "role_id", "manager_id",
                  "module_ids", "decision_id"})  # fmt: skip

EVENT_FACETS: dict[str, EventFacets] = {
    "Employee.Hired": EventFacets(
        Facet.EMPLOYMENT,
        {"name": Facet.IDENTITY, "email": Facet.IDENTITY, "location": Facet.IDENTITY},
    ),
    "Employee.ProfileUpdated": EventFacets(Facet.PROFILE),
    "Employee.SkillAssessed": EventFacets(Facet.PROFILE),
    "Employee.AttributesSelfDeclared": EventFacets(Facet.SELF_DECLARED),
    "Employee.RoleChanged": EventFacets(Facet.EMPLOYMENT),
    "Employee.ProductivityReached": EventFacets(Facet.EMPLOYMENT),
    "Employee.PulseAnswered": EventFacets(Facet.WELLBEING),
    "Employee.Left": EventFacets(Facet.EMPLOYMENT),
    "EmailClaim.Claimed": EventFacets(Facet.IDENTITY),
    "ConsentLedger.Opened": EventFacets(Facet.CONSENT),
    "ConsentLedger.Granted": EventFacets(Facet.CONSENT),
    "ConsentLedger.Withdrawn": EventFacets(Facet.CONSENT),
    "ConsentLedger.ErasureRequested": EventFacets(Facet.CONSENT),
    "ConsentLedger.Erased": EventFacets(Facet.CONSENT),
    "RecommendationDecision.RecommendationIssued": EventFacets(Facet.DECISIONS),
    "RecommendationDecision.RecommendationAnswered": EventFacets(Facet.DECISIONS),
}
#: Every enrolment event is about learning.
ENROLLMENT_EVENTS = EventFacets(Facet.LEARNING)
#: Fields that never reveal content: who acted is shown with the event itself.
_ALWAYS_SHOWN = frozenset({"actor"})


#: Whose reading of the record a relation also has, where its own shows less: operators
#: read the full ordered history as auditors do.
RECORD_ALSO: dict[Relation, Relation] = {Relation.ADMIN: Relation.AUDITOR}


def _record_sight(viewer: Viewer, subject: Subject, facet: Facet) -> Sight:
    seen = sight(viewer, subject, facet)
    if seen.visible:
        return seen.sight
    also = RECORD_ALSO.get(relation(viewer, subject))
    return Sight.NONE if also is None else RULES[also][facet].sight


def event_facets(event_type: str) -> EventFacets | None:
    """The declaration of an event type (``Aggregate.Event``), or None when undeclared."""
    if event_type.startswith("Enrollment."):
        return ENROLLMENT_EVENTS
    return EVENT_FACETS.get(event_type)


def event_field_seen(
    viewer: Viewer, subject: Subject, event_type: str, field_name: str, *, sealed: bool
) -> bool:
    """Whether the viewer may read one field of an event about ``subject``.

    ``sealed`` says the field is a personal field of the event (encrypted per subject):
    redacted sight never shows those.
    """
    declared_event = event_facets(event_type)
    if declared_event is None:
        return viewer.id == subject.id and viewer.role in PERSONAL_ROLES
    if field_name in _ALWAYS_SHOWN:
        return True
    facet = declared_event.fields.get(field_name, declared_event.facet)
    seen = _record_sight(viewer, subject, facet)
    if seen is Sight.REDACTED:
        return not sealed and facet is not Facet.IDENTITY
    return seen is Sight.FULL


def event_seen(viewer: Viewer, subject: Subject, event_type: str) -> bool:
    """Whether the event is shown at all (fields the viewer may not read are redacted)."""
    declared_event = event_facets(event_type)
    if declared_event is None:
        return viewer.id == subject.id and viewer.role in PERSONAL_ROLES
    related = relation(viewer, subject)
    if Relation.AUDITOR in (related, RECORD_ALSO.get(related)):
        return True  # the full ordered record: what they may not read is redacted
    facets = {declared_event.facet, *declared_event.fields.values()}
    return any(_record_sight(viewer, subject, facet) is not Sight.NONE for facet in facets)


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
    "Query.module": Operation(EVERYONE),
    "Query.modules": Operation(EVERYONE),
    "Query.role": Operation(EVERYONE),
    "Query.roles": Operation(EVERYONE),
    "Query.consentPurposes": Operation(EVERYONE),
    "Query.readModelStatus": Operation(EVERYONE),
    "Query.enrollments": Operation(HR, SELF, TEAM, _EMPLOYEE),
    "Query.consents": Operation(HR | {"auditor"}, SELF, target=_EMPLOYEE),
    "Query.recommendations": Operation(frozenset(), SELF, target=_EMPLOYEE),
    "Query.reviewsDue": Operation(frozenset(), SELF, target=_EMPLOYEE),
    "Query.fairnessReport": Operation(AGGREGATE_READERS),
    "Query.modelVersions": Operation(HR | {"auditor"}),
    "Query.kpis": Operation(AGGREGATE_READERS),
    "Query.moduleInsights": Operation(AGGREGATE_READERS),
    "Query.modulesNeedingRevision": Operation(AGGREGATE_READERS),
    "Query.myData": Operation(SELF),
    "Query.employeeDataExport": Operation(HR),
    "Query.history": Operation(AUDIT | {"hr"}),
    "Query.eventLog": Operation(AUDIT),
    "Query.employeeAsOf": Operation(AUDIT | {"hr"}),
    "Query.moduleAsOf": Operation(AUDIT | {"hr"}),
    "Query.verifyIntegrity": Operation(AUDIT),
    # -- mutations: people ----------------------------------------------------------------
    "Mutation.hireEmployee": Operation(HR),
    "Mutation.updateProfile": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.assessSkill": Operation(HR, SELF, TEAM, _INPUT_EMPLOYEE),
    "Mutation.changeRole": Operation(HR),
    "Mutation.recordProductivityReached": Operation(HR, team=TEAM, target=_INPUT_EMPLOYEE),
    "Mutation.answerPulse": Operation(frozenset(), SELF, target=_INPUT_EMPLOYEE),
    "Mutation.offboardEmployee": Operation(HR),
    # -- mutations: catalogue and competence model ----------------------------------------
    "Mutation.publishModule": Operation(HR),
    "Mutation.reviseModule": Operation(HR),
    "Mutation.flagModuleForRevision": Operation(HR),
    "Mutation.retireModule": Operation(HR),
    "Mutation.defineRole": Operation(HR),
    "Mutation.reviseRole": Operation(HR),
    "Mutation.retireRole": Operation(HR),
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
    # -- mutations: programmes (ROI) ------------------------------------------------------
    "Mutation.defineProgramme": Operation(HR),
    "Mutation.recordProgrammeCost": Operation(HR),
    "Mutation.estimateTimeSaved": Operation(HR),
    # -- subscriptions --------------------------------------------------------------------
    "Subscription.kpiUpdated": Operation(AGGREGATE_READERS),
    "Subscription.moduleInsightsUpdated": Operation(AGGREGATE_READERS),
    "Subscription.events": Operation(AUDIT),
}  # fmt: skip


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


# -- the k rule -------------------------------------------------------------------------


def too_few_to_show(people: int | None, k: int) -> bool:
    """A figure resting on 1 to k-1 people is not shown (none at all says nothing)."""
    return people is not None and 0 < people < k


# -- the table in docs/trust.md ---------------------------------------------------------

_SHOWN_RELATIONS = (
    Relation.SELF, Relation.MANAGER, Relation.HR, Relation.ADMIN, Relation.AUDITOR,
    Relation.WORKS_COUNCIL, Relation.LEADERSHIP, Relation.INTEGRATION, Relation.STRANGER,
)  # fmt: skip


def operations_markdown() -> str:
    """Who may call each root field, as a Markdown table (also embedded in docs/trust.md)."""

    def roles(names: frozenset[str]) -> str:
        return ", ".join(r for r in ROLES if r in names) or "-"

    rows = ["| operation | any subject | only for themselves | for their direct reports |",
            "| --- | --- | --- | --- |"]  # fmt: skip
    for name, operation in OPERATIONS.items():
        rows.append(
            f"| `{name}` | {roles(operation.roles)} | {roles(operation.own)}"
            f" | {roles(operation.team)} |"
        )
    return "\n".join(rows)


def rules_markdown() -> str:
    """The rules as a Markdown table (docs/trust.md embeds it; a test compares them)."""
    head = "| relation | " + " | ".join(f.value.replace("_", " ") for f in _PEOPLE) + " |"
    rule = "| --- |" + " --- |" * len(_PEOPLE)
    rows = [
        f"| {r} | " + " | ".join(RULES[r][f].describe() for f in _PEOPLE) + " |"
        for r in _SHOWN_RELATIONS
    ]
    facets = [f"- **{f.value.replace('_', ' ')}**: {FACET_HELP[f]}" for f in _PEOPLE]
    return "\n".join([head, rule, *rows, "", *facets])
