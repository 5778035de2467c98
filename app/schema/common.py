"""Shared pieces of the schema: Relay paging, read-your-writes, date conversions."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

from app.schema.context import SkillpathInfo
from app.schema.errors import bad_input

MAX_PAGE = 100
CONSISTENT_WITH_HELP = (
    "Wait (bounded by SKILLPATH_CONSISTENCY_TIMEOUT_SECONDS) until the read models include "
    "the event at this position, as returned by a mutation, before answering."
)
ConsistentWith = Annotated[int | None, strawberry.argument(description=CONSISTENT_WITH_HELP)]


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def encode_cursor(kind: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{seq}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """The ``seq`` a cursor points after; a cursor of another kind is bad input."""
    if cursor is None:
        return None
    try:
        prefix, _, seq = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != kind:
            raise ValueError(prefix)
        return int(seq)
    except (ValueError, UnicodeDecodeError):
        raise bad_input("after", "is not a cursor from this connection") from None


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise bad_input("first", f"must be between 1 and {MAX_PAGE}")
    return first


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


def to_datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def to_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
