"""Idempotency keys: a retried mutation with the same key by the same caller answers its
first result and writes nothing; the same key with another input is a conflict.

A key is reserved (an insert on the primary key ``(caller, key)``) before the mutation runs,
so two concurrent requests with one key never both write; the first result is stored
beside the hash of its input. A mutation that was refused (a typed error, nothing written)
releases its key, so the caller may correct the input and retry under the same key. Keys
are forgotten after ``SKILLPATH_IDEMPOTENCY_KEEP_HOURS``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.persistence import SqlGateway

IDEMPOTENCY_DDL = (
    "CREATE TABLE IF NOT EXISTS {idempotency_keys} ("
    " caller TEXT NOT NULL, idempotency_key TEXT NOT NULL, input_hash TEXT NOT NULL,"
    " reservation TEXT NOT NULL, result TEXT, created_at TEXT NOT NULL,"
    " PRIMARY KEY (caller, idempotency_key))",
    "CREATE INDEX IF NOT EXISTS idempotency_keys_created ON {idempotency_keys} (created_at)",
)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Reserved:
    """The key is new: run the mutation, then ``finish`` or ``release``."""


@dataclass(frozen=True)
class Replay:
    """The key answered before with the same input: this is that first result."""

    result: dict[str, Any]


@dataclass(frozen=True)
class Clash:
    """The key cannot be used for this request; ``reason`` says why."""

    reason: str


Claim = Reserved | Replay | Clash


def input_hash(operation: str, arguments: Any) -> str:
    """A stable digest of what was asked: the operation and its arguments, canonical JSON."""
    text = json.dumps([operation, arguments], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a usable idempotency key, or None."""
    if not key.strip():
        return "must not be empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"must be at most {MAX_KEY_LENGTH} characters long"
    if any(not ch.isprintable() for ch in key):
        return "must not contain control characters"
    return None


class IdempotencyKeys:
    """The keys callers sent with mutations, and what the first request with each answered."""

    def __init__(self, gateway: SqlGateway, keep: timedelta) -> None:
        self.gateway = gateway
        self.keep = keep
        with gateway.transaction(write=True) as tx:
            for statement in IDEMPOTENCY_DDL:
                tx.execute(statement)

    def claim(self, caller: str, key: str, digest: str, now: datetime | None = None) -> Claim:
        """Reserve ``key`` for this request, or say what answered it before."""
        now = now or datetime.now(UTC)
        expired = (now - self.keep).isoformat()
        reservation = uuid.uuid4().hex
        with self.gateway.transaction(write=True) as tx:
            tx.execute("DELETE FROM {idempotency_keys} WHERE created_at < %s", (expired,))
            tx.execute(
                "INSERT INTO {idempotency_keys}"
                " (caller, idempotency_key, input_hash, reservation, created_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (caller, idempotency_key) DO NOTHING",
                (caller, key, digest, reservation, now.isoformat()),
            )
            row = tx.row(
                "SELECT input_hash, reservation, result FROM {idempotency_keys}"
                " WHERE caller = %s AND idempotency_key = %s",
                (caller, key),
            )
        assert row is not None
        if row["input_hash"] != digest:
            return Clash(
                "this idempotency key was used for a different request; send a new key for"
                " a new request"
            )
        if row["reservation"] == reservation:
            return Reserved()
        if row["result"] is None:
            return Clash("a request with this idempotency key is still running; retry later")
        return Replay(json.loads(row["result"]))

    def finish(self, caller: str, key: str, result: dict[str, Any]) -> None:
        """Keep the first result for repeats."""
        with self.gateway.transaction(write=True) as tx:
            tx.execute(
                "UPDATE {idempotency_keys} SET result = %s"
                " WHERE caller = %s AND idempotency_key = %s",
                (json.dumps(result, sort_keys=True), caller, key),
            )

    def release(self, caller: str, key: str) -> None:
        """Forget a reservation whose request wrote nothing (refused or failed)."""
        with self.gateway.transaction(write=True) as tx:
            tx.execute(
                "DELETE FROM {idempotency_keys} WHERE caller = %s AND idempotency_key = %s"
                " AND result IS NULL",
                (caller, key),
            )
