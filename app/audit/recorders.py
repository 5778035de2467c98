"""Event recorders that chain every event to the one before it, inside the insert.

The chain hash is a column of the events table itself (not a second store), written in the
same transaction as the event, after the writer holds the lock that already orders the log:

- PostgreSQL: the library takes ``LOCK TABLE ... IN EXCLUSIVE MODE`` before inserting, so
  that notification ids are assigned in commit order; under that lock the head hash is read
  and the new events are inserted with their hashes. Several API workers therefore take
  turns, and each one chains onto the head the previous one committed.
- SQLite: the first insert takes the database's write lock; only then is the head read and
  the new rows' hashes written, so a second process cannot slip in between.
- In memory: under the recorder's own lock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteFactory
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from app.audit.chain import GENESIS, ChainedEvent, link

#: A version no stream reaches (PostgreSQL's bigint bound): "up to the end of the stream".
NO_END = 2**63 - 1
#: Aggregates read in one statement (SQLite allows 32,766 parameters; kept well below).
_CHUNK = 500


def _links(key: bytes, previous: bytes, stored_events: Sequence[StoredEvent]) -> list[bytes]:
    hashes = []
    for s in stored_events:
        previous = link(key, previous, s.originator_id, s.originator_version, s.topic, s.state)
        hashes.append(previous)
    return hashes


def _as_bytes(value: Any) -> bytes:
    # A hand-edited row may hold text where bytes were written: still comparable, never a crash.
    return value.encode() if isinstance(value, str) else bytes(value)


def _chained(row: Any, position: str) -> ChainedEvent:
    """A stored row (SQLite or PostgreSQL, by column name) with its chain hash."""
    return ChainedEvent(
        position=row[position],
        originator_id=UUID(str(row["originator_id"])),
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=_as_bytes(row["state"]),
        chain_hash=None if row["chain_hash"] is None else _as_bytes(row["chain_hash"]),
    )


def _seal(
    chain_key: bytes,
    rows_after: Callable[[int], Sequence[ChainedEvent]],
    set_hash: Callable[[bytes, int], object],
) -> None:
    """Chain events stored before the chain existed, once, when the column is added."""
    previous, after = GENESIS, 0
    while rows := rows_after(after):
        for row in rows:
            previous = row.link_from(chain_key, previous)
            set_hash(previous, row.position)
        after = rows[-1].position


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite events table with a ``chain_hash`` column."""

    def __init__(
        self, datastore: Any, events_table_name: str = "stored_events", *, chain_key: bytes
    ) -> None:
        super().__init__(datastore, events_table_name)
        self.chain_key = chain_key
        table = self.events_table_name
        self.insert_events_statement = (
            f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
            " VALUES (?,?,?,?)"
        )
        self._head_before = (
            f"SELECT chain_hash FROM {table} WHERE rowid < ? ORDER BY rowid DESC LIMIT 1"
        )
        self._set_hash = f"UPDATE {table} SET chain_hash = ? WHERE rowid = ?"
        columns = "rowid, originator_id, originator_version, topic, state, chain_hash"
        self._select_chain = f"SELECT {columns} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        self._select_stream = {
            order: f"SELECT {columns} FROM {table} WHERE originator_id = ?"
            f" AND originator_version > ? AND originator_version < ?"
            f" ORDER BY originator_version {order} LIMIT ?"
            for order in ("ASC", "DESC")
        }
        self._select_streams = (
            f"SELECT originator_id, originator_version, topic, state FROM {table}"
            " WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version"
        )

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        c.execute(f"PRAGMA table_info({self.events_table_name})")
        if "chain_hash" not in {row["name"] for row in c.fetchall()}:
            c.execute(f"ALTER TABLE {self.events_table_name} ADD COLUMN chain_hash BLOB")
            _seal(
                self.chain_key,
                lambda after: self._chain_rows(c, after, 5_000),
                lambda chain_hash, position: c.execute(self._set_hash, (chain_hash, position)),
            )

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if not ids:
            return ids
        # The inserts hold the write lock now: the row before ours is the committed head.
        c.execute(self._head_before, (ids[0],))
        head = c.fetchone()
        previous = GENESIS if head is None or head[0] is None else bytes(head[0])
        for notification_id, chain_hash in zip(
            ids, _links(self.chain_key, previous, stored_events), strict=True
        ):
            c.execute(self._set_hash, (chain_hash, notification_id))
        return ids

    def _chain_rows(self, c: SQLiteCursor, after: int, limit: int) -> list[ChainedEvent]:
        c.execute(self._select_chain, (after, limit))
        return self._rows(c)

    def _rows(self, c: SQLiteCursor) -> list[ChainedEvent]:
        return [_chained(row, "rowid") for row in c.fetchall()]

    def select_chain(self, after: int, limit: int) -> list[ChainedEvent]:
        with self.datastore.transaction(commit=False) as c:
            return self._chain_rows(c, after, limit)

    def select_stream(
        self, stream_id: UUID, after_version: int, limit: int, *,
        before_version: int = NO_END, backward: bool = False,
    ) -> list[ChainedEvent]:  # fmt: skip
        statement = self._select_stream["DESC" if backward else "ASC"]
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (stream_id.hex, after_version, before_version, limit))
            return self._rows(c)

    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The events of several aggregates, in one read per 500 of them."""
        found: dict[UUID, list[StoredEvent]] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), _CHUNK):
                chunk = [i.hex for i in ids[start : start + _CHUNK]]
                c.execute(self._select_streams.format(marks=",".join("?" * len(chunk))), chunk)
                for row in c.fetchall():
                    originator_id = UUID(row["originator_id"])
                    found.setdefault(originator_id, []).append(
                        StoredEvent(
                            originator_id=originator_id,
                            originator_version=row["originator_version"],
                            topic=row["topic"],
                            state=bytes(row["state"]),
                        )
                    )
        return found


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL events table with a ``chain_hash`` column."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        chain_key: bytes,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.chain_key = chain_key
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "id_type": Identifier(self.datastore.originator_id_type),
        }
        self._insert_chained = SQL(
            "INSERT INTO {schema}.{table}"
            " (originator_id, originator_version, topic, state, chain_hash)"
            " SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[],"
            " %s::bytea[]) RETURNING notification_id"
        ).format(**names)
        self._head = SQL(
            "SELECT chain_hash FROM {schema}.{table} ORDER BY notification_id DESC LIMIT 1"
        ).format(**names)
        columns = "notification_id, originator_id, originator_version, topic, state, chain_hash"
        self._select_chain = SQL(
            "SELECT " + columns + " FROM {schema}.{table} WHERE notification_id > %s"
            " ORDER BY notification_id LIMIT %s"
        ).format(**names)
        self._select_stream = {
            order: SQL(
                "SELECT " + columns + " FROM {schema}.{table} WHERE originator_id = %s"
                " AND originator_version > %s AND originator_version < %s"
                " ORDER BY originator_version " + order + " LIMIT %s"
            ).format(**names)
            for order in ("ASC", "DESC")
        }
        self._select_streams = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table}"
            " WHERE originator_id = ANY(%s::{id_type}[]) ORDER BY originator_id, originator_version"
        ).format(**names)
        self._has_column = SQL(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s"
            " AND table_name = %s AND column_name = 'chain_hash'"
        )
        self._add_column = SQL("ALTER TABLE {schema}.{table} ADD COLUMN chain_hash bytea").format(
            **names
        )
        self._set_hash = SQL(
            "UPDATE {schema}.{table} SET chain_hash = %s WHERE notification_id = %s"
        ).format(**names)

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            curs.execute(self._has_column, (self.datastore.schema, self.events_table_name))
            if curs.fetchone() is None:
                curs.execute(self._add_column)
                _seal(
                    self.chain_key,
                    lambda after: self._chain_rows(curs, after, 5_000),
                    lambda chain_hash, position: curs.execute(
                        self._set_hash, (chain_hash, position)
                    ),
                )

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> None:
        # The library's lock orders notification ids by commit; the chain rides on it.
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self._head, prepare=True)
        head = curs.fetchone()
        previous = GENESIS if head is None or head["chain_hash"] is None else head["chain_hash"]
        hashes = _links(self.chain_key, bytes(previous), stored_events)
        curs.execute(
            self._insert_chained,
            (
                [s.originator_id for s in stored_events],
                [s.originator_version for s in stored_events],
                [s.topic for s in stored_events],
                [s.state for s in stored_events],
                hashes,
            ),
            prepare=True,
        )

    def _chain_rows(self, curs: Cursor[DictRow], after: int, limit: int) -> list[ChainedEvent]:
        curs.execute(self._select_chain, (after, limit), prepare=True)
        return self._rows(curs)

    def _rows(self, curs: Cursor[DictRow]) -> list[ChainedEvent]:
        return [_chained(row, "notification_id") for row in curs.fetchall()]

    def select_chain(self, after: int, limit: int) -> list[ChainedEvent]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._chain_rows(curs, after, limit)

    def select_stream(
        self, stream_id: UUID, after_version: int, limit: int, *,
        before_version: int = NO_END, backward: bool = False,
    ) -> list[ChainedEvent]:  # fmt: skip
        statement = self._select_stream["DESC" if backward else "ASC"]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (stream_id, after_version, before_version, limit), prepare=True)
            return self._rows(curs)

    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The events of several aggregates, in one query."""
        found: dict[UUID, list[StoredEvent]] = {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_streams, (list(ids),), prepare=True)
            for row in curs.fetchall():
                originator_id = UUID(str(row["originator_id"]))
                found.setdefault(originator_id, []).append(
                    StoredEvent(
                        originator_id=originator_id,
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    )
                )
        return found


