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
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from app.persistence import SqlGateway, Transaction
from app.projections.batching import batch_transaction

log = logging.getLogger(__name__)

POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS {projection_positions} ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)

#: A projection that cannot apply an event records it here, where every process sees it
#: (an API worker's readiness fails when the ``skillpath project`` worker is stuck).
FAILURES_DDL = (
    "CREATE TABLE IF NOT EXISTS {projection_failures} ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL, error TEXT NOT NULL,"
    " failed_at DOUBLE PRECISION NOT NULL)"
)
#: Events an operator told a projection to skip (``skillpath quarantine``).
QUARANTINE_DDL = (
    "CREATE TABLE IF NOT EXISTS {projection_quarantine} ("
    " name TEXT NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (name, position))"
)

Handler = Callable[[Any, Any, Transaction], None]
F = TypeVar("F", bound=Callable[..., None])


def handles(*event_classes: type) -> Callable[[F], F]:
    """Mark a projection method as the handler of these event classes."""

    def mark(method: F) -> F:
        method.__dict__.setdefault("_handles", []).extend(event_classes)
        return method

    return mark


@dataclass(frozen=True)
class ProjectionFailure:
    """A projection stopped at an event: which, where, why and since when (epoch seconds)."""

    name: str
    position: int
    error: str
    failed_at: float


class ProjectionFailed(Exception):
    """A projection could not apply the event at ``position``; nothing of its batch stays."""

    def __init__(self, name: str, position: int, error: BaseException) -> None:
        self.failure = ProjectionFailure(
            name, position, f"{type(error).__name__}: {error}"[:2000], time.time()
        )
        super().__init__(f"{name} failed on the event at position {position}: {error}")


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

    def apply_batch(self, events: Sequence[tuple[int, Any]], tx: Transaction) -> None:
        """Apply ``(position, event)`` pairs of one batch, in order.

        ``tx`` is a ``BatchTransaction`` (app/projections/batching.py): writes are held
        back and sent as sets, so a handler written for one event at a time already
        batches its writes. A projection may override this to fold the whole batch in
        memory; what it writes must equal applying the events one by one, since after any
        error the runner applies the batch again through ``apply``, one event at a time."""
        handlers = self._handlers
        for position, event in events:
            handler = handlers.get(type(event))
            if handler is None:
                continue
            try:
                handler(self, event, tx)
            except Exception as error:
                raise ProjectionFailed(self.name, position, error) from error

    def create(self, tx: Transaction) -> None:
        for statement in self.ddl:
            tx.execute(statement)

    def drop(self, tx: Transaction) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {{{table}}}")

    def after_commit(self, gateway: SqlGateway) -> None:
        """Work that must follow the commit of a batch this projection took part in (it
        cannot run inside the transaction); the read models count as caught up after it."""


