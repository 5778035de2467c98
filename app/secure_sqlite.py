"""SQLite that leaves no freed personal bytes behind: erasure must reach the file itself.

Overwriting a read-model column does not remove the old value from the file. SQLite moves
the old cell to the page's free space or frees whole pages, and in WAL mode the old page
images stay in the ``-wal`` file until it is reused or truncated. So every connection that
can write runs with ``secure_delete`` (freed cells and pages are zeroed before they are
written), and after an erasure the write-ahead log is checkpointed into the main file and
truncated to zero bytes.

A database written before ``secure_delete`` was on may still hold freed bytes; it is
vacuumed once (a rewrite without free space) when first opened by this code, and marked
with ``PRAGMA user_version`` so it is not vacuumed again.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType

log = logging.getLogger(__name__)

#: Write-ahead log pages past which a commit of events (or keys) also checkpoints the log
#: into the main file. Read-model batches checkpoint at SQLite's usual 1,000 pages
#: (``READ_MODEL_CHECKPOINT_PAGES``), off the request path, so an acknowledged write waits
#: for its own log sync only; this larger bound keeps the log finite when no projection
#: runs against the file.
EVENT_CHECKPOINT_PAGES = 20_000
READ_MODEL_CHECKPOINT_PAGES = 1_000
#: ``PRAGMA user_version`` of a database whose free space holds no readable bytes.
SECURED_VERSION = 1
#: Attempts at truncating the log before giving up until the next erasure or batch; each
#: attempt waits (SQLite's busy handler, the lock timeout) for readers of older snapshots.
TRUNCATE_ATTEMPTS = 3


class SecureDeletePool(SQLiteConnectionPool):
    """The library's pool, with ``secure_delete`` on every connection it opens, and the
    log checkpointed by read-model batches rather than by commits of events."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        cursor = connection.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {EVENT_CHECKPOINT_PAGES}")
        return connection


class SecureSQLiteDatastore(SQLiteDatastore):
    """The library's datastore on a :class:`SecureDeletePool` (events, keys, read models)."""

    def __init__(
        self,
        db_name: str,
        *,
        lock_timeout: int | None = None,
        single_row_tracking: bool = True,
        originator_id_type: Literal["uuid", "text"] = "uuid",
    ) -> None:
        super().__init__(
            db_name,
            lock_timeout=lock_timeout,
            single_row_tracking=single_row_tracking,
            originator_id_type=originator_id_type,
        )
        self.pool.close()  # nothing opened yet: pools connect on first use
        self.pool = SecureDeletePool(db_name=db_name, lock_timeout=lock_timeout)


class SecureSQLiteFactory(SQLiteFactory):
    """``PERSISTENCE_MODULE`` for embedded mode: the library's factory on a secure datastore."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        plain = self.datastore
        self.datastore = SecureSQLiteDatastore(
            plain.pool.db_name,
            lock_timeout=plain.pool.lock_timeout,
            single_row_tracking=plain.single_row_tracking,
            originator_id_type=plain.originator_id_type,
        )
        plain.close()
        if not self.datastore.pool.is_sqlite_memory_mode:
            secure_free_space(self.datastore)


def secure_free_space(datastore: SQLiteDatastore) -> None:
    """Vacuum a database once if it was written before ``secure_delete`` was on."""
    with datastore.get_connection(commit=True) as connection:
        cursor = connection.cursor()
        cursor.execute("PRAGMA user_version")
        if int(cursor.fetchone()[0]) >= SECURED_VERSION:
            return
        cursor.execute("SELECT COUNT(*) FROM sqlite_master")
        if int(cursor.fetchone()[0]):
            log.warning(
                "vacuuming %s once: it was written before freed bytes were zeroed",
                datastore.pool.db_name,
            )
            cursor.execute("VACUUM")
        cursor.execute(f"PRAGMA user_version = {SECURED_VERSION}")
    truncate_wal(datastore)


def truncate_wal(datastore: Any) -> bool:
    """Checkpoint the write-ahead log into the main file and cut it to zero bytes.

    Returns whether it was truncated. Readers still on an older snapshot make SQLite answer
    "busy" after its lock timeout; the attempt is repeated a few times, then given up with
    a warning (the erasure projection tries again after the next batch).
    """
    for attempt in range(TRUNCATE_ATTEMPTS):
        with datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = int(cursor.fetchone()[0])
        if not busy:
            return True
        time.sleep(0.05 * (attempt + 1))
    log.warning(
        "could not truncate the write-ahead log of %s: readers kept it busy",
        datastore.pool.db_name,
    )
    return False
