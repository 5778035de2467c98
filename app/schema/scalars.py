"""Scalars whose reading the schema decides: a DateTime without a time zone is UTC.

graphql's DateTime is ISO 8601; ``"1900-01-01T00:00:00"`` carries no offset, and comparing
it with the event store's aware timestamps fails inside the resolver. Skillpath reads such
a value as UTC, as the domain already does for business times (app/aggregates/base.py),
and says so in the scalar's description.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dateutil.parser
import strawberry
from strawberry.schema.types.base_scalars import wrap_parser


def _utc(value: str) -> datetime:
    parsed = dateutil.parser.isoparse(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


#: The DateTime scalar as Skillpath reads it.
DATE_TIME_UTC = strawberry.scalar(
    name="DateTime",
    description="Date with time (ISO 8601); a value without a time zone offset is read as UTC.",
    serialize=datetime.isoformat,
    parse_value=wrap_parser(_utc, "DateTime"),
)

SCALAR_OVERRIDES: dict[object, Any] = {datetime: DATE_TIME_UTC}