class ChainedPOPORecorder(POPOApplicationRecorder):
    """The in-memory log with a hash per event."""

    def __init__(self, *, chain_key: bytes) -> None:
        super().__init__()
        self.chain_key = chain_key
        self._hashes: list[bytes] = []

    def _update_table(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._update_table(stored_events, **kwargs)
        previous = self._hashes[-1] if self._hashes else GENESIS
        self._hashes.extend(_links(self.chain_key, previous, stored_events))
        return ids

    def _row(self, index: int) -> ChainedEvent:
        s = self._stored_events[index]
        return ChainedEvent(
            position=index + 1,
            originator_id=UUID(str(s.originator_id)),
            originator_version=s.originator_version,
            topic=s.topic,
            state=s.state,
            chain_hash=self._hashes[index],
        )

    def select_chain(self, after: int, limit: int) -> list[ChainedEvent]:
        with self._database_lock:
            end = min(after + limit, len(self._stored_events))
            return [self._row(index) for index in range(after, end)]

    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The events of several aggregates."""
        found = {i: list(self.select_events(i)) for i in ids}
        return {i: events for i, events in found.items() if events}

    def select_stream(
        self, stream_id: UUID, after_version: int, limit: int, *,
        before_version: int = NO_END, backward: bool = False,
    ) -> list[ChainedEvent]:  # fmt: skip
        with self._database_lock:
            versions = self._stored_events_index.get(str(stream_id), {})
            found = sorted(
                (v for v in versions if after_version < v < before_version), reverse=backward
            )[:limit]
            return [self._row(versions[v]) for v in found]


def chained_recorder(factory: Any, chain_key: bytes) -> ApplicationRecorder:
    """The application recorder for an eventsourcing factory, with the chain built in."""
    recorder: ApplicationRecorder
    if isinstance(factory, PostgresFactory):
        table = (factory.env.name.lower() or "stored") + "_events"
        recorder = ChainedPostgresRecorder(
            factory.datastore, events_table_name=table, chain_key=chain_key
        )
    elif isinstance(factory, SQLiteFactory):
        recorder = ChainedSQLiteRecorder(factory.datastore, chain_key=chain_key)
    else:
        return ChainedPOPORecorder(chain_key=chain_key)
    if factory.env_create_table():
        recorder.create_table()
    return recorder
