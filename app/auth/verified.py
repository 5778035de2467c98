"""Verified tokens remembered until they expire, so a client's next request skips the check.

A dashboard or an app sends the same bearer token with every request; verifying its
signature and claims each time cost about a tenth of a small query. A token that verified
once stays valid until its ``exp`` (a JWT cannot be revoked before that), so its actor is
kept until then, capped at ``limit`` tokens (least recently used leave first). Refused
tokens are not remembered: each is checked again and refused with its reason. Whether the
person may still act (left, erased) is checked on every request by the caller, not here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import jwt

from app.aggregates import Actor


class Verifier(Protocol):
    def actor(self, token: str) -> Actor: ...


class VerifiedTokens:
    """``actor(token)`` of ``verifier``, remembered until the token's expiry."""

    def __init__(
        self,
        verifier: Verifier,
        *,
        limit: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = verifier
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._known: OrderedDict[str, tuple[Actor, float]] = OrderedDict()

    def actor(self, token: str) -> Actor:
        now = self._clock()
        with self._lock:
            known = self._known.get(token)
            if known is not None:
                if known[1] > now:
                    self._known.move_to_end(token)
                    return known[0]
                del self._known[token]
        actor = self.verifier.actor(token)  # raises TokenRejected with the reason
        expires = _expiry(token)
        if expires > now and self._limit > 0:
            with self._lock:
                self._known[token] = (actor, expires)
                self._known.move_to_end(token)
                while len(self._known) > self._limit:
                    self._known.popitem(last=False)
        return actor

    def __len__(self) -> int:
        return len(self._known)


def _expiry(token: str) -> float:
    """The ``exp`` of a token that has just been verified (0 when it has none)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else 0.0
