"""Automatic persisted queries (Apollo's protocol): a client sends a query's SHA-256 hash
instead of its text once the server knows it.

A request whose ``extensions.persistedQuery`` names ``{"version": 1, "sha256Hash": H}``:

- without a query: the query stored under H is run; an unknown H is answered with the
  standard ``PersistedQueryNotFound`` error (HTTP 200, code ``PERSISTED_QUERY_NOT_FOUND``),
  on which clients send the query with its hash;
- with a query: the query's SHA-256 must be H (else HTTP 400); it is stored under H and run.

Parsing and validation of a stored query come from the schema's document caches, keyed by
the text, so a known hash skips both and the client sends no query text. The store is
bounded (least recently used leave first) and holds only texts within the token limit that
validation enforces anyway.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from typing import Any

from strawberry.http import GraphQLRequestData

NOT_FOUND = "PersistedQueryNotFound"


class PersistedQueryRefused(Exception):
    """A persisted-query request that cannot be run: ``status`` and a GraphQL error body."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {
            "data": None,
            "errors": [{"message": message, "extensions": {"code": code}}],
        }


class PersistedQueries:
    """Query texts by their SHA-256, up to ``limit`` of them."""

    def __init__(self, limit: int = 5_000, max_length: int = 100_000) -> None:
        self._limit = limit
        self._max_length = max_length
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, str] = OrderedDict()

    def resolve(self, data: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its query text filled in from the store, or stored."""
        persisted = (data.extensions or {}).get("persistedQuery")
        if persisted is None:
            return data
        digest = _digest(persisted)
        if data.query is None:
            with self._lock:
                query = self._queries.get(digest)
                if query is not None:
                    self._queries.move_to_end(digest)
            if query is None:
                raise PersistedQueryRefused(200, NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")
            return dataclasses.replace(data, query=query)
        if hashlib.sha256(data.query.encode()).hexdigest() != digest:
            raise PersistedQueryRefused(
                400, "provided sha256Hash does not match the query", "BAD_REQUEST"
            )
        if len(data.query) <= self._max_length:
            with self._lock:
                self._queries[digest] = data.query
                self._queries.move_to_end(digest)
                while len(self._queries) > self._limit:
                    self._queries.popitem(last=False)
        return data

    def __len__(self) -> int:
        return len(self._queries)


def _digest(persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryRefused(
            400, "extensions.persistedQuery: only version 1 is supported", "BAD_REQUEST"
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64 or not _is_hex(digest):
        raise PersistedQueryRefused(
            400, "extensions.persistedQuery.sha256Hash: must be 64 hexadecimal digits",
            "BAD_REQUEST",
        )  # fmt: skip
    return digest.lower()


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)
