"""What each kind of webhook endpoint may receive of a person.

Every endpoint receives the events it asked for with their structure (ids, positions,
times, module and role references, figures); personal fields (the fields an event seals
per subject: names, emails, locations, goals, comments, statements) are sent only to
endpoint kinds whose facets here include the field's facet (app/access/events.py).
"""

from __future__ import annotations

from enum import StrEnum

from app.access.events import event_facets
from app.access.rules import Facet


class EndpointKind(StrEnum):
    """What an endpoint is, as HR registers it."""

    #: The HR system of record: it holds who people are and where they work already.
    HRIS = "hris"
    #: A learning platform: learning facts only, no one's identity.
    LMS = "lms"
    #: Anything else (data warehouse, chat notifications): structure only.
    OTHER = "other"


ENDPOINT_FACETS: dict[EndpointKind, frozenset[Facet]] = {
    EndpointKind.HRIS: frozenset({Facet.IDENTITY, Facet.EMPLOYMENT}),
    EndpointKind.LMS: frozenset(),
    EndpointKind.OTHER: frozenset(),
}


def may_send_personal(kind: EndpointKind, event_type: str, field: str) -> bool:
    """Whether a personal field of an event may go to an endpoint of this kind."""
    declared = event_facets(event_type)
    if declared is None:
        return False
    facet = declared.fields.get(field, declared.facet)
    return facet in ENDPOINT_FACETS[kind]


def webhooks_markdown() -> str:
    """The table above as Markdown (embedded in docs/trust.md)."""
    rows = ["| endpoint kind | personal fields sent |", "| --- | --- |"]
    for kind, facets in ENDPOINT_FACETS.items():
        shown = ", ".join(sorted(f.value for f in facets)) or "none (structure only)"
        rows.append(f"| `{kind.value}` | {shown} |")
    return "\n".join(rows)
