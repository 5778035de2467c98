"""Text every read model can store: the one check on the text of every command.

PostgreSQL text cannot hold a NUL character and no UTF-8 column can hold a lone surrogate
(JSON's ``"\\ud800"`` decodes to one); an event carrying either is stored fine as JSON and
then stops the projections that copy it into a column. So no such text enters the event
store: every command's events are checked before they are saved (``CommandBase._store``),
and the GraphQL layer runs the same check on every argument first, naming the input field
exactly as the schema spells it. Tabs and line breaks are text; other control characters
(C0, DEL, C1) are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.aggregates import ValidationFailed

#: C0 controls but tab, line feed and carriage return; DEL and C1; UTF-16 surrogates.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

#: Event attributes that the library sets, never taken from input.
_LIBRARY_ATTRIBUTES = frozenset({"originator_id", "originator_version", "timestamp"})


def text_fault(value: str) -> str | None:
    """Why ``value`` is no storable text, or ``None`` when it is."""
    found = _NOT_TEXT.search(value)
    if found is None:
        return None
    character = found.group()
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        return f"is not valid Unicode (a lone surrogate U+{code:04X} at character {found.start()})"
    if code == 0:
        return f"must not contain a NUL character (at character {found.start()})"
    return f"must not contain the control character U+{code:04X} (at character {found.start()})"


def camel(name: str) -> str:
    """An attribute name as the schema spells input fields (``free_text`` -> ``freeText``)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def first_fault(value: Any, field: str, depth: int = 0) -> tuple[str, str] | None:
    """The first (field, reason) at fault anywhere inside ``value``, or ``None``."""
    if isinstance(value, str):
        reason = text_fault(value)
        return None if reason is None else (field, reason)
    if depth > 6 or value is None or isinstance(value, int | float | bool | bytes):
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = (first_fault(key, field, depth + 1)
                     or first_fault(item, f"{field}.{key}", depth + 1))  # fmt: skip
            if found:
                return found
        return None
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            found = first_fault(item, field, depth + 1)
            if found:
                return found
        return None
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        for name, item in attributes.items():
            if name.startswith("_"):
                continue
            found = first_fault(item, f"{field}.{camel(name)}", depth + 1)
            if found:
                return found
    return None


def _faulty(value: Any, depth: int = 0) -> bool:
    """Whether ``first_fault`` would find something: the same walk without naming fields,
    which is all nearly every event needs."""
    if isinstance(value, str):
        return _NOT_TEXT.search(value) is not None
    if depth > 6 or value is None or isinstance(value, int | float | bool | bytes):
        return False
    if isinstance(value, Mapping):
        return any(_faulty(k, depth + 1) or _faulty(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_faulty(item, depth + 1) for item in value)
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return any(
            _faulty(item, depth + 1)
            for name, item in attributes.items()
            if not name.startswith("_")
        )
    return False


def check_event_texts(events: Iterable[Any]) -> None:
    """Raise ``ValidationFailed`` naming the first field whose text a read model cannot store."""
    for event in events:
        for name, value in vars(event).items():
            if name in _LIBRARY_ATTRIBUTES or name.startswith("_") or not _faulty(value):
                continue
            found = first_fault(value, camel(name))
            if found is not None:
                raise ValidationFailed(*found)