def projection_position(tx: Transaction, name: str) -> int:
    """The event-store position the projection ``name`` has reached, read in ``tx``."""
    found = tx.scalar("SELECT position FROM {projection_positions} WHERE name = %s", (name,))
    return int(found or 0)


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
        batched: bool = True,
    ) -> None:
        self._app = application
        self.gateway = gateway
        self.projections = list(projections)
        self._batch_size = batch_size
        #: Whether projections get a batch at once (``apply_batch`` on a transaction that
        #: holds writes back); false applies and writes every event on its own.
        self._batched = batched
        self._poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._progress = threading.Condition()
        self._position = 0
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        #: Batches that stopped at an event a projection could not apply (for /metrics).
        self.failed_batches = 0
        # A failure may be recorded (by this process or an earlier one): clear it once past.
        self._failing = True
        self._blocked: dict[str, int] = {}
        #: Called with the new position after each committed batch (live pushes, policies).
        self.committed: list[Callable[[int], None]] = []
        self._quiet = False
        self.create_tables()

    # -- set-up -------------------------------------------------------------------------

    def create_tables(self) -> None:
        with self.gateway.transaction(write=True) as tx:
            tx.execute(POSITIONS_DDL)
            tx.execute(FAILURES_DDL)
            tx.execute(QUARANTINE_DDL)
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
            tx.execute("DELETE FROM {projection_failures}")
        self._position = 0
        self.retry_failed()

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
        """Apply the next batch of events; returns how many notifications were read.

        A projection that cannot apply an event is left behind at it (logged, recorded in
        ``projection_failures`` for every process to see, retried later); the others go on."""
        positions = self.positions()
        # A projection left behind at an event still takes every event before it.
        waiting = [
            positions[p.name] for p in self.projections
            if positions[p.name] < self._blocked.get(p.name, 0) - 1 or p.name not in self._blocked
        ]  # fmt: skip
        if not waiting:
            return 0
        notifications = self._app.recorder.select_notifications(
            start=min(waiting) + 1, limit=self._batch_size
        )
        if not notifications:
            return 0
        while True:
            try:
                self._apply(notifications)
                return len(notifications)
            except ProjectionFailed as failed:
                self._blocked[failed.failure.name] = failed.failure.position
                self._record_failure(failed.failure)

    def _apply(self, notifications: Sequence[Notification]) -> None:
        try:
            self._apply_in(notifications, batched=self._batched)
        except Exception as error:
            if not self._batched:
                raise
            # Held-back writes fail when they are sent, not at their event: roll the batch
            # back (the transaction did) and apply it again one event at a time, which
            # names the event, or, if the error does not come back, stores the batch.
            log.warning("a batch failed (%s); applying it again one event at a time", error)
            self._apply_in(notifications, batched=False)
        self._after(notifications[-1].id)

    def _apply_in(self, notifications: Sequence[Notification], *, batched: bool) -> None:
        last = notifications[-1].id
        decoded: dict[int, Any] = {}

        def event_at(notification: Notification) -> Any:
            event = decoded.get(notification.id)
            if event is None:
                event = decoded[notification.id] = self._app.mapper.to_domain_event(notification)
            return event

        # Rows and positions commit together, so a batch lost in a crash is simply applied
        # again from the log: no need to wait for the disk (the events' own commits do).
        with self.gateway.transaction(write=True, durable=False) as plain:
            positions = self._read_positions(plain, lock=True)
            skipped = self._quarantined(plain)
            tx = batch_transaction(plain) if batched else plain
            advanced: dict[str, int] = {}
            for projection in self.projections:
                done = positions[projection.name]
                until = min(last, self._blocked.get(projection.name, last + 1) - 1)
                if done >= until:
                    continue
                wanted = [
                    n for n in notifications
                    if done < n.id <= until and (projection.name, n.id) not in skipped
                ]  # fmt: skip
                if batched:
                    events: list[tuple[int, Any]] = []
                    for notification in wanted:
                        try:
                            event = event_at(notification)
                        except Exception as error:
                            raise ProjectionFailed(
                                projection.name, notification.id, error
                            ) from error
                        if projection.handles_event(event):
                            events.append((notification.id, event))
                    if events:
                        projection.apply_batch(events, tx)
                else:
                    for notification in wanted:
                        try:
                            projection.apply(event_at(notification), tx)
                        except Exception as error:
                            raise ProjectionFailed(
                                projection.name, notification.id, error
                            ) from error
                advanced[projection.name] = until
            if batched:
                tx.flush()  # type: ignore[attr-defined]
            self._save_positions(plain, advanced)
            failing = self._failing
            if failing:
                plain.executemany(
                    "DELETE FROM {projection_failures} WHERE name = %s AND position <= %s",
                    list(advanced.items()),
                )
                failing = bool(self._blocked)
        self._failing = failing

    def _after(self, last: int) -> None:
        for projection in self.projections:
            try:
                projection.after_commit(self.gateway)
            except Exception:  # the batch is committed; the projection retries next time
                log.exception("%s: work after the commit failed", projection.name)
        # Every read model has reached ``last`` but those left behind at a failed event.
        reached = min([last, *(position - 1 for position in self._blocked.values())])
        self._advanced(reached, last)

    def retry_failed(self) -> None:
        """Try the projections left behind at an event again (after a fix or a quarantine)."""
        self._blocked.clear()

    @property
    def behind(self) -> dict[str, int]:
        """Projections this runner left behind, and the position each cannot apply."""
        return dict(self._blocked)

    def _quarantined(self, tx: Transaction) -> set[tuple[str, int]]:
        rows = tx.rows("SELECT name, position FROM {projection_quarantine}")
        return {(row["name"], int(row["position"])) for row in rows}

    def _record_failure(self, failure: ProjectionFailure) -> None:
        """Log it and store it where every process's readiness check reads it."""
        log.error(
            "projection %s cannot apply the event at position %d: %s",
            failure.name, failure.position, failure.error,
            extra={"projection": failure.name, "position": failure.position},
        )  # fmt: skip
        self.failed_batches += 1
        with self.gateway.transaction(write=True) as tx:
            tx.execute(
                "INSERT INTO {projection_failures} (name, position, error, failed_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET"
                " position = excluded.position, error = excluded.error,"
                " failed_at = excluded.failed_at",
                (failure.name, failure.position, failure.error, failure.failed_at),
            )

    def failures(self) -> list[ProjectionFailure]:
        """Projections stopped at an event, as recorded by whichever process runs them."""
        with self.gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT name, position, error, failed_at FROM {projection_failures}")
            return [
                ProjectionFailure(r["name"], int(r["position"]), r["error"], float(r["failed_at"]))
                for r in rows
            ]

    def quarantine(self, name: str, position: int) -> None:
        """Let ``name`` skip the event at ``position`` from its next batch on."""
        if name not in {p.name for p in self.projections}:
            raise ValueError(f"no projection is named {name!r}")
        with self.gateway.transaction(write=True) as tx:
            tx.execute(
                "INSERT INTO {projection_quarantine} (name, position) VALUES (%s, %s)"
                " ON CONFLICT (name, position) DO NOTHING",
                (name, position),
            )
        self._failing = True  # the recorded failure is cleared once the batch commits
        self.retry_failed()
        self.wake()

    def _save_positions(self, tx: Transaction, positions: dict[str, int]) -> None:
        tx.executemany(
            "INSERT INTO {projection_positions} (name, position) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            list(positions.items()),
        )

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Process until the read models reach the head of the log; returns events read.

        It stops at a batch that finds nothing new, not at a short one: listeners told of a
        batch may save events (the quality loop flags modules), which belong to this run.
        Projections left behind at an event by an earlier run are tried again (once)."""
        self.retry_failed()
        total = 0
        while not self._stopping.is_set() or threading.current_thread() is not self._thread:
            count = self.process_batch()
            if not count:
                return total
            total += count
            if progress is not None:
                progress(count)
        return total  # stopping: the batch in flight is committed

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

    def following(self) -> bool:
        """Whether the follower thread runs."""
        return self._thread is not None and self._thread.is_alive()

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
            except Exception:  # the database is away, say: retry later
                log.exception("projection batch failed; retrying")
                self.last_error = "projection batch failed; see the log"
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if self._blocked:
                # Logged and recorded when found; tried again (a quarantine may have come
                # from another process) less and less often.
                self.last_error = "; ".join(
                    f"{name} cannot apply the event at position {position}"
                    for name, position in sorted(self._blocked.items())
                )
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                self.retry_failed()
                continue
            backoff = self._poll_seconds
            self.last_error = None
            self._wake.wait(self._poll_seconds)

    def _advanced(self, reached: int, committed: int) -> None:
        with self._progress:
            self._position = max(self._position, reached)
            self._progress.notify_all()
        if not self._quiet:
            self.notify_committed(committed)

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
