"""Adapters to the storage engines: eventsourcing environments, transcodings, and a small
SQL gateway that lets read models run unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import (
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    Transcoding,
)

from app.aggregates.base import Actor
from app.secure_sqlite import EVENT_CHECKPOINT_PAGES, READ_MODEL_CHECKPOINT_PAGES, truncate_wal
from app.settings import Settings

#: Seconds a SQLite connection waits for a lock before giving up.
_SQLITE_LOCK_TIMEOUT = 10


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, str]:
        return {"id": obj.id, "role": obj.role}

    def decode(self, data: dict[str, str]) -> Actor:
        return Actor(id=data["id"], role=data["role"])


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(ActorAsDict())


def eventsourcing_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing library's environment for these settings."""
    env = {
        "AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache_size),
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }
    if settings.persistence == "sqlite":
        Path(settings.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        env.update(
            # The library's SQLite with freed bytes zeroed on every connection (erasure).
            PERSISTENCE_MODULE="app.secure_sqlite:SecureSQLiteFactory",
            SQLITE_DBNAME=settings.sqlite_path,
            SQLITE_LOCK_TIMEOUT=str(_SQLITE_LOCK_TIMEOUT),
        )
    elif settings.persistence == "postgres":
        pg = settings.postgres
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=pg.dbname,
            POSTGRES_HOST=pg.host,
            POSTGRES_PORT=str(pg.port),
            POSTGRES_USER=pg.user,
            POSTGRES_PASSWORD=pg.password,
            POSTGRES_SCHEMA=pg.schema,
            POSTGRES_POOL_SIZE=str(pg.pool_size),
            POSTGRES_CONNECT_TIMEOUT=str(pg.connect_timeout),
        )
    else:
        env.update(PERSISTENCE_MODULE="eventsourcing.popo")
    return env


class Cursor(Protocol):
    def execute(self, statement: Any, params: Any = ..., /) -> Any: ...
    def executemany(self, statement: Any, params: Any, /) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


