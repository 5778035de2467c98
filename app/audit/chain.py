"""The hash chain over the event log, and the walk that checks it.

Every stored event carries ``chain_hash = HMAC(chain key, previous hash + the event as
stored)``, where the event as stored is its originator id, version, topic and state bytes
(personal fields in there are ciphertext, so erasure never changes a hash). The key is
derived from the master key, so someone who can write to the database but does not hold
the master key cannot recompute the chain after changing an event.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

GENESIS = bytes(32)
#: How far past a break the walk looks for the event that belongs there (a reordering).
REORDER_LOOKAHEAD = 1_000


def link(key: bytes, previous: bytes, originator_id: UUID | str, version: int, topic: str,
         state: bytes) -> bytes:  # fmt: skip
    """The chain hash of one stored event that follows an event with hash ``previous``."""
    mac = hmac.new(key, previous, hashlib.sha256)
    for part in (str(originator_id).encode(), str(version).encode(), topic.encode(), state):
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.digest()


@dataclass(frozen=True)
class ChainedEvent:
    """One row of the event log as stored, with its chain hash."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    chain_hash: bytes | None

    def link_from(self, key: bytes, previous: bytes) -> bytes:
        return link(
            key, previous, self.originator_id, self.originator_version, self.topic, self.state
        )


class ChainedLog(Protocol):
    """What the walk needs from a recorder: the rows after a position, in log order."""

    def select_chain(self, after: int, limit: int) -> Sequence[ChainedEvent]: ...


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the log is not what was written."""

    position: int
    kind: str  # altered, removed, reordered, unsealed, truncated
    message: str


@dataclass(frozen=True)
class IntegrityReport:
    """The outcome of walking the chain from the first event to the head."""

    checked: int
    head_position: int
    head_hash: str
    first_break: ChainBreak | None
    seconds: float

    @property
    def intact(self) -> bool:
        return self.first_break is None

    @property
    def events_per_second(self) -> float:
        return self.checked / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        if self.first_break is None:
            return (
                f"The event log is intact: {self.checked} events checked up to position"
                f" {self.head_position} (head hash {self.head_hash})."
            )
        found = self.first_break
        return f"The event log was tampered with at position {found.position}: {found.message}"


def verify_chain(
    log: ChainedLog,
    key: bytes,
    *,
    seen_up_to: int = 0,
    batch_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> IntegrityReport:
    """Walk the whole chain; ``seen_up_to`` is a position known to have existed (read models
    had reached it), so a log that now ends earlier has lost its tail."""
    started = time.perf_counter()
    previous, previous_position, checked = GENESIS, 0, 0
    found: ChainBreak | None = None
    while found is None:
        rows = log.select_chain(previous_position, batch_size)
        if not rows:
            break
        for index, row in enumerate(rows):
            if row.chain_hash is None:
                found = ChainBreak(
                    row.position, "unsealed", f"the event at position {row.position} has no hash"
                )
            elif row.link_from(key, previous) != row.chain_hash:
                found = _explain(log, key, previous, previous_position, row, rows[index + 1 :])
            if found is not None:
                break
            assert row.chain_hash is not None
            previous, previous_position = row.chain_hash, row.position
            checked += 1
        if progress is not None:
            progress(len(rows))
    if found is None and seen_up_to > previous_position:
        found = ChainBreak(
            previous_position + 1,
            "truncated",
            f"the log ends at position {previous_position} but the read models had already"
            f" seen position {seen_up_to}: events after {previous_position} were removed",
        )
    return IntegrityReport(
        checked=checked,
        head_position=previous_position,
        head_hash=previous.hex(),
        first_break=found,
        seconds=time.perf_counter() - started,
    )


def _explain(
    log: ChainedLog,
    key: bytes,
    previous: bytes,
    previous_position: int,
    row: ChainedEvent,
    following: Sequence[ChainedEvent],
) -> ChainBreak:
    """Why ``row`` does not follow ``previous``: moved, missing neighbours, or changed."""
    ahead = list(following[:REORDER_LOOKAHEAD])
    if len(ahead) < REORDER_LOOKAHEAD:
        ahead += log.select_chain(row.position, REORDER_LOOKAHEAD)[len(ahead) :]
    for later in ahead:
        if later.chain_hash is not None and later.link_from(key, previous) == later.chain_hash:
            return ChainBreak(
                row.position,
                "reordered",
                f"the event that belongs at position {row.position} is stored at position"
                f" {later.position}: events were reordered",
            )
    if row.position > previous_position + 1:
        first_missing = previous_position + 1
        return ChainBreak(
            first_missing,
            "removed",
            f"positions {first_missing} to {row.position - 1} are missing and the event at"
            f" {row.position} does not follow {previous_position}: events were removed"
            f" (or the event at {row.position} was altered)",
        )
    return ChainBreak(
        row.position,
        "altered",
        f"the event at position {row.position} no longer matches its hash: it was altered",
    )
