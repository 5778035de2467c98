"""Reporting windows in business time: the last 7/30/90 days, a calendar quarter, or custom."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PRESET_DAYS = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90}
#: A custom window longer than this is almost certainly a mistake (and an expensive query).
MAX_DAYS = 3 * 366
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class WindowError(ValueError):
    """A window cannot be built; ``field`` names the argument at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Window:
    """The days ``start`` to ``end``, both included."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def last_days(days: int, today: date) -> Window:
    return Window(today - timedelta(days=days - 1), today, f"last {days} days")


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter(name: str) -> Window:
    """A calendar quarter named like ``2026-Q3``."""
    found = _QUARTER.match(name.strip().upper())
    if not found:
        raise WindowError("quarter", "must look like 2026-Q3")
    year, number = int(found.group(1)), int(found.group(2))
    start = date(year, 3 * number - 2, 1)
    after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return Window(start, after - timedelta(days=1), f"{year}-Q{number}")


def custom(start: date | None, end: date | None) -> Window:
    if start is None:
        raise WindowError("from", "is required for a custom window")
    if end is None:
        raise WindowError("to", "is required for a custom window")
    if end < start:
        raise WindowError("to", "must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise WindowError("to", f"a window may span at most {MAX_DAYS} days")
    return Window(start, end, f"{start.isoformat()} to {end.isoformat()}")


def build(
    kind: str,
    today: date,
    *,
    quarter_name: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Window:
    """The window of a ``kind`` (a preset, ``quarter`` or ``custom``) as of ``today``."""
    if kind in PRESET_DAYS:
        return last_days(PRESET_DAYS[kind], today)
    if kind == "quarter":
        return quarter(quarter_name or quarter_of(today))
    if kind == "custom":
        return custom(start, end)
    raise WindowError("kind", f"unknown window {kind!r}")
