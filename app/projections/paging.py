"""Keyset pagination over read models: pages bounded by the key of an item, not an offset.

A page is asked for as Relay does (``first`` after a key, or ``last`` before a key) and
found by comparing the ordering key itself (``seq``, or ``(enrolled_at, id)``), so rows
inserted or removed elsewhere never shift a page: a cursor keeps pointing at the same item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from app.persistence import SqlGateway

T = TypeVar("T")
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    """A slice of rows in key order, with whether more follow or precede and the total
    (``NOT_COUNTED`` when the caller did not ask for it)."""

    items: list[T]
    has_next: bool
    total: int
    has_previous: bool = False


#: ``Page.total`` of a page read without counting (``page_query(count=False)``).
NOT_COUNTED = -1


def _key(value: int | Key | None) -> Key | None:
    return (value,) if isinstance(value, int) else value


def page_query(
    gateway: SqlGateway,
    table: str,
    filters: Mapping[str, Any],
    first: int,
    after: int | Key | None,
    convert: Callable[[dict[str, Any]], T],
    extra_where: tuple[str, list[Any]] | None = None,
    *,
    last: int | None = None,
    before: int | Key | None = None,
    key: Sequence[str] = ("seq",),
    count: bool = True,
    columns: Sequence[str] | None = None,
) -> Page[T]:
    """Rows matching the non-None filters with a key between ``after`` and ``before``
    (both excluded): the ``first`` of them, or with ``last`` the last ``last`` of them.

    ``count``: whether to count every matching row (``COUNT(*)`` reads the whole range;
    only a query that selects the total needs it). ``columns``: the columns to read (the
    key is always read), or every one."""
    clauses = [clause for clause, value in filters.items() if value is not None]
    params: list[Any] = [value for value in filters.values() if value is not None]
    if extra_where is not None:
        clauses.append(extra_where[0])
        params.extend(extra_where[1])
    where = " AND ".join(clauses) or "1 = 1"
    selected = "*" if columns is None else ", ".join(dict.fromkeys([*key, *columns]))
    keyed = f"({', '.join(key)})"
    marks = f"({', '.join(['%s'] * len(key))})"
    low, high = _key(after), _key(before)
    bounds: list[str] = []
    bound_params: list[Any] = []
    if low is not None:
        bounds.append(f"{keyed} > {marks}")
        bound_params.extend(low)
    if high is not None:
        bounds.append(f"{keyed} < {marks}")
        bound_params.extend(high)
    window = " AND ".join([where, *bounds])
    backward = last is not None
    size = last if last is not None else first
    order = ", ".join(f"{c} DESC" if backward else c for c in key)
    with gateway.transaction(write=False) as tx:
        total = NOT_COUNTED
        if count:
            total = int(tx.scalar(f"SELECT COUNT(*) AS n FROM {{{table}}} WHERE {where}", params))
        rows = tx.rows(
            f"SELECT {selected} FROM {{{table}}} WHERE {window} ORDER BY {order} LIMIT %s",
            [*params, *bound_params, size + 1],
        )
        more = len(rows) > size
        rows = rows[:size]
        if backward:
            rows.reverse()
        # Whether anything lies beyond the cursor the page starts from: one indexed probe.
        start, op = (high, ">=") if backward else (low, "<=")
        beyond = start is not None and _exists(tx, table, where, params, keyed, marks,
                                               start, op)  # fmt: skip
    items = [convert(r) for r in rows]
    if backward:
        return Page(items, has_next=beyond, total=total, has_previous=more)
    return Page(items, has_next=more, total=total, has_previous=beyond)


def _exists(
    tx: Any, table: str, where: str, params: list[Any], columns: str, marks: str, key: Key,
    op: str,
) -> bool:  # fmt: skip
    found = tx.rows(
        f"SELECT 1 AS one FROM {{{table}}} WHERE {where} AND {columns} {op} {marks} LIMIT 1",
        [*params, *key],
    )
    return bool(found)
