"""Which facet each field of each event about a person belongs to, and how the record is
read: events a viewer may not see are left out, fields they may not read redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.access.rules import (
    PERSONAL_ROLES,
    RECORD_ALSO,
    Facet,
    Relation,
    Sight,
    Subject,
    Viewer,
    record_sight,
    relation,
)

# -- what each event's fields are -------------------------------------------------------


@dataclass(frozen=True)
class EventFacets:
    """The facet of an event's content, with exceptions per field."""

    facet: Facet
    fields: Mapping[str, Facet] = field(default_factory=dict)


EVENT_FACETS: dict[str, EventFacets] = {
    "Employee.Hired": EventFacets(
        Facet.EMPLOYMENT,
        {"name": Facet.IDENTITY, "email": Facet.IDENTITY, "location": Facet.IDENTITY},
    ),
    "Employee.DetailsChanged": EventFacets(
        Facet.EMPLOYMENT,
        {"name": Facet.IDENTITY, "email": Facet.IDENTITY, "location": Facet.IDENTITY},
    ),
    "Employee.ProfileUpdated": EventFacets(Facet.PROFILE),
    "Employee.SkillAssessed": EventFacets(Facet.PROFILE),
    "Employee.AttributesSelfDeclared": EventFacets(Facet.SELF_DECLARED),
    "Employee.RoleChanged": EventFacets(Facet.EMPLOYMENT),
    "Employee.ProductivityReached": EventFacets(Facet.EMPLOYMENT),
    "Employee.PulseAnswered": EventFacets(Facet.WELLBEING),
    "Employee.PulseSurveyAnswered": EventFacets(Facet.WELLBEING),
    "Employee.Left": EventFacets(Facet.EMPLOYMENT),
    "Employee.MentorOptedIn": EventFacets(Facet.PROFILE),
    "Employee.MentorOptedOut": EventFacets(Facet.PROFILE),
    "Employee.MenteeTaken": EventFacets(Facet.PROFILE),
    "Employee.MenteeReleased": EventFacets(Facet.PROFILE),
    "Employee.OnboardingStarted": EventFacets(Facet.EMPLOYMENT),
    "Employee.LifePhaseDeclared": EventFacets(Facet.LIFE_PHASE),
    "Employee.BenefitTakenUp": EventFacets(Facet.LIFE_PHASE),
    "Employee.OnboardingMilestoneReached": EventFacets(Facet.EMPLOYMENT),
    "Employee.ChampionOptedIn": EventFacets(Facet.CHAMPION),
    "Employee.ChampionOptedOut": EventFacets(Facet.CHAMPION),
    "Employee.ChampionInputGiven": EventFacets(Facet.CHAMPION),
    "Employee.ChampionTimeRecorded": EventFacets(Facet.CHAMPION),
    "EmailClaim.Claimed": EventFacets(Facet.IDENTITY),
    "XapiStatement.Recorded": EventFacets(Facet.LEARNING),
    "ConsentLedger.Opened": EventFacets(Facet.CONSENT),
    "ConsentLedger.Granted": EventFacets(Facet.CONSENT),
    "ConsentLedger.Withdrawn": EventFacets(Facet.CONSENT),
    "ConsentLedger.ErasureRequested": EventFacets(Facet.CONSENT),
    "ConsentLedger.Erased": EventFacets(Facet.CONSENT),
    "RecommendationDecision.RecommendationIssued": EventFacets(Facet.DECISIONS),
    "RecommendationDecision.RecommendationAnswered": EventFacets(Facet.DECISIONS),
    "RecommendationDecision.ReportResolved": EventFacets(Facet.REPORTS),
}
#: Every enrolment event is about learning.
ENROLLMENT_EVENTS = EventFacets(Facet.LEARNING)
#: Fields that never reveal content: who acted is shown with the event itself.
_ALWAYS_SHOWN = frozenset({"actor"})


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
    seen = record_sight(viewer, subject, facet)
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
    return any(record_sight(viewer, subject, facet) is not Sight.NONE for facet in facets)
