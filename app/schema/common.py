"""Shared pieces of the schema: Relay paging, read-your-writes, date conversions."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

from app.projections.paging import Key, Page
from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input

MAX_PAGE = 100
CONSISTENT_WITH_HELP = (
    "Wait (bounded by SKILLPATH_CONSISTENCY_TIMEOUT_SECONDS) until the read models include "
    "the event at this position, as returned by a mutation, before answering."
)
ConsistentWith = Annotated[int | None, strawberry.argument(description=CONSISTENT_WITH_HELP)]


LAST_HELP = (
    "Page backward: how many items (1-100) to return from the end, or before the `before`"
    " cursor. With last, first is ignored."
)
BEFORE_HELP = "Return items before this cursor (an edge's or pageInfo's cursor)."
AFTER_HELP = "Return items after this cursor (an edge's or pageInfo's cursor)."
Last = Annotated[int | None, strawberry.argument(description=LAST_HELP)]
BeforeCursor = Annotated[str | None, strawberry.argument(description=BEFORE_HELP)]


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def encode_cursor(kind: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{seq}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None, field: str = "after") -> int | None:
    """The ``seq`` a cursor points at; a cursor of another kind is bad input."""
    if cursor is None:
        return None
    try:
        prefix, _, seq = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != kind:
            raise ValueError(prefix)
        return int(seq)
    except (ValueError, UnicodeDecodeError):
        raise bad_input(field, "is not a cursor from this connection") from None


def encode_key_cursor(kind: str, key: Key) -> str:
    """A cursor naming an item by a composite key (e.g. ``(enrolled_at, id)``)."""
    return base64.urlsafe_b64encode(f"{kind}:{json.dumps(list(key))}".encode()).decode()


def decode_key_cursor(kind: str, cursor: str | None, field: str, width: int) -> Key | None:
    """The composite key a cursor names; anything else is bad input naming ``field``."""
    if cursor is None:
        return None
    try:
        prefix, _, rest = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        key = json.loads(rest)
        if prefix != kind or not isinstance(key, list) or len(key) != width:
            raise ValueError(prefix)
        if not all(isinstance(part, str) for part in key):
            raise ValueError(prefix)
        return tuple(key)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise bad_input(field, "is not a cursor from this connection") from None


def page_size(first: int, field: str = "first") -> int:
    if not 1 <= first <= MAX_PAGE:
        raise bad_input(field, f"must be between 1 and {MAX_PAGE}")
    return first


@dataclass(frozen=True)
class Slice:
    """The page a connection asks for: ``first`` after a cursor, or ``last`` before one."""

    first: int
    last: int | None
    after: Any
    before: Any


def seq_slice(
    kind: str, first: int, after: str | None, last: int | None, before: str | None
) -> Slice:
    """A page of a connection keyed by ``seq``, every argument checked and named."""
    return Slice(
        first=page_size(first),
        last=None if last is None else page_size(last, "last"),
        after=decode_cursor(kind, after, "after"),
        before=decode_cursor(kind, before, "before"),
    )


def key_slice(
    kind: str, width: int, first: int, after: str | None, last: int | None, before: str | None
) -> Slice:
    """A page of a connection keyed by a composite key of ``width`` text columns."""
    return Slice(
        first=page_size(first),
        last=None if last is None else page_size(last, "last"),
        after=decode_key_cursor(kind, after, "after", width),
        before=decode_key_cursor(kind, before, "before", width),
    )


def page_info_of(cursors: list[str], page: Page[Any]) -> PageInfo:
    """Relay page information of a keyset page, from its items' cursors."""
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def page_info(kind: str, seqs: list[int], has_next: bool, after: int | None) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None and after > 0,
        start_cursor=encode_cursor(kind, seqs[0]) if seqs else None,
        end_cursor=encode_cursor(kind, seqs[-1]) if seqs else None,
    )


def selects(info: SkillpathInfo, *path: str) -> bool:
    """Whether the query asks for ``path`` (schema names) below this field, fragments included."""
    # The parsed document itself: strawberry's selected_fields would first convert every
    # node below, arguments and directives included, on each call.
    raw = info._raw_info
    fragments = raw.fragments

    def walk(nodes: Any, names: tuple[str, ...]) -> bool:
        for node in nodes:
            if isinstance(node, FragmentSpreadNode):
                found = fragments.get(node.name.value)
                if found is not None and walk(found.selection_set.selections, names):
                    return True
            elif isinstance(node, InlineFragmentNode):
                if walk(node.selection_set.selections, names):
                    return True
            elif isinstance(node, FieldNode) and node.name.value == names[0]:
                if len(names) == 1:
                    return True
                if node.selection_set and walk(node.selection_set.selections, names[1:]):
                    return True
        return False

    return any(
        walk(field.selection_set.selections, path)
        for field in raw.field_nodes
        if field.selection_set
    )


def selected_names(info: SkillpathInfo, *path: str) -> set[str]:
    """The names of the fields the query asks for at ``path`` below this field (schema
    names, fragments included)."""
    raw = info._raw_info
    fragments = raw.fragments
    found: set[str] = set()

    def walk(nodes: Any, names: tuple[str, ...]) -> None:
        for node in nodes:
            if isinstance(node, FragmentSpreadNode):
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    walk(fragment.selection_set.selections, names)
            elif isinstance(node, InlineFragmentNode):
                walk(node.selection_set.selections, names)
            elif isinstance(node, FieldNode):
                if not names:
                    found.add(node.name.value)
                elif node.name.value == names[0] and node.selection_set:
                    walk(node.selection_set.selections, names[1:])

    for field in raw.field_nodes:
        if field.selection_set:
            walk(field.selection_set.selections, path)
    return found


async def consistent(info: SkillpathInfo, position: int | None) -> None:
    """Read-your-writes: hold the query until the read models reach ``position``."""
    if position is None:
        return
    if position < 0:
        raise bad_input("consistentWith", "must not be negative")
    services = info.context.services
    if position <= services.runner.position:
        return
    if not await info.context.run(services.read_models_reach, position):
        raise bad_input(
            "consistentWith",
            f"the read models did not reach position {position} within "
            f"{services.settings.consistency_timeout_seconds:g}s; retry later",
        )


#: Room left around a query's time for the readers' arithmetic (the event log's ordering
#: slack), so an extreme time is refused instead of overflowing there.
TIME_MARGIN = timedelta(days=1)


def aware(value: datetime | None, field: str) -> datetime | None:
    """A query's time argument, which must say its time zone (a naive one is ambiguous)
    and lie a day inside the years 1-9999."""
    if value is None:
        return None
    if value.utcoffset() is None:
        raise bad_input(field, "needs a time zone, e.g. 2024-01-02T10:00:00Z")
    try:
        utc = value.astimezone(UTC)
        _ = (utc - TIME_MARGIN, utc + TIME_MARGIN)  # only whether they overflow
    except OverflowError:
        raise bad_input(field, "is out of range") from None
    return value


def to_datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def to_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
