"""Projections follow the event store's notification log and keep read models in SQL.

Each projection has its own row in ``projection_positions``. A batch of events and the new
positions are written in one transaction, so after a crash or restart every projection
resumes exactly after the last event it stored: nothing is skipped and nothing is counted
twice. Positions are read under a row lock (PostgreSQL) or the single SQLite writer, so two
processes following the same log cannot both apply an event.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from app.persistence import SqlGateway, Transaction

log = logging.getLogger(__name__)

POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS {projection_positions} ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)

Handler = Callable[[Any, Any, Transaction], None]
F = TypeVar("F", bound=Callable[..., None])


def handles(*event_classes: type) -> Callable[[F], F]:
    """Mark a projection method as the handler of these event classes."""

    def mark(method: F) -> F:
        method.__dict__.setdefault("_handles", []).extend(event_classes)
        return method

    return mark


class Projection:
    """One read model: its tables, and how each event class changes them."""

    name: ClassVar[str]
    #: ``CREATE TABLE IF NOT EXISTS`` / ``CREATE INDEX IF NOT EXISTS`` statements.
    ddl: ClassVar[tuple[str, ...]]
    #: Tables this projection owns, dropped and rebuilt by a replay.
    tables: ClassVar[tuple[str, ...]]
    _handlers: ClassVar[dict[type, Handler]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for klass in reversed(cls.__mro__):
            for attribute in vars(klass).values():
                for event_class in getattr(attribute, "_handles", ()):
                    cls._handlers[event_class] = attribute

    def handles_event(self, event: Any) -> bool:
        return type(event) in self._handlers

    def apply(self, event: Any, tx: Transaction) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(self, event, tx)

    def create(self, tx: Transaction) -> None:
        for statement in self.ddl:
            tx.execute(statement)

    def drop(self, tx: Transaction) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {{{table}}}")

    def after_commit(self, gateway: SqlGateway) -> None:
        """Work that must follow the commit of a batch this projection took part in (it
        cannot run inside the transaction); the read models count as caught up after it."""


class ProjectionRunner:
    """Feeds the notification log to a set of projections, in a thread or on demand."""

    def __init__(
        self,
        application: Application[Any],
        gateway: SqlGateway,
        projections: Sequence[Projection],
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.2,
    ) -> None:
        self._app = application
        self.gateway = gateway
        self.projections = list(projections)
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._progress = threading.Condition()
        self._position = 0
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        #: Called with the new position after each committed batch (live pushes, policies).
        self.committed: list[Callable[[int], None]] = []
        self._quiet = False
        self.create_tables()

    # -- set-up -------------------------------------------------------------------------

    def create_tables(self) -> None:
        with self.gateway.transaction(write=True) as tx:
            tx.execute(POSITIONS_DDL)
            for projection in self.projections:
                projection.create(tx)
                # A row from the start, so that the row lock taken before applying a batch
                # also serialises two runners on a fresh database (nothing to lock otherwise).
                tx.execute(
                    "INSERT INTO {projection_positions} (name, position) VALUES (%s, 0)"
                    " ON CONFLICT (name) DO NOTHING",
                    (projection.name,),
                )
        self._position = min(self.positions().values(), default=0)

    def drop_tables(self) -> None:
        """Drop every read model and its position: the next run rebuilds from zero."""
        with self.gateway.transaction(write=True) as tx:
            for projection in self.projections:
                projection.drop(tx)
                tx.execute("DELETE FROM {projection_positions} WHERE name = %s", (projection.name,))
        self._position = 0

    def positions(self) -> dict[str, int]:
        with self.gateway.transaction(write=False) as tx:
            return self._read_positions(tx, lock=False)

    def _read_positions(self, tx: Transaction, *, lock: bool) -> dict[str, int]:
        suffix = " FOR UPDATE" if lock and self.gateway.dialect == "postgres" else ""
        stored = {
            row["name"]: int(row["position"])
            for row in tx.rows("SELECT name, position FROM {projection_positions}" + suffix)
        }
        return {p.name: stored.get(p.name, 0) for p in self.projections}

    # -- processing ---------------------------------------------------------------------

    def process_batch(self) -> int:
        """Apply the next batch of events; returns how many notifications were read."""
        start = min(self.positions().values(), default=0)
        notifications = self._app.recorder.select_notifications(
            start=start + 1, limit=self._batch_size
        )
        if not notifications:
            return 0
        self._apply(notifications)
        return len(notifications)

    def _apply(self, notifications: Sequence[Notification]) -> None:
        last = notifications[-1].id
        events = [(n.id, self._app.mapper.to_domain_event(n)) for n in notifications]
        # Rows and positions commit together, so a batch lost in a crash is simply applied
        # again from the log: no need to wait for the disk (the events' own commits do).
        with self.gateway.transaction(write=True, durable=False) as tx:
            positions = self._read_positions(tx, lock=True)
            advanced = []
            for projection in self.projections:
                done = positions[projection.name]
                if done >= last:
                    continue
                for notification_id, event in events:
                    if notification_id > done:
                        projection.apply(event, tx)
                advanced.append(projection.name)
            self._save_positions(tx, advanced, last)
        for projection in self.projections:
            try:
                projection.after_commit(self.gateway)
            except Exception:  # the batch is committed; the projection retries next time
                log.exception("%s: work after the commit failed", projection.name)
        self._advanced(last)

    def _save_positions(self, tx: Transaction, names: Sequence[str], position: int) -> None:
        tx.executemany(
            "INSERT INTO {projection_positions} (name, position) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            [(name, position) for name in names],
        )

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Process until the read models reach the head of the log; returns events read.

        It stops at a batch that finds nothing new, not at a short one: listeners told of a
        batch may save events (the quality loop flags modules), which belong to this run."""
        total = 0
        while True:
            count = self.process_batch()
            if not count:
                return total
            total += count
            if progress is not None:
                progress(count)

    # -- following ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._follow, name="projections", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def join(self) -> None:
        """Block while the follower thread runs (the ``skillpath project`` worker)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=1.0)

    def wake(self, _position: int = 0) -> None:
        self._wake.set()

    def _follow(self) -> None:
        backoff = self._poll_seconds
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.catch_up()
            except Exception:  # a poison event must not kill the follower; retry later
                log.exception("projection batch failed; retrying")
                self.last_error = "projection batch failed; see the log"
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = self._poll_seconds
            self.last_error = None
            self._wake.wait(self._poll_seconds)

    def _advanced(self, position: int) -> None:
        with self._progress:
            self._position = max(self._position, position)
            self._progress.notify_all()
        if not self._quiet:
            self.notify_committed(position)

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Hold back the listeners of committed batches (a rebuild shows half-built state)."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def notify_committed(self, position: int) -> None:
        """Tell the listeners (live pushes, policies) the read models reached ``position``."""
        for callback in self.committed:
            try:
                callback(position)
            except Exception:  # a listener's fault must not stop the read models
                log.exception("listener of committed batches failed")

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until every read model has reached ``position``; false on timeout."""
        deadline = time.monotonic() + timeout
        if self._thread is None:
            # Another process runs the projections: watch the stored positions.
            while min(self.positions().values(), default=0) < position:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)
            return True
        with self._progress:
            while self._position < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._progress.wait(remaining)
        return True

    @property
    def position(self) -> int:
        return self._position


def digest_rows(rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as sorted tuples, for comparing read models after a replay."""
    return sorted(tuple(sorted(row.items())) for row in rows)
