"""One key per data subject, wrapped by the master key, in its own table of the same database.

Deleting a subject's key is erasure: every personal field sealed with it becomes unreadable,
in the database and in every copy of the events. An erased subject keeps a tombstone row
(no key, the time of erasure), so the key can never come back and new personal data about
the subject is not stored at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.consent.cipher import KEY_BYTES, SealBroken, Sealer, derive_secret, new_key
from app.persistence import SqlGateway, Transaction

log = logging.getLogger(__name__)

KEYS_DDL = (
    "CREATE TABLE IF NOT EXISTS {subject_keys} ("
    " subject TEXT PRIMARY KEY, wrapped_key TEXT, created_at TEXT NOT NULL, erased_at TEXT)",
    # Secrets derived from the first master key, sealed by the current one: written by a
    # rotation, so that the hash chain and the e-mail claims keep their keys.
    "CREATE TABLE IF NOT EXISTS {master_secrets} (purpose TEXT PRIMARY KEY, sealed TEXT NOT NULL)",
)
#: The secret that seals webhook endpoint secrets (in their events and the endpoint table).
WEBHOOK_SECRETS = "webhook-secrets"
#: What a rotation keeps: secrets that key data already written (the log's hash chain, the
#: ids of e-mail claims, the webhook secrets sealed in events). The embedded token secret
#: is not kept: tokens are short-lived.
KEPT_ACROSS_ROTATION = ("email-claim", "event-chain", WEBHOOK_SECRETS)
#: How long a process trusts a key it read; an erasure in another process takes effect in
#: this process's memory within this time (in the database it is immediate).
KEY_CACHE_SECONDS = 30.0
KEY_CACHE_SIZE = 50_000
MASTER_KEY_FILE = "master.key"


class MasterKeyError(ValueError):
    """The master key is missing or unusable; the message is one line naming the setting."""


def parse_master_key(encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"SKILLPATH_MASTER_KEY must be {KEY_BYTES} random bytes in base64"
            " (create one with `skillpath master-key`)"
        )
    return key


def encode_master_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


def resolve_master_key(configured: str, *, local_dir: Path | None) -> bytes:
    """The master key: from the environment; in embedded mode generated once under ``var/``.

    ``local_dir`` is where an embedded database keeps its files (``None``: in memory, where
    a key for the life of the process is enough). Production mode never gets here without
    a configured key: reading the settings refuses to start.
    """
    if configured.strip():
        return parse_master_key(configured)
    if local_dir is None:
        return new_key()
    path = local_dir / MASTER_KEY_FILE
    if path.exists():
        return parse_master_key(path.read_text())
    local_dir.mkdir(parents=True, exist_ok=True)
    key = new_key()
    # Created readable by the owner only; a second process racing us keeps the first key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return parse_master_key(path.read_text())
    with os.fdopen(fd, "w") as file:
        file.write(encode_master_key(key) + "\n")
    log.warning(
        "generated a local master key at %s; anyone with this file and the database can read"
        " personal data. Production sets SKILLPATH_MASTER_KEY instead.",
        path,
    )
    return key


def development_master_key(database: str) -> bytes:
    """A key derived from the database's name, for settings built in code (tests, benchmarks).

    Anyone who knows the name can derive it, so it protects nothing; the environment
    (``Settings.from_env``) never allows it: production must set SKILLPATH_MASTER_KEY.
    """
    log.warning("no SKILLPATH_MASTER_KEY: using a development key for %s", database)
    return hashlib.sha256(f"skillpath development key/{database}".encode()).digest()


@dataclass(frozen=True)
class KeyErasure:
    """The outcome of erasing a subject's key."""

    subject: str
    erased_at: datetime
    already_erased: bool


@dataclass(frozen=True)
class _Cached:
    sealer: Sealer | None  # None: erased
    read_at: float


