"""What every Skillpath event and aggregate shares: the actor, personal-data declarations,
business time and the value checks commands use before they trigger an event."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from uuid import UUID

from app.aggregates.errors import ValidationFailed

MAX_SHORT_TEXT = 200
MAX_LONG_TEXT = 5_000
#: Clocks of clients and integrations drift; an event may claim to be this far ahead.
CLOCK_SKEW = timedelta(minutes=5)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Actor:
    """Who caused an event, and in which role (``employee``, ``hr``, ``system``, ...)."""

    id: str
    role: str


SYSTEM = Actor(id="system", role="system")


class PersonalData:
    """Mixin for event classes: names the fields that hold personal data.

    The fields stay part of the event's shape; only their storage is treated per subject
    (encrypted with the subject's key), so erasure never changes an event class.
    """

    personal_fields: ClassVar[frozenset[str]] = frozenset()
    #: The event field naming the person the data is about; ``None`` means the aggregate id.
    subject_field: ClassVar[str | None] = None


def utc_now() -> datetime:
    return datetime.now(UTC)


def business_time(value: datetime | None, field: str) -> datetime:
    """When something happened; ``None`` means now. Never in the future."""
    if value is None:
        return utc_now()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value > utc_now() + CLOCK_SKEW:
        raise ValidationFailed(field, "must not be in the future")
    return value


def past_date(value: date, field: str) -> date:
    if value > (utc_now() + CLOCK_SKEW).date():
        raise ValidationFailed(field, "must not be in the future")
    return value


def text(value: str, field: str, max_length: int = MAX_SHORT_TEXT, required: bool = True) -> str:
    """Trimmed text within a length; empty only where ``required`` is false."""
    value = value.strip()
    if required and not value:
        raise ValidationFailed(field, "must not be empty")
    if len(value) > max_length:
        raise ValidationFailed(field, f"must be at most {max_length} characters")
    return value


def email(value: str, field: str = "email") -> str:
    value = text(value, field, max_length=254).lower()
    if not _EMAIL.match(value):
        raise ValidationFailed(field, "is not a valid email address")
    return value


def in_range(value: int | float, field: str, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValidationFailed(field, f"must be between {low:g} and {high:g}")


def one_of(value: str, field: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValidationFailed(field, f"must be one of {', '.join(allowed)}")
    return value


def labels(values: Iterable[str], field: str, max_items: int = 50) -> list[str]:
    """Distinct, trimmed, non-empty tags (topics, goals, media types) in given order."""
    result: list[str] = []
    for value in values:
        item = text(value, field, max_length=100)
        if item not in result:
            result.append(item)
    if len(result) > max_items:
        raise ValidationFailed(field, f"must have at most {max_items} entries")
    return result


def skill_name(value: str, field: str = "skill") -> str:
    """Skills are compared case-insensitively, so they are stored in lower case."""
    return text(value, field, max_length=100).lower()


def uuid_ref(value: UUID | str, field: str) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationFailed(field, "is not a valid id") from None
