"""Keyset pagination over read models ordered by their ``seq`` column."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from app.persistence import SqlGateway

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """A slice of rows after a ``seq``, with whether more follow and the filtered total."""

    items: list[T]
    has_next: bool
    total: int


def page_query(
    gateway: SqlGateway,
    table: str,
    filters: Mapping[str, Any],
    first: int,
    after: int | None,
    convert: Callable[[dict[str, Any]], T],
    extra_where: tuple[str, list[Any]] | None = None,
) -> Page[T]:
    """Rows with ``seq > after`` matching the non-None filters, ``first`` of them."""
    clauses = [clause for clause, value in filters.items() if value is not None]
    params: list[Any] = [value for value in filters.values() if value is not None]
    if extra_where is not None:
        clauses.append(extra_where[0])
        params.extend(extra_where[1])
    where = " AND ".join(clauses) or "1 = 1"
    with gateway.transaction(write=False) as tx:
        total = int(tx.scalar(f"SELECT COUNT(*) AS n FROM {{{table}}} WHERE {where}", params))
        rows = tx.rows(
            f"SELECT * FROM {{{table}}} WHERE {where} AND seq > %s ORDER BY seq LIMIT %s",
            [*params, after or 0, first + 1],
        )
    return Page([convert(r) for r in rows[:first]], len(rows) > first, total)