class SubjectKeys:
    """Per-subject data keys: created on first use, cached briefly, erased for good."""

    def __init__(
        self,
        gateway: SqlGateway,
        master_key: bytes,
        *,
        cache_seconds: float = KEY_CACHE_SECONDS,
        cache_size: int = KEY_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
        compact: Callable[[], None] | None = None,
    ) -> None:
        self._gateway = gateway
        self._compact = compact
        self._master_key = master_key
        self._master = Sealer(master_key)
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cache_seconds = cache_seconds
        self._cache_size = cache_size
        self._clock = clock
        self._lock = threading.Lock()

    def create_table(self) -> None:
        with self._gateway.transaction(write=True) as tx:
            for statement in KEYS_DDL:
                tx.execute(statement)

    def check_master_key(self) -> None:
        """Fail at start-up, not at the first read, when the master key is not this database's."""
        with self._gateway.transaction(write=False) as tx:
            row = tx.row(
                "SELECT subject, wrapped_key FROM {subject_keys}"
                " WHERE wrapped_key IS NOT NULL LIMIT 1"
            )
        if row is not None:
            self._unwrap(row["subject"], row["wrapped_key"])

    def derived_secret(self, purpose: str) -> bytes:
        """A secret for ``purpose``: derived from the master key, or, once the key was rotated,
        the one derived from the first master key, as the rotation sealed it."""
        with self._gateway.transaction(write=False) as tx:
            return self._derived(tx, purpose)

    def rotate(self, new_master_key: bytes) -> int:
        """Wrap every data key with ``new_master_key`` and keep the derived secrets, in one
        transaction; returns how many data keys were re-wrapped. Other processes must be
        stopped: one still on the old key would wrap new data keys with it."""
        new = Sealer(new_master_key)
        with self._gateway.transaction(write=True) as tx:
            for purpose in KEPT_ACROSS_ROTATION:
                sealed = new.seal(self._derived(tx, purpose), _secret_context(purpose))
                tx.execute(
                    "INSERT INTO {master_secrets} (purpose, sealed) VALUES (%s, %s)"
                    " ON CONFLICT (purpose) DO UPDATE SET sealed = excluded.sealed",
                    (purpose, base64.b64encode(sealed).decode()),
                )
            rows = tx.rows(
                "SELECT subject, wrapped_key FROM {subject_keys} WHERE wrapped_key IS NOT NULL"
            )
            rewrapped = [
                (
                    base64.b64encode(
                        new.seal(self._open(r["subject"], r["wrapped_key"]), _context(r["subject"]))
                    ).decode(),
                    r["subject"],
                )
                for r in rows
            ]
            tx.executemany(
                "UPDATE {subject_keys} SET wrapped_key = %s WHERE subject = %s", rewrapped
            )
        with self._lock:
            self._master_key, self._master = new_master_key, new
            self._cache.clear()
        if self._compact is not None:
            self._compact()  # the keys wrapped by the old master key leave the files too
        return len(rewrapped)

    def _derived(self, tx: Transaction, purpose: str) -> bytes:
        sealed = tx.scalar("SELECT sealed FROM {master_secrets} WHERE purpose = %s", (purpose,))
        if sealed is None:
            return derive_secret(self._master_key, purpose)
        try:
            opened: bytes = self._master.open(base64.b64decode(sealed), _secret_context(purpose))
        except SealBroken:
            raise MasterKeyError(
                "SKILLPATH_MASTER_KEY does not open the secrets stored in this database;"
                " after a rotation every process needs the new key"
            ) from None
        return opened

    # -- use ----------------------------------------------------------------------------

    def for_writing(self, subject: str) -> Sealer | None:
        """The subject's key, created if they have none; ``None`` once they are erased."""
        found = self._cached(subject)
        if found is not None:
            return found.sealer
        wrapped = self._wrap(subject, new_key())
        # Not waiting for the disk is safe here: the events sealed with this key commit
        # after it and do wait, and both logs (WAL) are written in order, so an event that
        # survives a crash brings its key with it. Two writers may race to create the first
        # key: the first insert wins for both.
        with self._gateway.transaction(write=True, durable=False) as tx:
            tx.execute(
                "INSERT INTO {subject_keys} (subject, wrapped_key, created_at)"
                " VALUES (%s, %s, %s) ON CONFLICT (subject) DO NOTHING",
                (subject, wrapped, datetime.now(UTC).isoformat()),
            )
            row = tx.row("SELECT wrapped_key FROM {subject_keys} WHERE subject = %s", (subject,))
        assert row is not None
        return self._remember(subject, row["wrapped_key"]).sealer

    def for_reading(self, subject: str) -> Sealer | None:
        """The subject's key, or ``None`` when they were erased (or never had one)."""
        found = self._cached(subject)
        if found is not None:
            return found.sealer
        with self._gateway.transaction(write=False) as tx:
            row = tx.row("SELECT wrapped_key FROM {subject_keys} WHERE subject = %s", (subject,))
        if row is None:
            # Not cached: a key created a moment later by another process must be found.
            return None
        return self._remember(subject, row["wrapped_key"]).sealer

    def erased_at(self, subject: str) -> datetime | None:
        with self._gateway.transaction(write=False) as tx:
            value = tx.scalar("SELECT erased_at FROM {subject_keys} WHERE subject = %s", (subject,))
        return None if value is None else datetime.fromisoformat(str(value))

    # -- erasure ------------------------------------------------------------------------

    def erase(self, subject: str, at: datetime) -> KeyErasure:
        """Delete the subject's key and leave a tombstone; erasing again changes nothing."""
        with self._gateway.transaction(write=True) as tx:
            if self._gateway.dialect == "sqlite":
                # Overwrite the freed bytes instead of leaving the old key in a free page.
                tx.execute("PRAGMA secure_delete = ON")
            row = tx.row("SELECT erased_at FROM {subject_keys} WHERE subject = %s", (subject,))
            if row is not None and row["erased_at"] is not None:
                self.forget(subject)
                return KeyErasure(subject, datetime.fromisoformat(row["erased_at"]), True)
            if row is None:
                tx.execute(
                    "INSERT INTO {subject_keys} (subject, wrapped_key, created_at, erased_at)"
                    " VALUES (%s, NULL, %s, %s)",
                    (subject, at.isoformat(), at.isoformat()),
                )
            else:
                tx.execute(
                    "UPDATE {subject_keys} SET wrapped_key = NULL, erased_at = %s"
                    " WHERE subject = %s",
                    (at.isoformat(), subject),
                )
        self.forget(subject)
        if self._compact is not None:
            self._compact()
        return KeyErasure(subject, at, False)

    def forget(self, subject: str) -> None:
        """Drop the subject's key from this process's memory."""
        with self._lock:
            self._cache.pop(subject, None)

    # -- internals ----------------------------------------------------------------------

    def _wrap(self, subject: str, key: bytes) -> str:
        return base64.b64encode(self._master.seal(key, _context(subject))).decode()

    def _unwrap(self, subject: str, wrapped: str) -> Sealer:
        return Sealer(self._open(subject, wrapped))

    def _open(self, subject: str, wrapped: str) -> bytes:
        try:
            key: bytes = self._master.open(base64.b64decode(wrapped), _context(subject))
        except SealBroken:
            raise MasterKeyError(
                "SKILLPATH_MASTER_KEY does not open the data keys stored in this database;"
                " it must be the key the database was created with, or the key it was"
                " rotated to (skillpath rotate-master-key)"
            ) from None
        return key

    def _cached(self, subject: str) -> _Cached | None:
        with self._lock:
            found = self._cache.get(subject)
            if found is None:
                return None
            if found.sealer is not None and self._clock() - found.read_at > self._cache_seconds:
                del self._cache[subject]
                return None
            self._cache.move_to_end(subject)
            return found

    def _remember(self, subject: str, wrapped: str | None) -> _Cached:
        # A tombstone is final, so it may stay cached; a key must be re-read now and then.
        entry = _Cached(None if wrapped is None else self._unwrap(subject, wrapped), self._clock())
        with self._lock:
            self._cache[subject] = entry
            self._cache.move_to_end(subject)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return entry


