"""A read-model transaction that holds writes back and sends them as sets.

The projection runner applies a batch of events in one transaction. Through a
``BatchTransaction`` a handler's writes are queued, not sent: runs of the same statement go
to the database as one ``executemany`` (pipelined on PostgreSQL, so one round trip for the
lot), and a projection may fold many events into one row in memory (``fold``: a sum per
key, a set of members) that is written once. Nothing read can tell the difference:

- a read (``rows``, ``row``, ``scalar``) first sends every queued write and every fold that
  touches a table it names, so it sees exactly what a one-at-a-time transaction would;
- a write that names a table a fold covers first writes that fold, so the order of writes
  to any one table is the order of the events;
- writes are never reordered, only delayed, and everything is sent before the positions.

Tables are known from the ``{table}`` names every read-model statement uses. A handler
written for one event at a time works unchanged on this transaction. An error comes out
when the writes are sent, so its event is not known: the runner then rolls the batch back
and applies it again one event at a time, which names the event (engine.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from app.persistence import Transaction

_TABLE = re.compile(r"\{(\w+)\}")
_TABLES: dict[str, frozenset[str]] = {}


def tables_of(sql: str) -> frozenset[str]:
    """The read-model tables a statement names (``{table}``)."""
    found = _TABLES.get(sql)
    if found is None:
        found = _TABLES[sql] = frozenset(_TABLE.findall(sql))
    return found


class Fold:
    """Writes a projection gathered in memory over a batch; sent once, when needed."""

    #: The tables ``flush`` writes: a statement or read naming one of them sends it first.
    tables: frozenset[str] = frozenset()

    def flush(self, tx: BatchTransaction) -> None:
        raise NotImplementedError


FoldT = TypeVar("FoldT", bound=Fold)


class BatchTransaction(Transaction):
    """The same interface as ``Transaction``; writes held back until they matter."""

    def __init__(self, inner: Transaction, *, script: Any | None = None) -> None:
        super().__init__(inner._gateway, inner._cursor)
        self._queue: list[tuple[str, list[tuple[Any, ...]]]] = []
        self._queued_tables: set[str] = set()
        self._folds: dict[str, Fold] = {}
        #: PostgreSQL: a client-side cursor on the same connection, which binds parameters
        #: itself, so held-back writes go as one script, one round trip.
        self._script = script
        self._memos: dict[str, dict[Any, Any]] = {}
        #: Statements sent, for tests and profiles.
        self.sent = 0

    # -- writes -----------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._before_write(sql)
        if self._queue and self._queue[-1][0] == sql:
            self._queue[-1][1].append(tuple(params))
        else:
            self._queue.append((sql, [tuple(params)]))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self._before_write(sql)
        if self._queue and self._queue[-1][0] == sql:
            self._queue[-1][1].extend(tuple(r) for r in rows)
        else:
            self._queue.append((sql, [tuple(r) for r in rows]))

    def _before_write(self, sql: str) -> None:
        tables = tables_of(sql)
        if self._folds:
            self._flush_folds(tables)
        self._queued_tables.update(tables)

    # -- folds ------------------------------------------------------------------------------

    def fold(self, key: str, factory: Callable[[], FoldT]) -> FoldT:
        """The batch's fold named ``key`` (made by ``factory`` when there is none pending)."""
        found = self._folds.get(key)
        if found is None:
            found = self._folds[key] = factory()
        return found  # type: ignore[return-value]

    def _flush_folds(self, tables: frozenset[str] | None) -> None:
        for key in list(self._folds):
            fold = self._folds.get(key)
            if fold is None or (tables is not None and not fold.tables & tables):
                continue
            del self._folds[key]
            fold.flush(self)

    def memo(self, name: str) -> dict[Any, Any]:
        """A dictionary that lives as long as this transaction: rows a projection read or
        wrote earlier in the batch, which only it writes, so they are still current."""
        found = self._memos.get(name)
        if found is None:
            found = self._memos[name] = {}
        return found

    # -- reads ------------------------------------------------------------------------------

    def _before_read(self, sql: str) -> None:
        tables = tables_of(sql)
        if self._folds:
            self._flush_folds(tables)
        if self._queue and not self._queued_tables.isdisjoint(tables):
            self._send()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._before_read(sql)
        Transaction.execute(self, sql, params)
        self.sent += 1
        return [dict(row) for row in self._cursor.fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        self._before_read(sql)
        Transaction.execute(self, sql, params)
        self.sent += 1
        found = self._cursor.fetchone()
        return None if found is None else dict(found)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.row(sql, params)
        return None if found is None else next(iter(found.values()))

    def scalar_as_sent(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """A read that does not wait for held-back writes: only for a value the caller
        knows none of them changes (one it remembers whenever it writes it)."""
        Transaction.execute(self, sql, params)
        self.sent += 1
        found = self._cursor.fetchone()
        return None if found is None else next(iter(dict(found).values()))

    # -- sending ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Send everything held back (the runner does before it stores the positions)."""
        while self._folds:
            self._flush_folds(None)
        self._send()

    def _send(self) -> None:
        queue, self._queue = self._queue, []
        self._queued_tables = set()
        if not queue:
            return
        sql_of = self._gateway.sql
        cursor = self._cursor
        if self._script is not None:
            mogrify = self._script.mogrify
            parts = [mogrify(sql_of(sql), row) for sql, params in queue for row in params]
            self._script.execute(";\n".join(parts))
        else:
            for sql, params in queue:
                if len(params) == 1:
                    cursor.execute(sql_of(sql), params[0])
                else:
                    cursor.executemany(sql_of(sql), params)
        self.sent += len(queue)


def batch_transaction(tx: Transaction) -> BatchTransaction:
    """A ``BatchTransaction`` over ``tx``; on PostgreSQL its writes are sent as one script
    (the simple query protocol runs many statements in one round trip, in the transaction;
    the first that fails aborts it)."""
    script = None
    if tx._gateway.dialect == "postgres":
        connection = getattr(tx._cursor, "connection", None)
        if connection is not None:
            import psycopg

            script = psycopg.ClientCursor(connection)
    return BatchTransaction(tx, script=script)
