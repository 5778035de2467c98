"""The access policy: who may see which facet of whom, and who may call what.

One pure package decides every read and write of a person's data, wherever it is reached
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

docs/trust.md shows the rules as tables generated from it (``rules_markdown``,
``operations_markdown``).

- ``rules``: roles, facets, relations, sight; the k rule;
- ``fields``: the facet of every field of every type that carries a person's data;
- ``events``: the facet of every event field, and how the record is read;
- ``operations``: who may call each root field;
- ``tables``: the Markdown tables.
"""

from __future__ import annotations

from app.access.events import (
    EVENT_FACETS,
    EventFacets,
    event_facets,
    event_field_seen,
    event_seen,
)
from app.access.fields import (
    AGGREGATES,
    IMPERSONAL,
    PART_OF,
    PERSON_TYPES,
    SCREENED,
    Part,
    PersonType,
    declared,
    field_seen,
    sees_anything,
    visible_fields,
)
from app.access.operations import (
    ENDPOINTS,
    OPERATIONS,
    Decision,
    Operation,
    Target,
    TargetKind,
    may_call_by_role,
    may_call_endpoint,
    may_call_for,
    shared_scope,
)
from app.access.rules import (
    AGGREGATE_READERS,
    PERSONAL_ROLES,
    ROLES,
    RULES,
    SYSTEM,
    Facet,
    Relation,
    Rule,
    Seen,
    Sight,
    Subject,
    Viewer,
    facets_seen,
    relation,
    sight,
    too_few_to_show,
)
from app.access.tables import operations_markdown, rules_markdown

__all__ = [
    "AGGREGATES", "AGGREGATE_READERS", "ENDPOINTS", "EVENT_FACETS", "IMPERSONAL", "OPERATIONS",
    "PART_OF", "PERSONAL_ROLES", "PERSON_TYPES", "ROLES", "RULES", "SCREENED", "SYSTEM", "Decision",
    "EventFacets", "Facet", "Operation", "Part", "PersonType", "Relation", "Rule", "Seen",
    "Sight", "Subject", "Target", "TargetKind", "Viewer", "declared", "event_facets",
    "event_field_seen", "event_seen", "facets_seen", "field_seen", "may_call_by_role",
    "may_call_endpoint", "may_call_for", "operations_markdown", "relation", "rules_markdown",
    "sees_anything", "shared_scope", "sight", "too_few_to_show", "visible_fields",
]  # fmt: skip