def _context(subject: str) -> bytes:
    return f"subject-key/{subject}".encode()


def _secret_context(purpose: str) -> bytes:
    return f"derived-secret/{purpose}".encode()


def subject_keys_for(factory: Any, master_key: bytes) -> SubjectKeys:
    """The key table on the event store's own database (for POPO, a private in-memory one)."""
    datastore: Any = getattr(factory, "datastore", None)
    if datastore is None:
        from eventsourcing.sqlite import SQLiteDatastore

        datastore = SQLiteDatastore(
            f"file:skillpath-keys-{uuid.uuid4().hex}?mode=memory&cache=shared"
        )
    postgres = type(datastore).__name__ == "PostgresDatastore"
    # The key table is small: rewriting it after each erasure (a full vacuum) is cheap, and
    # only a rewrite takes a dead key row's bytes out of PostgreSQL's data files.
    gateway = SqlGateway(datastore, "postgres" if postgres else "sqlite",
                         datastore.schema if postgres else "",
                         rewrite_after_erasure=True)  # fmt: skip

    def compact() -> None:
        # Deleted keys must leave the files too: PostgreSQL keeps dead row versions until a
        # vacuum, SQLite keeps old pages in its write-ahead log until a checkpoint (tried
        # again by the erasure projection once it has overwritten the read models).
        gateway.release_overwritten(["subject_keys"])

    keys = SubjectKeys(gateway, master_key, compact=compact)
    keys.create_table()
    keys.check_master_key()
    return keys
