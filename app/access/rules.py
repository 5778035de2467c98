"""Roles, facets, relations and each relation's sight of each facet; and the k rule."""

from __future__ import annotations

from dataclasses import dataclass
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
    REPORTS = "reports"
    CONSENT = "consent"
    LIFE_PHASE = "life_phase"
    WELLBEING = "wellbeing"
    CHAMPION = "champion"


FACET_HELP: dict[Facet, str] = {
    Facet.IDENTITY: "name, email, location",
    Facet.EMPLOYMENT: "role, department, manager and reports, status, hire and leave dates,"
    " years of experience, time to productivity, internal moves",
    Facet.PROFILE: "skills and skill gaps, goals, learning preferences",
    Facet.SELF_DECLARED: "self-declared attributes (gender, age band): part of the profile,"
    " used only inside aggregate fairness reports (fairness_audit)",
    Facet.LEARNING: "enrolments, progress, quiz scores, feedback text, reviews due",
    Facet.DECISIONS: "recommendation lists served to the person and their answers",
    Facet.REPORTS: "recommendations the person reported as wrong with a comment (sent to HR"
    " for review, as the answer says), and how HR resolved them",
    Facet.CONSENT: "what the person granted and withdrew, and their erasure",
    Facet.LIFE_PHASE: "life-phase data for benefit suggestions",
    Facet.WELLBEING: "pulse answers and overload signals",
    Facet.CHAMPION: "the AI champion programme, once the person opted in: the ratings of its"
    " criteria (self-assessment, manager input), the classification built from them and"
    " from observed learning activity, and the time share spent on it",
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
    # Champions (who opted in) are classified with their manager's input, from their time.
    Relation.MANAGER: _rules(
        identity=SHARED, employment=ALWAYS, profile=SHARED, learning=SHARED, champion=ALWAYS
    ),
    # HR administers employment; the profile is the employee's alone unless shared.
    # Reports of wrong recommendations go to HR's review queue. Opting into the champion
    # programme is asking HR to classify one as a champion.
    Relation.HR: _rules(
        identity=ALWAYS,
        employment=ALWAYS,
        profile=SHARED,
        learning=SHARED,
        consent=ALWAYS,
        reports=ALWAYS,
        champion=ALWAYS,
    ),
    # Operators see what HR sees, and nothing more.
    Relation.ADMIN: _rules(
        identity=ALWAYS,
        employment=ALWAYS,
        profile=SHARED,
        learning=SHARED,
        consent=ALWAYS,
        reports=ALWAYS,
        champion=ALWAYS,
    ),
    # The full ordered record, personal text redacted (docs/trust.md: opening it).
    Relation.AUDITOR: _rules(
        identity=REDACTED,
        employment=REDACTED,
        profile=REDACTED,
        learning=REDACTED,
        decisions=REDACTED,
        reports=REDACTED,
        consent=REDACTED,
        champion=REDACTED,
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


#: Whose reading of the record a relation also has, where its own shows less: operators
#: read the full ordered history as auditors do.
RECORD_ALSO: dict[Relation, Relation] = {Relation.ADMIN: Relation.AUDITOR}


def record_sight(viewer: Viewer, subject: Subject, facet: Facet) -> Sight:
    """The viewer's sight of a facet in the record (history, state as of a time)."""
    seen = sight(viewer, subject, facet)
    if seen.visible:
        return seen.sight
    also = RECORD_ALSO.get(relation(viewer, subject))
    return Sight.NONE if also is None else RULES[also][facet].sight


# -- the k rule -------------------------------------------------------------------------


def too_few_to_show(people: int | None, k: int) -> bool:
    """A figure resting on 1 to k-1 people is not shown (none at all says nothing)."""
    return people is not None and 0 < people < k