class Transaction:
    """One read-model transaction: SQL written with ``%s`` placeholders and ``{table}`` names."""

    def __init__(self, gateway: SqlGateway, cursor: Cursor) -> None:
        self._gateway = gateway
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._gateway.sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._gateway.sql(sql), [tuple(r) for r in rows])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.execute(sql, params)
        return [dict(row) for row in self._cursor.fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        self.execute(sql, params)
        found = self._cursor.fetchone()
        return None if found is None else dict(found)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.row(sql, params)
        return None if found is None else next(iter(found.values()))


_TABLE = re.compile(r"\{(\w+)\}")


class SqlGateway:
    """Read-model SQL on the event store's own database and connection pool.

    Statements name tables as ``{employees}``; the gateway qualifies them with the
    PostgreSQL schema and turns ``%s`` into SQLite's ``?``. Writes and reads share the
    event store's pool, so SQLite keeps a single writer and PostgreSQL one pool.
    """

    def __init__(
        self,
        datastore: Any,
        dialect: str,
        schema: str = "",
        readers: SQLiteReaders | None = None,
        *,
        rewrite_after_erasure: bool = False,
    ) -> None:
        self._datastore = datastore
        self.dialect = dialect
        self._rewrite = rewrite_after_erasure
        self._prefix = f'"{schema}".' if dialect == "postgres" and schema else ""
        self._cache: dict[str, str] = {}
        self._readers = readers

    @property
    def reads_never_wait(self) -> bool:
        """Whether a read returns without waiting for writers or pool slots (SQLite in WAL
        mode on its own read connections), so it may run on the event loop."""
        return self._readers is not None

    def close(self) -> None:
        if self._readers is not None:
            self._readers.close()

    def table(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def release_overwritten(self, tables: Sequence[str]) -> bool:
        """Make old versions of rows just overwritten in ``tables`` leave the database files.

        SQLite zeroes freed bytes as it goes (``secure_delete``); what is left are the old
        page images in the write-ahead log, which a truncating checkpoint removes.
        PostgreSQL keeps the old row versions as dead tuples: a plain vacuum frees their
        space for reuse (no query reaches them), but their bytes stay in the page until
        overwritten; a full vacuum rewrites each table into a new file (docs/trust.md).
        Returns false when it could not be done now (SQLite readers kept the log busy).
        """
        if self.dialect == "postgres":
            vacuum = "VACUUM FULL " if self._rewrite else "VACUUM "
            with self._datastore.get_connection() as connection:
                connection.execute(vacuum + ", ".join(self.table(t) for t in tables))
            return True
        return truncate_wal(self._datastore)

    def sql(self, statement: str) -> str:
        cached = self._cache.get(statement)
        if cached is None:
            cached = _TABLE.sub(lambda m: self.table(m.group(1)), statement)
            if self.dialect == "sqlite":
                cached = cached.replace("%s", "?")
            self._cache[statement] = cached
        return cached

    @contextlib.contextmanager
    def transaction(self, *, write: bool, durable: bool = True) -> Iterator[Transaction]:
        """A transaction on the shared pool; ``durable=False`` commits without waiting for
        the disk, for rows a restart can rebuild from the event log (read models and their
        positions, written together) and never for events, keys or anything else."""
        if write and not durable:
            with self._relaxed_transaction() as cursor:
                yield Transaction(self, cursor)
            return
        if not write and self._readers is not None and self._readers.idle():
            with self._readers.transaction() as reader:
                yield Transaction(self, reader)
            return
        with self._datastore.transaction(commit=write) as cursor:
            yield Transaction(self, cursor)

    @contextlib.contextmanager
    def _relaxed_transaction(self) -> Iterator[Cursor]:
        # A crash may lose the last such commits, rows and positions together, so a
        # projection re-applies those events on restart. Event commits keep syncing, and a
        # later synced commit also flushes the earlier relaxed ones (WAL and PostgreSQL's log
        # are written in order), so the event store loses nothing.
        if self.dialect == "postgres":
            # Not pipelined: with psycopg 3.3 a handler's read after its own writes in a
            # pipeline could fetch the result of an earlier UPDATE instead of its rows.
            with self._datastore.transaction(commit=True) as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                yield cursor
            return
        # SQLite: the safety level is per connection and cannot change inside a transaction.
        # These commits also checkpoint the log (app/secure_sqlite.py), so that the fsyncs of
        # a checkpoint fall on a read-model batch, not on a request waiting for its event.
        with self._datastore.get_connection(commit=True) as connection:
            pragma = connection.cursor()
            pragma.execute("PRAGMA synchronous")
            level = int(pragma.fetchone()[0])
            pragma.execute("PRAGMA synchronous = NORMAL")
            pragma.execute(f"PRAGMA wal_autocheckpoint = {READ_MODEL_CHECKPOINT_PAGES}")
            try:
                with connection.transaction(commit=True) as cursor:
                    yield cursor
            finally:
                pragma.execute(f"PRAGMA synchronous = {level}")
                pragma.execute(f"PRAGMA wal_autocheckpoint = {EVENT_CHECKPOINT_PAGES}")


class SQLiteReaders:
    """Read-only connections to a SQLite file, one per thread, outside the event store's pool.

    In WAL mode a reader never waits for the writer, and a connection of its own never
    waits for a pool slot (the pool's fair queue holds readers behind a writer waiting for
    the write lock), so reads through these are short enough to run on the event loop.
    Each read is one transaction: one snapshot for all its statements.
    """

    def __init__(self, path: str, timeout: float) -> None:
        self._path = path
        self._timeout = timeout
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self._path,
                uri=True,
                check_same_thread=False,
                isolation_level=None,
                timeout=self._timeout,
            )
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA query_only = ON")
            with self._lock:
                self._opened.append(connection)
            self._local.connection = connection
        return connection

    def idle(self) -> bool:
        """False inside a read of this thread: a nested read takes a pooled connection."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        return connection is None or not connection.in_transaction

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        try:
            connection = self._connection()
            cursor = connection.cursor()
            cursor.execute("BEGIN")
        except sqlite3.OperationalError as error:
            raise OperationalError(error) from error
        except sqlite3.Error as error:
            raise PersistenceError(error) from error
        try:
            yield cursor
        except sqlite3.OperationalError as error:
            raise OperationalError(error) from error
        except sqlite3.Error as error:
            raise PersistenceError(error) from error
        finally:
            connection.rollback()

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()


def sql_gateway(application: Any, settings: Settings) -> SqlGateway:
    """The read-model gateway sharing the application's event-store datastore."""
    recorder = application.recorder
    if settings.persistence == "postgres":
        pg = settings.postgres
        return SqlGateway(
            recorder.datastore, "postgres", pg.schema,
            rewrite_after_erasure=pg.erasure_vacuum == "full",
        )  # fmt: skip
    if settings.persistence == "sqlite":
        readers = SQLiteReaders(settings.sqlite_path, timeout=_SQLITE_LOCK_TIMEOUT)
        return SqlGateway(recorder.datastore, "sqlite", readers=readers)
    return SqlGateway(_memory_datastore(), "sqlite")


def _memory_datastore() -> Any:
    """Read models for the in-memory (POPO) event store live in an in-memory SQLite."""
    from eventsourcing.sqlite import SQLiteDatastore

    # A shared-cache URI so every pooled connection sees the same in-memory database. The
    # name must be unique per process lifetime: a reused name joins a database still open.
    name = f"file:skillpath-{uuid.uuid4().hex}?mode=memory&cache=shared"
    return SQLiteDatastore(name)
