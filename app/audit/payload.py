"""Events as plain JSON: what the history, the event log and data exports show of an event."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from app.consent.envelope import personal_fields

#: What a personal field shows to a caller who may not read the subject's personal data.
REDACTED = "[redacted]"
_ENVELOPE_FIELDS = frozenset({"originator_id", "originator_version", "timestamp"})


def plain(value: Any) -> Any:
    """``value`` with ids, times, actors and collections made JSON-safe."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def event_type(event: Any) -> str:
    """``Employee.Hired``: the aggregate and event class, as the schema names event types."""
    return type(event).__qualname__


def event_payload(
    event: Any,
    *,
    redact_personal: bool = False,
    readable: Callable[[str], bool] | None = None,
) -> dict[str, Any]:
    """The event's own fields (not its id, version or time); personal ones redacted if
    asked, and any field ``readable`` refuses. An empty value says nothing and stays."""
    hidden = personal_fields(type(event)) if redact_personal else frozenset()
    payload: dict[str, Any] = {}
    for name, value in sorted(vars(event).items()):
        if name in _ENVELOPE_FIELDS or name.startswith("_"):
            continue
        refused = name in hidden or (readable is not None and not readable(name))
        empty = value is None or value == "" or value == [] or value == ()
        payload[name] = REDACTED if refused and not empty else plain(value)
    return payload
